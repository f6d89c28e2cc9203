/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <fitsio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/em-ingest.h"
#include "app/em-pool.h"
#include "app/em-score.h"
#include "spectra/em-demo.h"
#include "spectra/em-spectrum-read.h"

typedef struct
{
  char    *dir;
  char    *pool_path;
  EmPool  *pool;
  NnModel *model;
} Fixture;

static void
rm_rf (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);

      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        rm_rf (p);
      else
        g_unlink (p);
    }
  g_rmdir (dir);
}

/* A pool of the demo survey plus the real LAMOST files (more than one
 * scoring batch), and an untrained small network (its outputs still
 * depend on every input). */
static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *demo = NULL;
  g_autofree char *lamost = g_test_build_filename (G_TEST_DIST, "data", "lamost", NULL);
  const char *sources[3] = { NULL, lamost, NULL };
  EmIngestOptions options;
  EmIngestSummary summary;
  char *err = NULL;

  f->dir = g_dir_make_tmp ("em-test-score-XXXXXX", &error);
  g_assert_no_error (error);
  demo = g_build_filename (f->dir, "pool", NULL);
  sources[0] = demo;
  f->pool_path = g_build_filename (f->dir, "p.fits", NULL);
  g_assert_true (em_demo_write (f->dir, 120, 10, 11, &error));
  g_assert_no_error (error);
  /* More rows than one batch, cheaply: links to the real LAMOST files. */
  for (guint i = 0; i < 1000; i++)
    {
      static const char *const names[] = {
        "med-58408-TD230151N343645T01_sp01-015.fits", "spec-55859-F5902_sp01-001.fits.gz",
        "spec-55859-F5902_sp01-013.fits.gz", "spec-58397-EG014118N254444M01_sp03-031.fits",
      };
      g_autofree char *target = g_build_filename (lamost, names[i % 4], NULL);
      g_autofree char *abs_target = g_canonicalize_filename (target, NULL);
      g_autofree char *name = g_strdup_printf ("copy-%04u-%s", i, names[i % 4]);
      g_autofree char *link = g_build_filename (demo, name, NULL);

      g_assert_cmpint (symlink (abs_target, link), ==, 0);
    }
  em_ingest_options_init (&options);
  options.n_threads = 2;
  options.root = f->dir;
  g_assert_true (em_ingest_run (f->pool_path, sources, &options, NULL, NULL, NULL, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.rows, >, 1024);
  em_ingest_summary_clear (&summary);
  f->pool = em_pool_open (f->pool_path, &error);
  g_assert_no_error (error);
  f->model = nn_model_new_preset ("small", 140, 3, 42, &err);
  g_assert_null (err);
  g_assert_nonnull (f->model);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  nn_model_free (f->model);
  em_pool_unref (f->pool);
  rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->pool_path);
}

/* Every row's probabilities equal those of the spectrum classified on its
 * own from its source file; the top rows are the highest scores. */
static void
test_score_matches_single (gconstpointer data)
{
  Fixture *f = (Fixture *) data;
  g_autoptr(GError) error = NULL;
  guint64 n = em_pool_get_n_rows (f->pool);
  EmPreprocessParams params;
  EmScoreResult r;
  float best = -INFINITY;

  em_score_result_init (&r);
  r.keep_probs = TRUE;
  g_assert_true (em_pool_score (f->pool, f->model, NN_QUERY_ENTROPY, NULL, 10, &r,
                                NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r.n_rows, ==, n);
  g_assert_cmpuint (r.n_classes, ==, 3);
  g_assert_cmpuint (r.n_top, ==, 10);

  em_pool_get_preprocess_params (f->pool, &params);
  /* Every 7th row, and the last ones (the partial batch). */
  for (guint64 i = 0; i < n; i += (i + 10 < n ? 7 : 1))
    {
      g_autoptr(EmPoolRow) row = em_pool_get_row (f->pool, i, &error);
      g_autoptr(EmSpectrum) s = em_spectrum_read (row->source_path, &error);
      float x[140], p[3];
      char *err = NULL;

      g_assert_no_error (error);
      g_assert_true (em_preprocess (s, &params, x, &error));
      g_assert_cmpint (nn_model_predict (f->model, x, 1, p, &err), ==, NN_OK);
      for (guint c = 0; c < 3; c++)
        g_assert_cmpfloat_with_epsilon (r.probs[i * 3 + c], p[c], 1e-5);
      g_assert_cmpfloat_with_epsilon (r.scores[i], nn_query_score (NN_QUERY_ENTROPY, p, 3), 1e-5);
    }
  for (guint64 i = 0; i < n; i++)
    best = MAX (best, r.scores[i]);
  g_assert_cmpfloat (r.top_scores[0], ==, best);
  for (guint i = 0; i < r.n_top; i++)
    {
      g_autofree char *id = em_pool_get_id (f->pool, r.top_rows[i], &error);

      g_assert_cmpstr (r.top_ids[i], ==, id);
      g_assert_cmpfloat (r.top_scores[i], ==, r.scores[r.top_rows[i]]);
      if (i > 0)
        g_assert_cmpfloat (r.top_scores[i], <=, r.top_scores[i - 1]);
    }
  em_score_result_clear (&r);
}

/* The output files hold what the result holds. */
static void
test_score_outputs (gconstpointer data)
{
  Fixture *f = (Fixture *) data;
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = g_build_filename (f->dir, "s.csv", NULL);
  g_autofree char *fits = g_build_filename (f->dir, "s.fits", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint64 n = em_pool_get_n_rows (f->pool);
  EmScoreResult r;
  fitsfile *ff = NULL;
  int status = 0, hdutype, anynul;
  long nrows = 0;
  g_autofree float *probs = g_new (float, n * 3);
  g_autofree float *scores = g_new (float, n);
  char id[80] = "";
  char *ids[1] = { id };
  char strategy[FLEN_VALUE] = "";

  em_score_result_init (&r);
  r.keep_probs = TRUE;
  g_assert_true (em_pool_score (f->pool, f->model, NN_QUERY_MARGIN, csv, 0, &r,
                                NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "row,id,p_class0,p_class1,p_class2,margin");
  g_assert_cmpuint (g_strv_length (lines), ==, n + 2);
  for (guint64 i = 0; i < n; i += 97)
    {
      g_auto(GStrv) v = g_strsplit (lines[i + 1], ",", -1);
      g_autofree char *want = em_pool_get_id (f->pool, i, &error);

      g_assert_cmpuint (g_ascii_strtoull (v[0], NULL, 10), ==, i);
      g_assert_cmpstr (v[1], ==, want);
      for (guint c = 0; c < 3; c++)
        g_assert_cmpfloat (strtof (v[2 + c], NULL), ==, r.probs[i * 3 + c]);
      g_assert_cmpfloat (strtof (v[5], NULL), ==, r.scores[i]);
    }
  em_score_result_clear (&r);

  em_score_result_init (&r);
  r.keep_probs = TRUE;
  g_assert_true (em_pool_score (f->pool, f->model, NN_QUERY_LEAST_CONFIDENCE, fits, 0, &r,
                                NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  fits_open_file (&ff, fits, READONLY, &status);
  fits_movabs_hdu (ff, 2, &hdutype, &status);
  fits_get_num_rows (ff, &nrows, &status);
  g_assert_cmpint (nrows, ==, (long) n);
  fits_read_key (ff, TSTRING, "STRATEGY", strategy, NULL, &status);
  fits_read_col (ff, TFLOAT, 3, 1, 1, (LONGLONG) n * 3, NULL, probs, &anynul, &status);
  fits_read_col (ff, TFLOAT, 4, 1, 1, (LONGLONG) n, NULL, scores, &anynul, &status);
  fits_read_col (ff, TSTRING, 2, (LONGLONG) n, 1, 1, NULL, ids, &anynul, &status);
  fits_close_file (ff, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (strategy, ==, "least-confidence");
  g_assert_cmpmem (probs, n * 3 * sizeof (float), r.probs, n * 3 * sizeof (float));
  g_assert_cmpmem (scores, n * sizeof (float), r.scores, n * sizeof (float));
  {
    g_autofree char *last = em_pool_get_id (f->pool, n - 1, &error);
    g_assert_cmpstr (id, ==, last);
  }
  em_score_result_clear (&r);
}

/* Excluded rows never reach the top; the rest keep their order. */
static void
test_score_exclude (gconstpointer data)
{
  Fixture *f = (Fixture *) data;
  g_autoptr(GError) error = NULL;
  guint64 n = em_pool_get_n_rows (f->pool);
  g_autofree guint8 *exclude = g_new0 (guint8, n);
  g_autofree guint64 *first_top = NULL;
  EmScoreResult r;

  em_score_result_init (&r);
  g_assert_true (em_pool_score (f->pool, f->model, NN_QUERY_ENTROPY, NULL, 6, &r, NULL, NULL, NULL, &error));
  g_assert_null (r.probs);
  first_top = g_memdup2 (r.top_rows, 6 * sizeof (guint64));
  exclude[first_top[0]] = 1;
  exclude[first_top[2]] = 1;
  em_score_result_clear (&r);
  em_score_result_init (&r);
  r.exclude = exclude;
  g_assert_true (em_pool_score (f->pool, f->model, NN_QUERY_ENTROPY, NULL, 4, &r, NULL, NULL, NULL, &error));
  g_assert_cmpuint (r.n_top, ==, 4);
  g_assert_cmpuint (r.top_rows[0], ==, first_top[1]);
  g_assert_cmpuint (r.top_rows[1], ==, first_top[3]);
  g_assert_cmpuint (r.top_rows[2], ==, first_top[4]);
  g_assert_cmpuint (r.top_rows[3], ==, first_top[5]);
  em_score_result_clear (&r);
}

static void
on_progress (double      fraction,
             const char *message,
             gpointer    user_data)
{
  double *last = user_data;

  g_assert_nonnull (strstr (message, "spectra"));
  g_assert_cmpfloat (fraction, >=, *last);
  *last = fraction;
}

static void
test_score_errors (gconstpointer data)
{
  Fixture *f = (Fixture *) data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autofree char *out = g_build_filename (f->dir, "cancelled.csv", NULL);
  char *err = NULL;
  NnModel *wrong = nn_model_new_preset ("small", 100, 3, 1, &err);
  EmScoreResult r;

  em_score_result_init (&r);
  g_assert_false (em_pool_score (f->pool, wrong, NN_QUERY_ENTROPY, NULL, 5, &r, NULL, NULL, NULL, &error));
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_MISMATCH);
  g_clear_error (&error);
  nn_model_free (wrong);

  /* A model trained on another grid of the same length. */
  wrong = nn_model_new_preset ("small", 140, 3, 1, &err);
  nn_model_set_metadata (wrong, "grid", "4000:4300:140");
  g_assert_false (em_pool_score (f->pool, wrong, NN_QUERY_ENTROPY, NULL, 5, &r, NULL, NULL, NULL, &error));
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "4000:4300:140"));
  g_clear_error (&error);
  nn_model_set_metadata (wrong, "grid", "6519:6732:140");
  g_assert_true (em_pool_score (f->pool, wrong, NN_QUERY_ENTROPY, NULL, 5, &r, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  em_score_result_clear (&r);
  nn_model_free (wrong);

  g_cancellable_cancel (cancel);
  g_assert_false (em_pool_score (f->pool, f->model, NN_QUERY_ENTROPY, out, 5, &r, NULL, NULL, cancel, &error));
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_CANCELLED);
  g_clear_error (&error);
  /* No half-written output stays behind. */
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (r.n_top, ==, 0);

  /* Progress ends at 1. */
  {
    double last = 0;

    g_assert_true (em_pool_score (f->pool, f->model, NN_QUERY_ENTROPY, NULL, 5, &r, on_progress, &last, NULL, &error));
    g_assert_cmpfloat (last, ==, 1.0);
  }
  em_score_result_clear (&r);
}

/* BALD and random: a score for every row, deterministic between runs. */
static void
test_score_bald_random (gconstpointer data)
{
  Fixture *f = (Fixture *) data;
  g_autoptr(GError) error = NULL;
  guint64 n = em_pool_get_n_rows (f->pool);
  NnQueryStrategy strategies[] = { NN_QUERY_BALD, NN_QUERY_RANDOM };

  for (guint s = 0; s < G_N_ELEMENTS (strategies); s++)
    {
      EmScoreResult a, b;

      em_score_result_init (&a);
      em_score_result_init (&b);
      a.keep_probs = b.keep_probs = TRUE;
      a.mc_samples = b.mc_samples = 4;
      g_assert_true (em_pool_score (f->pool, f->model, strategies[s], NULL, 3, &a, NULL, NULL, NULL, &error));
      g_assert_true (em_pool_score (f->pool, f->model, strategies[s], NULL, 3, &b, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      for (guint64 i = 0; i < n; i++)
        g_assert_true (isfinite (a.scores[i]) && a.scores[i] >= 0);
      g_assert_cmpmem (a.scores, n * sizeof (float), b.scores, n * sizeof (float));
      g_assert_cmpuint (a.n_top, ==, 3);
      em_score_result_clear (&a);
      em_score_result_clear (&b);
    }
}

/* A pool kept unscaled is scaled for a model trained on scaled spectra:
 * the same probabilities as from a scaled pool. */
static void
test_score_unscaled (gconstpointer data)
{
  Fixture *f = (Fixture *) data;
  g_autoptr(GError) error = NULL;
  g_autofree char *lamost = g_test_build_filename (G_TEST_DIST, "data", "lamost", NULL);
  g_autofree char *scaled_path = g_build_filename (f->dir, "scaled.fits", NULL);
  g_autofree char *raw_path = g_build_filename (f->dir, "raw.fits", NULL);
  const char *sources[] = { lamost, NULL };
  g_autoptr(EmPool) scaled = NULL;
  g_autoptr(EmPool) raw = NULL;
  EmIngestOptions options;
  EmScoreResult a, b;

  em_ingest_options_init (&options);
  g_assert_true (em_ingest_run (scaled_path, sources, &options, NULL, NULL, NULL, NULL, &error));
  options.preprocess_set = TRUE;
  options.preprocess.scale = FALSE;
  g_assert_true (em_ingest_run (raw_path, sources, &options, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  scaled = em_pool_open (scaled_path, &error);
  raw = em_pool_open (raw_path, &error);
  g_assert_no_error (error);
  nn_model_set_metadata (f->model, "preprocessing", "minmax[-1,1]");
  em_score_result_init (&a);
  em_score_result_init (&b);
  a.keep_probs = b.keep_probs = TRUE;
  g_assert_true (em_pool_score (scaled, f->model, NN_QUERY_ENTROPY, NULL, 0, &a, NULL, NULL, NULL, &error));
  g_assert_true (em_pool_score (raw, f->model, NN_QUERY_ENTROPY, NULL, 0, &b, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (a.n_rows, ==, b.n_rows);
  for (guint64 i = 0; i < a.n_rows * 3; i++)
    g_assert_cmpfloat_with_epsilon (a.probs[i], b.probs[i], 1e-5);
  em_score_result_clear (&a);
  em_score_result_clear (&b);
}

/* `emissary-cli score` writes what em_pool_score computes and prints the
 * top ids. */
static void
test_score_cli (gconstpointer data)
{
  Fixture *f = (Fixture *) data;
  g_autoptr(GError) error = NULL;
  g_autofree char *model_path = g_build_filename (f->dir, "m.safetensors", NULL);
  g_autofree char *csv = g_build_filename (f->dir, "cli.csv", NULL);
  g_autofree char *out = NULL;
  g_autofree char *text = NULL;
  g_autofree char *want = NULL;
  g_auto(GStrv) lines = NULL;
  const char *cli = g_getenv ("EM_CLI");
  char *err = NULL;
  int status = 0;
  EmScoreResult r;

  if (cli == NULL)
    {
      g_test_skip ("EM_CLI not set");
      return;
    }
  g_assert_cmpint (nn_model_save (f->model, model_path, &err), ==, NN_OK);
  {
    const char *argv[] = { cli, "score", f->pool_path, model_path, "-o", csv, "--top", "3", NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                 &out, NULL, &status, &error));
  }
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  em_score_result_init (&r);
  r.keep_probs = TRUE;
  g_assert_true (em_pool_score (f->pool, f->model, NN_QUERY_ENTROPY, NULL, 3, &r, NULL, NULL, NULL, &error));
  want = g_strdup_printf ("\"top\":[{\"row\":%" G_GUINT64_FORMAT ",\"id\":\"%s\",", r.top_rows[0], r.top_ids[0]);
  g_assert_nonnull (strstr (out, want));
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint64 i = 0; i < r.n_rows; i += 101)
    {
      g_auto(GStrv) v = g_strsplit (lines[i + 1], ",", -1);

      g_assert_cmpfloat (strtof (v[2], NULL), ==, r.probs[i * 3]);
      g_assert_cmpfloat (strtof (v[5], NULL), ==, r.scores[i]);
    }
  em_score_result_clear (&r);
}

int
main (int    argc,
      char **argv)
{
  Fixture f = { 0 };
  int status;

  g_test_init (&argc, &argv, NULL);
  /* One pool for all tests: making it is most of the time. */
  fixture_setup (&f, NULL);
  g_test_add_data_func ("/score/matches-single", &f, test_score_matches_single);
  g_test_add_data_func ("/score/outputs", &f, test_score_outputs);
  g_test_add_data_func ("/score/exclude", &f, test_score_exclude);
  g_test_add_data_func ("/score/errors", &f, test_score_errors);
  g_test_add_data_func ("/score/bald-random", &f, test_score_bald_random);
  g_test_add_data_func ("/score/cli", &f, test_score_cli);
  g_test_add_data_func ("/score/unscaled", &f, test_score_unscaled);
  status = g_test_run ();
  fixture_teardown (&f, NULL);
  return status;
}
