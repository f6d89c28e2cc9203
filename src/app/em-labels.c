/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <math.h>
#include <string.h>

#include "app/em-experiment-private.h"
#include "app/em-labels.h"
#include "app/em-pool.h"
#include "vo/em-votable.h"

void
em_labels_import_clear (EmLabelsImport *result)
{
  g_clear_pointer (&result->first_skip, g_free);
  result->imported = 0;
  result->skipped = 0;
}

gboolean
em_labels_import (EmExperiment   *exp,
                  const char     *csv_path,
                  const char     *who,
                  gboolean        skip_bad,
                  EmLabelsImport *result,
                  GError        **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  g_return_val_if_fail (exp != NULL && csv_path != NULL && result != NULL, FALSE);

  em_labels_import_clear (result);
  if (!em_experiment_require_writable (exp, error)
      || !g_file_get_contents (csv_path, &text, NULL, error))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) cols = NULL;
      g_autoptr (GError) line_error = NULL;

      g_strchomp (lines[i]);
      if (lines[i][0] == '\0' || (i == 0 && g_str_has_prefix (lines[i], "id,")))
        continue;
      cols = g_strsplit (lines[i], ",", 3);
      if (cols[0] == NULL || cols[1] == NULL)
        g_set_error (&line_error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                     _ ("expected “id,label”"));
      else
        {
          g_strstrip (cols[0]);
          g_strstrip (cols[1]);
          em_experiment_add_label (exp, cols[0], cols[1], EM_LABEL_SOURCE_IMPORT, -1,
                                   who != NULL ? who : csv_path, &line_error);
        }
      if (line_error == NULL)
        {
          result->imported++;
          continue;
        }
      /* A database failure is no bad line: nothing after it would fare
       * better. */
      if (!skip_bad
          || g_error_matches (line_error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_DATABASE))
        {
          g_set_error (error, line_error->domain, line_error->code,
                       _ ("%s, line %u: %s (%u labels imported before it)"), csv_path, i + 1,
                       line_error->message, result->imported);
          return FALSE;
        }
      if (result->skipped++ == 0)
        result->first_skip
            = g_strdup_printf (_ ("%s, line %u: %s"), csv_path, i + 1, line_error->message);
    }
  return TRUE;
}

/* ---- export ------------------------------------------------------------ */

/* Columns of the labelled set, in order. */
enum
{
  COL_ID,
  COL_RA,
  COL_DEC,
  COL_LABEL,
  COL_SOURCE,
  COL_ITERATION,
  COL_TIME,
  COL_WHO,
};

static const char labelled_sql[]
    = "SELECT c.spectrum_id, c.class, c.source, c.iteration, c.created, c.who, c.pool_row,"
      " coalesce (s.ra, (SELECT q.ra FROM query_batch q WHERE q.spectrum_id = c.spectrum_id"
      "                  AND q.ra IS NOT NULL LIMIT 1),"
      "           (SELECT p.ra FROM predicted_targets p WHERE p.spectrum_id = c.spectrum_id"
      "                  AND p.ra IS NOT NULL LIMIT 1)),"
      " coalesce (s.dec, (SELECT q.dec FROM query_batch q WHERE q.spectrum_id = c.spectrum_id"
      "                  AND q.dec IS NOT NULL LIMIT 1),"
      "           (SELECT p.dec FROM predicted_targets p WHERE p.spectrum_id = c.spectrum_id"
      "                  AND p.dec IS NOT NULL LIMIT 1))"
      " FROM current_labels c LEFT JOIN seed_spectra s ON s.spectrum_id = c.spectrum_id"
      " ORDER BY c.id";

static EmVotable *
labelled_table (EmExperiment *exp, GError **error)
{
  g_autoptr (EmVotable) t = em_votable_new ("labelled_set");
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (EmPool) pool = NULL;
  gboolean pool_tried = FALSE;
  int      rc;

  em_votable_add_field (t, "id", EM_VOTABLE_CHAR, "*", NULL, "meta.id;meta.main", NULL,
                        "Spectrum id");
  em_votable_add_radec_fields (t, "ra", "dec");
  em_votable_add_field (t, "label", EM_VOTABLE_CHAR, "*", NULL, "meta.code.class", NULL,
                        "Current label of the spectrum");
  em_votable_add_field (t, "source", EM_VOTABLE_CHAR, "*", NULL, "meta.note", NULL,
                        "Where the label came from: seed, oracle or import");
  em_votable_add_field (t, "iteration", EM_VOTABLE_INT, NULL, NULL, "meta.number", NULL,
                        "Iteration the label was given in (-1: the seed set)");
  em_votable_add_field (t, "time", EM_VOTABLE_CHAR, "*", NULL, "time.creation", NULL,
                        "When the label was given (ISO 8601, UTC)");
  em_votable_add_field (t, "who", EM_VOTABLE_CHAR, "*", NULL, "meta.curation", NULL,
                        "Who gave the label (user name, seed-set or imported file)");
  {
    g_autofree char *description = g_strdup_printf ("Labelled set of the Emissary experiment %s",
                                                    em_experiment_get_dir (exp));

    em_votable_add_info (t, "experiment", em_experiment_get_dir (exp), description);
  }

  stmt = em_experiment_prepare (exp, labelled_sql, error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gsize  row = em_votable_add_row (t);
      double ra
          = sqlite3_column_type (stmt, 7) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 7);
      double dec
          = sqlite3_column_type (stmt, 8) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 8);
      gint64 pool_row = sqlite3_column_int64 (stmt, 6);

      /* Positions the database does not hold are in the pool's metadata;
       * a pool that cannot be opened (moved, on a drive not mounted)
       * leaves them empty rather than failing the export. */
      if ((!isfinite (ra) || !isfinite (dec)) && pool_row >= 0
          && em_experiment_get_pool_path (exp) != NULL)
        {
          g_autoptr (EmPoolRow) meta = NULL;

          if (!pool_tried)
            {
              g_autoptr (GError) pool_error = NULL;

              pool_tried = TRUE;
              pool = em_pool_open (em_experiment_get_pool_path (exp), &pool_error);
              if (pool == NULL)
                g_debug ("Labelled set without pool positions: %s", pool_error->message);
            }
          if (pool != NULL && (meta = em_pool_get_row (pool, (guint64)pool_row, NULL)) != NULL)
            {
              ra = meta->ra;
              dec = meta->dec;
            }
        }
      em_votable_set_string (t, row, COL_ID, (const char *)sqlite3_column_text (stmt, 0));
      em_votable_set_double (t, row, COL_RA, ra);
      em_votable_set_double (t, row, COL_DEC, dec);
      em_votable_set_string (t, row, COL_LABEL, (const char *)sqlite3_column_text (stmt, 1));
      em_votable_set_string (t, row, COL_SOURCE, (const char *)sqlite3_column_text (stmt, 2));
      em_votable_set_int (t, row, COL_ITERATION, sqlite3_column_int64 (stmt, 3));
      em_votable_set_string (t, row, COL_TIME, (const char *)sqlite3_column_text (stmt, 4));
      em_votable_set_string (t, row, COL_WHO, (const char *)sqlite3_column_text (stmt, 5));
    }
  if (rc != SQLITE_DONE)
    {
      em_experiment_db_error (exp, error);
      return NULL;
    }
  return g_steal_pointer (&t);
}

static void
csv_field (GString *out, const char *text)
{
  if (text != NULL && strpbrk (text, ",\"\n\r") != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (text, "\"", -1);
      g_autofree char *quoted = g_strjoinv ("\"\"", parts);

      g_string_append_printf (out, "\"%s\"", quoted);
    }
  else if (text != NULL)
    g_string_append (out, text);
}

/* The same table as CSV: a header of the field names, then the cells as
 * the VOTable writes them (empty for NULL). */
static GString *
table_to_csv (const EmVotable *t)
{
  GString *out = g_string_new (NULL);
  guint    n_fields = em_votable_get_n_fields (t);

  for (guint c = 0; c < n_fields; c++)
    {
      if (c > 0)
        g_string_append_c (out, ',');
      csv_field (out, em_votable_get_field (t, c)->name);
    }
  g_string_append_c (out, '\n');
  for (gsize r = 0; r < t->n_rows; r++)
    {
      for (guint c = 0; c < n_fields; c++)
        {
          g_autofree char *cell = em_votable_dup_text (t, r, c);

          if (c > 0)
            g_string_append_c (out, ',');
          csv_field (out, cell);
        }
      g_string_append_c (out, '\n');
    }
  return out;
}

gint64
em_labels_export (EmExperiment *exp, const char *path, EmLabelsFormat format, GError **error)
{
  g_autoptr (EmVotable) t = NULL;

  g_return_val_if_fail (exp != NULL && path != NULL, -1);

  t = labelled_table (exp, error);
  if (t == NULL)
    return -1;
  if (format == EM_LABELS_FORMAT_CSV)
    {
      g_autoptr (GString) text = table_to_csv (t);

      /* g_file_set_contents writes a temporary file and renames it: never
       * a half-written file under @path. */
      if (!g_file_set_contents (path, text->str, (gssize)text->len, error))
        return -1;
    }
  else if (!em_votable_write_file (t, path, error))
    return -1;
  return (gint64)t->n_rows;
}
