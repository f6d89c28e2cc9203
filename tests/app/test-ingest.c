/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <fitsio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/em-ingest.h"
#include "app/em-pool.h"
#include "spectra/em-demo.h"
#include "spectra/em-spectrum-read.h"

#define LRS_DR7 "spec-58397-EG014118N254444M01_sp03-031.fits"

/* tests/data/lamost in sorted order: DR1 and DR2 layouts (made from the
 * DR7 file by the spectra tests), MRS, DR7 (gzip), DR8+ COADD (gzip), DR7. */
static const char *const lamost_files[] = {
  "dr1-layout-spec-55859-F5902_sp01-001.fits",
  "dr2-layout-spec-55859-F5902_sp01-001.fits",
  "med-58408-TD230151N343645T01_sp01-015.fits",
  "spec-55859-F5902_sp01-001.fits.gz",
  "spec-55859-F5902_sp01-013.fits.gz",
  LRS_DR7,
};
#define N_LAMOST G_N_ELEMENTS (lamost_files)

static char *
temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("em-test-ingest-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

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

      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        rm_rf (p);
      else
        g_unlink (p);
    }
  g_rmdir (dir);
}

static char *
lamost_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "lamost", name, NULL);
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  g_assert_true (g_file_set_contents (to, data, (gssize) len, NULL));
}

static char *
read_report (const char *pool_path)
{
  g_autofree char *report = g_strconcat (pool_path, ".failures.tsv", NULL);
  char *text = NULL;

  if (!g_file_get_contents (report, &text, NULL, NULL))
    text = g_strdup ("");
  return text;
}

/* The real LAMOST files: every layout becomes a row, in sorted order, with
 * the metadata of the file and the fluxes of the spectra layer. */
static void
test_ingest_lamost (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *pool_path = g_build_filename (dir, "lamost.fits", NULL);
  g_autofree char *src = g_test_build_filename (G_TEST_DIST, "data", "lamost", NULL);
  const char *sources[] = { src, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPool) pool = NULL;
  EmIngestOptions options;
  EmIngestSummary summary;
  EmPreprocessParams params;

  em_ingest_options_init (&options);
  options.n_threads = 2;
  g_assert_true (em_ingest_run (pool_path, sources, &options, NULL, NULL, NULL, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.ingested, ==, N_LAMOST);
  g_assert_cmpuint (summary.failed, ==, 0);
  g_assert_cmpuint (summary.skipped, ==, 0);
  g_assert_cmpuint (summary.rows, ==, N_LAMOST);
  em_ingest_summary_clear (&summary);

  pool = em_pool_open (pool_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (em_pool_get_n_rows (pool), ==, N_LAMOST);
  g_assert_cmpuint (em_pool_count_distinct_ids (pool, &error), ==, N_LAMOST);
  g_assert_cmpuint (em_pool_get_n_failures (pool), ==, 0);
  em_pool_get_preprocess_params (pool, &params);
  for (guint i = 0; i < G_N_ELEMENTS (lamost_files); i++)
    {
      g_autofree char *path = lamost_path (lamost_files[i]);
      g_autoptr(EmPoolRow) row = em_pool_get_row (pool, i, &error);
      g_autoptr(EmSpectrum) s = em_spectrum_read (path, &error);
      float want[140], got[140];

      g_assert_no_error (error);
      g_assert_cmpstr (row->source_path, ==, path);
      g_assert_cmpstr (row->id, ==, s->id);
      g_assert_cmpint (em_pool_find_id (pool, s->id, &error), ==, i);
      g_assert_cmpstr (row->obsid, ==, s->obsid);
      g_assert_cmpstr (row->survey_class, ==, s->survey_class);
      g_assert_cmpstr (row->designation, ==, s->designation);
      g_assert_true ((isnan (row->ra) && isnan (s->ra)) || row->ra == s->ra);
      g_assert_true ((isnan (row->dec) && isnan (s->dec)) || row->dec == s->dec);
      g_assert_true ((isnan (row->snr) && isnan (s->snr)) || row->snr == (float) s->snr);
      g_assert_cmpint (row->hdu, ==, s->hdu);
      g_assert_true (em_preprocess (s, &params, want, &error));
      g_assert_true (em_pool_read_fluxes (pool, i, 1, got, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (got, sizeof got, want, sizeof want);
    }
  /* The DR7 file as the architecture describes it. */
  {
    g_autoptr(EmPoolRow) row = em_pool_get_row (pool, 3, &error);

    g_assert_cmpstr (row->obsid, ==, "101001");
    g_assert_cmpstr (row->survey_class, ==, "STAR G7");
    g_assert_cmpfloat_with_epsilon (row->ra, 332.202274, 1e-6);
  }
  g_clear_pointer (&pool, em_pool_unref);
  rm_rf (dir);
}

/* Bad files of every kind: each goes to the report with its reason, the
 * good ones are ingested anyway. */
/* A FITS image that is no spectrum: 2-D, no wavelengths. */
static void
make_fits_image (const char *path)
{
  g_autofree char *bang = g_strconcat ("!", path, NULL);
  fitsfile *f = NULL;
  int status = 0;
  long naxes[2] = { 10, 10 }, fpixel[2] = { 1, 1 };
  float zeros[100] = { 0 };

  fits_create_file (&f, bang, &status);
  fits_create_img (f, FLOAT_IMG, 2, naxes, &status);
  fits_write_pix (f, TFLOAT, fpixel, 100, zeros, &status);
  fits_close_file (f, &status);
  g_assert_cmpint (status, ==, 0);
}

static void
make_masked (const char *from,
             const char *to)
{
  fitsfile *f = NULL;
  int status = 0;
  long naxes[2] = { 0, 0 };
  long fpixel[2] = { 1, 2 };
  g_autofree float *zeros = NULL;

  copy_file (from, to);
  fits_open_file (&f, to, READWRITE, &status);
  fits_get_img_size (f, 2, naxes, &status);
  g_assert_cmpint (status, ==, 0);
  /* Inverse variance 0 everywhere: no pixel can be trusted. */
  zeros = g_new0 (float, naxes[0]);
  fits_write_pix (f, TFLOAT, fpixel, naxes[0], zeros, &status);
  fits_close_file (f, &status);
  g_assert_cmpint (status, ==, 0);
}

static void
test_ingest_failures (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *src = g_build_filename (dir, "survey", NULL);
  g_autofree char *pool_path = g_build_filename (dir, "p.fits", NULL);
  g_autofree char *pool2 = g_build_filename (dir, "p2.fits", NULL);
  g_autofree char *lrs = lamost_path (LRS_DR7);
  g_autofree char *data = NULL;
  g_autofree char *report = NULL;
  const char *sources[] = { src, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPool) pool = NULL;
  EmIngestOptions options;
  EmIngestSummary summary;
  gsize len;
  struct
  {
    const char *name, *reason;
  } expected[] = {
    { "empty.fits", "open" },
    { "image.fits", "format" },
    { "masked.fits", "masked" },
    { "text.fits", "open" },
    { "truncated.fits", "corrupt" },
  };

  g_assert_cmpint (g_mkdir (src, 0755), ==, 0);
  {
    g_autofree char *p = g_build_filename (src, "good.fits", NULL);
    copy_file (lrs, p);
  }
  g_assert_true (g_file_get_contents (lrs, &data, &len, NULL));
  {
    g_autofree char *p = g_build_filename (src, "truncated.fits", NULL);
    g_assert_true (g_file_set_contents (p, data, (gssize) (len / 3), NULL));
  }
  {
    g_autofree char *p = g_build_filename (src, "text.fits", NULL);
    g_assert_true (g_file_set_contents (p, "hello, not FITS\n", -1, NULL));
  }
  {
    g_autofree char *p = g_build_filename (src, "empty.fits", NULL);
    g_assert_true (g_file_set_contents (p, "", 0, NULL));
  }
  {
    g_autofree char *p = g_build_filename (src, "image.fits", NULL);
    make_fits_image (p);
  }
  {
    g_autofree char *p = g_build_filename (src, "masked.fits", NULL);
    make_masked (lrs, p);
  }
  {
    /* Not a spectrum by name: never looked at. */
    g_autofree char *p = g_build_filename (src, "notes.txt", NULL);
    g_assert_true (g_file_set_contents (p, "x", -1, NULL));
  }

  em_ingest_options_init (&options);
  options.n_threads = 2;
  g_assert_true (em_ingest_run (pool_path, sources, &options, NULL, NULL, NULL, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.ingested, ==, 1);
  g_assert_cmpuint (summary.failed, ==, G_N_ELEMENTS (expected));
  g_assert_true (g_str_has_suffix (summary.report_path, "p.fits.failures.tsv"));
  em_ingest_summary_clear (&summary);

  report = read_report (pool_path);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *line = g_strdup_printf ("\n%s\t%s\t", expected[i].name, expected[i].reason);
      g_autofree char *full = g_build_filename (src, expected[i].name, NULL);

      if (strstr (report, line) == NULL)
        g_error ("report lacks “%s” with reason “%s”:\n%s", expected[i].name, expected[i].reason, report);
      /* The message names the file. */
      g_assert_nonnull (strstr (strstr (report, line), full));
    }
  pool = em_pool_open (pool_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (em_pool_get_n_rows (pool), ==, 1);
  g_assert_cmpuint (em_pool_get_n_failures (pool), ==, G_N_ELEMENTS (expected));

  /* A re-run does not retry nor report them twice. */
  g_assert_true (em_ingest_run (pool_path, sources, &options, NULL, NULL, NULL, &summary, &error));
  g_assert_cmpuint (summary.ingested, ==, 0);
  g_assert_cmpuint (summary.failed, ==, 0);
  g_assert_cmpuint (summary.skipped, ==, 1 + G_N_ELEMENTS (expected));
  em_ingest_summary_clear (&summary);
  /* With retry_failed they are tried again, and reported once each. */
  options.retry_failed = TRUE;
  g_assert_true (em_ingest_run (pool_path, sources, &options, NULL, NULL, NULL, &summary, &error));
  g_assert_cmpuint (summary.failed, ==, G_N_ELEMENTS (expected));
  g_assert_cmpuint (summary.skipped, ==, 1);
  em_ingest_summary_clear (&summary);
  g_clear_pointer (&pool, em_pool_unref);
  pool = em_pool_open (pool_path, &error);
  g_assert_cmpuint (em_pool_get_n_failures (pool), ==, G_N_ELEMENTS (expected));
  g_clear_pointer (&pool, em_pool_unref);

  /* The grid not covered by the spectrum. */
  options.retry_failed = FALSE;
  options.preprocess_set = TRUE;
  g_assert_true (em_grid_parse ("8900:9300:50", &options.preprocess.grid, &error));
  {
    g_autofree char *good = g_build_filename (src, "good.fits", NULL);
    const char *one[] = { good, NULL };
    g_autofree char *r2 = NULL;

    g_assert_true (em_ingest_run (pool2, one, &options, NULL, NULL, NULL, &summary, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (summary.failed, ==, 1);
    em_ingest_summary_clear (&summary);
    r2 = read_report (pool2);
    g_assert_nonnull (strstr (r2, "\ngood.fits\tcoverage\t"));
  }
  /* Another grid cannot be added to an existing pool. */
  g_assert_false (em_ingest_run (pool_path, sources, &options, NULL, NULL, NULL, &summary, &error));
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_MISMATCH);
  g_clear_error (&error);
  /* A source that does not exist stops the ingest. */
  {
    const char *none[] = { "/nonexistent/survey", NULL };

    options.preprocess_set = FALSE;
    g_assert_false (em_ingest_run (pool_path, none, &options, NULL, NULL, NULL, &summary, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "/nonexistent/survey"));
    g_clear_error (&error);
  }
  rm_rf (dir);
}

/* A folder of @n spectra as symbolic links named spec-NNNNN.fits (ids
 * differ, content is the real LRS file), one in every 97 a broken file. */
static void
make_survey (const char *dir,
             guint       first,
             guint       n)
{
  g_autofree char *lrs = lamost_path (LRS_DR7);
  g_autofree char *abs_lrs = g_canonicalize_filename (lrs, NULL);

  g_mkdir_with_parents (dir, 0755);
  for (guint i = first; i < first + n; i++)
    {
      g_autofree char *name = g_strdup_printf ("spec-%05u.fits", i);
      g_autofree char *p = g_build_filename (dir, name, NULL);

      if (i % 97 == 13)
        g_assert_true (g_file_set_contents (p, "broken", -1, NULL));
      else
        g_assert_cmpint (symlink (abs_lrs, p), ==, 0);
    }
}

static guint64
pool_rows (const char *path)
{
  g_autoptr(EmPool) pool = em_pool_open (path, NULL);

  return pool != NULL ? em_pool_get_n_rows (pool) : 0;
}

/* Runs `emissary-cli ingest` and kills it with SIGKILL after @delay_ms;
 * returns TRUE when it was killed, FALSE when it had finished. */
static gboolean
run_and_kill (const char *pool_path,
              const char *src,
              guint       delay_ms)
{
  const char *cli = g_getenv ("EM_CLI");
  const char *argv[] = { cli, "ingest", pool_path, src, "--threads", "2", "--commit-every", "40", NULL };
  g_autoptr(GError) error = NULL;
  GPid pid;
  int status = 0;

  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  g_usleep (delay_ms * 1000);
  kill (pid, SIGKILL);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  if (WIFSIGNALED (status))
    return TRUE;
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  return FALSE;
}

/* The same pool as an uninterrupted ingest: same ids in the same order,
 * the same failures once each. */
static void
assert_pools_equal (const char *a,
                    const char *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPool) pa = em_pool_open (a, &error);
  g_autoptr(EmPool) pb = em_pool_open (b, &error);
  g_autofree char *ra = read_report (a);
  g_autofree char *rb = read_report (b);
  g_auto(GStrv) la = NULL;
  g_auto(GStrv) lb = NULL;
  guint64 n;
  g_autofree float *fa = NULL;
  g_autofree float *fb = NULL;

  g_assert_no_error (error);
  n = em_pool_get_n_rows (pa);
  g_assert_cmpuint (n, ==, em_pool_get_n_rows (pb));
  g_assert_cmpuint (em_pool_count_distinct_ids (pa, &error), ==, n);
  for (guint64 i = 0; i < n; i++)
    {
      g_autofree char *ia = em_pool_get_id (pa, i, &error);
      g_autofree char *ib = em_pool_get_id (pb, i, &error);

      g_assert_cmpstr (ia, ==, ib);
    }
  fa = g_new (float, n * 140);
  fb = g_new (float, n * 140);
  g_assert_true (em_pool_read_fluxes (pa, 0, n, fa, &error));
  g_assert_true (em_pool_read_fluxes (pb, 0, n, fb, &error));
  g_assert_cmpmem (fa, n * 140 * sizeof (float), fb, n * 140 * sizeof (float));
  /* Reports: same lines (messages name the folder, which differs). */
  la = g_strsplit (ra, "\n", -1);
  lb = g_strsplit (rb, "\n", -1);
  g_assert_cmpuint (g_strv_length (la), ==, g_strv_length (lb));
  for (guint i = 0; la[i] != NULL; i++)
    {
      char *ta = strchr (la[i], '\t');
      char *tb = strchr (lb[i], '\t');

      if (ta == NULL || tb == NULL)
        {
          g_assert_cmpstr (la[i], ==, lb[i]);
          continue;
        }
      g_assert_cmpmem (la[i], ta - la[i], lb[i], tb - lb[i]);
    }
}

static void
test_ingest_sigkill (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *src = g_build_filename (dir, "survey", NULL);
  g_autofree char *killed = g_build_filename (dir, "killed.fits", NULL);
  g_autofree char *whole = g_build_filename (dir, "whole.fits", NULL);
  const char *sources[] = { src, NULL };
  g_autoptr(GError) error = NULL;
  EmIngestOptions options;
  EmIngestSummary summary;
  const guint n = 1500;
  guint kills = 0, partial = 0;
  guint64 last_rows = 0;

  if (g_getenv ("EM_CLI") == NULL)
    {
      g_test_skip ("EM_CLI not set");
      return;
    }
  make_survey (src, 0, n);
  /* Kill at growing delays until a run gets to the end by itself; between
   * kills, the committed rows only grow. */
  for (guint delay = 15; delay < 20000; delay += 15 + delay / 4)
    {
      guint64 rows;

      if (!run_and_kill (killed, src, delay))
        break;
      kills++;
      rows = pool_rows (killed);
      g_assert_cmpuint (rows, >=, last_rows);
      if (rows > 0 && rows < n)
        partial++;
      last_rows = rows;
    }
  g_test_message ("%u kills, %u with a partial pool", kills, partial);
  g_assert_cmpuint (kills, >, 0);
  g_assert_cmpuint (partial, >, 0);

  em_ingest_options_init (&options);
  options.n_threads = 1;
  g_assert_true (em_ingest_run (whole, sources, &options, NULL, NULL, NULL, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.ingested + summary.failed, ==, n);
  em_ingest_summary_clear (&summary);
  assert_pools_equal (killed, whole);

  /* New files, killed again while adding them: only they are added. */
  make_survey (src, n, 300);
  for (guint delay = 10; delay < 20000; delay += 10 + delay / 4)
    if (!run_and_kill (killed, src, delay))
      break;
  g_assert_true (em_ingest_run (whole, sources, &options, NULL, NULL, NULL, &summary, &error));
  g_assert_cmpuint (summary.ingested + summary.failed, ==, 300);
  g_assert_cmpuint (summary.skipped, ==, n);
  em_ingest_summary_clear (&summary);
  assert_pools_equal (killed, whole);
  rm_rf (dir);
}

/* The survey folder moves: re-rooting finds the files again, and a
 * re-ingest from the new place adds nothing. */
static void
test_ingest_reroot (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *old_src = g_build_filename (dir, "old", NULL);
  g_autofree char *new_src = g_build_filename (dir, "new", NULL);
  g_autofree char *pool_path = g_build_filename (dir, "p.fits", NULL);
  const char *old_sources[] = { old_src, NULL };
  const char *new_sources[] = { new_src, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPool) pool = NULL;
  g_autoptr(EmPoolRow) row = NULL;
  EmIngestSummary summary;

  for (guint i = 0; i < G_N_ELEMENTS (lamost_files); i++)
    {
      g_autofree char *from = lamost_path (lamost_files[i]);
      g_autofree char *sub = g_build_filename (old_src, i % 2 ? "a" : "b", NULL);
      g_autofree char *to = g_build_filename (sub, lamost_files[i], NULL);

      g_mkdir_with_parents (sub, 0755);
      copy_file (from, to);
    }
  g_assert_true (em_ingest_run (pool_path, old_sources, NULL, NULL, NULL, NULL, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.ingested, ==, N_LAMOST);
  em_ingest_summary_clear (&summary);
  g_assert_cmpint (g_rename (old_src, new_src), ==, 0);

  g_assert_true (em_pool_reroot (pool_path, new_src, &error));
  g_assert_no_error (error);
  pool = em_pool_open (pool_path, &error);
  g_assert_cmpstr (em_pool_get_root (pool), ==, new_src);
  for (guint64 i = 0; i < em_pool_get_n_rows (pool); i++)
    {
      g_clear_pointer (&row, em_pool_row_free);
      row = em_pool_get_row (pool, i, &error);
      g_assert_true (g_str_has_prefix (row->source_path, new_src));
      g_assert_true (g_file_test (row->source_path, G_FILE_TEST_IS_REGULAR));
    }
  g_assert_true (em_ingest_run (pool_path, new_sources, NULL, NULL, NULL, NULL, &summary, &error));
  g_assert_cmpuint (summary.ingested, ==, 0);
  g_assert_cmpuint (summary.skipped, ==, N_LAMOST);
  em_ingest_summary_clear (&summary);

  /* A pool kept inside the survey folder is not taken for a spectrum. */
  {
    g_autofree char *inside = g_build_filename (new_src, "survey-pool.fits", NULL);

    g_assert_true (em_ingest_run (inside, new_sources, NULL, NULL, NULL, NULL, &summary, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (summary.ingested, ==, N_LAMOST);
    g_assert_cmpuint (summary.failed, ==, 0);
    em_ingest_summary_clear (&summary);
    g_assert_true (em_ingest_run (inside, new_sources, NULL, NULL, NULL, NULL, &summary, &error));
    g_assert_cmpuint (summary.skipped, ==, N_LAMOST);
    g_assert_cmpuint (summary.failed, ==, 0);
    em_ingest_summary_clear (&summary);
  }
  rm_rf (dir);
}

/* A list file of paths, relative to the list's folder, some twice. */
static void
test_ingest_list (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *list = g_build_filename (dir, "list.txt", NULL);
  g_autofree char *pool_path = g_build_filename (dir, "p.fits", NULL);
  g_autofree char *a = lamost_path (lamost_files[3]);
  g_autofree char *b = lamost_path (lamost_files[5]);
  g_autofree char *text = g_strdup_printf ("# two spectra\n%s\n\n%s\n%s\n", b, a, b);
  const char *sources[] = { list, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPool) pool = NULL;
  EmIngestSummary summary;

  g_assert_true (g_file_set_contents (list, text, -1, NULL));
  g_assert_true (em_ingest_run (pool_path, sources, NULL, NULL, NULL, NULL, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.ingested, ==, 2);
  em_ingest_summary_clear (&summary);
  pool = em_pool_open (pool_path, &error);
  g_assert_cmpint (em_pool_find_id (pool, "spec-55859-F5902_sp01-001", &error), ==, 0);
  rm_rf (dir);
}

static void
count_progress (double      fraction,
                const char *message,
                gpointer    user_data)
{
  guint *calls = user_data;

  g_assert_true (fraction >= 0 && fraction <= 1);
  g_assert_nonnull (strstr (message, "files"));
  (*calls)++;
}

static void
test_ingest_cancel (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *src = g_build_filename (dir, "s", NULL);
  g_autofree char *pool_path = g_build_filename (dir, "p.fits", NULL);
  const char *sources[] = { src, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  EmIngestSummary summary;
  guint calls = 0;

  make_survey (src, 0, 50);
  g_cancellable_cancel (cancel);
  g_assert_false (em_ingest_run (pool_path, sources, NULL, NULL, NULL, cancel, &summary, &error));
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_CANCELLED);
  g_assert_cmpuint (summary.ingested + summary.failed, <=, 1);
  em_ingest_summary_clear (&summary);
  g_clear_error (&error);
  g_assert_true (em_ingest_run (pool_path, sources, NULL, count_progress, &calls, NULL, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.ingested + summary.failed + summary.skipped, ==, 50);
  g_assert_cmpuint (calls, >, 0);
  em_ingest_summary_clear (&summary);
  rm_rf (dir);
}

/* The demo survey: every file is a row or a reported failure, ids are
 * unique, and every truth id that was ingested is found by id. */
static void
test_ingest_demo (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *src = g_build_filename (dir, "pool", NULL);
  g_autofree char *truth = g_build_filename (dir, "truth.csv", NULL);
  g_autofree char *pool_path = g_build_filename (dir, "demo.fits", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  const char *sources[] = { src, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPool) pool = NULL;
  EmIngestOptions options;
  EmIngestSummary summary;
  guint n_truth = 0, found = 0;

  g_assert_true (em_demo_write (dir, 120, 10, 7, &error));
  g_assert_no_error (error);
  em_ingest_options_init (&options);
  options.n_threads = 2;
  g_assert_true (em_ingest_run (pool_path, sources, &options, NULL, NULL, NULL, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.ingested + summary.failed, ==, 120);
  g_assert_cmpuint (summary.ingested, >, 100);
  em_ingest_summary_clear (&summary);

  pool = em_pool_open (pool_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (em_pool_count_distinct_ids (pool, &error), ==, em_pool_get_n_rows (pool));
  g_assert_true (g_file_get_contents (truth, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", 2);
      gint64 row;

      if (f[0] == NULL || f[0][0] == '\0')
        continue;
      n_truth++;
      row = em_pool_find_id (pool, f[0], &error);
      g_assert_no_error (error);
      if (row >= 0)
        {
          g_autofree char *id = em_pool_get_id (pool, (guint64) row, &error);

          g_assert_cmpstr (id, ==, f[0]);
          found++;
        }
    }
  g_assert_cmpuint (n_truth, ==, 120);
  g_assert_cmpuint (found, ==, em_pool_get_n_rows (pool));
  rm_rf (dir);
}

static char *
run_cli (const char *const *args,
         int                want_status)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) g_getenv ("EM_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, want_status);
  return out;
}

/* The command line: summary JSON line, pool info keys, re-rooting. */
static void
test_ingest_cli (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *pool_path = g_build_filename (dir, "p.fits", NULL);
  g_autofree char *src = g_test_build_filename (G_TEST_DIST, "data", "lamost", NULL);
  g_autofree char *abs_src = g_canonicalize_filename (src, NULL);
  g_autofree char *out = NULL;
  g_autofree char *want = NULL;

  if (g_getenv ("EM_CLI") == NULL)
    {
      g_test_skip ("EM_CLI not set");
      return;
    }
  {
    const char *args[] = { "ingest", pool_path, src, "--threads", "2", NULL };
    out = run_cli (args, 0);
  }
  g_assert_true (g_str_has_prefix (out, "{\"ingested\":6,\"skipped\":0,\"failed\":0,\"rows\":6,\"report\":"));
  g_clear_pointer (&out, g_free);
  {
    const char *args[] = { "pool", "info", pool_path, NULL };
    out = run_cli (args, 0);
  }
  want = g_strdup_printf ("\"root\":\"%s\"}", abs_src);
  g_assert_nonnull (strstr (out, "\"rows\":6,\"distinct_ids\":6,\"failures\":0,\"failure_report\":"));
  g_assert_nonnull (strstr (out, "\"grid\":{\"start\":6519,\"end\":6732,\"n\":140}"));
  g_assert_nonnull (strstr (out, want));
  g_clear_pointer (&out, g_free);
  {
    const char *args[] = { "pool", "reroot", pool_path, dir, NULL };
    out = run_cli (args, 0);
  }
  g_clear_pointer (&out, g_free);
  {
    const char *args[] = { "pool", "info", pool_path, NULL };
    out = run_cli (args, 0);
  }
  g_clear_pointer (&want, g_free);
  want = g_strdup_printf ("\"root\":\"%s\"}", dir);
  g_assert_nonnull (strstr (out, want));
  g_clear_pointer (&out, g_free);
  {
    const char *args[] = { "pool", "info", src, NULL };     /* a folder, not a pool */
    out = run_cli (args, 1);
  }
  g_clear_pointer (&out, g_free);
  {
    const char *args[] = { "pool", "frobnicate", pool_path, NULL };
    out = run_cli (args, 2);
  }
  g_clear_pointer (&out, g_free);
  {
    const char *args[] = { "ingest", pool_path, NULL };
    out = run_cli (args, 2);
  }
  rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ingest/lamost", test_ingest_lamost);
  g_test_add_func ("/ingest/demo", test_ingest_demo);
  g_test_add_func ("/ingest/failures", test_ingest_failures);
  g_test_add_func ("/ingest/list", test_ingest_list);
  g_test_add_func ("/ingest/reroot", test_ingest_reroot);
  g_test_add_func ("/ingest/cancel", test_ingest_cancel);
  g_test_add_func ("/ingest/cli", test_ingest_cli);
  g_test_add_func ("/ingest/sigkill", test_ingest_sigkill);
  return g_test_run ();
}
