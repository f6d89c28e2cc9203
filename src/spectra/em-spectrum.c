/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-spectrum.h"

#include <math.h>

G_DEFINE_QUARK (em-spectra-error-quark, em_spectra_error)

EmSpectrum *
em_spectrum_new (gsize n_pixels)
{
  EmSpectrum *s = g_new0 (EmSpectrum, 1);

  s->ra = NAN;
  s->dec = NAN;
  s->snr = NAN;
  s->hdu = 1;
  s->n_pixels = n_pixels;
  s->wave = g_new0 (double, n_pixels);
  s->flux = g_new0 (float, n_pixels);
  s->ivar = g_new0 (float, n_pixels);
  s->mask = g_new0 (guint8, n_pixels);
  return s;
}

void
em_spectrum_free (EmSpectrum *s)
{
  if (s == NULL)
    return;
  g_free (s->id);
  g_free (s->designation);
  g_free (s->obsid);
  g_free (s->survey_class);
  g_free (s->source_path);
  g_free (s->format);
  g_free (s->wave);
  g_free (s->flux);
  g_free (s->ivar);
  g_free (s->mask);
  g_free (s);
}
