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
em_cli_json_string_array (char *const *strings,
                          guint        n)
{
  GString *out = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      em_json_string (out, strings[i]);
    }
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

char *
em_cli_json_double_array (const double *values,
                          guint         n)
{
  GString *out = g_string_new ("[");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.10g", values[i]));
    }
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

/* Splits the inside of a flat JSON array "[a,b,...]" into raw items. */
static GStrv
split_json_array (const char *value)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) cur = g_string_new (NULL);
  const char *p = value;
  gboolean in_string = FALSE, any = FALSE;

  while (g_ascii_isspace (*p))
    p++;
  if (*p++ != '[')
    return NULL;
  for (; *p; p++)
    {
      if (in_string)
        {
          if (*p == '\\' && p[1] != '\0')
            {
              /* Only the escapes em_json_string writes for names. */
              p++;
              g_string_append_c (cur, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
            }
          else if (*p == '"')
            in_string = FALSE;
          else
            g_string_append_c (cur, *p);
          continue;
        }
      if (*p == '"')
        in_string = any = TRUE;
      else if (*p == ',' || *p == ']')
        {
          if (any || cur->len > 0)
            g_ptr_array_add (items, g_strdup (g_strstrip (cur->str)));
          else if (*p == ',')
            return NULL;
          g_string_truncate (cur, 0);
          any = FALSE;
          if (*p == ']')
            {
              p++;
              while (g_ascii_isspace (*p))
                p++;
              if (*p != '\0')
                return NULL;
              g_ptr_array_add (items, NULL);
              return (GStrv) g_ptr_array_free (g_steal_pointer (&items), FALSE);
            }
        }
      else
        g_string_append_c (cur, *p);
    }
  return NULL;
}

GStrv
em_cli_model_classes (const NnModel *model,
                      const char    *model_path,
                      GError       **error)
{
  const char *value = nn_model_get_metadata (model, "classes");
  g_auto(GStrv) names = value ? split_json_array (value) : NULL;

  if (names == NULL || g_strv_length (names) != (guint) nn_model_n_classes (model))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("model %s: metadata “classes” does not name its %d classes"), model_path,
                   nn_model_n_classes (model));
      return NULL;
    }
  return g_steal_pointer (&names);
}

GArray *
em_cli_model_grid (const NnModel *model,
                   const char    *model_path,
                   GError       **error)
{
  const char *value = nn_model_get_metadata (model, "grid");
  g_auto(GStrv) items = value ? split_json_array (value) : NULL;
  g_autoptr(GArray) grid = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    {
      double w;
      if (!parse_double (items[i], &w))
        {
          g_clear_pointer (&items, g_strfreev);
          break;
        }
      g_array_append_val (grid, w);
    }
  if (items == NULL || grid->len != (guint) nn_model_n_in (model))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("model %s: metadata “grid” does not list its %d wavelengths"), model_path,
                   nn_model_n_in (model));
      return NULL;
    }
  return g_steal_pointer (&grid);
}
