/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests src/spectra/em-spectrum-read.c against values read independently
 * with astropy.io.fits (tests/data/make-spectra-fixtures.py wrote them to
 * reader-expected.h), and bad input against clean errors. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "spectra/em-spectrum-read.h"

#include "reader-expected.h"

static char *
data_path (const char *relative)
{
  return g_test_build_filename (G_TEST_DIST, "data", relative, NULL);
}

static void
check_expected (const ReaderExpected *e,
                const EmSpectrum     *s)
{
  g_autofree char *id = NULL;
  guint masked = 0;

  g_assert_cmpstr (s->format, ==, e->format);
  g_assert_cmpuint (s->n_pixels, ==, e->n_pixels);
  g_assert_cmpint (s->hdu, ==, e->hdu);
  g_assert_cmpstr (s->obsid, ==, e->obsid);
  g_assert_cmpstr (s->designation, ==, e->designation);
  g_assert_cmpstr (s->survey_class, ==, e->survey_class);
  if (isnan (e->ra))
    g_assert_true (isnan (s->ra));
  else
    g_assert_cmpfloat_with_epsilon (s->ra, e->ra, 1e-7);
  if (isnan (e->dec))
    g_assert_true (isnan (s->dec));
  else
    g_assert_cmpfloat_with_epsilon (s->dec, e->dec, 1e-7);
  if (isnan (e->snr))
    g_assert_true (isnan (s->snr));
  else
    g_assert_cmpfloat_with_epsilon (s->snr, e->snr, 1e-9);

  for (gsize i = 0; i < s->n_pixels; i++)
    masked += s->mask[i] != 0;
  g_assert_cmpuint (masked, ==, e->n_masked);
  for (int k = 0; k < 6; k++)
    {
      guint i = e->index[k];

      /* float32 LOGLAM (MRS) gives 10^x to ~1e-6 relative, the rest exact */
      g_assert_cmpfloat_with_epsilon (s->wave[i], e->wave[k], 1e-6 * e->wave[k]);
      g_assert_cmpfloat (s->flux[i], ==, (float) e->flux[k]);
      g_assert_cmpfloat_with_epsilon (s->ivar[i], e->ivar[k], 1e-6 * fabs (e->ivar[k]) + 1e-30);
      g_assert_cmpint (s->mask[i], ==, e->mask[k]);
    }
  for (gsize i = 1; i < s->n_pixels; i++)
    g_assert_cmpfloat (s->wave[i], >, s->wave[i - 1]);

  id = g_path_get_basename (e->path);
  *strstr (id, ".fit") = '\0';
  g_assert_cmpstr (s->id, ==, id);
}

static void
test_read_expected (gconstpointer data)
{
  const ReaderExpected *e = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = data_path (e->path);
  g_autoptr(EmSpectrum) s = em_spectrum_read (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (s);
  g_assert_cmpstr (s->source_path, ==, path);
  check_expected (e, s);
}

static void
test_read_layout_details (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dr1 = data_path ("lamost/dr1-layout-spec-55859-F5902_sp01-001.fits");
  g_autofree char *dr2 = data_path ("lamost/dr2-layout-spec-55859-F5902_sp01-001.fits");
  g_autofree char *dr7 = data_path ("lamost/spec-55859-F5902_sp01-001.fits.gz");
  g_autofree char *air = data_path ("wcs/air-nm-descending.fits.gz");
  g_autoptr(EmSpectrum) s1 = em_spectrum_read (dr1, &error);
  g_autoptr(EmSpectrum) s2 = NULL;
  g_autoptr(EmSpectrum) s7 = NULL;
  g_autoptr(EmSpectrum) sa = NULL;

  g_assert_no_error (error);
  s2 = em_spectrum_read (dr2, &error);
  g_assert_no_error (error);
  s7 = em_spectrum_read (dr7, &error);
  g_assert_no_error (error);

  /* DR1: λ_i = 10^(3.5682 + 1e-4·i), not the third image row */
  g_assert_cmpfloat_with_epsilon (s1->wave[0], pow (10, 3.5682), 1e-9);
  g_assert_cmpfloat_with_epsilon (s1->wave[1000], pow (10, 3.5682 + 0.1), 1e-9);
  g_assert_cmpstr (s1->data_release, ==, "LAMOST DR1");
  /* DR2 and DR7 hold the same data: float64 reads like float32 */
  g_assert_null (s2->obsid);
  g_assert_cmpstr (s7->obsid, ==, "101001");
  for (gsize i = 0; i < s7->n_pixels; i += 97)
    {
      g_assert_cmpfloat (s2->flux[i], ==, s7->flux[i]);
      g_assert_cmpfloat (s2->wave[i], ==, s7->wave[i]);
    }
  g_assert_cmpfloat (s2->snr, ==, 27.16);

  /* AWAV in nm, descending: ascending vacuum Å; 680 nm air is 6801.87 Å vacuum */
  sa = em_spectrum_read (air, &error);
  g_assert_no_error (error);
  g_assert_false (sa->ivar_known);
  g_assert_cmpfloat_with_epsilon (sa->wave[sa->n_pixels - 1], 6801.8774, 0.002);
  g_assert_cmpfloat (sa->flux[sa->n_pixels - 1], ==, 500.0f);
  g_assert_cmpstr (sa->id, ==, "air-nm-descending");
}

/* ---- bad input ---------------------------------------------------------- */

static char *tmp_dir;

static char *
write_tmp (const char *name,
           const char *data,
           gssize      length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (tmp_dir, name, NULL);

  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
  return path;
}

static char *
truncated_copy (const char *relative,
                const char *name,
                gsize       keep)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = data_path (relative);
  g_autofree char *contents = NULL;
  gsize length;

  g_file_get_contents (src, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keep, <, length);
  return write_tmp (name, contents, (gssize) keep);
}

static void
expect_error (const char *path,
              int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmSpectrum) s = em_spectrum_read (path, &error);

  g_assert_null (s);
  g_assert_error (error, EM_SPECTRA_ERROR, code);
  /* every message names the file */
  g_assert_nonnull (strstr (error->message, path));
}

static void
test_read_bad_input (void)
{
  g_autofree char *missing = g_build_filename (tmp_dir, "missing.fits", NULL);
  g_autofree char *empty = write_tmp ("empty.fits", "", 0);
  g_autofree char *text = write_tmp ("text.fits", "id,label\nx,y\n", -1);
  g_autofree char *gz_junk = write_tmp ("junk.fits.gz", "\x1f\x8b\x08\x00garbage that is no deflate stream", -1);
  g_autofree char *header_only = truncated_copy ("lamost/spec-58397-EG014118N254444M01_sp03-031.fits", "hdr.fits", 2880 * 3);
  g_autofree char *half = truncated_copy ("lamost/spec-58397-EG014118N254444M01_sp03-031.fits", "half.fits", 40000);
  g_autofree char *half_gz = truncated_copy ("lamost/spec-55859-F5902_sp01-001.fits.gz", "half.fits.gz", 20000);
  g_autofree char *half_table = truncated_copy ("lamost/spec-55859-F5902_sp01-013.fits.gz", "table.fits.gz", 30000);
  g_autofree char *short_header = truncated_copy ("lamost/spec-58397-EG014118N254444M01_sp03-031.fits", "short.fits", 1000);
  g_autofree char *bad_card = NULL;
  g_autofree char *image2d = NULL;
  GString *fake = g_string_new ("SIMPLE  =                    T");

  /* a FITS-looking start, then no valid header */
  g_string_append_printf (fake, "%-50s", "");
  for (int i = 0; i < 2880 * 2; i++)
    g_string_append_c (fake, (char) ('A' + i % 23));
  bad_card = write_tmp ("badcard.fits", fake->str, (gssize) fake->len);
  g_string_free (fake, TRUE);

  {
    /* a valid FITS file that holds no spectrum: a 2-D 40×40 image */
    GString *img = g_string_new (NULL);
    const char *cards[] = { "SIMPLE  =                    T", "BITPIX  =                    8",
                            "NAXIS   =                    2", "NAXIS1  =                   40",
                            "NAXIS2  =                   40", "END" };

    for (gsize c = 0; c < G_N_ELEMENTS (cards); c++)
      g_string_append_printf (img, "%-80s", cards[c]);
    while (img->len % 2880)
      g_string_append_c (img, ' ');
    for (int i = 0; i < 2880; i++)
      g_string_append_c (img, '\0');
    image2d = write_tmp ("image2d.fits", img->str, (gssize) img->len);
    g_string_free (img, TRUE);
  }

  expect_error (missing, EM_SPECTRA_ERROR_OPEN);
  expect_error (empty, EM_SPECTRA_ERROR_OPEN);
  expect_error (text, EM_SPECTRA_ERROR_OPEN);
  expect_error (tmp_dir, EM_SPECTRA_ERROR_OPEN);
  expect_error (gz_junk, EM_SPECTRA_ERROR_CORRUPT);
  expect_error (header_only, EM_SPECTRA_ERROR_CORRUPT);
  expect_error (half, EM_SPECTRA_ERROR_CORRUPT);
  expect_error (half_gz, EM_SPECTRA_ERROR_CORRUPT);
  expect_error (half_table, EM_SPECTRA_ERROR_CORRUPT);
  expect_error (short_header, EM_SPECTRA_ERROR_CORRUPT);
  expect_error (bad_card, EM_SPECTRA_ERROR_CORRUPT);
  expect_error (image2d, EM_SPECTRA_ERROR_FORMAT);

  {
    /* a byte that is no ASCII in a table's NAXIS1 (cfitsio 4.2 would size
     * a buffer from garbage): refused before cfitsio sees it */
    g_autoptr(GError) error = NULL;
    g_autofree char *src = data_path ("lamost/med-58408-TD230151N343645T01_sp01-015.fits");
    g_autofree char *contents = NULL;
    g_autofree char *bad = NULL;
    gsize length;
    char *naxis1;

    g_file_get_contents (src, &contents, &length, &error);
    g_assert_no_error (error);
    naxis1 = g_strstr_len (contents, (gssize) length, "XTENSION");
    g_assert_nonnull (naxis1);
    naxis1 += 3 * 80;
    g_assert_true (g_str_has_prefix (naxis1, "NAXIS1  ="));
    naxis1[27] = (char) 0x93;
    bad = write_tmp ("naxis1.fits", contents, (gssize) length);
    expect_error (bad, EM_SPECTRA_ERROR_CORRUPT);
  }
  {
    /* all data there, only the padding of the last record missing: read */
    g_autoptr(GError) error = NULL;
    g_autofree char *unpadded = truncated_copy ("lamost/spec-58397-EG014118N254444M01_sp03-031.fits", "unpadded.fits",
                                                11520 + 3909 * 5 * 4);
    g_autoptr(EmSpectrum) s = em_spectrum_read (unpadded, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (s->n_pixels, ==, 3909);
    g_assert_cmpfloat (s->flux[0], ==, 886.310791015625f);
  }
  {
    /* one data byte short: truncated */
    g_autofree char *short_data = truncated_copy ("lamost/spec-58397-EG014118N254444M01_sp03-031.fits", "short-data.fits",
                                                  11520 + 3909 * 5 * 4 - 1);

    expect_error (short_data, EM_SPECTRA_ERROR_CORRUPT);
  }
}

static void
test_id_from_path (void)
{
  static const char *const cases[][2] = {
    { "/a/b/spec-55859-F5902_sp01-001.fits.gz", "spec-55859-F5902_sp01-001" },
    { "spec-55859-F5902_sp01-001.fits", "spec-55859-F5902_sp01-001" },
    { "x/med-58408-TD230151N343645T01_sp01-015.fit", "med-58408-TD230151N343645T01_sp01-015" },
    { "ua280060.FITS", "ua280060" },
    { "c.fits.fz", "c" },
    { "noext", "noext" },
    { ".fits", ".fits" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *id = em_spectrum_id_from_path (cases[i][0]);

      g_assert_cmpstr (id, ==, cases[i][1]);
    }
}

static void
test_parse_coordinates (void)
{
  double v = 0;

  g_assert_true (em_parse_ra ("10:10:07.540", &v));
  g_assert_cmpfloat_with_epsilon (v, 152.5314166667, 1e-9);
  g_assert_true (em_parse_ra ("13 25 11.58", &v));
  g_assert_cmpfloat_with_epsilon (v, 201.29825, 1e-9);
  g_assert_true (em_parse_ra (" 332.202274 ", &v));
  g_assert_cmpfloat (v, ==, 332.202274);
  g_assert_true (em_parse_dec ("-08:24:29.40", &v));
  g_assert_cmpfloat_with_epsilon (v, -8.408166667, 1e-9);
  g_assert_true (em_parse_dec ("-00:30:00", &v));
  g_assert_cmpfloat_with_epsilon (v, -0.5, 1e-12);
  g_assert_true (em_parse_dec ("+19:10:56.60", &v));
  g_assert_cmpfloat_with_epsilon (v, 19.18238889, 1e-8);
  g_assert_false (em_parse_ra ("25:00:00", &v));
  g_assert_false (em_parse_ra ("10:61:00", &v));
  g_assert_false (em_parse_ra ("abc", &v));
  g_assert_false (em_parse_ra ("", &v));
  g_assert_false (em_parse_ra (NULL, &v));
  g_assert_false (em_parse_dec ("95", &v));
  g_assert_false (em_parse_dec ("10:20:30:40", &v));
  g_assert_false (em_parse_dec ("1e999", &v));
}

/* Several threads reading the same files at once get what one thread gets. */
static gpointer
read_all (gpointer data)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) em_spectrum_free);

  for (int round = 0; round < 3; round++)
    for (gsize i = 0; i < G_N_ELEMENTS (reader_expected); i++)
      {
        g_autofree char *path = data_path (reader_expected[i].path);
        g_autoptr(GError) error = NULL;
        EmSpectrum *s = em_spectrum_read (path, &error);

        g_assert_no_error (error);
        g_ptr_array_add (out, s);
      }
  return out;
}

static void
test_read_threads (void)
{
  GThread *threads[4];

  g_assert_true (em_spectrum_read_is_thread_safe ());
  for (int t = 0; t < 4; t++)
    threads[t] = g_thread_new ("reader", read_all, NULL);
  for (int t = 0; t < 4; t++)
    {
      g_autoptr(GPtrArray) got = g_thread_join (threads[t]);

      for (guint i = 0; i < got->len; i++)
        check_expected (&reader_expected[i % G_N_ELEMENTS (reader_expected)], got->pdata[i]);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("emissary-read-XXXXXX", &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (reader_expected); i++)
    {
      g_autofree char *name = g_strdup_printf ("/spectra/read/%s", reader_expected[i].path);

      g_test_add_data_func (name, &reader_expected[i], test_read_expected);
    }
  g_test_add_func ("/spectra/read/layout-details", test_read_layout_details);
  g_test_add_func ("/spectra/read/bad-input", test_read_bad_input);
  g_test_add_func ("/spectra/read/threads", test_read_threads);
  g_test_add_func ("/spectra/id-from-path", test_id_from_path);
  g_test_add_func ("/spectra/parse-coordinates", test_parse_coordinates);
  status = g_test_run ();

  {
    g_autoptr(GDir) dir = g_dir_open (tmp_dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (tmp_dir, name, NULL);

        g_unlink (path);
      }
    g_rmdir (tmp_dir);
    g_free (tmp_dir);
  }
  return status;
}
