/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "app/em-labelled-fits.h"
#include "spectra/em-labelled-set.h"
#include "spectra/em-spectrum-read.h"

/* How many reported lines the summary keeps for a dialog to show. */
#define MAX_PROBLEMS 10

void
em_labelled_fits_summary_clear (EmLabelledFitsSummary *summary)
{
  g_clear_pointer (&summary->report_path, g_free);
  g_clear_pointer (&summary->problems, g_ptr_array_unref);
  memset (summary, 0, sizeof *summary);
}

/* ---- the labels CSV ----------------------------------------------------- */

static char *
csv_field (const char *text)
{
  g_autofree char *s = g_strstrip (g_strdup (text));
  gsize            len = strlen (s);

  if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
    {
      s[len - 1] = '\0';
      return g_strdup (s + 1);
    }
  return g_steal_pointer (&s);
}

/* id → label; ids normalised through em_spectrum_id_from_path so that
 * "spec-1.fits.gz" and "spec-1" are one spectrum.  @order keeps the ids
 * in the order of the file (to report the missing ones in that order). */
static GHashTable *
read_labels (const char *path, GPtrArray *order, GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GHashTable) labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int      id_col = 0, label_col = 1;
  gboolean first = TRUE;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                   _ ("Labels “%s”: not a text file"), path);
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint n = 0; lines[n] != NULL; n++)
    {
      g_auto (GStrv) fields = NULL;
      g_autofree char *id = NULL;
      g_autofree char *label = NULL;
      const char      *old;
      guint            n_fields;
      char            *line = g_strstrip (lines[n]);

      if (line[0] == '\0' || line[0] == '#')
        continue;
      fields = g_strsplit (line, ",", -1);
      n_fields = g_strv_length (fields);
      if (first)
        {
          g_autofree char *f0 = csv_field (fields[0]);

          first = FALSE;
          if (g_ascii_strcasecmp (f0, "id") == 0)
            {
              label_col = -1;
              for (guint c = 1; c < n_fields; c++)
                {
                  g_autofree char *f = csv_field (fields[c]);

                  if (g_ascii_strcasecmp (f, "label") == 0)
                    label_col = (int)c;
                }
              if (label_col < 0)
                {
                  g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                               _ ("Labels “%s”, line %u: the header has no “label” column"), path,
                               n + 1);
                  return NULL;
                }
              continue;
            }
        }
      if ((int)n_fields <= MAX (id_col, label_col))
        {
          g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                       _ ("Labels “%s”, line %u: expected “id,label”"), path, n + 1);
          return NULL;
        }
      {
        g_autofree char *raw = csv_field (fields[id_col]);

        id = em_spectrum_id_from_path (raw);
      }
      label = csv_field (fields[label_col]);
      if (id[0] == '\0' || label[0] == '\0')
        {
          g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                       _ ("Labels “%s”, line %u: empty id or label"), path, n + 1);
          return NULL;
        }
      old = g_hash_table_lookup (labels, id);
      if (old != NULL)
        {
          if (strcmp (old, label) != 0)
            {
              g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                           _ ("Labels “%s”, line %u: “%s” is labelled “%s” here and “%s” "
                              "before"),
                           path, n + 1, id, label, old);
              return NULL;
            }
          continue;
        }
      g_ptr_array_add (order, g_strdup (id));
      g_hash_table_insert (labels, g_steal_pointer (&id), g_steal_pointer (&label));
    }
  if (g_hash_table_size (labels) == 0)
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                   _ ("Labels “%s”: no label in the file"), path);
      return NULL;
    }
  return g_steal_pointer (&labels);
}

/* ---- the folder --------------------------------------------------------- */

static gboolean
is_spectrum_name (const char *name)
{
  static const char *const suffixes[] = { ".fits", ".fits.gz", ".fit", ".fits.fz" };
  gsize                    len = strlen (name);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      gsize sl = strlen (suffixes[i]);

      if (len > sl && g_ascii_strcasecmp (name + len - sl, suffixes[i]) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Symbolic links to folders are not followed (no cycles). */
static gboolean
walk (const char *dir, GPtrArray *files, GCancellable *cancellable, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  const char *name;

  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        {
          if (!walk (path, files, cancellable, error))
            return FALSE;
        }
      else if (is_spectrum_name (name) && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_steal_pointer (&path));
    }
  return TRUE;
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* ---- the report --------------------------------------------------------- */

typedef struct
{
  GString               *tsv;
  EmLabelledFitsSummary *summary;
} Report;

static void
report_add (Report *r, const char *name, const char *reason, const char *message)
{
  g_autofree char *clean = g_strdup (message);

  for (char *p = clean; *p; p++)
    if (*p == '\t' || *p == '\n' || *p == '\r')
      *p = ' ';
  g_string_append_printf (r->tsv, "%s\t%s\t%s\n", name, reason, clean);
  if (r->summary->problems->len < MAX_PROBLEMS)
    g_ptr_array_add (r->summary->problems, g_strdup_printf ("%s: %s", name, clean));
}

static const char *
reason_name (const GError *e)
{
  if (e->domain == EM_SPECTRA_ERROR)
    switch (e->code)
      {
      case EM_SPECTRA_ERROR_OPEN:
        return "open";
      case EM_SPECTRA_ERROR_FORMAT:
        return "format";
      case EM_SPECTRA_ERROR_CORRUPT:
        return "corrupt";
      case EM_SPECTRA_ERROR_COVERAGE:
        return "coverage";
      case EM_SPECTRA_ERROR_MASKED:
        return "masked";
      default:
        break;
      }
  return "error";
}

/* Names in the report are relative to the folder, as in a pool's. */
static const char *
relative_to (const char *path, const char *dir)
{
  gsize n = strlen (dir);

  while (n > 1 && dir[n - 1] == G_DIR_SEPARATOR)
    n--;
  if (strncmp (path, dir, n) == 0 && path[n] == G_DIR_SEPARATOR)
    return path + n + 1;
  return path;
}

static char *
report_path_for (const char *out_csv)
{
  g_autofree char *stem = g_str_has_suffix (out_csv, ".csv")
                              ? g_strndup (out_csv, strlen (out_csv) - strlen (".csv"))
                              : g_strdup (out_csv);

  return g_strconcat (stem, ".failures.tsv", NULL);
}

/* ---- the conversion ----------------------------------------------------- */

typedef struct
{
  char       *id;
  char       *label;
  EmSpectrum *spectrum;
  float      *flux;
} Row;

static void
row_free (gpointer data)
{
  Row *row = data;

  g_free (row->id);
  g_free (row->label);
  g_clear_pointer (&row->spectrum, em_spectrum_free);
  g_free (row->flux);
  g_free (row);
}

gboolean
em_labelled_set_from_fits_folder (const char               *fits_dir,
                                  const char               *labels_csv,
                                  const EmPreprocessParams *params,
                                  const char               *out_csv,
                                  EmProgressFunc            progress,
                                  gpointer                  user_data,
                                  GCancellable             *cancellable,
                                  EmLabelledFitsSummary    *summary,
                                  GError                  **error)
{
  EmLabelledFitsSummary local = { 0 };
  g_autoptr (GPtrArray) order = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
  g_autoptr (GHashTable) labels = NULL;
  g_autoptr (GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GString) tsv = g_string_new ("# name\treason\tmessage\n");
  g_autoptr (EmLabelledSet) set = NULL;
  Report   report;
  gint64   start = g_get_monotonic_time ();
  guint    n_labelled = 0, done = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (fits_dir != NULL && labels_csv != NULL && params != NULL && out_csv != NULL,
                        FALSE);

  if (summary == NULL)
    summary = &local;
  memset (summary, 0, sizeof *summary);
  summary->problems = g_ptr_array_new_with_free_func (g_free);
  report.tsv = tsv;
  report.summary = summary;

  labels = read_labels (labels_csv, order, error);
  if (labels == NULL)
    goto out;
  if (!g_file_test (fits_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                   _ ("“%s” is not a folder of spectra"), fits_dir);
      goto out;
    }
  if (!walk (fits_dir, files, cancellable, error))
    goto out;
  g_ptr_array_sort (files, compare_paths);
  summary->n_files = files->len;

  /* Which files are wanted: the first file of each labelled id. */
  for (guint i = 0; i < files->len; i++)
    {
      const char      *path = files->pdata[i];
      g_autofree char *id = em_spectrum_id_from_path (path);
      const char      *label = g_hash_table_lookup (labels, id);
      const char      *first;

      if (label == NULL)
        {
          summary->n_unlabelled++;
          continue;
        }
      first = g_hash_table_lookup (found, id);
      if (first != NULL)
        {
          g_autofree char *message = g_strdup_printf (
              _ ("the id “%s” is also the id of “%s”; only that one is used"), id, first);

          report_add (&report, relative_to (path, fits_dir), "duplicate", message);
          summary->n_failed++;
          continue;
        }
      g_hash_table_insert (found, g_strdup (id), g_strdup (path));
      n_labelled++;
    }

  for (guint i = 0; i < files->len; i++)
    {
      const char      *path = files->pdata[i];
      g_autofree char *id = em_spectrum_id_from_path (path);
      g_autoptr (GError) e = NULL;
      Row *row;

      if (g_strcmp0 (g_hash_table_lookup (found, id), path) != 0)
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
      row = g_new0 (Row, 1);
      row->id = g_steal_pointer (&id);
      row->label = g_strdup (g_hash_table_lookup (labels, row->id));
      row->spectrum = em_spectrum_read (path, &e);
      if (row->spectrum != NULL)
        {
          row->flux = g_new (float, params->grid.n);
          if (!em_preprocess (row->spectrum, params, row->flux, &e))
            g_clear_pointer (&row->spectrum, em_spectrum_free);
        }
      if (row->spectrum == NULL)
        {
          report_add (&report, relative_to (path, fits_dir), reason_name (e), e->message);
          summary->n_failed++;
          row_free (row);
        }
      else
        g_ptr_array_add (rows, row);
      done++;
      if (progress != NULL)
        {
          double           elapsed = (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC;
          g_autofree char *message
              = g_strdup_printf (_ ("%u/%u labelled spectra · %.0f files/s"), done, n_labelled,
                                 elapsed > 0 ? done / elapsed : 0.0);

          progress ((double)done / MAX (n_labelled, 1), message, user_data);
        }
    }

  for (guint i = 0; i < order->len; i++)
    if (!g_hash_table_contains (found, order->pdata[i]))
      {
        g_autofree char *message = g_strdup_printf (
            _ ("labelled in “%s” but no spectrum file in “%s” has this id"), labels_csv, fits_dir);

        report_add (&report, order->pdata[i], "missing", message);
        summary->n_missing++;
      }

  if (summary->n_failed + summary->n_missing > 0)
    {
      summary->report_path = report_path_for (out_csv);
      if (!g_file_set_contents (summary->report_path, tsv->str, (gssize)tsv->len, error))
        goto out;
    }
  if (rows->len == 0)
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                   _ ("No labelled spectrum could be read from “%s” (labels “%s”: %u, spectrum "
                      "files: %u)"),
                   fits_dir, labels_csv, g_hash_table_size (labels), summary->n_files);
      goto out;
    }

  set = em_labelled_set_new (rows->len, params->grid.n);
  for (guint k = 0; k < params->grid.n; k++)
    set->wave[k] = em_grid_wavelength (&params->grid, k);
  for (guint r = 0; r < rows->len; r++)
    {
      Row *row = rows->pdata[r];

      g_free (set->ids[r]);
      set->ids[r] = g_strdup (row->id);
      g_free (set->labels[r]);
      set->labels[r] = g_strdup (row->label);
      if (row->spectrum->designation != NULL)
        {
          g_free (set->objects[r]);
          set->objects[r] = g_strdup (row->spectrum->designation);
        }
      set->ra[r] = row->spectrum->ra;
      set->dec[r] = row->spectrum->dec;
      memcpy (set->flux + (gsize)r * params->grid.n, row->flux, params->grid.n * sizeof (float));
    }
  if (!em_labelled_set_write_csv (set, out_csv, error))
    goto out;
  summary->n_spectra = rows->len;
  ok = TRUE;

out:
  em_labelled_fits_summary_clear (&local);
  return ok;
}
