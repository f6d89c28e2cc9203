/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-preprocess.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>

#define MAX_GRID_POINTS 100000

gboolean
em_grid_parse (const char *text,
               EmGrid     *grid,
               GError    **error)
{
  g_auto(GStrv) parts = NULL;
  double start, end;
  guint64 n;
  char *endp;

  g_return_val_if_fail (text != NULL && grid != NULL, FALSE);
  parts = g_strsplit (text, ":", -1);
  if (g_strv_length (parts) != 3)
    goto bad;
  start = g_ascii_strtod (parts[0], &endp);
  if (endp == parts[0] || *endp != '\0' || !isfinite (start))
    goto bad;
  end = g_ascii_strtod (parts[1], &endp);
  if (endp == parts[1] || *endp != '\0' || !isfinite (end))
    goto bad;
  if (!g_ascii_string_to_unsigned (parts[2], 10, 2, MAX_GRID_POINTS, &n, NULL))
    goto bad;
  if (!(start > 0 && start < end))
    goto bad;
  grid->start = start;
  grid->end = end;
  grid->n = (guint) n;
  return TRUE;

bad:
  g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
               _("invalid grid “%s”: expected START:END:N with 0 < START < END (Å) and 2 ≤ N ≤ %d"),
               text, MAX_GRID_POINTS);
  return FALSE;
}

double
em_grid_wavelength (const EmGrid *grid,
                    guint         i)
{
  /* As numpy.linspace: start + i·step, the last point exactly end. */
  if (i + 1 >= grid->n)
    return grid->end;
  return grid->start + (double) i * ((grid->end - grid->start) / (double) (grid->n - 1));
}

char *
em_grid_to_string (const EmGrid *grid)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup_printf ("%s:%s:%u", g_ascii_dtostr (a, sizeof a, grid->start),
                          g_ascii_dtostr (b, sizeof b, grid->end), grid->n);
}

void
em_preprocess_params_init (EmPreprocessParams *params)
{
  params->grid = EM_GRID_DEFAULT;
  params->blur_sigma_px = 0;
  params->scale = TRUE;
}

double
em_air_to_vacuum (double air)
{
  /* VALD: n = 1 + 0.00008336624212083 + 0.02408926869968 / (130.1065924522 − s²)
   *           + 0.0001599740894897 / (38.92568793293 − s²),  s = 10⁴/λ_air. */
  double s2 = (1e4 / air) * (1e4 / air);

  return air * (1 + 0.00008336624212083 + 0.02408926869968 / (130.1065924522 - s2)
                + 0.0001599740894897 / (38.92568793293 - s2));
}

double
em_vacuum_to_air (double vacuum)
{
  /* VALD (Birch & Downs 1994, Morton 2000): λ_air = λ_vac / n,
   * n = 1 + 0.0000834254 + 0.02406147 / (130 − s²) + 0.00015998 / (38.9 − s²),
   * s = 10⁴/λ_vac. */
  double s2 = (1e4 / vacuum) * (1e4 / vacuum);

  return vacuum / (1 + 0.0000834254 + 0.02406147 / (130 - s2) + 0.00015998 / (38.9 - s2));
}

void
em_gaussian_blur (const float *in,
                  float       *out,
                  gsize        n,
                  double       sigma_px)
{
  g_autofree double *kernel = NULL;
  double sum = 0;
  long half, width;

  if (n == 0)
    return;
  if (!(sigma_px > 0) || !isfinite (sigma_px))
    {
      for (gsize i = 0; i < n; i++)
        out[i] = in[i];
      return;
    }
  /* astropy's Gaussian1DKernel: 8σ rounded up to an odd width. */
  width = (long) ceil (8 * sigma_px);
  if (width % 2 == 0)
    width++;
  half = width / 2;
  kernel = g_new (double, (gsize) width);
  for (long k = -half; k <= half; k++)
    sum += kernel[k + half] = exp (-0.5 * (double) (k * k) / (sigma_px * sigma_px));
  for (long k = 0; k < width; k++)
    kernel[k] /= sum;

  for (long i = 0; i < (long) n; i++)
    {
      double acc = 0;

      for (long k = -half; k <= half; k++)
        {
          long j = CLAMP (i + k, 0, (long) n - 1);

          acc += kernel[k + half] * in[j];
        }
      out[i] = (float) acc;
    }
}

double
em_blur_sigma_for_resolution (double r_target,
                              double r_source,
                              double lambda,
                              double pixel_width)
{
  double fwhm_t, fwhm_s;

  if (!(r_target > 0) || !(lambda > 0) || !(pixel_width > 0))
    return 0;
  fwhm_t = lambda / r_target;
  fwhm_s = r_source > 0 ? lambda / r_source : 0;
  if (fwhm_t <= fwhm_s)
    return 0;
  return sqrt (fwhm_t * fwhm_t - fwhm_s * fwhm_s) / (2 * sqrt (2 * G_LN2)) / pixel_width;
}

double
em_gaussian_blur_to_resolution (const double *wave,
                                const float  *in,
                                float        *out,
                                gsize         n,
                                double        r_target,
                                double        r_source)
{
  double sigma = 0;
  gsize m = n / 2;

  if (n >= 3)
    sigma = em_blur_sigma_for_resolution (r_target, r_source, wave[m], (wave[m + 1] - wave[m - 1]) / 2);
  em_gaussian_blur (in, out, n, sigma);
  return sigma;
}

gsize
em_fill_masked (const double *wave,
                float        *flux,
                const guint8 *mask,
                gsize         n)
{
  gsize usable = 0;
  gssize prev = -1;

  for (gsize i = 0; i < n; i++)
    usable += mask[i] == 0;
  if (usable == 0 || usable == n)
    return usable;

  for (gsize i = 0; i <= n; i++)
    {
      if (i < n && mask[i])
        continue;
      /* pixels prev+1 .. i-1 are masked */
      for (gsize j = (gsize) (prev + 1); j < i; j++)
        {
          if (prev < 0)
            flux[j] = flux[i];
          else if (i == n)
            flux[j] = flux[prev];
          else
            {
              double t = (wave[j] - wave[prev]) / (wave[i] - wave[prev]);

              flux[j] = (float) ((1 - t) * flux[prev] + t * flux[i]);
            }
        }
      prev = (gssize) i;
    }
  return usable;
}

gboolean
em_resample_linear (const double *wave,
                    const float  *flux,
                    gsize         n,
                    const EmGrid *grid,
                    float        *out,
                    const char   *what,
                    GError      **error)
{
  gsize j = 0;

  if (n < 2 || grid->start < wave[0] || grid->end > wave[n - 1])
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_COVERAGE,
                   _("%s: the spectrum covers %.2f–%.2f Å, which does not contain the grid %.2f–%.2f Å"),
                   what ? what : _("spectrum"), n > 0 ? wave[0] : NAN, n > 0 ? wave[n - 1] : NAN,
                   grid->start, grid->end);
      return FALSE;
    }
  for (guint i = 0; i < grid->n; i++)
    {
      double x = em_grid_wavelength (grid, i), t;

      while (j + 2 < n && wave[j + 1] < x)
        j++;
      t = (x - wave[j]) / (wave[j + 1] - wave[j]);
      t = CLAMP (t, 0.0, 1.0);
      out[i] = (float) ((1 - t) * flux[j] + t * flux[j + 1]);
    }
  return TRUE;
}

void
em_scale_minmax (float *values,
                 gsize  n)
{
  double lo = INFINITY, hi = -INFINITY;

  for (gsize i = 0; i < n; i++)
    if (isfinite (values[i]))
      {
        lo = MIN (lo, values[i]);
        hi = MAX (hi, values[i]);
      }
  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (values[i]) || !(hi > lo))
        values[i] = isfinite (values[i]) ? -1.0f : 0.0f;
      else
        values[i] = (float) (2.0 * ((double) values[i] - lo) / (hi - lo) - 1.0);
    }
}

/* Index of the last wavelength <= x (0 if none). */
static gsize
lower_index (const double *wave,
             gsize         n,
             double        x)
{
  gsize lo = 0, hi = n;

  while (hi - lo > 1)
    {
      gsize mid = (lo + hi) / 2;

      if (wave[mid] <= x)
        lo = mid;
      else
        hi = mid;
    }
  return lo;
}

gboolean
em_preprocess (const EmSpectrum         *s,
               const EmPreprocessParams *params,
               float                    *out,
               GError                  **error)
{
  const EmGrid *grid = &params->grid;
  const char *what = s->source_path ? s->source_path : s->id;
  g_autofree float *flux = NULL;
  g_autofree float *blurred = NULL;
  g_autofree guint8 *mask = NULL;
  gsize n = s->n_pixels, a, b, i0, i1, m, margin, usable_inside = 0;

  g_return_val_if_fail (grid->n >= 2 && grid->start < grid->end, FALSE);

  if (n < 2 || grid->start < s->wave[0] || grid->end > s->wave[n - 1])
    return em_resample_linear (s->wave, s->flux, n, grid, out, what, error);

  /* Only the pixels under the grid matter, plus the reach of the blur. */
  i0 = lower_index (s->wave, n, grid->start);
  i1 = MIN (lower_index (s->wave, n, grid->end) + 1, n - 1);
  margin = params->blur_sigma_px > 0 ? (gsize) ceil (4 * params->blur_sigma_px) + 2 : 1;
  a = i0 > margin ? i0 - margin : 0;
  b = MIN (i1 + margin, n - 1);
  m = b - a + 1;

  flux = g_new (float, m);
  mask = g_new (guint8, m);
  for (gsize k = 0; k < m; k++)
    {
      gsize i = a + k;

      flux[k] = s->flux[i];
      mask[k] = s->mask[i] != 0 || !isfinite (s->flux[i]) || !(s->ivar[i] > 0) || !isfinite (s->ivar[i]);
      if (i >= i0 && i <= i1 && !mask[k])
        usable_inside++;
    }
  if (usable_inside == 0)
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_MASKED,
                   _("%s: every pixel between %.2f and %.2f Å is masked"), what, grid->start, grid->end);
      return FALSE;
    }
  em_fill_masked (s->wave + a, flux, mask, m);

  if (params->blur_sigma_px > 0)
    {
      blurred = g_new (float, m);
      em_gaussian_blur (flux, blurred, m, params->blur_sigma_px);
      g_free (flux);
      flux = g_steal_pointer (&blurred);
    }
  if (!em_resample_linear (s->wave + a, flux, m, grid, out, what, error))
    return FALSE;

  if (params->scale)
    em_scale_minmax (out, grid->n);
  for (guint i = 0; i < grid->n; i++)
    if (!isfinite (out[i]))
      {
        g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                     _("%s: the flux overflows near %.2f Å"), what, em_grid_wavelength (grid, i));
        return FALSE;
      }
  return TRUE;
}
