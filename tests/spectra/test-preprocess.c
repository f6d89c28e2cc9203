/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests src/spectra/em-preprocess.c.  Expected arrays in
 * preprocess-expected.h come from astropy/numpy
 * (tests/data/make-spectra-fixtures.py); air→vacuum is checked against
 * published line wavelengths. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "spectra/em-preprocess.h"
#include "spectra/em-spectrum-read.h"

#include "preprocess-expected.h"

static char *
data_path (const char *relative)
{
  return g_test_build_filename (G_TEST_DIST, "data", relative, NULL);
}

static void
test_air_to_vacuum (void)
{
  /* SDSS's line list (vacuum) and the NIST/Moore air values of the same
   * lines: H-alpha, H-beta, [N II], [S II], Na D2, [O III]. */
  static const struct
  {
    double air, vacuum;
  } lines[] = {
    { 6562.80, 6564.61 }, { 4861.33, 4862.68 }, { 6583.45, 6585.27 }, { 6716.44, 6718.29 },
    { 5889.95, 5891.58 }, { 5006.84, 5008.24 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      double v = em_air_to_vacuum (lines[i].air);

      g_assert_cmpfloat_with_epsilon (v, lines[i].vacuum, 0.011);
      /* the inverse formula of the same page undoes it to ~1e-4 Å */
      g_assert_cmpfloat_with_epsilon (em_vacuum_to_air (v), lines[i].air, 2e-4);
    }
}

static void
test_grid_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  EmGrid grid = EM_GRID_DEFAULT;
  static const char *const bad[] = { "", "6519:6732", "6519:6732:140:1", "6732:6519:140", "a:6732:140",
                                     "6519:6732:1", "6519:6732:x", "6519:6732:-5", "0:10:5", "6519:inf:10",
                                     "6519:6732:100001", "6519 :6732:140x" };

  g_assert_cmpfloat (grid.start, ==, 6519);
  g_assert_cmpfloat (grid.end, ==, 6732);
  g_assert_cmpuint (grid.n, ==, 140);
  g_assert_cmpfloat (em_grid_wavelength (&grid, 0), ==, 6519);
  g_assert_cmpfloat (em_grid_wavelength (&grid, 139), ==, 6732);
  g_assert_cmpfloat_with_epsilon (em_grid_wavelength (&grid, 1), 6519 + 213.0 / 139, 1e-9);

  g_assert_true (em_grid_parse ("6500.5:6600:11", &grid, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (grid.start, ==, 6500.5);
  g_assert_cmpuint (grid.n, ==, 11);
  text = em_grid_to_string (&grid);
  g_assert_cmpstr (text, ==, "6500.5:6600:11");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      EmGrid g;

      g_assert_false (em_grid_parse (bad[i], &g, &error));
      g_assert_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT);
      g_assert_nonnull (strstr (error->message, bad[i]));
      g_clear_error (&error);
    }
}

static void
test_blur (void)
{
  float in[G_N_ELEMENTS (blur_input)], out[G_N_ELEMENTS (blur_input)];
  float flat[50], flat_out[50];
  double sum_in = 0, sum_out = 0;
  float spike[101] = { 0 }, spike_out[101];

  for (gsize i = 0; i < G_N_ELEMENTS (blur_input); i++)
    in[i] = (float) blur_input[i];
  em_gaussian_blur (in, out, G_N_ELEMENTS (in), 1.5);
  for (gsize i = 0; i < G_N_ELEMENTS (in); i++)
    g_assert_cmpfloat_with_epsilon (out[i], expected_blur[i], 1e-5);

  for (gsize i = 0; i < 50; i++)
    flat[i] = 3.25f;
  em_gaussian_blur (flat, flat_out, 50, 7);
  for (gsize i = 0; i < 50; i++)
    g_assert_cmpfloat_with_epsilon (flat_out[i], 3.25, 1e-5);

  /* far from the edges the blur keeps the flux and spreads a spike with σ */
  spike[50] = 1;
  em_gaussian_blur (spike, spike_out, 101, 3);
  for (gsize i = 0; i < 101; i++)
    {
      sum_in += spike[i];
      sum_out += spike_out[i];
    }
  g_assert_cmpfloat_with_epsilon (sum_out, sum_in, 1e-6);
  g_assert_cmpfloat_with_epsilon (spike_out[53] / spike_out[50], exp (-0.5), 1e-5);

  /* σ = 0 copies */
  em_gaussian_blur (in, out, G_N_ELEMENTS (in), 0);
  g_assert_cmpmem (in, sizeof in, out, sizeof out);
}

static void
test_blur_sigma_for_resolution (void)
{
  /* R = 1800 at 6563 Å: FWHM 3.646 Å, σ 1.548 Å; pixels of 1 Å */
  g_assert_cmpfloat_with_epsilon (em_blur_sigma_for_resolution (1800, 0, 6563, 1.0), 6563 / 1800.0 / 2.35482, 1e-4);
  /* from R = 13000 on 0.2567 Å pixels */
  g_assert_cmpfloat_with_epsilon (em_blur_sigma_for_resolution (1800, 13000, 6563, 0.2567),
                                  sqrt (pow (6563 / 1800.0, 2) - pow (6563 / 13000.0, 2)) / 2.35482 / 0.2567, 1e-3);
  /* a source coarser than the target needs no blur */
  g_assert_cmpfloat (em_blur_sigma_for_resolution (13000, 1800, 6563, 1.0), ==, 0);
  g_assert_cmpfloat (em_blur_sigma_for_resolution (0, 1800, 6563, 1.0), ==, 0);
}

static void
test_resample_and_coverage (void)
{
  g_autoptr(GError) error = NULL;
  double wave[50];
  float flux[50], out[11];
  EmGrid grid = { 6510, 6520, 11 };

  for (int i = 0; i < 50; i++)
    {
      wave[i] = 6500 + 0.7 * i;
      flux[i] = (float) (3 * wave[i] - 19000);
    }
  g_assert_true (em_resample_linear (wave, flux, 50, &grid, out, "linear", &error));
  g_assert_no_error (error);
  for (int i = 0; i < 11; i++)
    g_assert_cmpfloat_with_epsilon (out[i], 3 * (6510 + i) - 19000, 2e-3);

  grid.end = 6540;   /* the spectrum ends at 6534.3 Å */
  g_assert_false (em_resample_linear (wave, flux, 50, &grid, out, "linear", &error));
  g_assert_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_COVERAGE);
  g_assert_nonnull (strstr (error->message, "linear"));
  g_clear_error (&error);
  grid = (EmGrid){ 6499, 6510, 5 };
  g_assert_false (em_resample_linear (wave, flux, 50, &grid, out, "linear", &error));
  g_assert_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_COVERAGE);
}

static EmSpectrum *
synthetic (gsize n)
{
  EmSpectrum *s = em_spectrum_new (n);

  s->id = g_strdup ("synthetic");
  for (gsize i = 0; i < n; i++)
    {
      s->wave[i] = 6400 + 1.5 * (double) i;
      s->flux[i] = (float) (100 + 0.1 * (double) i);
      s->ivar[i] = 1;
    }
  return s;
}

static void
test_preprocess_masked (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmSpectrum) s = synthetic (300);
  EmPreprocessParams p;
  float out[140];

  em_preprocess_params_init (&p);
  g_assert_true (p.scale);
  g_assert_cmpfloat (p.blur_sigma_px, ==, 0);
  p.scale = FALSE;

  /* masked spikes, NaN and infinite fluxes, ivar = 0: interpolated over */
  s->flux[100] = 1e6f, s->mask[100] = 1;
  s->flux[101] = NAN;
  s->flux[150] = INFINITY;
  s->flux[151] = -5e5f, s->ivar[151] = 0;
  s->ivar[152] = NAN, s->flux[152] = 7e7f;
  g_assert_true (em_preprocess (s, &p, out, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 140; i++)
    {
      double w = em_grid_wavelength (&p.grid, i);

      g_assert_true (isfinite (out[i]));
      g_assert_cmpfloat_with_epsilon (out[i], 100 + 0.1 * (w - 6400) / 1.5, 1e-3);
    }

  /* the same with blur: a straight line stays straight away from the edges */
  p.blur_sigma_px = 2;
  g_assert_true (em_preprocess (s, &p, out, &error));
  for (guint i = 0; i < 140; i++)
    g_assert_cmpfloat_with_epsilon (out[i], 100 + 0.1 * (em_grid_wavelength (&p.grid, i) - 6400) / 1.5, 1e-3);

  /* scaled: exactly -1 … 1 */
  p.scale = TRUE;
  g_assert_true (em_preprocess (s, &p, out, &error));
  g_assert_cmpfloat (out[0], ==, -1);
  g_assert_cmpfloat (out[139], ==, 1);

  /* everything under the grid masked */
  for (gsize i = 70; i < 230; i++)
    s->mask[i] = 1;
  g_assert_false (em_preprocess (s, &p, out, &error));
  g_assert_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_MASKED);
  g_assert_nonnull (strstr (error->message, "synthetic"));
  g_clear_error (&error);

  /* masked edges take the nearest usable value (no extrapolation) */
  for (gsize i = 70; i < 230; i++)
    s->mask[i] = i < 200;
  p.scale = FALSE;
  p.blur_sigma_px = 0;
  g_assert_true (em_preprocess (s, &p, out, &error));
  for (guint i = 0; i < 140; i++)
    if (em_grid_wavelength (&p.grid, i) < 6400 + 1.5 * 200)
      g_assert_cmpfloat_with_epsilon (out[i], 100 + 0.1 * 200, 1e-4);
}

static void
test_preprocess_coverage (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmSpectrum) s = synthetic (100);   /* 6400–6548.5 Å */
  EmPreprocessParams p;
  float out[140];

  em_preprocess_params_init (&p);
  g_assert_false (em_preprocess (s, &p, out, &error));
  g_assert_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_COVERAGE);
  g_assert_nonnull (strstr (error->message, "synthetic"));
}

static void
test_scale (void)
{
  float v[5] = { 2, 4, NAN, 6, INFINITY };
  float c[3] = { 7, 7, 7 };

  em_scale_minmax (v, 5);
  g_assert_cmpfloat (v[0], ==, -1);
  g_assert_cmpfloat (v[1], ==, 0);
  g_assert_cmpfloat (v[2], ==, 0);
  g_assert_cmpfloat (v[3], ==, 1);
  g_assert_cmpfloat (v[4], ==, 0);
  /* as sklearn's minmax_scale: a constant row becomes the lower bound */
  em_scale_minmax (c, 3);
  g_assert_cmpfloat (c[0], ==, -1);
  g_assert_cmpfloat (c[2], ==, -1);
}

static void
test_fill_masked (void)
{
  double wave[6] = { 1, 2, 3, 4, 6, 7 };
  float flux[6] = { 9, 1, 9, 3, 9, 9 };
  guint8 mask[6] = { 1, 0, 1, 0, 1, 1 };

  g_assert_cmpuint (em_fill_masked (wave, flux, mask, 6), ==, 2);
  g_assert_cmpfloat (flux[0], ==, 1);
  g_assert_cmpfloat (flux[2], ==, 2);
  g_assert_cmpfloat (flux[4], ==, 3);
  g_assert_cmpfloat (flux[5], ==, 3);
}

/* The Ondřejov dataset's chain on a real CCD700 spectrum. */
static void
test_preprocess_ondrejov (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = data_path ("ondrejov/ua280060.fits");
  g_autoptr(EmSpectrum) s = em_spectrum_read (path, &error);
  EmPreprocessParams p;
  float out[140];

  g_assert_no_error (error);
  em_preprocess_params_init (&p);
  p.blur_sigma_px = 7;
  p.scale = FALSE;
  g_assert_true (em_preprocess (s, &p, out, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 140; i++)
    g_assert_cmpfloat_with_epsilon (out[i], expected_ondrejov_blur7[i], 1e-5 * fabs (expected_ondrejov_blur7[i]));
}

static void
test_preprocess_lamost (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = data_path ("lamost/spec-58397-EG014118N254444M01_sp03-031.fits");
  g_autoptr(EmSpectrum) s = em_spectrum_read (path, &error);
  EmPreprocessParams p;
  float out[140];

  g_assert_no_error (error);
  em_preprocess_params_init (&p);
  g_assert_true (em_preprocess (s, &p, out, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 140; i++)
    g_assert_cmpfloat_with_epsilon (out[i], expected_lamost_scaled[i], 2e-6);
}

/* em_preprocess from several threads at once, as the pool ingest runs it. */
typedef struct
{
  const EmSpectrum *s;
  float             out[140];
} Job;

static gpointer
preprocess_many (gpointer data)
{
  Job *job = data;
  EmPreprocessParams p;

  em_preprocess_params_init (&p);
  p.blur_sigma_px = 3;
  for (int k = 0; k < 200; k++)
    g_assert_true (em_preprocess (job->s, &p, job->out, NULL));
  return NULL;
}

static void
test_preprocess_threads (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = data_path ("lamost/spec-55859-F5902_sp01-013.fits.gz");
  g_autoptr(EmSpectrum) s = em_spectrum_read (path, &error);
  Job jobs[3];
  GThread *threads[3];

  g_assert_no_error (error);
  for (int t = 0; t < 3; t++)
    {
      jobs[t].s = s;
      threads[t] = g_thread_new ("preprocess", preprocess_many, &jobs[t]);
    }
  for (int t = 0; t < 3; t++)
    g_thread_join (threads[t]);
  g_assert_cmpmem (jobs[0].out, sizeof jobs[0].out, jobs[1].out, sizeof jobs[1].out);
  g_assert_cmpmem (jobs[0].out, sizeof jobs[0].out, jobs[2].out, sizeof jobs[2].out);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/spectra/preprocess/air-to-vacuum", test_air_to_vacuum);
  g_test_add_func ("/spectra/preprocess/grid-parse", test_grid_parse);
  g_test_add_func ("/spectra/preprocess/blur", test_blur);
  g_test_add_func ("/spectra/preprocess/blur-sigma-for-resolution", test_blur_sigma_for_resolution);
  g_test_add_func ("/spectra/preprocess/resample-coverage", test_resample_and_coverage);
  g_test_add_func ("/spectra/preprocess/masked", test_preprocess_masked);
  g_test_add_func ("/spectra/preprocess/coverage", test_preprocess_coverage);
  g_test_add_func ("/spectra/preprocess/scale", test_scale);
  g_test_add_func ("/spectra/preprocess/fill-masked", test_fill_masked);
  g_test_add_func ("/spectra/preprocess/ondrejov-chain", test_preprocess_ondrejov);
  g_test_add_func ("/spectra/preprocess/lamost", test_preprocess_lamost);
  g_test_add_func ("/spectra/preprocess/threads", test_preprocess_threads);
  return g_test_run ();
}
