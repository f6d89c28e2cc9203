/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests src/spectra/em-demo.c: determinism, layouts, proportions, and that
 * the pool reads and preprocesses with the library's own readers. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "spectra/em-demo.h"
#include "spectra/em-labelled-set.h"
#include "spectra/em-preprocess.h"
#include "spectra/em-spectrum-read.h"

static char *tmp_dir;

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static GPtrArray *
sorted_names (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

static void
assert_same_file (const char *a,
                  const char *b)
{
  g_autofree char *ca = NULL;
  g_autofree char *cb = NULL;
  gsize la, lb;

  g_assert_true (g_file_get_contents (a, &ca, &la, NULL));
  g_assert_true (g_file_get_contents (b, &cb, &lb, NULL));
  g_assert_cmpmem (ca, la, cb, lb);
}

static void
test_deterministic (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *d1 = g_build_filename (tmp_dir, "one", NULL);
  g_autofree char *d2 = g_build_filename (tmp_dir, "two", NULL);
  g_autofree char *d3 = g_build_filename (tmp_dir, "three", NULL);
  g_autofree char *p1 = g_build_filename (d1, "pool", NULL);
  g_autofree char *p2 = g_build_filename (d2, "pool", NULL);
  g_autofree char *p3 = g_build_filename (d3, "pool", NULL);
  g_autoptr(GPtrArray) n1 = NULL;
  g_autoptr(GPtrArray) n2 = NULL;
  g_autoptr(GPtrArray) n3 = NULL;
  g_autofree char *s1 = g_build_filename (d1, "seed.csv", NULL);
  g_autofree char *s3 = g_build_filename (d3, "seed.csv", NULL);
  g_autofree char *c1 = NULL;
  g_autofree char *c3 = NULL;

  g_assert_true (em_demo_write (d1, 50, 60, 42, &error));
  g_assert_no_error (error);
  g_assert_true (em_demo_write (d2, 50, 60, 42, &error));
  g_assert_no_error (error);
  g_assert_true (em_demo_write (d3, 50, 60, 43, &error));
  g_assert_no_error (error);

  n1 = sorted_names (p1);
  n2 = sorted_names (p2);
  n3 = sorted_names (p3);
  g_assert_cmpuint (n1->len, ==, 50);
  g_assert_cmpuint (n2->len, ==, 50);
  for (guint i = 0; i < n1->len; i++)
    {
      g_autofree char *a = g_build_filename (p1, n1->pdata[i], NULL);
      g_autofree char *b = g_build_filename (p2, n2->pdata[i], NULL);

      g_assert_cmpstr (n1->pdata[i], ==, n2->pdata[i]);
      assert_same_file (a, b);
    }
  for (const char *const *f = (const char *const[]){ "seed.csv", "truth.csv", NULL }; *f; f++)
    {
      g_autofree char *a = g_build_filename (d1, *f, NULL);
      g_autofree char *b = g_build_filename (d2, *f, NULL);

      assert_same_file (a, b);
    }

  /* another seed, another survey */
  g_assert_true (g_file_get_contents (s1, &c1, NULL, NULL));
  g_assert_true (g_file_get_contents (s3, &c3, NULL, NULL));
  g_assert_cmpstr (c1, !=, c3);
  g_assert_cmpstr (n1->pdata[0], !=, n3->pdata[0]);

  remove_tree (d1);
  remove_tree (d2);
  remove_tree (d3);
}

static GHashTable *
read_truth (const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *truth = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "id,label");
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", -1);

      g_assert_cmpuint (g_strv_length (f), ==, 2);
      g_assert_false (g_hash_table_contains (truth, f[0]));
      g_hash_table_insert (truth, g_strdup (f[0]), g_strdup (f[1]));
    }
  return truth;
}

static void
test_survey (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (tmp_dir, "survey", NULL);
  g_autofree char *pool = g_build_filename (dir, "pool", NULL);
  g_autofree char *seed = g_build_filename (dir, "seed.csv", NULL);
  g_autofree char *truth_path = g_build_filename (dir, "truth.csv", NULL);
  g_autoptr(GHashTable) truth = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(EmLabelledSet) set = NULL;
  const EmGrid grid = EM_GRID_DEFAULT;
  guint n_image = 0, n_table = 0, n_gz = 0, n_masked = 0, n_target = 0, n_abs = 0, n_ok_abs = 0, n_ok_em = 0;
  guint counts[3] = { 0, 0, 0 };
  guint halpha = 0;
  double core, em_peak = 0, abs_peak = 0;
  EmPreprocessParams params;
  const guint n_pool = 400;

  /* H-alpha's grid point */
  for (guint i = 1; i < grid.n; i++)
    if (fabs (em_grid_wavelength (&grid, i) - 6564.61) < fabs (em_grid_wavelength (&grid, halpha) - 6564.61))
      halpha = i;

  g_assert_true (em_demo_write (dir, n_pool, 500, 1, &error));
  g_assert_no_error (error);

  /* the seed set: Ondřejov layout, 47/41/12 % */
  set = em_labelled_set_read_csv (seed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (set->n_rows, ==, 500);
  g_assert_cmpuint (set->n_flux, ==, 140);
  for (guint k = 0; k < 140; k++)
    g_assert_cmpfloat_with_epsilon (set->wave[k], em_grid_wavelength (&grid, k), 1e-9);
  for (guint i = 0; i < set->n_rows; i++)
    {
      if (strcmp (set->labels[i], EM_LABEL_ABSORPTION) == 0)
        counts[0]++;
      else if (strcmp (set->labels[i], EM_LABEL_EMISSION) == 0)
        counts[1]++;
      else if (strcmp (set->labels[i], EM_LABEL_DOUBLE_PEAK) == 0)
        counts[2]++;
      else
        g_assert_not_reached ();
      g_assert_true (isfinite (set->ra[i]) && isfinite (set->dec[i]));
      g_assert_cmpstr (set->objects[i], !=, "");
      for (guint k = 0; k < 140; k++)
        g_assert_true (isfinite (set->flux[i * 140 + k]) && set->flux[i * 140 + k] > 0);
    }
  g_assert_cmpuint (counts[0], ==, 235);
  g_assert_cmpuint (counts[1], ==, 205);
  g_assert_cmpuint (counts[2], ==, 60);

  /* the pool: every file readable, both layouts, some gzipped */
  truth = read_truth (truth_path);
  g_assert_cmpuint (g_hash_table_size (truth), ==, n_pool);
  names = sorted_names (pool);
  g_assert_cmpuint (names->len, ==, n_pool);
  em_preprocess_params_init (&params);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (pool, names->pdata[i], NULL);
      g_autoptr(EmSpectrum) s = em_spectrum_read (path, &error);
      const char *label;
      float out[140];

      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (s->id, "spec-"));
      g_assert_true (g_regex_match_simple ("^spec-[0-9]{5}-[A-Z0-9]+_sp[0-9]{2}-[0-9]{3}$", s->id, 0, 0));
      label = g_hash_table_lookup (truth, s->id);
      g_assert_nonnull (label);
      n_gz += g_str_has_suffix (names->pdata[i], ".gz");
      if (strcmp (s->format, "lamost-lrs-image") == 0)
        {
          n_image++;
          g_assert_cmpuint (s->n_pixels, ==, 3909);
          g_assert_cmpstr (s->data_release, ==, "LAMOST DR7");
        }
      else
        {
          g_assert_cmpstr (s->format, ==, "lamost-lrs-coadd");
          g_assert_cmpuint (s->n_pixels, ==, 3908);
          n_table++;
        }
      g_assert_cmpfloat_with_epsilon (s->wave[0], pow (10, 3.5682), 1e-3);
      g_assert_nonnull (s->obsid);
      g_assert_nonnull (s->designation);
      g_assert_true (s->ra >= 0 && s->ra < 360 && fabs (s->dec) <= 90);

      if (!em_preprocess (s, &params, out, &error))
        {
          /* dead fibres: every pixel masked */
          g_assert_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_MASKED);
          g_clear_error (&error);
          g_assert_cmpstr (label, ==, EM_LABEL_ABSORPTION);
          n_masked++;
          continue;
        }
      for (guint k = 0; k < 140; k++)
        g_assert_true (isfinite (out[k]) && out[k] >= -1 && out[k] <= 1);
      /* the profile over ±4.5 Å around H-alpha */
      core = 0;
      for (guint k = halpha - 3; k <= halpha + 3; k++)
        core += out[k] / 7;
      if (strcmp (label, EM_LABEL_ABSORPTION) == 0)
        {
          n_abs++;
          if (s->snr > 10)
            abs_peak += core, n_ok_abs++;
        }
      else
        {
          n_target++;
          if (s->snr > 10)
            em_peak += core, n_ok_em++;
        }
    }
  g_assert_cmpuint (n_image, >, n_pool / 2);
  g_assert_cmpuint (n_table, >, n_pool / 5);
  g_assert_cmpuint (n_gz, >, n_pool / 5);
  g_assert_cmpuint (n_gz, <, n_pool / 2);
  /* emission-line stars are rare: around 1–2 % */
  g_assert_cmpuint (n_target, >=, n_pool / 200);
  g_assert_cmpuint (n_target, <=, n_pool / 25);
  g_assert_cmpuint (n_abs + n_target + n_masked, ==, n_pool);
  /* and visible: at H-alpha the scaled flux of a good emission spectrum
   * sits high, that of an absorption spectrum low */
  g_assert_cmpuint (n_ok_em, >=, 2);
  g_test_message ("mean scaled flux at H-alpha: emission %.3f, absorption %.3f", em_peak / n_ok_em,
                  abs_peak / n_ok_abs);
  g_assert_cmpfloat (em_peak / n_ok_em, >, 0.3);
  g_assert_cmpfloat (abs_peak / n_ok_abs, <, -0.05);

  remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("emissary-demo-XXXXXX", &error);
  g_assert_no_error (error);
  g_test_add_func ("/spectra/demo/deterministic", test_deterministic);
  g_test_add_func ("/spectra/demo/survey", test_survey);
  status = g_test_run ();
  remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
