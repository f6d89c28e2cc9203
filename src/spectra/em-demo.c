/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The demo survey: simulated LAMOST spectra and an Ondřejov-layout seed
 * set.  The physics is simple but the features a classifier of the
 * H-alpha window sees are the real ones: Balmer absorption that deepens
 * and widens towards A stars, metal lines and TiO bands in cool stars,
 * emission filling in or rising above the absorption, double peaks of
 * circumstellar discs, redshifted galaxy lines, sky residuals, cosmic
 * rays, masked pixels and noise after each spectrum's S/N. */
#include "em-demo.h"

#include <errno.h>
#include <fitsio.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "em-labelled-set.h"
#include "em-preprocess.h"
#include "em-spectrum.h"

#define C_KMS    299792.458
#define HALPHA   6564.61        /* vacuum Å */
#define MAX_LINES 64

/* LAMOST LRS: log10 λ = 3.5682 + 1e-4·i, resolving power ≈ 1800. */
#define LAMOST_COEFF0 3.5682
#define LAMOST_COEFF1 0.0001
#define LAMOST_R      1800.0

/* Ondřejov CCD700 red setting, as in the CCD700 file ua280060.fits:
 * air λ = 6252.97 + 0.25669·i, 1997 pixels, R ≈ 13000. */
#define ONDREJOV_START 6252.97
#define ONDREJOV_STEP  0.25669
#define ONDREJOV_N     1997
#define ONDREJOV_R     13000.0
#define ONDREJOV_BLUR  7.0

/* ---- random numbers: xoshiro256** seeded by splitmix64 ------------------ */

typedef struct
{
  guint64 s[4];
} Rng;

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9E3779B97F4A7C15ull);

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* One independent stream per spectrum, so that a spectrum does not
 * depend on how many random numbers its predecessors used. */
static void
rng_init (Rng    *r,
          guint64 seed,
          guint64 stream)
{
  guint64 x = seed ^ (stream * 0xD1B54A32D192ED03ull);

  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64 (&x);
}

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
rng_next (Rng *r)
{
  guint64 result = rotl (r->s[1] * 5, 7) * 9;
  guint64 t = r->s[1] << 17;

  r->s[2] ^= r->s[0];
  r->s[3] ^= r->s[1];
  r->s[1] ^= r->s[2];
  r->s[0] ^= r->s[3];
  r->s[2] ^= t;
  r->s[3] = rotl (r->s[3], 45);
  return result;
}

static double
uniform (Rng *r)
{
  return (double) (rng_next (r) >> 11) * 0x1.0p-53;
}

static double
range (Rng   *r,
       double a,
       double b)
{
  return a + (b - a) * uniform (r);
}

static double
log_range (Rng   *r,
           double a,
           double b)
{
  return exp (range (r, log (a), log (b)));
}

static double
normal (Rng *r)
{
  double u1 = 1.0 - uniform (r), u2 = uniform (r);

  return sqrt (-2.0 * log (u1)) * cos (2 * G_PI * u2);
}

static guint
below (Rng  *r,
       guint n)
{
  return (guint) (uniform (r) * n) % n;
}

/* ---- the spectrum model ------------------------------------------------- */

typedef struct
{
  double center;     /* rest vacuum Å (observed Å for rest_frame lines) */
  double depth;      /* absorption: fraction at the centre; emission: height over the continuum */
  double sigma;      /* intrinsic Gaussian σ, Å */
  double gamma;      /* Lorentzian half width, Å (η > 0) */
  double eta;        /* Lorentzian share of the profile */
  gboolean rest_frame;
} Line;

typedef struct
{
  double teff;
  double shift;      /* (1 + v/c)(1 + z) */
  double ebv;
  double wiggle[2];  /* flux-calibration residual, Legendre P1, P2 */
  double tio;        /* depth of the TiO bands */
  double break4000;  /* galaxies */
  Line   abs[MAX_LINES];
  guint  n_abs;
  Line   em[MAX_LINES];
  guint  n_em;
} Model;

static void
add_line (Line    *lines,
          guint   *n,
          double   center,
          double   depth,
          double   sigma,
          double   gamma,
          double   eta,
          gboolean rest_frame)
{
  if (*n >= MAX_LINES || depth <= 0)
    return;
  lines[*n] = (Line){ center, depth, sigma, gamma, eta, rest_frame };
  (*n)++;
}

static double
continuum (const Model *m,
           double       lambda)
{
  double rest = lambda / m->shift;
  double planck = pow (6500.0 / rest, 5) * expm1 (1.4388e8 / (6500.0 * m->teff)) / expm1 (1.4388e8 / (rest * m->teff));
  double reddening = pow (10.0, -0.4 * m->ebv * 3.1 * (pow (5500.0 / lambda, 1.3) - 1.0));
  double t = (lambda - 6400.0) / 2700.0;
  double wiggle = 1 + m->wiggle[0] * t + m->wiggle[1] * (1.5 * t * t - 0.5);
  double brk = 1 - m->break4000 / (1 + exp ((rest - 4000.0) / 15.0));

  return planck * reddening * MAX (wiggle, 0.3) * brk;
}

static gsize
first_index (const double *wave,
             gsize         n,
             double        x)
{
  gsize lo = 0, hi = n;

  while (lo < hi)
    {
      gsize mid = (lo + hi) / 2;

      if (wave[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Evaluates the noiseless model on @wave (vacuum Å) as seen with
 * resolving power @R: each line's Gaussian part is broadened by the line
 * spread function (keeping its equivalent width), Lorentzian wings are
 * wide enough to need none.  @cont gets the line-free continuum. */
static void
model_eval (const Model  *m,
            const double *wave,
            gsize         n,
            double        R,
            double       *cont,
            double       *flux)
{
  static const double tio_heads[] = { 4955, 5168, 5450, 5849, 6160, 6653, 7055, 7591, 8434 };

  for (gsize i = 0; i < n; i++)
    {
      cont[i] = continuum (m, wave[i]);
      flux[i] = 1;
    }

  for (guint k = 0; k < m->n_abs; k++)
    {
      const Line *l = &m->abs[k];
      double c = l->rest_frame ? l->center : l->center * m->shift;
      double lsf = c / (R * 2.3548);
      double se = sqrt (l->sigma * l->sigma + lsf * lsf);
      double ga = (1 - l->eta) * l->depth * l->sigma / se, la = l->eta * l->depth;
      double reach = MAX (6 * se, l->eta > 0 ? 40 * l->gamma : 0);
      gsize a = first_index (wave, n, c - reach), b = first_index (wave, n, c + reach);

      for (gsize i = a; i < b; i++)
        {
          double x = wave[i] - c;
          double phi = ga * exp (-0.5 * x * x / (se * se)) + (la > 0 ? la / (1 + (x / l->gamma) * (x / l->gamma)) : 0);

          flux[i] *= MAX (1 - phi, 0.02);
        }
    }

  if (m->tio > 0)
    for (gsize h = 0; h < G_N_ELEMENTS (tio_heads); h++)
      {
        double head = tio_heads[h] * m->shift;
        gsize a = first_index (wave, n, head), b = first_index (wave, n, head + 400);

        for (gsize i = a; i < b; i++)
          flux[i] *= 1 - m->tio * exp (-(wave[i] - head) / 90.0);
      }

  for (gsize i = 0; i < n; i++)
    flux[i] *= cont[i];

  for (guint k = 0; k < m->n_em; k++)
    {
      const Line *l = &m->em[k];
      double c = l->rest_frame ? l->center : l->center * m->shift;
      double lsf = c / (R * 2.3548);
      double se = sqrt (l->sigma * l->sigma + lsf * lsf);
      double amp = l->depth * l->sigma / se;
      gsize a = first_index (wave, n, c - 7 * se), b = first_index (wave, n, c + 7 * se);

      for (gsize i = a; i < b; i++)
        {
          double x = wave[i] - c;

          flux[i] += cont[i] * amp * exp (-0.5 * x * x / (se * se));
        }
    }
}

/* ---- stars -------------------------------------------------------------- */

typedef enum
{
  KIND_ABSORPTION,
  KIND_EMISSION,
  KIND_WEAK_EMISSION,
  KIND_DOUBLE_PEAK,
  KIND_GALAXY,
  KIND_DEAD_FIBRE,
} Kind;

/* Spectral classes by effective temperature (subclass 0 → 9). */
static const struct
{
  char   letter;
  double t0, t9;
} spectral_classes[] = {
  { 'O', 45000, 31000 }, { 'B', 30000, 10500 }, { 'A', 9700, 7400 }, { 'F', 7200, 6000 },
  { 'G', 5900, 5300 },   { 'K', 5200, 4000 },   { 'M', 3850, 2700 },
};

static void
subclass_name (double teff,
               char  *buf,
               gsize  size)
{
  for (gsize c = 0; c < G_N_ELEMENTS (spectral_classes); c++)
    {
      double t0 = spectral_classes[c].t0, t9 = spectral_classes[c].t9;

      if (teff >= t9 || c + 1 == G_N_ELEMENTS (spectral_classes))
        {
          double f = (log (t0) - log (MIN (teff, t0))) / (log (t0) - log (t9));
          int sub = CLAMP ((int) floor (f * 9 + 0.5), 0, 9);

          g_snprintf (buf, size, "%c%d", spectral_classes[c].letter, sub);
          return;
        }
    }
}

/* Teff from class weights B, A, F, G, K, M. */
static double
draw_teff (Rng          *r,
           const double  weights[6])
{
  static const double lo[6] = { 10500, 7400, 6000, 5300, 4000, 2900 };
  static const double hi[6] = { 28000, 9800, 7300, 5950, 5250, 3900 };
  double u = uniform (r), sum = 0;

  for (int c = 0; c < 6; c++)
    {
      sum += weights[c];
      if (u < sum || c == 5)
        return log_range (r, lo[c], hi[c]);
    }
  return 5800;
}

static double
clamp01 (double x)
{
  return CLAMP (x, 0.0, 1.0);
}

static double
air (double lambda_air)
{
  return em_air_to_vacuum (lambda_air);
}

/* A star's photosphere, telluric bands and all, at radial velocity v. */
static void
model_star (Model  *m,
            Rng    *r,
            double  teff)
{
  double lt = log10 (teff);
  double balmer = exp (-pow ((lt - log10 (9500.0)) / 0.11, 2));   /* peaks at A0–A2 */
  double cool = clamp01 ((8000 - teff) / 3500);                  /* metal lines */
  double hot = clamp01 ((teff - 12000) / 10000);                 /* He I */
  double gravity = range (r, 0.7, 1.3);
  double vsini = teff > 7000 ? log_range (r, 20, 300) : log_range (r, 2, 20);
  double rot = HALPHA * vsini / C_KMS / 2;                       /* σ of the rotation profile, roughly */
  double core_sigma = sqrt (0.6 * 0.6 + rot * rot);
  double v = normal (r) * 35 + (uniform (r) < 0.03 ? normal (r) * 150 : 0);
  static const struct
  {
    double center, scale;
  } balmer_lines[] = {
    { HALPHA, 1.0 }, { 4862.68, 1.05 }, { 4341.68, 1.0 }, { 4102.89, 0.95 }, { 3971.19, 0.85 }, { 3890.15, 0.7 },
  };
  static const double metal_air[] = { 6546.24, 6572.78, 6592.91, 6593.87, 6643.63, 6663.44, 6677.99, 6717.68,
                                      6495.00, 6750.15, 6439.08, 6462.57 };

  memset (m, 0, sizeof *m);
  m->teff = teff;
  m->shift = 1 + v / C_KMS;
  m->ebv = range (r, 0, 0.45);
  m->wiggle[0] = normal (r) * 0.05;
  m->wiggle[1] = normal (r) * 0.04;
  m->tio = teff < 4000 ? clamp01 ((4000 - teff) / 1100) * range (r, 0.35, 0.7) : 0;

  for (gsize k = 0; k < G_N_ELEMENTS (balmer_lines); k++)
    {
      double s = balmer_lines[k].scale;
      double wing_depth = (0.06 + 0.42 * balmer) * s * (teff < 4200 ? 0.5 : 1);
      double gamma = (0.8 + 7.5 * balmer) * gravity * s;
      double core_depth = (0.22 + 0.35 * exp (-pow ((teff - 6000) / 2500, 2))) * range (r, 0.8, 1.15);

      add_line (m->abs, &m->n_abs, balmer_lines[k].center, wing_depth, 1, gamma, 1, FALSE);
      add_line (m->abs, &m->n_abs, balmer_lines[k].center, core_depth * s, core_sigma, 0, 0, FALSE);
    }
  /* Ca II K and H, Na D, Mg b, G band, Ca II triplet */
  add_line (m->abs, &m->n_abs, 3934.78, 0.1 + 0.7 * cool, 1, 1.5 + 9 * cool, 0.5, FALSE);
  add_line (m->abs, &m->n_abs, 3969.59, 0.1 + 0.6 * cool, 1, 1.5 + 8 * cool, 0.5, FALSE);
  add_line (m->abs, &m->n_abs, 5891.58, 0.08 + 0.5 * cool, 0.8, 0.4 + 1.5 * cool, 0.4, FALSE);
  add_line (m->abs, &m->n_abs, 5897.56, 0.06 + 0.45 * cool, 0.8, 0.4 + 1.5 * cool, 0.4, FALSE);
  add_line (m->abs, &m->n_abs, 5168.76, 0.04 + 0.4 * cool, 0.8, 0.4 + 1.2 * cool, 0.4, FALSE);
  add_line (m->abs, &m->n_abs, 5174.13, 0.04 + 0.45 * cool, 0.8, 0.4 + 1.2 * cool, 0.4, FALSE);
  add_line (m->abs, &m->n_abs, 5185.05, 0.04 + 0.5 * cool, 0.8, 0.4 + 1.2 * cool, 0.4, FALSE);
  add_line (m->abs, &m->n_abs, 4305.6, 0.25 * cool, 7, 0, 0, FALSE);
  add_line (m->abs, &m->n_abs, 8500.35, 0.15 + 0.35 * cool, 1.2, 1 + 2 * cool, 0.5, FALSE);
  add_line (m->abs, &m->n_abs, 8544.44, 0.2 + 0.4 * cool, 1.2, 1 + 2.5 * cool, 0.5, FALSE);
  add_line (m->abs, &m->n_abs, 8664.52, 0.18 + 0.38 * cool, 1.2, 1 + 2.2 * cool, 0.5, FALSE);
  /* He I in hot stars */
  add_line (m->abs, &m->n_abs, 4472.73, 0.12 * hot, 1.5 + rot, 0, 0, FALSE);
  add_line (m->abs, &m->n_abs, 5877.25, 0.1 * hot, 1.5 + rot, 0, 0, FALSE);
  add_line (m->abs, &m->n_abs, 6679.99, 0.08 * hot, 1.5 + rot, 0, 0, FALSE);
  /* metal lines around H-alpha, Li I in some cool stars */
  for (gsize k = 0; k < G_N_ELEMENTS (metal_air); k++)
    add_line (m->abs, &m->n_abs, air (metal_air[k]), cool * range (r, 0.05, 0.3), 0.35 + rot * 0.5, 0, 0, FALSE);
  if (teff < 5500 && uniform (r) < 0.15)
    add_line (m->abs, &m->n_abs, air (6707.76), range (r, 0.05, 0.3), 0.4, 0, 0, FALSE);
  /* telluric O2 B and A bands, water: not Doppler-shifted */
  add_line (m->abs, &m->n_abs, 6870.8, range (r, 0.05, 0.2), 3.5, 0, 0, TRUE);
  add_line (m->abs, &m->n_abs, 7605.0, range (r, 0.2, 0.45), 5, 0, 0, TRUE);
  add_line (m->abs, &m->n_abs, 7186.0, range (r, 0.03, 0.1), 15, 0, 0, TRUE);
  add_line (m->abs, &m->n_abs, 8230.0, range (r, 0.03, 0.1), 20, 0, 0, TRUE);
}

/* The H-alpha emission of an emission-line star (with a little H-beta,
 * sometimes He I and forbidden lines): height over the continuum drawn
 * log-uniformly from @amp_lo–@amp_hi, σ from @sigma_lo–@sigma_hi Å. */
static void
add_emission (Model  *m,
              Rng    *r,
              double  sigma_lo,
              double  sigma_hi,
              double  amp_lo,
              double  amp_hi)
{
  double amp = log_range (r, amp_lo, amp_hi);
  double sigma = log_range (r, sigma_lo, sigma_hi);
  add_line (m->em, &m->n_em, HALPHA, amp, sigma, 0, 0, FALSE);
  add_line (m->em, &m->n_em, 4862.68, amp * range (r, 0.15, 0.4), sigma * 0.8, 0, 0, FALSE);
  if (uniform (r) < 0.3)
    add_line (m->em, &m->n_em, 6679.99, amp * range (r, 0.02, 0.08), sigma * 0.7, 0, 0, FALSE);
  /* forbidden lines of young stellar objects and nebulae */
  if (uniform (r) < 0.15)
    {
      double n2 = amp * range (r, 0.05, 0.4);

      add_line (m->em, &m->n_em, 6585.27, n2, 1.2, 0, 0, FALSE);
      add_line (m->em, &m->n_em, 6549.86, n2 / 3, 1.2, 0, 0, FALSE);
      add_line (m->em, &m->n_em, 6718.29, amp * range (r, 0.02, 0.2), 1.2, 0, 0, FALSE);
      add_line (m->em, &m->n_em, 6732.67, amp * range (r, 0.02, 0.2), 1.2, 0, 0, FALSE);
    }
}

static void
add_double_peak (Model *m,
                 Rng   *r,
                 double sep_lo,
                 double sep_hi)
{
  double sep = range (r, sep_lo, sep_hi);
  double sigma = range (r, 0.22, 0.36) * sep;
  double amp = log_range (r, 0.5, 4);
  double ratio = log_range (r, 0.6, 1.6);   /* V/R */

  add_line (m->em, &m->n_em, HALPHA - sep / 2, amp, sigma, 0, 0, FALSE);
  add_line (m->em, &m->n_em, HALPHA + sep / 2, amp * ratio, sigma, 0, 0, FALSE);
  add_line (m->em, &m->n_em, 4862.68 - sep / 2 * 0.74, amp * 0.25, sigma * 0.74, 0, 0, FALSE);
  add_line (m->em, &m->n_em, 4862.68 + sep / 2 * 0.74, amp * ratio * 0.25, sigma * 0.74, 0, 0, FALSE);
  /* shell stars: a narrow absorption core between the peaks */
  if (uniform (r) < 0.35)
    add_line (m->abs, &m->n_abs, HALPHA, range (r, 0.2, 0.5), 0.6, 0, 0, FALSE);
}

static const double weights_pool[6] = { 0.05, 0.13, 0.28, 0.28, 0.19, 0.07 };
static const double weights_be[6] = { 1, 0, 0, 0, 0, 0 };
static const double weights_late[6] = { 0, 0, 0, 0, 0.4, 0.6 };
static const double weights_af[6] = { 0, 0.6, 0.4, 0, 0, 0 };
static const double weights_seed_abs[6] = { 0.3, 0.3, 0.15, 0.13, 0.1, 0.02 };

static void
model_emission_star (Model *m,
                     Rng   *r,
                     Kind   kind)
{
  double u = uniform (r);

  if (kind == KIND_DOUBLE_PEAK)
    {
      model_star (m, r, draw_teff (r, u < 0.9 ? weights_be : weights_af));
      add_double_peak (m, r, 5, 14);
      return;
    }
  if (u < 0.55)
    {
      /* Be stars: broad emission over broad absorption */
      model_star (m, r, draw_teff (r, weights_be));
      if (kind == KIND_WEAK_EMISSION)
        add_emission (m, r, 2, 6, 0.05, 0.6);
      else
        add_emission (m, r, 2, 6, 0.5, 6);
    }
  else if (u < 0.85)
    {
      /* T Tauri stars and dMe flare stars */
      model_star (m, r, draw_teff (r, weights_late));
      if (kind == KIND_WEAK_EMISSION)
        add_emission (m, r, 0.5, 2, 0.04, 0.4);
      else
        add_emission (m, r, 0.5, 6, 0.4, 8);
    }
  else
    {
      model_star (m, r, draw_teff (r, weights_af));
      if (kind == KIND_WEAK_EMISSION)
        add_emission (m, r, 1.5, 4, 0.05, 0.6);
      else
        add_emission (m, r, 1.5, 4, 0.6, 4);
    }
}

static double
model_galaxy (Model *m,
              Rng   *r)
{
  double z = range (r, 0.005, 0.15);
  double sigma_v = range (r, 80, 220) / C_KMS;
  double ha = log_range (r, 0.2, 3);
  double hb = ha / 2.86 * range (r, 0.4, 1.0);

  model_star (m, r, range (r, 4600, 5800));
  m->shift = 1 + z;
  m->ebv = range (r, 0, 0.15);
  m->break4000 = range (r, 0.2, 0.5);
  /* the telluric bands stay; stellar absorption weakens in the blend */
  for (guint k = 0; k < m->n_abs; k++)
    if (!m->abs[k].rest_frame)
      {
        m->abs[k].depth *= 0.6;
        m->abs[k].sigma = sqrt (m->abs[k].sigma * m->abs[k].sigma + pow (m->abs[k].center * sigma_v, 2));
      }
  if (uniform (r) < 0.6)
    {
      static const struct
      {
        double center, ratio;
      } lines[] = { { HALPHA, 1 }, { 6585.27, 0.45 }, { 6549.86, 0.15 }, { 6718.29, 0.25 }, { 6732.67, 0.18 } };
      double o3 = hb * log_range (r, 0.1, 4);

      for (gsize k = 0; k < G_N_ELEMENTS (lines); k++)
        add_line (m->em, &m->n_em, lines[k].center, ha * lines[k].ratio * (k ? range (r, 0.5, 1.8) : 1),
                  lines[k].center * sigma_v, 0, 0, FALSE);
      add_line (m->em, &m->n_em, 4862.68, hb, 4862.68 * sigma_v, 0, 0, FALSE);
      add_line (m->em, &m->n_em, 5008.24, o3, 5008.24 * sigma_v, 0, 0, FALSE);
      add_line (m->em, &m->n_em, 4960.30, o3 / 3, 4960.30 * sigma_v, 0, 0, FALSE);
      add_line (m->em, &m->n_em, 3728.48, hb * log_range (r, 0.5, 3), 3728.48 * sigma_v + 1.4, 0, 0, FALSE);
    }
  return z;
}

/* Airglow that sky subtraction left behind: narrow, at rest. */
static void
add_sky_residuals (Model *m,
                   Rng   *r,
                   double level)
{
  static const double sky_air[] = { 5577.34, 6300.30, 6363.78, 6533.04, 6553.62, 6568.78, 6577.28, 6596.64, 6604.13,
                                    6863.96, 7276.41, 7340.89, 7913.71, 8344.60, 8399.17, 8827.10 };

  for (gsize k = 0; k < G_N_ELEMENTS (sky_air); k++)
    add_line (m->em, &m->n_em, air (sky_air[k]), level * log_range (r, 0.1, 1) * (k < 2 ? 4 : 1), 0.3, 0, 0, TRUE);
}

/* What an astronomer sees in the noiseless H-alpha profile.  @ratio is
 * flux/continuum on @wave around @center.  Emission: a peak at least
 * 8 % above the continuum; double-peak: two such peaks with a dip
 * between them of at least a fifth of the lower one. */
static const char *
classify_profile (const double *wave,
                  const double *ratio,
                  gsize         n,
                  double        center)
{
  double best = -1, second = -1, top = -INFINITY;
  gssize ib = -1, is = -1;

  for (gsize i = 0; i < n; i++)
    if (fabs (wave[i] - center) <= 25)
      top = MAX (top, ratio[i]);
  if (!(top >= 1.08))
    return EM_LABEL_ABSORPTION;

  for (gsize i = 1; i + 1 < n; i++)
    {
      if (fabs (wave[i] - center) > 25 || ratio[i] < 1.08 || ratio[i] < ratio[i - 1] || ratio[i] <= ratio[i + 1])
        continue;
      if (ratio[i] > best)
        {
          second = best, is = ib;
          best = ratio[i], ib = (gssize) i;
        }
      else if (ratio[i] > second)
        second = ratio[i], is = (gssize) i;
    }
  if (is >= 0 && fabs (wave[ib] - wave[is]) >= 3)
    {
      gsize a = (gsize) MIN (ib, is), b = (gsize) MAX (ib, is);
      double dip = INFINITY;

      for (gsize i = a; i <= b; i++)
        dip = MIN (dip, ratio[i]);
      if (second - dip >= 0.2 * (second - 1) && second - dip >= 0.03)
        return EM_LABEL_DOUBLE_PEAK;
    }
  return EM_LABEL_EMISSION;
}

/* ---- the LAMOST pool ---------------------------------------------------- */

typedef struct
{
  guint   lmjd;
  char    planid[24];
  guint   planno;
  double  ra, dec;
  guint   size;
} Plate;

typedef struct
{
  char    name[64];
  char    id[64];
  const char *label;
  gboolean table, gzip;
  guint   n;
  double *wave;
  float  *flux, *ivar, *andmask, *ormask;
  double  ra, dec, z, snr[5];
  char    class_[16], subclass[8];
  guint64 obsid;
  guint   sp, fiber;
  const Plate *plate;
} PoolSpectrum;

static void
designation (double ra,
             double dec,
             char  *buf,
             gsize  size)
{
  /* IAU style: truncated, not rounded */
  double h = ra / 15, d = fabs (dec);
  int hh = (int) h, mm = (int) ((h - hh) * 60), dd = (int) d, dm = (int) ((d - dd) * 60);
  double ss = floor (((h - hh) * 60 - mm) * 60 * 100) / 100, ds = floor (((d - dd) * 60 - dm) * 60 * 10) / 10;

  g_snprintf (buf, size, "LAMOST J%02d%02d%05.2f%c%02d%02d%04.1f", hh, mm, ss, dec < 0 ? '-' : '+', dd, dm, ds);
}

static void
make_plate (Plate  *p,
            guint   index,
            guint64 seed)
{
  static const char *const prefixes[] = { "EG", "HD", "KP", "NT", "GAC" };
  static const char *const suffixes[] = { "M01", "B01", "V01", "F01" };
  Rng r;
  double ra_h;
  int dec_d;

  rng_init (&r, seed, 0x100000000ull + index);
  p->lmjd = 55859 + index * 11 + below (&r, 9);
  p->planno = 1001 + index * 7 + below (&r, 5);
  p->ra = range (&r, 0, 360);
  p->dec = range (&r, -8, 62);
  p->size = 120 + below (&r, 260);
  ra_h = p->ra / 15;
  dec_d = (int) fabs (p->dec);
  g_snprintf (p->planid, sizeof p->planid, "%s%02d%02d%02d%c%02d%02d%02d%s", prefixes[below (&r, 5)], (int) ra_h,
              (int) ((ra_h - (int) ra_h) * 60), (int) (ra_h * 3600) % 60, p->dec < 0 ? 'S' : 'N', dec_d,
              (int) ((fabs (p->dec) - dec_d) * 60), (int) (fabs (p->dec) * 3600) % 60, suffixes[below (&r, 4)]);
}

/* Simulates pool spectrum number @index of @plate (its @k-th fibre). */
static void
simulate_pool_spectrum (PoolSpectrum *s,
                        const Plate  *plate,
                        guint         k,
                        guint         index,
                        guint64       seed)
{
  g_autofree double *cont = NULL;
  g_autofree double *model = NULL;
  g_autofree double *ratio = NULL;
  Model m;
  Rng r;
  Kind kind;
  double u, snr, scale, c_r, radius, theta;
  gsize n = s->n;

  rng_init (&r, seed, 1 + index);
  s->plate = plate;
  s->sp = 1 + k % 16;
  s->fiber = 1 + (k / 16) * 10 + below (&r, 10);
  s->obsid = (guint64) plate->planno * 100000 + s->sp * 1000 + s->fiber;
  g_snprintf (s->id, sizeof s->id, "spec-%u-%s_sp%02u-%03u", plate->lmjd, plate->planid, s->sp, s->fiber);
  radius = 2.5 * sqrt (uniform (&r));
  theta = range (&r, 0, 2 * G_PI);
  s->dec = CLAMP (plate->dec + radius * sin (theta), -89.9, 89.9);
  s->ra = fmod (plate->ra + radius * cos (theta) / cos (s->dec * G_PI / 180) + 360, 360);
  s->table = uniform (&r) < 0.4;
  s->gzip = uniform (&r) < 0.3;
  g_snprintf (s->name, sizeof s->name, "%s.fits%s", s->id, s->gzip ? ".gz" : "");
  s->z = 0;

  u = uniform (&r);
  /* the survey's mix: emission-line stars are rare */
  if (u < 0.011)
    kind = KIND_EMISSION;
  else if (u < 0.016)
    kind = KIND_WEAK_EMISSION;
  else if (u < 0.0205)
    kind = KIND_DOUBLE_PEAK;
  else if (u < 0.0405)
    kind = KIND_GALAXY;
  else if (u < 0.0485)
    kind = KIND_DEAD_FIBRE;
  else
    kind = KIND_ABSORPTION;

  for (gsize i = 0; i < n; i++)
    s->wave[i] = pow (10.0, LAMOST_COEFF0 + (double) i * LAMOST_COEFF1);
  memset (s->andmask, 0, n * sizeof (float));
  memset (s->ormask, 0, n * sizeof (float));

  if (kind == KIND_DEAD_FIBRE)
    {
      gboolean empty = uniform (&r) < 0.5;

      s->label = EM_LABEL_ABSORPTION;
      g_strlcpy (s->class_, "Unknown", sizeof s->class_);
      g_strlcpy (s->subclass, "Non", sizeof s->subclass);
      memset (m.em, 0, sizeof m.em);
      m.n_em = 0;
      add_sky_residuals (&m, &r, range (&r, 2, 20));
      for (gsize i = 0; i < n; i++)
        {
          double sky = 0;

          for (guint l = 0; l < m.n_em; l++)
            {
              double x = (s->wave[i] - m.em[l].center) / 1.6;

              if (fabs (x) < 6)
                sky += m.em[l].depth * exp (-0.5 * x * x);
            }
          s->flux[i] = empty ? 0.0f : (float) (sky + 3 * normal (&r));
          s->ivar[i] = empty ? 0.0f : 1.0f / 9;
          s->ormask[i] = empty ? 1 << 22 : 0;
        }
      for (int b = 0; b < 5; b++)
        s->snr[b] = empty ? -9999 : range (&r, 0.05, 0.6);
      return;
    }

  if (kind == KIND_GALAXY)
    {
      s->z = model_galaxy (&m, &r);
      g_strlcpy (s->class_, "GALAXY", sizeof s->class_);
      g_strlcpy (s->subclass, "Non", sizeof s->subclass);
    }
  else
    {
      if (kind == KIND_ABSORPTION)
        model_star (&m, &r, draw_teff (&r, weights_pool));
      else
        model_emission_star (&m, &r, kind);
      g_strlcpy (s->class_, "STAR", sizeof s->class_);
      subclass_name (m.teff, s->subclass, sizeof s->subclass);
      s->z = m.shift - 1;
    }

  /* the truth, from the noiseless star as the spectrograph sees it */
  cont = g_new (double, n);
  model = g_new (double, n);
  ratio = g_new (double, n);
  model_eval (&m, s->wave, n, LAMOST_R, cont, model);
  for (gsize i = 0; i < n; i++)
    ratio[i] = model[i] / cont[i];
  s->label = kind == KIND_GALAXY ? EM_LABEL_ABSORPTION : classify_profile (s->wave, ratio, n, HALPHA * m.shift);

  /* then what the survey adds: sky residuals, noise, cosmic rays, bad pixels */
  snr = CLAMP (exp (log (22) + 0.85 * normal (&r)), 2, 600);
  scale = snr * range (&r, 2, 25);
  c_r = continuum (&m, 6200);
  if (uniform (&r) < 0.15)
    {
      Model sky;

      memset (&sky, 0, sizeof sky);
      sky.teff = m.teff;
      sky.shift = 1;
      add_sky_residuals (&sky, &r, range (&r, 0.02, 0.25) * 30 / snr);
      for (guint l = 0; l < sky.n_em; l++)
        {
          const Line *sl = &sky.em[l];
          double se = sqrt (sl->sigma * sl->sigma + pow (sl->center / (LAMOST_R * 2.3548), 2));
          gsize a = first_index (s->wave, n, sl->center - 6 * se), b = first_index (s->wave, n, sl->center + 6 * se);

          for (gsize i = a; i < b; i++)
            model[i] += c_r * sl->depth * exp (-0.5 * pow ((s->wave[i] - sl->center) / se, 2));
        }
    }
  for (gsize i = 0; i < n; i++)
    {
      double w = s->wave[i];
      double edge = 1 + 2.5 * exp (-(w - 3700) / 120) + 1.5 * exp ((w - 9100) / 120);
      double sigma = c_r / snr * sqrt (MAX (model[i], 0.05 * c_r) / c_r) * edge;

      s->flux[i] = (float) (scale / c_r * (model[i] + sigma * normal (&r)));
      s->ivar[i] = (float) (1 / pow (scale / c_r * sigma, 2));
    }
  {
    static const double band[5] = { 3850, 4750, 6200, 7500, 8800 };

    for (int b = 0; b < 5; b++)
      {
        double edge = 1 + 2.5 * exp (-(band[b] - 3700) / 120) + 1.5 * exp ((band[b] - 9100) / 120);

        s->snr[b] = snr * sqrt (MAX (continuum (&m, band[b]), 0.0025 * c_r) / c_r) / edge;
      }
  }

  if (kind != KIND_GALAXY && uniform (&r) < 0.02)
    {
      /* cosmic rays near H-alpha: one or two pixels, never broadened */
      guint hits = 1 + below (&r, 2);

      for (guint h = 0; h < hits; h++)
        {
          gsize i = first_index (s->wave, n, HALPHA + range (&r, -90, 90));
          double height = scale * log_range (&r, 0.3, 5);

          s->flux[i] += (float) height;
          if (uniform (&r) < 0.5 && i + 1 < n)
            s->flux[i + 1] += (float) (height * range (&r, 0.2, 0.8));
        }
    }
  if (uniform (&r) < 0.1)
    {
      /* bad CCD columns: and-masked, no weight, flux meaningless */
      double where = uniform (&r) < 0.25 ? HALPHA + range (&r, -40, 40) : range (&r, 3800, 9000);
      gsize i0 = first_index (s->wave, n, where);
      guint len = 1 + below (&r, 4);

      for (gsize i = i0; i < MIN (i0 + len, n); i++)
        {
          s->andmask[i] = (float) (1 << below (&r, 5));
          s->ormask[i] = s->andmask[i];
          s->ivar[i] = 0;
          s->flux[i] = uniform (&r) < 0.5 ? 0.0f : (float) (scale * range (&r, 2, 20));
        }
    }
}

static gboolean
write_bytes (const char *path,
             const char *data,
             gsize       length,
             gboolean    gzip,
             GError    **error)
{
  g_autoptr(GZlibCompressor) z = NULL;
  g_autoptr(GByteArray) out = NULL;
  gsize in_pos = 0;

  if (!gzip)
    return g_file_set_contents_full (path, data, (gssize) length, G_FILE_SET_CONTENTS_NONE, 0644, error);

  /* GZlibCompressor writes no time stamp or name: same input, same bytes. */
  z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 1);
  out = g_byte_array_sized_new ((guint) (length / 2 + 1024));
  for (;;)
    {
      guint8 chunk[65536];
      gsize read = 0, written = 0;
      GConverterResult res;

      res = g_converter_convert (G_CONVERTER (z), data + in_pos, length - in_pos, chunk, sizeof chunk,
                                 G_CONVERTER_INPUT_AT_END, &read, &written, error);
      if (res == G_CONVERTER_ERROR)
        return FALSE;
      in_pos += read;
      g_byte_array_append (out, chunk, (guint) written);
      if (res == G_CONVERTER_FINISHED)
        break;
    }
  return g_file_set_contents_full (path, (const char *) out->data, (gssize) out->len, G_FILE_SET_CONTENTS_NONE,
                                   0644, error);
}

static void
write_lamost_header (fitsfile           *f,
                     const PoolSpectrum *s,
                     int                *status)
{
  char buf[80];
  char filename[80];
  const char *bands[5] = { "SNRU", "SNRG", "SNRR", "SNRI", "SNRZ" };
  long obsid = (long) s->obsid;
  int yes = 1;

  g_snprintf (filename, sizeof filename, "%s.fits", s->id);
  fits_write_key (f, TSTRING, "FILENAME", filename, NULL, status);
  fits_write_key (f, TLONG, "OBSID", &obsid, "Unique number ID of this spectrum", status);
  fits_write_key (f, TSTRING, "AUTHOR", "Emissary demo (simulated)", "Who compiled the information", status);
  fits_write_key (f, TSTRING, "DATA_V", s->table ? "LAMOST DR9" : "LAMOST DR7", "Data release version", status);
  if (!s->table)
    fits_write_key (f, TSTRING, "EXTEN0", "Flux, Inverse, Wavelength, Andmask, Ormask", NULL, status);
  fits_write_key (f, TSTRING, "TELESCOP", "LAMOST", "GuoShouJing Telescope", status);
  fits_write_key (f, TUINT, "LMJD", (void *) &s->plate->lmjd, "Local Modified Julian Day", status);
  fits_write_key (f, TSTRING, "PLANID", (void *) s->plate->planid, "Plan ID in use", status);
  fits_write_key_fixdbl (f, "RA", s->ra, 6, "[deg] Right ascension of object", status);
  fits_write_key_fixdbl (f, "DEC", s->dec, 6, "[deg] Declination of object", status);
  designation (s->ra, s->dec, buf, sizeof buf);
  fits_write_key (f, TSTRING, "DESIG", buf, "Designation of LAMOST target", status);
  fits_write_key (f, TUINT, "FIBERID", (void *) &s->fiber, "Fiber ID of Object", status);
  fits_write_key (f, TUINT, "SPID", (void *) &s->sp, "Spectrograph ID", status);
  fits_write_key (f, TLOGICAL, "HELIO", &yes, "Heliocentric correction", status);
  fits_write_key (f, TLOGICAL, "VACUUM", &yes, "Wavelengths are in vacuum", status);
  fits_write_key_fixdbl (f, "COEFF0", LAMOST_COEFF0, 4, "Central wavelength (log10) of first pixel", status);
  fits_write_key_fixdbl (f, "COEFF1", LAMOST_COEFF1, 4, "Log10 dispersion per pixel", status);
  fits_write_key (f, TSTRING, "CLASS", (void *) s->class_, "Class of object", status);
  fits_write_key (f, TSTRING, "SUBCLASS", (void *) s->subclass, "Subclass of object", status);
  fits_write_key_fixdbl (f, "Z", s->z, 8, "Redshift of object", status);
  for (int b = 0; b < 5; b++)
    fits_write_key_fixdbl (f, bands[b], s->snr[b] < -9000 ? -9999 : s->snr[b], 2, NULL, status);
}

static gboolean
write_pool_spectrum (const char         *dir,
                     const PoolSpectrum *s,
                     GError            **error)
{
  g_autofree char *path = g_build_filename (dir, s->name, NULL);
  void *mem = NULL;
  size_t memsize = 0;
  fitsfile *f = NULL;
  int status = 0;
  LONGLONG headstart = 0, datastart = 0, dataend = 0;
  gsize n = s->n;
  gboolean ok;

  fits_create_memfile (&f, &mem, &memsize, 2880 * 64, realloc, &status);
  if (s->table)
    {
      char tform[16];
      char *ttype[] = { "FLUX", "IVAR", "WAVELENGTH", "ANDMASK", "ORMASK", "NORMALIZATION" };
      char *tforms[6];
      g_autofree float *wave = g_new (float, n);
      g_autofree float *norm = g_new (float, n);

      g_snprintf (tform, sizeof tform, "%zuE", n);
      for (int c = 0; c < 6; c++)
        tforms[c] = tform;
      for (gsize i = 0; i < n; i++)
        {
          wave[i] = (float) s->wave[i];
          norm[i] = -9999;
        }
      fits_create_img (f, SHORT_IMG, 0, NULL, &status);
      write_lamost_header (f, s, &status);
      fits_create_tbl (f, BINARY_TBL, 1, 6, ttype, tforms, NULL, "COADD", &status);
      fits_write_col (f, TFLOAT, 1, 1, 1, (LONGLONG) n, s->flux, &status);
      fits_write_col (f, TFLOAT, 2, 1, 1, (LONGLONG) n, s->ivar, &status);
      fits_write_col (f, TFLOAT, 3, 1, 1, (LONGLONG) n, wave, &status);
      fits_write_col (f, TFLOAT, 4, 1, 1, (LONGLONG) n, s->andmask, &status);
      fits_write_col (f, TFLOAT, 5, 1, 1, (LONGLONG) n, s->ormask, &status);
      fits_write_col (f, TFLOAT, 6, 1, 1, (LONGLONG) n, norm, &status);
    }
  else
    {
      long naxes[2] = { (long) n, 5 };
      g_autofree float *image = g_new (float, 5 * n);

      for (gsize i = 0; i < n; i++)
        {
          image[i] = s->flux[i];
          image[n + i] = s->ivar[i];
          image[2 * n + i] = (float) s->wave[i];
          image[3 * n + i] = s->andmask[i];
          image[4 * n + i] = s->ormask[i];
        }
      fits_create_img (f, FLOAT_IMG, 2, naxes, &status);
      write_lamost_header (f, s, &status);
      fits_write_key (f, TSTRING, "EXTNAME", "Flux", "The extension name", &status);
      fits_write_img (f, TFLOAT, 1, (LONGLONG) (5 * n), image, &status);
    }
  fits_get_hduaddrll (f, &headstart, &datastart, &dataend, &status);
  fits_close_file (f, &status);
  if (status != 0)
    {
      char text[FLEN_STATUS] = "";

      fits_get_errstatus (status, text);
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT, _("%s: cannot build the FITS file: %s"), path,
                   text);
      free (mem);
      return FALSE;
    }
  ok = write_bytes (path, mem, (gsize) MIN ((size_t) dataend, memsize), s->gzip, error);
  free (mem);
  return ok;
}

static gboolean
write_pool (const char *dir,
            guint       n_pool,
            guint64     seed,
            GString    *truth,
            GError    **error)
{
  g_autofree char *pool_dir = g_build_filename (dir, "pool", NULL);
  PoolSpectrum s;
  Plate plate;
  guint plate_index = 0, k = 0;
  gsize n_max = 3909;
  g_autofree double *wave = g_new (double, n_max);
  g_autofree float *flux = g_new (float, n_max);
  g_autofree float *ivar = g_new (float, n_max);
  g_autofree float *andmask = g_new (float, n_max);
  g_autofree float *ormask = g_new (float, n_max);

  if (g_mkdir_with_parents (pool_dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, _("%s: cannot create the folder: %s"), pool_dir,
                   g_strerror (saved));
      return FALSE;
    }
  make_plate (&plate, plate_index, seed);
  for (guint i = 0; i < n_pool; i++)
    {
      if (k >= plate.size)
        {
          make_plate (&plate, ++plate_index, seed);
          k = 0;
        }
      memset (&s, 0, sizeof s);
      s.wave = wave, s.flux = flux, s.ivar = ivar, s.andmask = andmask, s.ormask = ormask;
      /* DR7 images hold 3909 pixels, DR8+ tables 3908, as the real
       * files; the table simply drops the last pixel. */
      s.n = 3909;
      simulate_pool_spectrum (&s, &plate, k++, i, seed);
      if (s.table)
        s.n = 3908;
      if (!write_pool_spectrum (pool_dir, &s, error))
        return FALSE;
      g_string_append_printf (truth, "%s,%s\n", s.id, s.label);
    }
  return TRUE;
}

/* ---- the Ondřejov-layout seed set -------------------------------------- */

static const char *const star_names[] = { "HD", "BD", "HR", "V", "EM*", "HIP" };
static const char *const constellations[] = { "Cas", "Cyg", "Per", "Aur", "Gem", "Mon", "Ori", "Tau", "Lac", "Cep",
                                              "Sgr", "Sco", "Oph", "Her", "Lyr", "Aql", "And", "CMa", "Pup", "Vul" };

static void
seed_object (Rng  *r,
             char *buf,
             gsize size)
{
  guint kind = below (r, G_N_ELEMENTS (star_names));

  switch (kind)
    {
    case 0: g_snprintf (buf, size, "HD %u", 1000 + below (r, 240000)); break;
    case 1: g_snprintf (buf, size, "BD+%02u %u", below (r, 60), 1 + below (r, 4000)); break;
    case 2: g_snprintf (buf, size, "HR %u", 1 + below (r, 9100)); break;
    case 3: g_snprintf (buf, size, "V%u %s", 340 + below (r, 2000), constellations[below (r, 20)]); break;
    case 4: g_snprintf (buf, size, "EM* MWC %u", 1 + below (r, 1000)); break;
    default: g_snprintf (buf, size, "HIP %u", 1 + below (r, 118000)); break;
    }
}

/* One simulated CCD700 spectrum of class @label, preprocessed as the
 * Ondřejov dataset was: vacuum wavelengths, blur σ = 7 px, 140 points. */
static void
simulate_seed_row (Rng        *r,
                   const char *label,
                   float      *out)
{
  const EmGrid grid = EM_GRID_DEFAULT;
  double air_wave[ONDREJOV_N], vac[ONDREJOV_N], cont[ONDREJOV_N], model[ONDREJOV_N];
  float fmodel[ONDREJOV_N], fcont[ONDREJOV_N], blurred[ONDREJOV_N];
  float gm[140], gc[140];
  double gwave[140], gratio[140];
  Model m;

  for (gsize i = 0; i < ONDREJOV_N; i++)
    {
      air_wave[i] = ONDREJOV_START + (double) i * ONDREJOV_STEP;
      vac[i] = em_air_to_vacuum (air_wave[i]);
    }
  for (guint i = 0; i < grid.n; i++)
    gwave[i] = em_grid_wavelength (&grid, i);

  /* draw stars of the wanted class until the noiseless profile shows it */
  for (int attempt = 0;; attempt++)
    {
      double u = uniform (r);

      if (strcmp (label, EM_LABEL_ABSORPTION) == 0)
        {
          model_star (&m, r, draw_teff (r, weights_seed_abs));
          if (u < 0.12)
            add_emission (&m, r, 2, 6, 0.03, 0.35);      /* filled-in, no emission above the continuum */
        }
      else if (strcmp (label, EM_LABEL_EMISSION) == 0)
        model_emission_star (&m, r, u < 0.15 ? KIND_WEAK_EMISSION : KIND_EMISSION);
      else
        {
          model_emission_star (&m, r, KIND_DOUBLE_PEAK);
          /* at R = 13000 narrower discs show two peaks too */
          m.n_em = 0;
          add_double_peak (&m, r, 3.5, 14);
        }
      m.ebv = range (r, 0, 0.3);
      model_eval (&m, vac, ONDREJOV_N, ONDREJOV_R, cont, model);
      for (gsize i = 0; i < ONDREJOV_N; i++)
        {
          fmodel[i] = (float) model[i];
          fcont[i] = (float) cont[i];
        }
      em_gaussian_blur (fmodel, blurred, ONDREJOV_N, ONDREJOV_BLUR);
      em_resample_linear (vac, blurred, ONDREJOV_N, &grid, gm, NULL, NULL);
      em_gaussian_blur (fcont, blurred, ONDREJOV_N, ONDREJOV_BLUR);
      em_resample_linear (vac, blurred, ONDREJOV_N, &grid, gc, NULL, NULL);
      for (guint i = 0; i < grid.n; i++)
        gratio[i] = gm[i] / gc[i];
      if (strcmp (classify_profile (gwave, gratio, grid.n, HALPHA * m.shift), label) == 0 || attempt > 200)
        break;
    }

  /* counts on the CCD: blaze slope, photon noise at S/N 50–600 */
  {
    double counts = log_range (r, 1e4, 6e5);
    double snr = log_range (r, 50, 600);
    double slope = range (r, -0.3, 0.3);
    double c0 = continuum (&m, 6500);

    for (gsize i = 0; i < ONDREJOV_N; i++)
      {
        double blaze = 1 + slope * (air_wave[i] - 6500) / 250;
        double level = counts * model[i] / c0 * blaze;
        double sigma = counts / snr * sqrt (MAX (level, 0.01 * counts) / counts);

        fmodel[i] = (float) (level + sigma * normal (r));
      }
    em_gaussian_blur (fmodel, blurred, ONDREJOV_N, ONDREJOV_BLUR);
    em_resample_linear (vac, blurred, ONDREJOV_N, &grid, out, NULL, NULL);
  }
}

static gboolean
write_seed (const char *dir,
            guint       n_seed,
            guint64     seed,
            GError    **error)
{
  g_autofree char *path = g_build_filename (dir, "seed.csv", NULL);
  g_autoptr(EmLabelledSet) set = em_labelled_set_new (n_seed, 140);
  g_autofree const char **labels = g_new (const char *, n_seed + 1);
  const EmGrid grid = EM_GRID_DEFAULT;
  guint n_emission = (guint) floor (n_seed * 0.41 + 0.5);
  guint n_double = (guint) floor (n_seed * 0.12 + 0.5);
  guint n_absorption = n_seed - MIN (n_seed, n_emission + n_double);
  Rng r;

  if (n_emission + n_double > n_seed)
    n_double = n_seed - n_emission;
  for (guint i = 0; i < n_seed; i++)
    labels[i] = i < n_absorption ? EM_LABEL_ABSORPTION
                : i < n_absorption + n_emission ? EM_LABEL_EMISSION
                : EM_LABEL_DOUBLE_PEAK;
  /* the rows in a random order, as a catalogue would list them */
  rng_init (&r, seed, 0x200000000ull);
  for (guint i = n_seed; i > 1; i--)
    {
      guint j = below (&r, i);
      const char *t = labels[i - 1];

      labels[i - 1] = labels[j];
      labels[j] = t;
    }

  for (guint k = 0; k < 140; k++)
    set->wave[k] = em_grid_wavelength (&grid, k);
  for (guint i = 0; i < n_seed; i++)
    {
      char object[64];
      GDate date;

      rng_init (&r, seed, 0x300000000ull + i);
      g_date_clear (&date, 1);
      g_date_set_dmy (&date, 1, G_DATE_JANUARY, 2006);
      g_date_add_days (&date, below (&r, 6000));
      g_free (set->ids[i]);
      set->ids[i] = g_strdup_printf ("a%04d%02d%02d%04u", g_date_get_year (&date), g_date_get_month (&date),
                                     g_date_get_day (&date), 10 + below (&r, 60));
      g_free (set->labels[i]);
      set->labels[i] = g_strdup (labels[i]);
      seed_object (&r, object, sizeof object);
      g_free (set->objects[i]);
      set->objects[i] = g_strdup (object);
      set->ra[i] = range (&r, 0, 360);
      set->dec[i] = range (&r, -25, 89);
      simulate_seed_row (&r, labels[i], set->flux + (gsize) i * 140);
    }
  return em_labelled_set_write_csv (set, path, error);
}

gboolean
em_demo_write (const char *dir,
               guint       n_pool,
               guint       n_seed,
               guint64     seed,
               GError    **error)
{
  g_autoptr(GString) truth = g_string_new ("id,label\n");
  g_autoptr(GError) local_error = NULL;
  g_autofree char *truth_path = NULL;

  g_return_val_if_fail (dir != NULL, FALSE);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, _("%s: cannot create the folder: %s"), dir,
                   g_strerror (saved));
      return FALSE;
    }
  if (!write_pool (dir, n_pool, seed, truth, error))
    return FALSE;
  if (!write_seed (dir, n_seed, seed, error))
    return FALSE;
  truth_path = g_build_filename (dir, "truth.csv", NULL);
  if (!g_file_set_contents (truth_path, truth->str, (gssize) truth->len, &local_error))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}
