/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "spectra/em-spectrum.h"

G_BEGIN_DECLS

/* A uniform wavelength grid: n points from start to end inclusive
 * (vacuum Å), like numpy.linspace (start, end, n). */
typedef struct
{
  double start;
  double end;
  guint  n;
} EmGrid;

/* The grid of the Ondřejov dataset and of Škoda et al. (2020). */
#define EM_GRID_DEFAULT ((EmGrid){ 6519.0, 6732.0, 140 })

/* Parses "START:END:N" (e.g. "6519:6732:140"); START < END, 2 <= N <= 100000. */
gboolean em_grid_parse            (const char   *text,
                                   EmGrid       *grid,
                                   GError      **error);
/* Wavelength of grid point i. */
double   em_grid_wavelength       (const EmGrid *grid,
                                   guint         i);
/* "START:END:N" (free with g_free). */
char    *em_grid_to_string        (const EmGrid *grid);

typedef struct
{
  EmGrid   grid;
  double   blur_sigma_px;   /* Gaussian blur σ in pixels of the spectrum; 0 = none */
  gboolean scale;           /* min-max to [-1, 1] per spectrum */
} EmPreprocessParams;

/* Default grid, no blur, scaling on. */
void     em_preprocess_params_init (EmPreprocessParams *params);

/* The whole chain for one spectrum: masked pixels interpolated over on
 * the spectrum's own pixels, optional blur, linear resampling onto the
 * grid, optional scaling.  @out receives params->grid.n finite values.
 * Errors: EM_SPECTRA_ERROR_COVERAGE (the grid reaches outside the
 * spectrum), EM_SPECTRA_ERROR_MASKED (no usable pixel under the grid).
 * Reentrant: any number of threads may call it at once. */
gboolean em_preprocess            (const EmSpectrum         *spectrum,
                                   const EmPreprocessParams *params,
                                   float                    *out,
                                   GError                  **error);

/* ---- building blocks ---- */

/* Air → vacuum wavelength (Å) by the formula of N. Piskunov on the VALD
 * wiki, as used for the Ondřejov dataset. */
double   em_air_to_vacuum         (double        air);
/* Vacuum → air (Å), the inverse formula from the same page (Birch &
 * Downs 1994 refraction index, as in VALD3). */
double   em_vacuum_to_air         (double        vacuum);

/* Gaussian blur with σ in pixels; the kernel reaches 4σ each way, is
 * normalised, and the edges repeat the first/last value (astropy's
 * convolve (boundary='extend')).  @in and @out may not overlap. */
void     em_gaussian_blur         (const float  *in,
                                   float        *out,
                                   gsize         n,
                                   double        sigma_px);

/* σ in pixels that takes a spectrum of resolving power @r_source (0 =
 * infinite) to @r_target, near wavelength @lambda on a grid whose pixel
 * there is @pixel_width Å wide: σ = sqrt(FWHM_t² − FWHM_s²)/2.3548 in pixels;
 * 0 when the source is already coarser than the target. */
double   em_blur_sigma_for_resolution (double    r_target,
                                       double    r_source,
                                       double    lambda,
                                       double    pixel_width);

/* Blurs a spectrum of resolving power @r_source (0 = infinite) to
 * @r_target with one Gaussian whose σ in pixels is taken at the middle
 * pixel (on a log-linear grid, as LAMOST's, it is the same everywhere).
 * Returns the σ used (0: copied unchanged). */
double   em_gaussian_blur_to_resolution (const double *wave,
                                         const float  *in,
                                         float        *out,
                                         gsize         n,
                                         double        r_target,
                                         double        r_source);

/* Replaces masked pixels (mask[i] != 0) by linear interpolation between
 * the nearest usable neighbours (the nearest one at the ends).  Returns
 * the number of usable pixels (0: nothing changed). */
gsize    em_fill_masked           (const double *wave,
                                   float        *flux,
                                   const guint8 *mask,
                                   gsize         n);

/* Linear interpolation of (wave, flux) — wave ascending — at the grid
 * points.  COVERAGE error when the grid reaches outside the wavelengths;
 * @what names the spectrum in the message. */
gboolean em_resample_linear       (const double *wave,
                                   const float  *flux,
                                   gsize         n,
                                   const EmGrid *grid,
                                   float        *out,
                                   const char   *what,
                                   GError      **error);

/* Min-max scaling to [-1, 1] in place (as sklearn's minmax_scale with
 * feature_range (-1, 1) per spectrum); a constant spectrum becomes -1
 * everywhere, as there.  Non-finite values are ignored for min/max and
 * replaced by 0. */
void     em_scale_minmax          (float        *values,
                                   gsize         n);

G_END_DECLS
