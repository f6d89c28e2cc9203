/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "em-cli-nn.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "em-cli.h"

void
em_cli_spectra_table_free (EmCliSpectraTable *table)
{
  if (table == NULL)
    return;
  g_free (table->wave);
  g_strfreev (table->ids);
  g_strfreev (table->labels);
  g_free (table->flux);
  g_free (table);
}

/* Splits one CSV record (RFC 4180 quoting, no embedded newlines). */
static GPtrArray *
split_csv_line (const char *line)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  GString *f = g_string_new (NULL);
  gboolean quoted = FALSE;

  for (const char *p = line;; p++)
    {
      if (quoted)
        {
          if (*p == '\0')
            break;
          if (*p == '"' && p[1] == '"')
            {
              g_string_append_c (f, '"');
              p++;
            }
          else if (*p == '"')
            quoted = FALSE;
          else
            g_string_append_c (f, *p);
          continue;
        }
      if (*p == '"' && f->len == 0)
        quoted = TRUE;
      else if (*p == ',' || *p == '\0' || *p == '\r')
        {
          g_ptr_array_add (fields, g_strdup (g_strstrip (f->str)));
          g_string_truncate (f, 0);
          if (*p != ',')
            break;
        }
      else
        g_string_append_c (f, *p);
    }
  g_string_free (f, TRUE);
  return fields;
}

static gboolean
parse_double (const char *s, double *out)
{
  char *end;

  if (s == NULL || *s == '\0')
    return FALSE;
  errno = 0;
  *out = g_ascii_strtod (s, &end);
  return *end == '\0' && errno == 0;
}

EmCliSpectraTable *
em_cli_read_spectra_csv (const char *path,
                         GError    **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) header = NULL;
  g_autoptr(GArray) flux_cols = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) wave = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) flux = g_array_new (FALSE, FALSE, sizeof (float));
  EmCliSpectraTable *table;
  int id_col = -1, label_col = -1;
  guint first = 0;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  while (lines[first] != NULL && g_strstrip (lines[first])[0] == '\0')
    first++;
  if (lines[first] == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("%s: the file is empty"), path);
      return NULL;
    }
  header = split_csv_line (lines[first]);
  for (guint c = 0; c < header->len; c++)
    {
      const char *name = g_ptr_array_index (header, c);
      double w;
      if (g_ascii_strcasecmp (name, "id") == 0)
        id_col = (int) c;
      else if (g_ascii_strcasecmp (name, "label") == 0)
        label_col = (int) c;
      else if (parse_double (name, &w))
        {
          g_array_append_val (flux_cols, c);
          g_array_append_val (wave, w);
        }
    }
  if (id_col < 0 || flux_cols->len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s, line %u: the header needs an “id” column and flux columns named by "
                     "their wavelength"), path, first + 1);
      return NULL;
    }
  for (guint l = first + 1; lines[l] != NULL; l++)
    {
      g_autoptr(GPtrArray) f = NULL;
      if (g_strstrip (lines[l])[0] == '\0')
        continue;
      f = split_csv_line (lines[l]);
      if (f->len != header->len)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       _("%s, line %u: %u fields where the header has %u"), path, l + 1, f->len,
                       header->len);
          return NULL;
        }
      g_ptr_array_add (ids, g_strdup (g_ptr_array_index (f, id_col)));
      g_ptr_array_add (labels, g_strdup (label_col >= 0 ? g_ptr_array_index (f, label_col) : ""));
      for (guint j = 0; j < flux_cols->len; j++)
        {
          guint c = g_array_index (flux_cols, guint, j);
          double v;
          float fv;
          if (!parse_double (g_ptr_array_index (f, c), &v) || !isfinite (v))
            {
              g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                           _("%s, line %u: flux at %s Å is “%s”, not a number"), path, l + 1,
                           (const char *) g_ptr_array_index (header, c),
                           (const char *) g_ptr_array_index (f, c));
              return NULL;
            }
          fv = (float) v;
          g_array_append_val (flux, fv);
        }
    }
  if (ids->len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("%s: no spectra after the header"), path);
      return NULL;
    }
  g_ptr_array_add (ids, NULL);
  g_ptr_array_add (labels, NULL);
  table = g_new0 (EmCliSpectraTable, 1);
  table->n_rows = ids->len - 1;
  table->n_flux = wave->len;
  table->wave = (double *) g_array_free (g_steal_pointer (&wave), FALSE);
  table->ids = (char **) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
  table->labels = (char **) g_ptr_array_free (g_steal_pointer (&labels), FALSE);
  table->flux = (float *) g_array_free (g_steal_pointer (&flux), FALSE);
  return table;
}

char *
em_cli_grid_string (const double *wave,
                    guint         n,
                    GError      **error)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  if (n < 2 || !(wave[n - 1] > wave[0]))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("the flux columns need at least two increasing wavelengths"));
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      double want = wave[0] + i * (wave[n - 1] - wave[0]) / (n - 1);
      if (fabs (wave[i] - want) > EM_CLI_GRID_TOLERANCE)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       _("flux column %u is at %.10g Å, off the uniform grid %g–%g Å (%.10g Å)"),
                       i + 1, wave[i], wave[0], wave[n - 1], want);
          return NULL;
        }
    }
  return g_strdup_printf ("%s:%s:%u", g_ascii_formatd (a, sizeof a, "%.10g", wave[0]),
                          g_ascii_formatd (b, sizeof b, "%.10g", wave[n - 1]), n);
}

GStrv
em_cli_model_classes (const NnModel *model,
                      const char    *model_path,
                      GError       **error)
{
  const char *value = nn_model_get_metadata (model, "classes");
  g_auto(GStrv) names = value ? g_strsplit (value, ",", -1) : NULL;

  if (names == NULL || g_strv_length (names) != (guint) nn_model_n_classes (model))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("model %s: metadata “classes” does not name its %d classes"), model_path,
                   nn_model_n_classes (model));
      return NULL;
    }
  for (guint i = 0; names[i] != NULL; i++)
    g_strstrip (names[i]);
  return g_steal_pointer (&names);
}

GArray *
em_cli_model_grid (const NnModel *model,
                   const char    *model_path,
                   GError       **error)
{
  const char *value = nn_model_get_metadata (model, "grid");
  g_auto(GStrv) parts = value ? g_strsplit (value, ":", -1) : NULL;
  GArray *grid;
  double start, end, n;

  if (parts == NULL || g_strv_length (parts) != 3 || !parse_double (parts[0], &start)
      || !parse_double (parts[1], &end) || !parse_double (parts[2], &n)
      || n != (double) nn_model_n_in (model) || !(end > start) || n < 2)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("model %s: metadata “grid” is not START:END:N for its %d inputs"), model_path,
                   nn_model_n_in (model));
      return NULL;
    }
  grid = g_array_sized_new (FALSE, FALSE, sizeof (double), (guint) n);
  for (guint i = 0; i < (guint) n; i++)
    {
      double w = start + i * (end - start) / (n - 1);
      g_array_append_val (grid, w);
    }
  return grid;
}
