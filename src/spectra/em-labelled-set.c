/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-labelled-set.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

/* The Ondřejov dataset's metadata columns, in its order. */
static const char *const metadata_columns[] = {
  "id", "label", "object", "ra", "dec", "expval", "gratang",
  "detector", "chipid", "specfilt", "date-obs", "dichmir",
};

EmLabelledSet *
em_labelled_set_new (guint n_rows,
                     guint n_flux)
{
  EmLabelledSet *set = g_new0 (EmLabelledSet, 1);

  set->n_rows = n_rows;
  set->n_flux = n_flux;
  set->wave = g_new0 (double, n_flux);
  set->ids = g_new0 (char *, n_rows + 1);
  set->labels = g_new0 (char *, n_rows + 1);
  set->objects = g_new0 (char *, n_rows + 1);
  set->ra = g_new (double, n_rows);
  set->dec = g_new (double, n_rows);
  set->flux = g_new0 (float, (gsize) n_rows * n_flux);
  for (guint i = 0; i < n_rows; i++)
    {
      set->ids[i] = g_strdup ("");
      set->labels[i] = g_strdup ("");
      set->objects[i] = g_strdup ("");
      set->ra[i] = NAN;
      set->dec[i] = NAN;
    }
  return set;
}

void
em_labelled_set_free (EmLabelledSet *set)
{
  if (set == NULL)
    return;
  g_free (set->wave);
  g_strfreev (set->ids);
  g_strfreev (set->labels);
  g_strfreev (set->objects);
  g_free (set->ra);
  g_free (set->dec);
  g_free (set->flux);
  g_free (set);
}

/* ---- reading ------------------------------------------------------------ */

typedef struct
{
  const char *p;
  const char *end;
  guint       line;      /* line where the next record starts */
  const char *path;
} CsvReader;

/* Reads one record (RFC 4180: quoted fields may hold commas, doubled
 * quotes and newlines) into @fields.  FALSE at the end of the text. */
static gboolean
csv_next (CsvReader *r,
          GPtrArray *fields,
          guint     *record_line,
          GError   **error)
{
  GString *field = g_string_new (NULL);

  g_ptr_array_set_size (fields, 0);
  /* blank lines between records are no records */
  while (r->p < r->end && (*r->p == '\n' || *r->p == '\r'))
    {
      if (*r->p == '\n')
        r->line++;
      r->p++;
    }
  if (r->p >= r->end)
    {
      g_string_free (field, TRUE);
      return FALSE;
    }
  *record_line = r->line;

  for (;;)
    {
      if (r->p < r->end && *r->p == '"')
        {
          r->p++;
          for (;;)
            {
              if (r->p >= r->end)
                {
                  g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                               _("%s:%u: a quoted field is not closed"), r->path, *record_line);
                  g_string_free (field, TRUE);
                  return FALSE;
                }
              if (*r->p == '"')
                {
                  if (r->p + 1 < r->end && r->p[1] == '"')
                    {
                      g_string_append_c (field, '"');
                      r->p += 2;
                      continue;
                    }
                  r->p++;
                  break;
                }
              if (*r->p == '\n')
                r->line++;
              g_string_append_c (field, *r->p++);
            }
        }
      while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r')
        g_string_append_c (field, *r->p++);
      g_ptr_array_add (fields, g_string_free (field, FALSE));
      field = g_string_new (NULL);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      if (r->p < r->end && *r->p == '\r')
        r->p++;
      if (r->p < r->end && *r->p == '\n')
        {
          r->p++;
          r->line++;
        }
      break;
    }
  g_string_free (field, TRUE);
  return TRUE;
}

static gboolean
parse_number (const char *text,
              double     *value)
{
  char *end;

  while (*text == ' ')
    text++;
  if (*text == '\0')
    return FALSE;
  *value = g_ascii_strtod (text, &end);
  while (*end == ' ')
    end++;
  return end != text && *end == '\0';
}

static const char *
label_name (const char *label)
{
  /* podondra/active-cnn codes the classes 0, 1, 2 */
  if (strcmp (label, "0") == 0)
    return EM_LABEL_ABSORPTION;
  if (strcmp (label, "1") == 0)
    return EM_LABEL_EMISSION;
  if (strcmp (label, "2") == 0)
    return EM_LABEL_DOUBLE_PEAK;
  return label;
}

EmLabelledSet *
em_labelled_set_read_csv (const char *path,
                          GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) flux_columns = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) waves = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) ras = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) decs = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) fluxes = g_array_new (FALSE, FALSE, sizeof (float));
  g_autofree char *contents = NULL;
  EmLabelledSet *set;
  CsvReader r;
  gsize length;
  guint n_columns, line = 1;
  int col_id = -1, col_label = -1, col_object = -1, col_ra = -1, col_dec = -1;

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, "%s", local_error->message);
      return NULL;
    }
  if (memchr (contents, '\0', length) != NULL || !g_utf8_validate_len (contents, length, NULL))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                   _("%s: not a UTF-8 text (CSV) file"), path);
      return NULL;
    }

  r.p = contents;
  r.end = contents + length;
  r.line = 1;
  r.path = path;
  if (length >= 3 && memcmp (contents, "\xef\xbb\xbf", 3) == 0)
    r.p += 3;

  if (!csv_next (&r, fields, &line, &local_error))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT, _("%s: empty file"), path);
      return NULL;
    }
  n_columns = fields->len;
  for (guint c = 0; c < n_columns; c++)
    {
      const char *name = g_strstrip ((char *) fields->pdata[c]);
      double w;

      if (g_ascii_strcasecmp (name, "id") == 0)
        col_id = (int) c;
      else if (g_ascii_strcasecmp (name, "label") == 0)
        col_label = (int) c;
      else if (g_ascii_strcasecmp (name, "object") == 0)
        col_object = (int) c;
      else if (g_ascii_strcasecmp (name, "ra") == 0)
        col_ra = (int) c;
      else if (g_ascii_strcasecmp (name, "dec") == 0)
        col_dec = (int) c;
      else if (parse_number (name, &w))
        {
          if (!(w > 0 && isfinite (w)) || (waves->len > 0 && w <= g_array_index (waves, double, waves->len - 1)))
            {
              g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                           _("%s:%u: flux column “%s” is not a wavelength above the previous one"), path, line, name);
              return NULL;
            }
          g_array_append_val (flux_columns, c);
          g_array_append_val (waves, w);
        }
    }
  if (col_id < 0 || col_label < 0)
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                   _("%s:%u: the header has no “id” or no “label” column (Ondřejov dataset layout expected)"),
                   path, line);
      return NULL;
    }
  if (waves->len < 2)
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                   _("%s:%u: the header names fewer than two flux columns (headers that are wavelengths)"),
                   path, line);
      return NULL;
    }

  while (csv_next (&r, fields, &line, &local_error))
    {
      char **f = (char **) fields->pdata;
      double ra = NAN, dec = NAN;

      if (fields->len != n_columns)
        {
          g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                       _("%s:%u: %u fields where the header has %u"), path, line, fields->len, n_columns);
          return NULL;
        }
      g_strstrip (f[col_id]);
      g_strstrip (f[col_label]);
      if (f[col_id][0] == '\0' || f[col_label][0] == '\0')
        {
          g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                       _("%s:%u: empty id or label"), path, line);
          return NULL;
        }
      if (col_ra >= 0 && g_strstrip (f[col_ra])[0] != '\0' && !em_parse_ra (f[col_ra], &ra))
        {
          g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                       _("%s:%u: invalid right ascension “%s”"), path, line, f[col_ra]);
          return NULL;
        }
      if (col_dec >= 0 && g_strstrip (f[col_dec])[0] != '\0' && !em_parse_dec (f[col_dec], &dec))
        {
          g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                       _("%s:%u: invalid declination “%s”"), path, line, f[col_dec]);
          return NULL;
        }
      for (guint k = 0; k < flux_columns->len; k++)
        {
          guint c = g_array_index (flux_columns, guint, k);
          double v;
          float fv;

          if (!parse_number (f[c], &v) || !isfinite ((fv = (float) v)))
            {
              g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                           _("%s:%u: flux at %g Å is not a finite number: “%s”"), path, line,
                           g_array_index (waves, double, k), f[c]);
              return NULL;
            }
          g_array_append_val (fluxes, fv);
        }
      g_ptr_array_add (ids, g_strdup (f[col_id]));
      g_ptr_array_add (labels, g_strdup (label_name (f[col_label])));
      g_ptr_array_add (objects, g_strdup (col_object >= 0 ? g_strstrip (f[col_object]) : ""));
      g_array_append_val (ras, ra);
      g_array_append_val (decs, dec);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  set = g_new0 (EmLabelledSet, 1);
  set->n_rows = ids->len;
  set->n_flux = waves->len;
  set->wave = (double *) g_array_free (g_steal_pointer (&waves), FALSE);
  g_ptr_array_add (ids, NULL);
  g_ptr_array_add (labels, NULL);
  g_ptr_array_add (objects, NULL);
  set->ids = (char **) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
  set->labels = (char **) g_ptr_array_free (g_steal_pointer (&labels), FALSE);
  set->objects = (char **) g_ptr_array_free (g_steal_pointer (&objects), FALSE);
  set->ra = (double *) g_array_free (g_steal_pointer (&ras), FALSE);
  set->dec = (double *) g_array_free (g_steal_pointer (&decs), FALSE);
  set->flux = (float *) g_array_free (g_steal_pointer (&fluxes), FALSE);
  return set;
}

/* ---- writing ------------------------------------------------------------ */

static void
append_field (GString    *out,
              const char *value)
{
  if (value == NULL)
    return;
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = value; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* "HH:MM:SS.sss" (hours) or "+DD:MM:SS.ss" (degrees), as the Ondřejov
 * FITS headers and the dataset write them. */
static void
append_sexagesimal (GString *out,
                    double   value,
                    gboolean hours)
{
  double v = hours ? value / 15.0 : fabs (value);
  int decimals = hours ? 3 : 2;
  double scale = hours ? 1000.0 : 100.0;
  gint64 units, d, m;
  double sec;

  if (!isfinite (value))
    return;
  units = (gint64) llround (v * 3600.0 * scale);
  d = units / (gint64) (3600 * scale);
  m = (units / (gint64) (60 * scale)) % 60;
  sec = (double) (units % (gint64) (60 * scale)) / scale;
  if (hours)
    d %= 24;
  g_string_append_printf (out, "%s%02" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT ":%0*.*f",
                          hours ? "" : (value < 0 ? "-" : "+"), d, m, decimals + 3, decimals, sec);
}

gboolean
em_labelled_set_write_csv (const EmLabelledSet *set,
                           const char          *path,
                           GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GString) out = g_string_sized_new ((gsize) set->n_rows * set->n_flux * 12 + 4096);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (gsize c = 0; c < G_N_ELEMENTS (metadata_columns); c++)
    g_string_append_printf (out, "%s%s", c ? "," : "", metadata_columns[c]);
  for (guint k = 0; k < set->n_flux; k++)
    g_string_append_printf (out, ",%s", g_ascii_dtostr (buf, sizeof buf, set->wave[k]));
  g_string_append_c (out, '\n');

  for (guint i = 0; i < set->n_rows; i++)
    {
      const float *row = set->flux + (gsize) i * set->n_flux;

      append_field (out, set->ids[i]);
      g_string_append_c (out, ',');
      append_field (out, set->labels[i]);
      g_string_append_c (out, ',');
      append_field (out, set->objects ? set->objects[i] : NULL);
      g_string_append_c (out, ',');
      append_sexagesimal (out, set->ra[i], TRUE);
      g_string_append_c (out, ',');
      append_sexagesimal (out, set->dec[i], FALSE);
      /* expval … dichmir: not held by the set */
      g_string_append (out, ",,,,,,,");
      for (guint k = 0; k < set->n_flux; k++)
        {
          g_string_append_c (out, ',');
          g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.9g", isfinite (row[k]) ? row[k] : 0.0));
        }
      g_string_append_c (out, '\n');
    }

  if (!g_file_set_contents (path, out->str, (gssize) out->len, &local_error))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}
