/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A seed set from a folder of FITS spectra and a labels CSV: the rows
 * are the labelled files preprocessed exactly as a pool preprocesses
 * them; a corrupt file and a label without a file are reported, not
 * fatal; malformed labels are errors naming the file and line; the result
 * makes an experiment inside a folder made beforehand. */
#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "app/em-experiment.h"
#include "app/em-ingest.h"
#include "app/em-labelled-fits.h"
#include "app/em-pool.h"
#include "spectra/em-demo.h"
#include "spectra/em-labelled-set.h"
#include "spectra/em-spectrum-read.h"

static char *tmp;    /* the test's folder */
static char *survey; /* a small demo survey in it */

static void
remove_tree (const char *path)
{
  GDir       *dir = g_dir_open (path, 0, NULL);
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

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *bytes = NULL;
  gsize            len = 0;

  g_assert_true (g_file_get_contents (from, &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (to, bytes, (gssize)len, NULL));
}

/* A folder with the first @n spectra of the demo survey (in a subfolder,
 * to check the recursive search), a corrupt file and a non-FITS file;
 * the ids of the copied spectra go to @ids. */
static char *
make_fits_folder (const char *name, guint n, GPtrArray *ids)
{
  g_autofree char *pool_dir = g_build_filename (survey, "pool", NULL);
  g_autofree char *sub = NULL;
  g_autofree char *corrupt = NULL;
  g_autofree char *other = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) dir = g_dir_open (pool_dir, 0, NULL);
  char       *folder = g_build_filename (tmp, name, NULL);
  const char *entry;

  sub = g_build_filename (folder, "night-1", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (entry));
  g_ptr_array_sort (names, compare_names);
  g_assert_cmpuint (names->len, >=, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *from = g_build_filename (pool_dir, names->pdata[i], NULL);
      g_autofree char *to = g_build_filename (i % 2 ? sub : folder, names->pdata[i], NULL);

      copy_file (from, to);
      g_ptr_array_add (ids, em_spectrum_id_from_path (from));
    }
  corrupt = g_build_filename (sub, "spec-corrupt.fits", NULL);
  g_assert_true (
      g_file_set_contents (corrupt, "SIMPLE  =                    T / truncated", -1, NULL));
  other = g_build_filename (folder, "notes.txt", NULL);
  g_assert_true (g_file_set_contents (other, "not a spectrum\n", -1, NULL));
  return folder;
}

static void
test_convert (void)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *folder = make_fits_folder ("fits-convert", 6, ids);
  g_autofree char *labels = g_build_filename (tmp, "labels.csv", NULL);
  g_autofree char *out = g_build_filename (tmp, "seed-set.csv", NULL);
  g_autofree char *report_text = NULL;
  g_autoptr (GString) csv = g_string_new ("# labels of the test\nid,label\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (EmLabelledSet) set = NULL;
  EmLabelledFitsSummary summary;
  EmPreprocessParams    params;

  /* labels: every copied spectrum but the last (unlabelled), one with its
   * extension written, the corrupt file, and one id with no file */
  for (guint i = 0; i + 1 < ids->len; i++)
    g_string_append_printf (csv, "%s%s,%s\n", (const char *)ids->pdata[i], i == 2 ? ".fits" : "",
                            i % 3 == 0 ? "absorption" : "emission");
  g_string_append (csv, "spec-corrupt,emission\n\nspec-nowhere,double-peak\n");
  g_assert_true (g_file_set_contents (labels, csv->str, -1, NULL));

  em_preprocess_params_init (&params);
  params.blur_sigma_px = 1.5; /* a pool's own preprocessing, blur included */
  g_assert_true (em_labelled_set_from_fits_folder (folder, labels, &params, out, NULL, NULL, NULL,
                                                   &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.n_files, ==, ids->len + 1);
  g_assert_cmpuint (summary.n_spectra, ==, ids->len - 1);
  g_assert_cmpuint (summary.n_failed, ==, 1);
  g_assert_cmpuint (summary.n_missing, ==, 1);
  g_assert_cmpuint (summary.n_unlabelled, ==, 1);
  g_assert_nonnull (summary.report_path);
  g_assert_true (g_str_has_suffix (summary.report_path, "seed-set.failures.tsv"));
  g_assert_cmpuint (summary.problems->len, ==, 2);
  g_assert_true (g_str_has_prefix (summary.problems->pdata[0], "night-1/spec-corrupt.fits: "));
  g_assert_true (g_str_has_prefix (summary.problems->pdata[1], "spec-nowhere: "));
  g_assert_true (g_file_get_contents (summary.report_path, &report_text, NULL, NULL));
  g_assert_true (strstr (report_text, "\nnight-1/spec-corrupt.fits\tcorrupt\t") != NULL);
  g_assert_true (strstr (report_text, "spec-nowhere\tmissing\t") != NULL);

  set = em_labelled_set_read_csv (out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (set->n_rows, ==, ids->len - 1);
  g_assert_cmpuint (set->n_flux, ==, params.grid.n);
  g_assert_cmpfloat (set->wave[0], ==, params.grid.start);
  g_assert_cmpfloat (set->wave[set->n_flux - 1], ==, params.grid.end);
  /* each row is its file preprocessed as a pool row would be */
  for (guint r = 0; r < set->n_rows; r++)
    {
      g_autofree char *path = NULL;
      g_autoptr (EmSpectrum) spectrum = NULL;
      g_autofree float *expected = g_new (float, params.grid.n);
      guint             i;

      for (i = 0; i < ids->len; i++)
        if (strcmp (ids->pdata[i], set->ids[r]) == 0)
          break;
      g_assert_cmpuint (i, <, ids->len - 1);
      g_assert_cmpstr (set->labels[r], ==, i % 3 == 0 ? "absorption" : "emission");
      {
        GDir *d = NULL;

        /* the file is in the folder or its subfolder, with some suffix */
        for (guint pass = 0; pass < 2 && path == NULL; pass++)
          {
            g_autofree char *where
                = pass ? g_build_filename (folder, "night-1", NULL) : g_strdup (folder);
            const char *name;

            d = g_dir_open (where, 0, NULL);
            while (d != NULL && (name = g_dir_read_name (d)) != NULL)
              {
                g_autofree char *id = em_spectrum_id_from_path (name);

                if (strcmp (id, set->ids[r]) == 0)
                  path = g_build_filename (where, name, NULL);
              }
            g_clear_pointer (&d, g_dir_close);
          }
      }
      g_assert_nonnull (path);
      spectrum = em_spectrum_read (path, &error);
      g_assert_no_error (error);
      g_assert_true (em_preprocess (spectrum, &params, expected, &error));
      for (guint k = 0; k < params.grid.n; k++)
        g_assert_cmpfloat_with_epsilon (set->flux[(gsize)r * set->n_flux + k], expected[k], 1e-6);
      if (isfinite (spectrum->ra))
        g_assert_cmpfloat_with_epsilon (set->ra[r], spectrum->ra, 1e-5);
    }
  em_labelled_fits_summary_clear (&summary);
}

static void
expect_label_error (const char *text, const char *fragment)
{
  g_autofree char *labels = g_build_filename (tmp, "bad-labels.csv", NULL);
  g_autofree char *out = g_build_filename (tmp, "bad-seed.csv", NULL);
  g_autofree char *folder = g_build_filename (survey, "pool", NULL);
  g_autoptr (GError) error = NULL;
  EmLabelledFitsSummary summary;
  EmPreprocessParams    params;

  em_preprocess_params_init (&params);
  g_assert_true (g_file_set_contents (labels, text, -1, NULL));
  g_assert_false (em_labelled_set_from_fits_folder (folder, labels, &params, out, NULL, NULL, NULL,
                                                    &summary, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (strstr (error->message, labels) != NULL);
  g_assert_true (strstr (error->message, fragment) != NULL);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  em_labelled_fits_summary_clear (&summary);
}

static void
test_bad_labels (void)
{
  expect_label_error ("id,label\nspec-1,emission\nspec-2\n", "line 3");
  expect_label_error ("id,class\nspec-1,emission\n", "line 1");
  expect_label_error ("spec-1,emission\nspec-1,absorption\n", "line 2");
  expect_label_error ("# nothing\n\n", "no label");
  expect_label_error ("id,label\nspec-1,\n", "line 2");
  /* labels that name no file at all: nothing to make a seed set of */
  expect_label_error ("id,label\nspec-nowhere-1,emission\n", "No labelled spectrum");
}

static void
cancel_on_progress (double fraction, const char *message, gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

static void
test_cancel (void)
{
  g_autofree char *labels = g_build_filename (survey, "truth.csv", NULL);
  g_autofree char *out = g_build_filename (tmp, "cancelled-seed.csv", NULL);
  g_autofree char *folder = g_build_filename (survey, "pool", NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  EmPreprocessParams params;

  em_preprocess_params_init (&params);
  g_assert_false (em_labelled_set_from_fits_folder (
      folder, labels, &params, out, cancel_on_progress, cancellable, cancellable, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

/* The assistant's order: make the folder, ingest the pool into it,
 * convert the seed set with the pool's preprocessing, then create the
 * experiment there (dir_may_exist); without the flag the folder is
 * refused. */
static void
test_experiment_in_prepared_folder (void)
{
  g_autofree char *dir = g_build_filename (tmp, "fits.emissary", NULL);
  g_autofree char *pool_path = g_build_filename (dir, "pool.fits", NULL);
  g_autofree char *seed_path = g_build_filename (dir, "seed-set.csv", NULL);
  g_autofree char *folder = g_build_filename (survey, "pool", NULL);
  g_autofree char *labels = g_build_filename (survey, "truth.csv", NULL);
  const char      *sources[] = { folder, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (EmPool) pool = NULL;
  g_autoptr (EmExperiment) exp = NULL;
  EmIngestOptions       options;
  EmIngestSummary       ingest = { 0 };
  EmPreprocessParams    params;
  EmExperimentConfig    config = { 0 };
  EmExperimentCounts    counts;
  EmLabelledFitsSummary summary;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  em_ingest_options_init (&options);
  options.n_threads = 1;
  g_assert_true (em_ingest_run (pool_path, sources, &options, NULL, NULL, NULL, &ingest, &error));
  g_assert_no_error (error);
  em_ingest_summary_clear (&ingest);
  pool = em_pool_open (pool_path, &error);
  g_assert_no_error (error);
  em_pool_get_preprocess_params (pool, &params);
  g_assert_true (em_labelled_set_from_fits_folder (folder, labels, &params, seed_path, NULL, NULL,
                                                   NULL, &summary, &error));
  g_assert_no_error (error);
  /* the same files, read and preprocessed the same way */
  g_assert_cmpuint (summary.n_spectra, ==, em_pool_get_n_rows (pool));
  g_assert_cmpuint (summary.n_spectra + summary.n_failed, ==, summary.n_files);
  g_assert_cmpuint (summary.n_missing, ==, 0);
  em_labelled_fits_summary_clear (&summary);

  config.seed_set_path = seed_path;
  config.pool_path = pool_path;
  config.preset = "small";
  exp = em_experiment_create (dir, &config, &error);
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_EXISTS);
  g_clear_error (&error);
  config.dir_may_exist = TRUE;
  exp = em_experiment_create (dir, &config, &error);
  g_assert_no_error (error);
  g_assert_true (em_experiment_get_counts (exp, &counts, &error));
  g_assert_cmpuint (counts.seed_labels, >, 0);
  g_clear_pointer (&exp, em_experiment_close);
  /* an experiment is there now: even with the flag, no second one */
  exp = em_experiment_create (dir, &config, &error);
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_EXISTS);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("em-test-labelled-fits-XXXXXX", &error);
  g_assert_no_error (error);
  survey = g_build_filename (tmp, "survey", NULL);
  g_assert_true (em_demo_write (survey, 40, 10, 3, &error));
  g_assert_no_error (error);

  g_test_add_func ("/labelled-fits/convert", test_convert);
  g_test_add_func ("/labelled-fits/bad-labels", test_bad_labels);
  g_test_add_func ("/labelled-fits/cancel", test_cancel);
  g_test_add_func ("/labelled-fits/experiment-in-prepared-folder",
                   test_experiment_in_prepared_folder);
  status = g_test_run ();
  remove_tree (tmp);
  g_free (survey);
  g_free (tmp);
  return status;
}
