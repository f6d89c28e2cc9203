/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "app/em-candidates.h"
#include "app/em-estimate.h"
#include "app/em-experiment-private.h"

typedef struct
{
  char *tmp;
  char *dir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->tmp = g_dir_make_tmp ("em-test-experiment-XXXXXX", NULL);
  g_assert_nonnull (f->tmp);
  f->dir = g_build_filename (f->tmp, "run.emissary", NULL);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_dir_close (dir);
  g_rmdir (path);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->dir);
}

static EmExperiment *
create_small (const char  *dir,
              GError     **error)
{
  static const char *const ids[] = { "s1", "s2", "s3", "s4" };
  static const char *const labels[] = { "absorption", "emission", "double-peak", "absorption" };
  float flux[4 * 140];
  EmSeedData seed = { 4, 140, ids, labels, NULL, NULL, flux };
  /* No pool: spectrum ids are known from the fake batches alone. */
  EmExperimentConfig config = { .seed_set_path = "seed.csv", .preset = "small", .seed = 7 };

  for (guint i = 0; i < G_N_ELEMENTS (flux); i++)
    flux[i] = (float) (i % 140) / 140.0f;

  return em_experiment_create_raw (dir, &config, &seed, error);
}

/* Pretends an iteration stored a query batch, so that pool ids are known
 * without a pool (the loop does this for real in test-loop). */
static void
fake_batch (EmExperiment *exp)
{
  g_autoptr(GError) error = NULL;
  float probs[3] = { 0.2f, 0.5f, 0.3f };
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_assert_true (em_experiment_exec (exp,
    "INSERT INTO iterations (number, strategy, started, finished, train_size,"
    " train_size_balanced, epochs, n_candidates, last_label_id)"
    " VALUES (0, 'entropy', 'now', 'now', 4, 6, 1, 1, 4)", &error));
  g_assert_no_error (error);
  stmt = em_experiment_prepare (exp,
    "INSERT INTO query_batch (iteration, rank, spectrum_id, pool_row, ra, dec, score, probabilities)"
    " VALUES (0, ?, ?, ?, 10.0, 20.0, 1.0, ?)", &error);
  g_assert_no_error (error);
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("p%d", i);
      sqlite3_reset (stmt);
      sqlite3_bind_int (stmt, 1, i);
      sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 3, 100 + i);
      sqlite3_bind_blob (stmt, 4, probs, sizeof probs, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  /* p0 is also predicted a target. */
  g_assert_true (em_experiment_exec (exp,
    "INSERT INTO predicted_targets (iteration, spectrum_id, pool_row, class_idx, probabilities)"
    " VALUES (0, 'p0', 100, 1, x'00'), (0, 'p9', 109, 2, x'00')", &error));
}

static void
test_create_open (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = create_small (f->dir, &error);
  EmExperimentCounts counts;

  g_assert_no_error (error);
  g_assert_cmpuint (em_experiment_get_n_classes (exp), ==, 3);
  g_assert_cmpstr (em_experiment_get_class (exp, 1), ==, "emission");
  g_assert_false (em_experiment_class_is_target (exp, 0));
  g_assert_true (em_experiment_class_is_target (exp, 2));
  g_assert_cmpuint (em_experiment_get_batch_size (exp), ==, 100);
  g_assert_cmpstr (em_experiment_get_strategy (exp), ==, "entropy");
  g_assert_true (em_experiment_get_counts (exp, &counts, &error));
  g_assert_cmpuint (counts.seed_labels, ==, 4);
  g_assert_cmpuint (counts.oracle_labels, ==, 0);
  g_assert_cmpuint (counts.iterations, ==, 0);
  g_assert_null (em_experiment_get_query_batch (exp, &error));
  g_assert_no_error (error);
  g_clear_pointer (&exp, em_experiment_close);

  /* Creating over an existing folder is refused. */
  exp = create_small (f->dir, &error);
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_EXISTS);
  g_clear_error (&error);

  exp = em_experiment_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_null (em_experiment_get_pool_path (exp));
  g_assert_cmpstr (em_experiment_get_preset (exp), ==, "small");
  g_assert_cmpuint (em_experiment_get_seed (exp), ==, 7);
}

static void
test_bad_config (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  static const char *const ids[] = { "s1" };
  static const char *const labels[] = { "star" };
  static const char *const classes[] = { "star", "star", NULL };
  static const char *const classes2[] = { "star", "galaxy", NULL };
  static const char *const targets[] = { "quasar", NULL };
  float flux[140] = { 0 };
  EmSeedData seed = { 1, 140, ids, labels, NULL, NULL, flux };
  EmExperimentConfig config = { .classes = classes, .preset = "small" };
  EmExperiment *exp;

  exp = em_experiment_create_raw (f->dir, &config, &seed, &error);
  g_assert_null (exp);
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID);
  g_clear_error (&error);
  config.classes = classes2;
  config.targets = targets;
  exp = em_experiment_create_raw (f->dir, &config, &seed, &error);
  g_assert_null (exp);
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "quasar"));
  g_clear_error (&error);
  /* Default classes; the seed label "star" is not one of them. */
  config.classes = NULL;
  config.targets = NULL;
  exp = em_experiment_create_raw (f->dir, &config, &seed, &error);
  g_assert_null (exp);
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "star"));
  g_clear_error (&error);
  /* A failed creation leaves nothing behind: the name can be used again. */
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
  exp = em_experiment_open (f->tmp, &error);
  g_assert_null (exp);
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND);
}

static void
test_labels_undo (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = create_small (f->dir, &error);
  g_autofree char *label = NULL;
  g_autofree char *undone = NULL;
  g_autoptr(EmQueryBatch) batch = NULL;
  EmExperimentCounts counts;
  EmLabelSource source;

  g_assert_no_error (error);
  fake_batch (exp);
  g_assert_no_error (error);

  /* Unknown class, unknown spectrum, seed spectrum: refused. */
  g_assert_false (em_experiment_add_label (exp, "p0", "quasar", EM_LABEL_SOURCE_ORACLE, 1, "me", &error));
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (em_experiment_add_label (exp, "nope", "emission", EM_LABEL_SOURCE_ORACLE, 1, "me", &error));
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (em_experiment_add_label (exp, "s1", "emission", EM_LABEL_SOURCE_ORACLE, 1, "me", &error));
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (em_experiment_add_label (exp, "p1", "emission", EM_LABEL_SOURCE_ORACLE, 3.5, "me", &error));
  g_assert_true (em_experiment_add_label (exp, "p1", "absorption", EM_LABEL_SOURCE_ORACLE, 2, "me", &error));
  g_assert_true (em_experiment_add_label (exp, "p2", "double-peak", EM_LABEL_SOURCE_IMPORT, -1, NULL, &error));
  g_assert_no_error (error);
  label = em_experiment_get_label (exp, "p1", &source);
  g_assert_cmpstr (label, ==, "absorption");
  g_assert_cmpint (source, ==, EM_LABEL_SOURCE_ORACLE);
  g_clear_pointer (&label, g_free);

  batch = em_experiment_get_query_batch (exp, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batch->n_items, ==, 3);
  g_assert_null (batch->items[0].label);
  g_assert_cmpstr (batch->items[1].label, ==, "absorption");
  g_assert_cmpfloat (batch->items[1].probabilities[1], ==, 0.5f);

  g_assert_true (em_experiment_get_counts (exp, &counts, &error));
  g_assert_cmpuint (counts.oracle_labels, ==, 1);
  g_assert_cmpuint (counts.import_labels, ==, 1);
  g_assert_cmpuint (counts.batch_items, ==, 3);
  g_assert_cmpuint (counts.batch_labelled, ==, 2);
  /* Candidates: p0 and p9 predicted; p2 labelled double-peak. */
  g_assert_cmpuint (counts.candidates, ==, 3);

  /* Undo the import, then the correction of p1: p1 is emission again. */
  g_assert_true (em_experiment_undo (exp, &undone, &error));
  g_assert_cmpstr (undone, ==, "p2");
  g_clear_pointer (&undone, g_free);
  g_assert_null (em_experiment_get_label (exp, "p2", NULL));
  g_assert_true (em_experiment_undo (exp, &undone, &error));
  g_assert_cmpstr (undone, ==, "p1");
  label = em_experiment_get_label (exp, "p1", NULL);
  g_assert_cmpstr (label, ==, "emission");
  /* History kept: two labels and one undo for p1. */
  g_assert_cmpuint (em_experiment_count_label_history (exp, "p1"), ==, 3);
  g_assert_true (em_experiment_get_counts (exp, &counts, &error));
  g_assert_cmpuint (counts.candidates, ==, 3); /* p0, p9, p1 (emission) */
  g_assert_true (em_experiment_undo (exp, NULL, &error));
  g_assert_false (em_experiment_undo (exp, NULL, &error));
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOTHING_TO_UNDO);
  g_clear_error (&error);
  /* Labelling p0 non-target removes it from the candidates. */
  g_assert_true (em_experiment_add_label (exp, "p0", "absorption", EM_LABEL_SOURCE_ORACLE, 1, "me", &error));
  g_assert_true (em_experiment_get_counts (exp, &counts, &error));
  g_assert_cmpuint (counts.candidates, ==, 1);
  g_assert_cmpuint (counts.label_events, ==, 4 + 3 + 3 + 1);
}

static void
test_lock (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = create_small (f->dir, &error);
  g_autoptr(EmExperiment) second = NULL;
  g_autoptr(EmExperiment) reader = NULL;
  EmExperimentCounts counts;

  g_assert_no_error (error);
  second = em_experiment_open (f->dir, &error);
  g_assert_null (second);
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, "another process"));
  g_clear_error (&error);

  reader = em_experiment_open_read_only (f->dir, &error);
  g_assert_no_error (error);
  g_assert_true (em_experiment_get_counts (reader, &counts, &error));
  g_assert_cmpuint (counts.seed_labels, ==, 4);
  g_assert_false (em_experiment_add_label (reader, "p0", "emission", EM_LABEL_SOURCE_ORACLE, 1, NULL, &error));
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_READ_ONLY);
  g_clear_error (&error);

  /* The reader sees what the writer commits. */
  fake_batch (exp);
  g_assert_true (em_experiment_add_label (exp, "p0", "emission", EM_LABEL_SOURCE_ORACLE, 1, NULL, &error));
  g_assert_true (em_experiment_get_counts (reader, &counts, &error));
  g_assert_cmpuint (counts.oracle_labels, ==, 1);

  g_clear_pointer (&exp, em_experiment_close);
  second = em_experiment_open (f->dir, &error);
  g_assert_no_error (error);
}

static void
test_estimate_sample (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = create_small (f->dir, &error);
  g_autoptr(EmEstimateReport) report = NULL;
  g_autoptr(GPtrArray) all = NULL;
  EmEstimateReport *first;
  g_autoptr(GPtrArray) list = NULL;
  g_auto(GStrv) ids = NULL;
  int sample;

  g_assert_no_error (error);
  report = em_estimate_report (exp, &error);
  g_assert_no_error (error);
  g_assert_cmpint (report->sample, ==, -1);
  g_clear_pointer (&report, em_estimate_report_free);
  g_assert_cmpint (em_estimate_draw_sample (exp, 5, &error), ==, -1);
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  fake_batch (exp);
  g_assert_true (em_experiment_add_label (exp, "p2", "double-peak", EM_LABEL_SOURCE_ORACLE, 1, NULL, &error));
  list = em_candidates_list (exp, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((EmCandidate *) list->pdata[0])->spectrum_id, ==, "p0");
  g_assert_cmpint (((EmCandidate *) list->pdata[0])->predicted_class, ==, 1);
  g_assert_cmpstr (((EmCandidate *) list->pdata[1])->label, ==, "double-peak");
  g_assert_cmpint (((EmCandidate *) list->pdata[1])->predicted_class, ==, -1);

  /* More asked than there are: the sample holds all 3. */
  sample = em_estimate_draw_sample (exp, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sample, ==, 1);
  ids = em_estimate_get_sample_ids (exp, &error);
  g_assert_cmpuint (g_strv_length (ids), ==, 3);
  /* The oracle: p0 is no emission star after all. */
  g_assert_true (em_experiment_add_label (exp, "p0", "absorption", EM_LABEL_SOURCE_ORACLE, 1, NULL, &error));
  report = em_estimate_report (exp, &error);
  g_assert_no_error (error);
  g_assert_cmpint (report->sample, ==, 1);
  g_assert_cmpuint (report->n_rows, ==, 3);
  g_assert_cmpuint (report->rows[0].n_sampled, ==, 3);
  g_assert_cmpuint (report->rows[0].n_labelled, ==, 2);
  g_assert_cmpuint (report->rows[0].n_correct, ==, 1);
  g_assert_cmpfloat (report->rows[0].precision, ==, 0.5);
  g_assert_cmpfloat_with_epsilon (report->rows[0].t_lower, em_estimate_t_lower_limit (1, 2, 0.95), 1e-12);
  g_assert_cmpstr (report->rows[1].name, ==, "emission");
  g_assert_cmpuint (report->rows[1].n_labelled, ==, 1);
  g_assert_cmpuint (report->rows[1].n_correct, ==, 0);
  g_assert_cmpstr (report->rows[2].name, ==, "double-peak");
  g_assert_cmpuint (report->rows[2].n_correct, ==, 1);
  g_assert_cmpint (report->iteration, ==, 0);

  /* A second sample: both are kept, each with its own counts. */
  g_assert_cmpint (em_estimate_draw_sample (exp, 1, &error), ==, 2);
  g_assert_no_error (error);
  all = em_estimate_report_all (exp, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
  first = all->pdata[0];
  g_assert_cmpint (first->sample, ==, 1);
  g_assert_cmpint (first->iteration, ==, 0);
  g_assert_cmpuint (first->rows[0].n_sampled, ==, 3);
  g_assert_cmpuint (first->rows[0].n_correct, ==, 1);
  g_assert_cmpint (((EmEstimateReport *) all->pdata[1])->sample, ==, 2);
  g_assert_cmpuint (((EmEstimateReport *) all->pdata[1])->rows[0].n_sampled, ==, 1);
}

/* An experiment made by the first release (schema version 1, no
 * iteration_classes table): a reader copes without per-class sizes, a
 * writer migrates it; iterations stored before have none, new rows are
 * read back. */
static void
test_migrate_class_sizes (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = create_small (f->dir, &error);
  g_autoptr(GPtrArray) iterations = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_assert_no_error (error);
  fake_batch (exp);
  g_assert_no_error (error);
  /* back to what version 1 wrote */
  g_assert_true (em_experiment_exec (exp, "DROP TABLE iteration_classes;"
                                          "UPDATE config SET value = '1' WHERE key = 'schema_version'",
                                     &error));
  g_clear_pointer (&exp, em_experiment_close);

  exp = em_experiment_open_read_only (f->dir, &error);
  g_assert_no_error (error);
  iterations = em_experiment_get_iterations (exp, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (iterations->len, ==, 1);
  g_assert_null (((EmIterationInfo *) iterations->pdata[0])->class_sizes);
  g_assert_cmpuint (((EmIterationInfo *) iterations->pdata[0])->n_classes, ==, 3);
  g_clear_pointer (&iterations, g_ptr_array_unref);
  /* a reader changes nothing */
  stmt = em_experiment_prepare (exp, "SELECT value FROM config WHERE key = 'schema_version'", &error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "1");
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_clear_pointer (&exp, em_experiment_close);

  exp = em_experiment_open (f->dir, &error);
  g_assert_no_error (error);
  stmt = em_experiment_prepare (exp, "SELECT value FROM config WHERE key = 'schema_version'", &error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "2");
  g_clear_pointer (&stmt, sqlite3_finalize);
  iterations = em_experiment_get_iterations (exp, &error);
  g_assert_no_error (error);
  g_assert_null (((EmIterationInfo *) iterations->pdata[0])->class_sizes);
  g_clear_pointer (&iterations, g_ptr_array_unref);
  /* a later iteration's sizes, as the loop writes them */
  g_assert_true (em_experiment_exec (exp,
    "INSERT INTO iterations (number, strategy, started, finished, train_size,"
    " train_size_balanced, epochs, n_candidates, last_label_id)"
    " VALUES (1, 'entropy', 'now', 'now', 7, 9, 1, 1, 5);"
    "INSERT INTO iteration_classes VALUES (1, 0, 3), (1, 1, 2), (1, 2, 2)", &error));
  g_assert_no_error (error);
  iterations = em_experiment_get_iterations (exp, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (iterations->len, ==, 2);
  g_assert_null (((EmIterationInfo *) iterations->pdata[0])->class_sizes);
  g_assert_nonnull (((EmIterationInfo *) iterations->pdata[1])->class_sizes);
  g_assert_cmpuint (((EmIterationInfo *) iterations->pdata[1])->class_sizes[0], ==, 3);
  g_assert_cmpuint (((EmIterationInfo *) iterations->pdata[1])->class_sizes[2], ==, 2);
  g_clear_pointer (&exp, em_experiment_close);

  /* a database of a newer version is still refused, naming it */
  exp = em_experiment_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_true (em_experiment_exec (exp, "UPDATE config SET value = '99' WHERE key = 'schema_version'",
                                     &error));
  g_clear_pointer (&exp, em_experiment_close);
  exp = em_experiment_open_read_only (f->dir, &error);
  g_assert_null (exp);
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "experiment.sqlite"));
}

/* The latest sample as a batch: pool rows and probabilities from the
 * sampled iteration's predictions, the current labels. */
static void
test_sample_batch (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = create_small (f->dir, &error);
  g_autoptr(EmQueryBatch) batch = NULL;
  int sample = 0;

  g_assert_no_error (error);
  batch = em_estimate_get_sample_batch (exp, &sample, &error);
  g_assert_no_error (error);
  g_assert_null (batch);
  g_assert_cmpint (sample, ==, -1);
  fake_batch (exp);
  /* p2: a candidate by its label alone (pool row 102 from the batch) */
  g_assert_true (em_experiment_add_label (exp, "p2", "double-peak", EM_LABEL_SOURCE_ORACLE, 1, NULL, &error));
  g_assert_cmpint (em_estimate_draw_sample (exp, 10, &error), ==, 1);
  batch = em_estimate_get_sample_batch (exp, &sample, &error);
  g_assert_no_error (error);
  g_assert_nonnull (batch);
  g_assert_cmpint (sample, ==, 1);
  g_assert_cmpuint (batch->iteration, ==, 0);
  g_assert_cmpuint (batch->n_items, ==, 3);
  for (guint i = 0; i < batch->n_items; i++)
    {
      EmQueryItem *q = &batch->items[i];

      if (g_str_equal (q->spectrum_id, "p0"))
        {
          g_assert_cmpint (q->row, ==, 100);
          g_assert_null (q->label);
          g_assert_null (q->probabilities); /* the fake blob is 1 byte */
        }
      else if (g_str_equal (q->spectrum_id, "p2"))
        {
          g_assert_cmpint (q->row, ==, 102);
          g_assert_cmpstr (q->label, ==, "double-peak");
        }
      else
        {
          g_assert_cmpstr (q->spectrum_id, ==, "p9");
          g_assert_cmpint (q->row, ==, 109);
        }
      g_assert_true (isnan (q->score));
    }
}

static void
test_candidates_write (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = create_small (f->dir, &error);
  g_autofree char *csv = g_build_filename (f->tmp, "c.csv", NULL);
  g_autofree char *vot = g_build_filename (f->tmp, "c.vot", NULL);
  g_autofree char *fits = g_build_filename (f->tmp, "c.fits", NULL);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  fake_batch (exp);
  g_assert_true (em_experiment_add_label (exp, "p2", "double-peak", EM_LABEL_SOURCE_ORACLE, 1, NULL, &error));
  g_assert_cmpint (em_candidates_write (exp, csv, EM_CANDIDATES_FORMAT_CSV, &error), ==, 3);
  g_assert_true (g_file_get_contents (csv, &text, NULL, &error));
  g_assert_true (g_str_has_prefix (text, "id,designation,ra,dec,predicted_class,p_absorption,p_emission,p_double-peak,label,label_source\n"));
  g_assert_nonnull (strstr (text, "\np2,,10,20,,0.200000003,0.5,0.300000012,double-peak,oracle\n"));
  g_clear_pointer (&text, g_free);
  g_assert_cmpint (em_candidates_write (exp, vot, EM_CANDIDATES_FORMAT_VOTABLE, &error), ==, 3);
  g_assert_true (g_file_get_contents (vot, &text, NULL, &error));
  g_assert_nonnull (strstr (text, "ucd=\"pos.eq.ra;meta.main\""));
  g_assert_cmpint (em_candidates_write (exp, fits, EM_CANDIDATES_FORMAT_FITS, &error), ==, 3);
  g_assert_no_error (error);
  g_assert_true (g_file_test (fits, G_FILE_TEST_IS_REGULAR));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/experiment/create-open", Fixture, NULL, fixture_setup, test_create_open, fixture_teardown);
  g_test_add ("/experiment/bad-config", Fixture, NULL, fixture_setup, test_bad_config, fixture_teardown);
  g_test_add ("/experiment/labels-undo", Fixture, NULL, fixture_setup, test_labels_undo, fixture_teardown);
  g_test_add ("/experiment/lock", Fixture, NULL, fixture_setup, test_lock, fixture_teardown);
  g_test_add ("/experiment/estimate-sample", Fixture, NULL, fixture_setup, test_estimate_sample, fixture_teardown);
  g_test_add ("/experiment/migrate-class-sizes", Fixture, NULL, fixture_setup, test_migrate_class_sizes, fixture_teardown);
  g_test_add ("/experiment/sample-batch", Fixture, NULL, fixture_setup, test_sample_batch, fixture_teardown);
  g_test_add ("/experiment/candidates-write", Fixture, NULL, fixture_setup, test_candidates_write, fixture_teardown);
  return g_test_run ();
}
