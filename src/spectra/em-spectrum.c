/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-spectrum.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (em-spectra-error-quark, em_spectra_error)

EmSpectrum *
em_spectrum_new (gsize n_pixels)
{
  EmSpectrum *s = g_new0 (EmSpectrum, 1);

  s->ra = NAN;
  s->dec = NAN;
  s->snr = NAN;
  s->hdu = 1;
  s->ivar_known = TRUE;
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
  g_free (s->data_release);
  g_free (s->wave);
  g_free (s->flux);
  g_free (s->ivar);
  g_free (s->mask);
  g_free (s);
}

/* Splits "HH:MM:SS.s", "HH MM SS.s" or "HH:MM" into three numbers; a
 * string without separators is a plain decimal number (n_parts = 1). */
static gboolean
parse_sexagesimal (const char *text,
                   double     *value,
                   gboolean   *sexagesimal)
{
  g_autofree char *copy = NULL;
  g_auto(GStrv) parts = NULL;
  double parts_value[3] = { 0, 0, 0 };
  gboolean negative = FALSE;
  char *p;
  guint n;

  if (text == NULL)
    return FALSE;
  copy = g_strstrip (g_strdup (text));
  if (*copy == '\0')
    return FALSE;
  *sexagesimal = strpbrk (copy, ": ") != NULL;
  if (!*sexagesimal)
    {
      char *end;

      *value = g_ascii_strtod (copy, &end);
      return *end == '\0' && isfinite (*value);
    }

  p = copy;
  if (*p == '-' || *p == '+')
    {
      negative = *p == '-';
      p++;
    }
  for (char *q = p; *q; q++)
    if (*q == ' ')
      *q = ':';
  parts = g_strsplit (p, ":", -1);
  n = 0;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *end;

      if (parts[i][0] == '\0')
        continue;               /* runs of separators */
      if (n == 3 || !g_ascii_isdigit (parts[i][0]))
        return FALSE;
      parts_value[n] = g_ascii_strtod (parts[i], &end);
      if (*end != '\0' || !isfinite (parts_value[n]))
        return FALSE;
      n++;
    }
  if (n < 2 || parts_value[1] >= 60 || parts_value[2] >= 60)
    return FALSE;
  *value = parts_value[0] + parts_value[1] / 60.0 + parts_value[2] / 3600.0;
  if (negative)
    *value = -*value;
  return TRUE;
}

gboolean
em_parse_ra (const char *text,
             double     *degrees)
{
  gboolean sexagesimal;
  double value;

  if (!parse_sexagesimal (text, &value, &sexagesimal))
    return FALSE;
  if (sexagesimal)
    value *= 15.0;
  if (value < 0 || value >= 360)
    return FALSE;
  *degrees = value;
  return TRUE;
}

gboolean
em_parse_dec (const char *text,
              double     *degrees)
{
  gboolean sexagesimal;
  double value;

  if (!parse_sexagesimal (text, &value, &sexagesimal))
    return FALSE;
  if (value < -90 || value > 90)
    return FALSE;
  *degrees = value;
  return TRUE;
}

char *
em_spectrum_id_from_path (const char *path)
{
  static const char *const compressed[] = { ".gz", ".fz", ".bz2", ".Z" };
  static const char *const fits[] = { ".fits", ".fit", ".fts" };
  char *name = g_path_get_basename (path);
  gsize len = strlen (name);

  for (gsize i = 0; i < G_N_ELEMENTS (compressed); i++)
    if (g_str_has_suffix (name, compressed[i]) && len > strlen (compressed[i]))
      {
        len -= strlen (compressed[i]);
        name[len] = '\0';
        break;
      }
  for (gsize i = 0; i < G_N_ELEMENTS (fits); i++)
    if (len > strlen (fits[i]) && g_ascii_strcasecmp (name + len - strlen (fits[i]), fits[i]) == 0)
      {
        name[len - strlen (fits[i])] = '\0';
        break;
      }
  return name;
}
