/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <errno.h>
#include <fitsio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "app/em-candidates.h"
#include "app/em-experiment-private.h"

void
em_candidate_free (EmCandidate *candidate)
{
  if (candidate == NULL)
    return;
  g_free (candidate->spectrum_id);
  g_free (candidate->designation);
  g_free (candidate->probabilities);
  g_free (candidate->label);
  g_free (candidate);
}

GPtrArray *
em_candidates_list (EmExperiment  *exp,
                    GError       **error)
{
  g_autofree char *sql = g_strdup_printf (
    "WITH k AS (%s)"
    " SELECT k.spectrum_id, p.pool_row, p.class_idx, p.probabilities,"
    "  coalesce (p.designation, q.designation), coalesce (p.ra, q.ra), coalesce (p.dec, q.dec),"
    "  c.class, c.source, c.pool_row, q.probabilities"
    " FROM k LEFT JOIN predicted_targets p ON p.spectrum_id = k.spectrum_id"
    "   AND p.iteration = (SELECT max (number) FROM iterations)"
    " LEFT JOIN current_labels c ON c.spectrum_id = k.spectrum_id"
    " LEFT JOIN (SELECT spectrum_id, designation, ra, dec, probabilities, max (iteration)"
    "   FROM query_batch GROUP BY spectrum_id) q ON q.spectrum_id = k.spectrum_id"
    " ORDER BY k.spectrum_id", em_candidates_sql);
  g_autoptr(sqlite3_stmt) stmt = em_experiment_prepare (exp, sql, error);
  g_autoptr(GPtrArray) list = NULL;
  guint n_classes = exp->classes->len;

  if (stmt == NULL)
    return NULL;
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) em_candidate_free);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      EmCandidate *c = g_new0 (EmCandidate, 1);
      int prob_col = sqlite3_column_type (stmt, 3) != SQLITE_NULL ? 3 : 10;

      c->spectrum_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      c->row = sqlite3_column_type (stmt, 1) != SQLITE_NULL ? sqlite3_column_int64 (stmt, 1)
               : sqlite3_column_type (stmt, 9) != SQLITE_NULL ? sqlite3_column_int64 (stmt, 9) : -1;
      c->predicted_class = sqlite3_column_type (stmt, 2) != SQLITE_NULL ? sqlite3_column_int (stmt, 2) : -1;
      if (sqlite3_column_bytes (stmt, prob_col) == (int) (n_classes * sizeof (float)))
        c->probabilities = g_memdup2 (sqlite3_column_blob (stmt, prob_col), n_classes * sizeof (float));
      if (sqlite3_column_type (stmt, 4) != SQLITE_NULL)
        c->designation = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      c->ra = sqlite3_column_type (stmt, 5) != SQLITE_NULL ? sqlite3_column_double (stmt, 5) : NAN;
      c->dec = sqlite3_column_type (stmt, 6) != SQLITE_NULL ? sqlite3_column_double (stmt, 6) : NAN;
      if (sqlite3_column_type (stmt, 7) != SQLITE_NULL)
        {
          c->label = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
          c->label_source = em_label_source_from_string ((const char *) sqlite3_column_text (stmt, 8));
        }
      /* Labelled candidates never shown in a batch (imports): ask the pool. */
      if (c->row >= 0 && isnan (c->ra) && exp->pool_path != NULL)
        {
          if (exp->pool == NULL)
            exp->pool = em_pool_open (exp->pool_path, NULL);
          if (exp->pool != NULL)
            {
              g_autoptr(EmPoolRow) meta = em_pool_get_row (exp->pool, (guint64) c->row, NULL);
              if (meta != NULL)
                {
                  c->ra = meta->ra;
                  c->dec = meta->dec;
                  if (c->designation == NULL && meta->designation != NULL)
                    c->designation = g_strdup (meta->designation);
                }
            }
        }
      g_ptr_array_add (list, c);
    }
  return g_steal_pointer (&list);
}

gboolean
em_candidates_format_from_string (const char         *name,
                                  EmCandidatesFormat *format)
{
  if (g_strcmp0 (name, "votable") == 0 || g_strcmp0 (name, "vot") == 0)
    *format = EM_CANDIDATES_FORMAT_VOTABLE;
  else if (g_strcmp0 (name, "csv") == 0)
    *format = EM_CANDIDATES_FORMAT_CSV;
  else if (g_strcmp0 (name, "fits") == 0)
    *format = EM_CANDIDATES_FORMAT_FITS;
  else
    return FALSE;
  return TRUE;
}

static const char *
predicted_name (EmExperiment      *exp,
                const EmCandidate *c)
{
  if (c->predicted_class >= 0)
    return em_experiment_get_class (exp, (guint) c->predicted_class);
  return "";
}

static void
xml_escape (GString    *out,
            const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text ? text : "", -1);
  g_string_append (out, escaped);
}

static void
append_double (GString *out,
               double   v,
               char     sep)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (v))
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
  if (sep)
    g_string_append_c (out, sep);
}

static void
csv_field (GString    *out,
           const char *text)
{
  if (text != NULL && strpbrk (text, ",\"\n\r") != NULL)
    {
      g_autofree char *q = NULL;
      g_auto(GStrv) parts = g_strsplit (text, "\"", -1);
      q = g_strjoinv ("\"\"", parts);
      g_string_append_printf (out, "\"%s\"", q);
    }
  else if (text != NULL)
    g_string_append (out, text);
}

static GString *
format_csv (EmExperiment *exp,
            GPtrArray    *list)
{
  GString *out = g_string_new ("id,designation,ra,dec,predicted_class");
  guint n_classes = exp->classes->len;

  for (guint k = 0; k < n_classes; k++)
    g_string_append_printf (out, ",p_%s", em_experiment_get_class (exp, k));
  g_string_append (out, ",label,label_source\n");
  for (guint i = 0; i < list->len; i++)
    {
      EmCandidate *c = list->pdata[i];

      csv_field (out, c->spectrum_id);
      g_string_append_c (out, ',');
      csv_field (out, c->designation);
      g_string_append_c (out, ',');
      append_double (out, c->ra, ',');
      append_double (out, c->dec, ',');
      g_string_append (out, predicted_name (exp, c));
      for (guint k = 0; k < n_classes; k++)
        {
          g_string_append_c (out, ',');
          if (c->probabilities)
            append_double (out, c->probabilities[k], 0);
        }
      g_string_append_c (out, ',');
      csv_field (out, c->label);
      g_string_append_c (out, ',');
      if (c->label)
        g_string_append (out, em_label_source_to_string (c->label_source));
      g_string_append_c (out, '\n');
    }
  return out;
}

static GString *
format_votable (EmExperiment *exp,
                GPtrArray    *list)
{
  GString *out = g_string_new (NULL);
  guint n_classes = exp->classes->len;

  g_string_append (out,
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n"
    " <RESOURCE type=\"results\">\n"
    "  <TABLE name=\"candidates\">\n"
    "   <DESCRIPTION>Emissary candidates of experiment ");
  xml_escape (out, exp->dir);
  g_string_append (out, "</DESCRIPTION>\n"
    "   <FIELD name=\"id\" datatype=\"char\" arraysize=\"*\" ucd=\"meta.id;meta.main\"/>\n"
    "   <FIELD name=\"designation\" datatype=\"char\" arraysize=\"*\" ucd=\"meta.id\"/>\n"
    "   <FIELD name=\"ra\" datatype=\"double\" unit=\"deg\" ucd=\"pos.eq.ra;meta.main\"/>\n"
    "   <FIELD name=\"dec\" datatype=\"double\" unit=\"deg\" ucd=\"pos.eq.dec;meta.main\"/>\n"
    "   <FIELD name=\"predicted_class\" datatype=\"char\" arraysize=\"*\" ucd=\"meta.code.class\"/>\n");
  for (guint k = 0; k < n_classes; k++)
    {
      g_string_append (out, "   <FIELD name=\"p_");
      xml_escape (out, em_experiment_get_class (exp, k));
      g_string_append (out, "\" datatype=\"float\" ucd=\"stat.probability\"/>\n");
    }
  g_string_append (out,
    "   <FIELD name=\"label\" datatype=\"char\" arraysize=\"*\" ucd=\"meta.code.class\"/>\n"
    "   <FIELD name=\"label_source\" datatype=\"char\" arraysize=\"*\" ucd=\"meta.note\"/>\n"
    "   <DATA>\n    <TABLEDATA>\n");
  for (guint i = 0; i < list->len; i++)
    {
      EmCandidate *c = list->pdata[i];

      g_string_append (out, "     <TR><TD>");
      xml_escape (out, c->spectrum_id);
      g_string_append (out, "</TD><TD>");
      xml_escape (out, c->designation);
      g_string_append (out, "</TD><TD>");
      append_double (out, c->ra, 0);
      g_string_append (out, "</TD><TD>");
      append_double (out, c->dec, 0);
      g_string_append (out, "</TD><TD>");
      xml_escape (out, predicted_name (exp, c));
      for (guint k = 0; k < n_classes; k++)
        {
          g_string_append (out, "</TD><TD>");
          if (c->probabilities)
            append_double (out, c->probabilities[k], 0);
        }
      g_string_append (out, "</TD><TD>");
      xml_escape (out, c->label);
      g_string_append (out, "</TD><TD>");
      if (c->label)
        g_string_append (out, em_label_source_to_string (c->label_source));
      g_string_append (out, "</TD></TR>\n");
    }
  g_string_append (out, "    </TABLEDATA>\n   </DATA>\n  </TABLE>\n </RESOURCE>\n</VOTABLE>\n");
  return out;
}

/* cfitsio says only "error writing to FITS file"; the errno of the write
 * that failed (a full disk, a quota, an I/O error) is what the user can act
 * on, so it is kept when there is one.  errno is cleared before the
 * writing starts, so a value here comes from it. */
static gboolean
fits_failed (int          status,
             const char  *path,
             GError     **error)
{
  int saved = errno;
  char text[FLEN_STATUS] = "";

  fits_get_errstatus (status, text);
  if (saved != 0 && (status == WRITE_ERROR || status == FILE_NOT_CREATED
                     || status == FILE_NOT_CLOSED))
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                 _("Cannot write the FITS table “%s”: %s (%s)"), path, g_strerror (saved), text);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot write the FITS table “%s”: %s"),
                 path, text);
  return FALSE;
}

static gboolean
write_fits (EmExperiment  *exp,
            GPtrArray     *list,
            const char    *path,
            GError       **error)
{
  guint n_classes = exp->classes->len;
  guint n_cols = 7 + n_classes;
  g_autoptr(GPtrArray) ttype = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) tform = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *bang = g_strdup_printf ("!%s", path);
  fitsfile *f = NULL;
  int status = 0;

  g_ptr_array_add (ttype, g_strdup ("ID"));           g_ptr_array_add (tform, g_strdup ("64A"));
  g_ptr_array_add (ttype, g_strdup ("DESIGNATION"));  g_ptr_array_add (tform, g_strdup ("32A"));
  g_ptr_array_add (ttype, g_strdup ("RA"));           g_ptr_array_add (tform, g_strdup ("1D"));
  g_ptr_array_add (ttype, g_strdup ("DEC"));          g_ptr_array_add (tform, g_strdup ("1D"));
  g_ptr_array_add (ttype, g_strdup ("PREDICTED_CLASS")); g_ptr_array_add (tform, g_strdup ("32A"));
  for (guint k = 0; k < n_classes; k++)
    {
      g_autofree char *up = g_ascii_strup (em_experiment_get_class (exp, k), -1);
      g_strdelimit (up, "-", '_');
      g_ptr_array_add (ttype, g_strdup_printf ("P_%s", up));
      g_ptr_array_add (tform, g_strdup ("1E"));
    }
  g_ptr_array_add (ttype, g_strdup ("LABEL"));        g_ptr_array_add (tform, g_strdup ("32A"));
  g_ptr_array_add (ttype, g_strdup ("LABEL_SOURCE")); g_ptr_array_add (tform, g_strdup ("8A"));

  errno = 0;
  if (fits_create_file (&f, bang, &status)
      || fits_create_tbl (f, BINARY_TBL, 0, (int) n_cols, (char **) ttype->pdata,
                          (char **) tform->pdata, NULL, "CANDIDATES", &status))
    {
      if (f)
        {
          int ignored = 0, saved = errno;
          fits_close_file (f, &ignored);
          errno = saved;
        }
      return fits_failed (status, path, error);
    }
  {
    char key[16];
    fits_update_key_str (f, "TUCD1", "meta.id;meta.main", NULL, &status);
    fits_update_key_str (f, "TUCD3", "pos.eq.ra;meta.main", NULL, &status);
    fits_update_key_str (f, "TUNIT3", "deg", NULL, &status);
    fits_update_key_str (f, "TUCD4", "pos.eq.dec;meta.main", NULL, &status);
    fits_update_key_str (f, "TUNIT4", "deg", NULL, &status);
    for (guint k = 0; k < n_classes; k++)
      {
        g_snprintf (key, sizeof key, "TUCD%u", 6 + k);
        fits_update_key_str (f, key, "stat.probability", NULL, &status);
      }
  }
  for (guint i = 0; i < list->len && status == 0; i++)
    {
      EmCandidate *c = list->pdata[i];
      LONGLONG row = i + 1;
      char *s;
      double nan = NAN;
      const char *src = c->label ? em_label_source_to_string (c->label_source) : "";

      s = c->spectrum_id;
      fits_write_col_str (f, 1, row, 1, 1, &s, &status);
      s = c->designation ? c->designation : "";
      fits_write_col_str (f, 2, row, 1, 1, &s, &status);
      fits_write_col_dbl (f, 3, row, 1, 1, isfinite (c->ra) ? &c->ra : &nan, &status);
      fits_write_col_dbl (f, 4, row, 1, 1, isfinite (c->dec) ? &c->dec : &nan, &status);
      s = (char *) predicted_name (exp, c);
      fits_write_col_str (f, 5, row, 1, 1, &s, &status);
      for (guint k = 0; k < n_classes; k++)
        {
          float v = c->probabilities ? c->probabilities[k] : NAN;
          fits_write_col_flt (f, (int) (6 + k), row, 1, 1, &v, &status);
        }
      s = c->label ? c->label : "";
      fits_write_col_str (f, (int) (6 + n_classes), row, 1, 1, &s, &status);
      s = (char *) src;
      fits_write_col_str (f, (int) (7 + n_classes), row, 1, 1, &s, &status);
    }
  if (status != 0)
    {
      int ignored = 0, saved = errno;
      fits_close_file (f, &ignored);
      errno = saved;
      return fits_failed (status, path, error);
    }
  if (fits_close_file (f, &status))
    return fits_failed (status, path, error);
  return TRUE;
}

gint64
em_candidates_write (EmExperiment        *exp,
                     const char          *path,
                     EmCandidatesFormat   format,
                     GError             **error)
{
  g_autoptr(GPtrArray) list = em_candidates_list (exp, error);
  g_autoptr(GString) text = NULL;

  if (list == NULL)
    return -1;
  switch (format)
    {
    case EM_CANDIDATES_FORMAT_FITS:
      {
        /* Temporary file, then rename: never a half-written catalogue. */
        g_autofree char *tmp = g_strdup_printf ("%s.partial", path);
        if (!write_fits (exp, list, tmp, error))
          {
            g_remove (tmp);
            return -1;
          }
        if (g_rename (tmp, path) != 0)
          {
            int saved = errno;
            g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                         _("Cannot rename “%s” to “%s”: %s"), tmp, path, g_strerror (saved));
            g_remove (tmp);
            return -1;
          }
        return list->len;
      }
    case EM_CANDIDATES_FORMAT_CSV:
      text = format_csv (exp, list);
      break;
    case EM_CANDIDATES_FORMAT_VOTABLE:
    default:
      text = format_votable (exp, list);
      break;
    }
  if (!g_file_set_contents (path, text->str, (gssize) text->len, error))
    return -1;
  return list->len;
}
