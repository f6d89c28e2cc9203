/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <fitsio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "app/em-pool.h"
#include "app/em-pool-private.h"

static char *
temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("em-test-pool-XXXXXX", &error);

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

      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        rm_rf (p);
      else
        g_unlink (p);
    }
  g_rmdir (dir);
}

static void
params_for_test (EmPreprocessParams *p)
{
  p->grid.start = 6519;
  p->grid.end = 6732;
  p->grid.n = 140;
  p->blur_sigma_px = 7;
  p->scale = TRUE;
}

/* Row i: id "spec-i" (rows 5 and 6 share an id), fluxes i + j/1000. */
static void
fill_row (guint      i,
          EmPoolRow *row,
          char      *id,
          char      *path,
          float     *flux)
{
  memset (row, 0, sizeof *row);
  g_snprintf (id, 32, "spec-%u", i == 6 ? 5 : i);
  g_snprintf (path, 64, "sub/dir/%s-%u.fits", id, i);
  row->id = id;
  row->designation = i % 2 ? "J220848.54-020324.3" : NULL;
  row->ra = i % 3 ? 332.202274 + i : NAN;
  row->dec = -2.056767;
  row->obsid = i % 2 ? "101001" : NULL;
  row->snr = i % 4 ? 12.5 : NAN;
  row->survey_class = "STAR G7";
  row->source_path = path;
  row->hdu = 1 + (int) (i % 3);
  for (guint j = 0; j < 140; j++)
    flux[j] = (float) i + j / 1000.0f;
}

static void
write_rows (const char *path,
            guint       first,
            guint       n,
            gboolean    commit)
{
  g_autoptr(GError) error = NULL;
  EmPreprocessParams params;
  EmPoolWriter *w;

  params_for_test (&params);
  w = em_pool_writer_open (path, &params, "/data/survey", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (em_pool_writer_get_n_rows (w), ==, first);
  for (guint i = first; i < first + n; i++)
    {
      EmPoolRow row;
      char id[32], p[64];
      float flux[140];

      fill_row (i, &row, id, p, flux);
      g_assert_true (em_pool_writer_append (w, &row, flux, &error));
      g_assert_no_error (error);
    }
  if (commit)
    {
      g_assert_true (em_pool_writer_close (w, &error));
      g_assert_no_error (error);
    }
  else
    em_pool_writer_free (w);     /* as if killed before the commit */
}

static void
test_pool_roundtrip (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "p.fits", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPool) pool = NULL;
  g_autoptr(EmPoolRow) row = NULL;
  EmPreprocessParams params;
  float flux[3 * 140];
  struct stat st;

  write_rows (path, 0, 10, TRUE);
  pool = em_pool_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (em_pool_get_n_rows (pool), ==, 10);
  g_assert_cmpuint (em_pool_get_n_fluxes (pool), ==, 140);
  g_assert_cmpfloat (em_pool_get_grid (pool)->start, ==, 6519);
  g_assert_cmpfloat (em_pool_get_grid (pool)->end, ==, 6732);
  em_pool_get_preprocess_params (pool, &params);
  g_assert_cmpfloat (params.blur_sigma_px, ==, 7);
  g_assert_true (params.scale);
  g_assert_cmpstr (em_pool_get_root (pool), ==, "/data/survey");

  g_assert_true (em_pool_read_fluxes (pool, 3, 3, flux, &error));
  g_assert_no_error (error);
  for (guint r = 0; r < 3; r++)
    for (guint j = 0; j < 140; j++)
      g_assert_cmpfloat (flux[r * 140 + j], ==, (float) (3 + r) + j / 1000.0f);

  row = em_pool_get_row (pool, 7, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (row->id, ==, "spec-7");
  g_assert_cmpstr (row->designation, ==, "J220848.54-020324.3");
  g_assert_cmpfloat (row->ra, ==, 339.202274);
  g_assert_cmpfloat (row->dec, ==, -2.056767);
  g_assert_cmpstr (row->obsid, ==, "101001");
  g_assert_cmpfloat (row->snr, ==, 12.5);
  g_assert_cmpstr (row->survey_class, ==, "STAR G7");
  g_assert_cmpint (row->hdu, ==, 2);
  g_assert_cmpstr (row->source_path, ==, "/data/survey/sub/dir/spec-7-7.fits");
  g_clear_pointer (&row, em_pool_row_free);
  row = em_pool_get_row (pool, 0, &error);
  g_assert_null (row->designation);
  g_assert_null (row->obsid);
  g_assert_true (isnan (row->ra));
  g_assert_true (isnan (row->snr));

  /* Out of range is an error, not a crash. */
  g_assert_false (em_pool_read_fluxes (pool, 9, 2, flux, &error));
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_RANGE);
  g_clear_error (&error);
  g_assert_null (em_pool_get_row (pool, 10, &error));
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_RANGE);
  g_clear_error (&error);

  /* By id: first row of a shared id; absent ids give -1 without error. */
  g_assert_cmpint (em_pool_find_id (pool, "spec-9", &error), ==, 9);
  g_assert_cmpint (em_pool_find_id (pool, "spec-5", &error), ==, 5);
  g_assert_cmpint (em_pool_find_id (pool, "spec-0", &error), ==, 0);
  g_assert_cmpint (em_pool_find_id (pool, "spec-6", &error), ==, -1);
  g_assert_cmpint (em_pool_find_id (pool, "", &error), ==, -1);
  g_assert_no_error (error);
  g_assert_cmpuint (em_pool_count_distinct_ids (pool, &error), ==, 9);

  /* A whole number of FITS blocks. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size % 2880, ==, 0);

  g_clear_pointer (&pool, em_pool_unref);
  rm_rf (dir);
}

/* The pool is a FITS table that a FITS library reads as it is. */
static void
test_pool_is_fits (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "p.fits", NULL);
  fitsfile *f = NULL;
  int status = 0, hdutype = 0, col = 0, anynul = 0;
  long nrows = 0;
  char root[FLEN_VALUE * 4] = "";
  char *rootp = NULL;
  char id[65] = "";
  char *ids[1] = { id };
  double ra = 0;
  float flux[140];

  write_rows (path, 0, 4, TRUE);
  fits_open_file (&f, path, READONLY, &status);
  g_assert_cmpint (status, ==, 0);
  fits_read_key_longstr (f, "ROOT", &rootp, NULL, &status);
  g_assert_cmpint (status, ==, 0);
  g_strlcpy (root, rootp, sizeof root);
  fits_free_memory (rootp, &status);
  g_assert_cmpstr (root, ==, "/data/survey");
  fits_movabs_hdu (f, 2, &hdutype, &status);
  g_assert_cmpint (hdutype, ==, BINARY_TBL);
  fits_get_num_rows (f, &nrows, &status);
  g_assert_cmpint (nrows, ==, 4);
  fits_get_colnum (f, CASEINSEN, "ID", &col, &status);
  fits_read_col (f, TSTRING, col, 3, 1, 1, NULL, ids, &anynul, &status);
  g_assert_cmpstr (id, ==, "spec-2");
  fits_get_colnum (f, CASEINSEN, "RA", &col, &status);
  fits_read_col (f, TDOUBLE, col, 2, 1, 1, NULL, &ra, &anynul, &status);
  g_assert_cmpfloat (ra, ==, 333.202274);
  fits_get_colnum (f, CASEINSEN, "FLUX", &col, &status);
  fits_read_col (f, TFLOAT, col, 4, 1, 140, NULL, flux, &anynul, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpfloat (flux[139], ==, 3 + 139 / 1000.0f);
  fits_close_file (f, &status);
  g_assert_cmpint (status, ==, 0);
  rm_rf (dir);
}

/* Rows appended but not committed (a killed writer) are gone for the next
 * writer; committed rows stay; appends go on after them. */
static void
test_pool_uncommitted (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "p.fits", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPool) pool = NULL;
  float flux[140];

  write_rows (path, 0, 5, TRUE);
  write_rows (path, 5, 3, FALSE);
  write_rows (path, 5, 2, TRUE);
  pool = em_pool_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (em_pool_get_n_rows (pool), ==, 7);
  g_assert_true (em_pool_read_fluxes (pool, 6, 1, flux, &error));
  g_assert_cmpfloat (flux[0], ==, 6);
  rm_rf (dir);
}

static void
test_pool_writer_checks (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "p.fits", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPoolWriter) w1 = NULL;
  g_autoptr(EmPoolWriter) w2 = NULL;
  g_autofree char *long_id = g_strnfill (EM_POOL_ID_WIDTH + 1, 'x');
  EmPreprocessParams params;
  EmPoolRow row;
  char id[32], p[64];
  float flux[140];

  params_for_test (&params);
  w1 = em_pool_writer_open (path, &params, dir, &error);
  g_assert_no_error (error);
  /* One writer at a time. */
  w2 = em_pool_writer_open (path, &params, dir, &error);
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_BUSY);
  g_assert_null (w2);
  g_clear_error (&error);
  /* Fields that do not fit are refused, not cut. */
  fill_row (0, &row, id, p, flux);
  row.id = long_id;
  g_assert_false (em_pool_writer_append (w1, &row, flux, &error));
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT);
  g_clear_error (&error);
  g_clear_pointer (&w1, em_pool_writer_free);
  /* Another grid cannot be added to this pool. */
  params.grid.n = 100;
  w2 = em_pool_writer_open (path, &params, dir, &error);
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_MISMATCH);
  g_assert_null (w2);
  rm_rf (dir);
}

static void
test_pool_reroot (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "p.fits", NULL);
  g_autofree char *long_root = NULL;
  g_autofree char *ds = g_strnfill (150, 'd');
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPool) pool = NULL;
  g_autoptr(EmPoolRow) row = NULL;

  write_rows (path, 0, 3, TRUE);
  /* Long, with a quote and non-ASCII: the long-string convention and the
   * %XX escapes carry it. */
  long_root = g_strdup_printf ("/mnt/new place/%s/o'brien/Ondřejov", ds);
  g_assert_true (em_pool_reroot (path, long_root, &error));
  g_assert_no_error (error);
  pool = em_pool_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (em_pool_get_root (pool), ==, long_root);
  row = em_pool_get_row (pool, 2, &error);
  g_assert_true (g_str_has_prefix (row->source_path, long_root));
  g_assert_true (g_str_has_suffix (row->source_path, "/sub/dir/spec-2-2.fits"));
  g_assert_cmpuint (em_pool_get_n_rows (pool), ==, 3);
  rm_rf (dir);
}

static void
test_pool_bad_files (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "p.fits", NULL);
  g_autofree char *text = g_build_filename (dir, "t.fits", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  g_autoptr(GError) error = NULL;
  EmPool *pool;

  pool = em_pool_open (path, &error);
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN);
  g_assert_null (pool);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (text, "not a pool", -1, NULL));
  pool = em_pool_open (text, &error);
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, text));
  g_clear_error (&error);

  /* A real FITS file that is not a pool. */
  {
    g_autofree char *spec = g_test_build_filename (G_TEST_DIST, "data", "lamost",
                                                   "spec-58397-EG014118N254444M01_sp03-031.fits", NULL);
    if (g_file_test (spec, G_FILE_TEST_EXISTS))
      {
        pool = em_pool_open (spec, &error);
        g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT);
        g_clear_error (&error);
      }
  }

  /* Truncated rows. */
  write_rows (path, 0, 20, TRUE);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (path, contents, (gssize) (len - 5000), NULL));
  pool = em_pool_open (path, &error);
  g_assert_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT);
  g_assert_null (pool);
  rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pool/roundtrip", test_pool_roundtrip);
  g_test_add_func ("/pool/is-fits", test_pool_is_fits);
  g_test_add_func ("/pool/uncommitted", test_pool_uncommitted);
  g_test_add_func ("/pool/writer-checks", test_pool_writer_checks);
  g_test_add_func ("/pool/reroot", test_pool_reroot);
  g_test_add_func ("/pool/bad-files", test_pool_bad_files);
  return g_test_run ();
}
