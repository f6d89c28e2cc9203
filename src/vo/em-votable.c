/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "vo/em-votable.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

G_DEFINE_QUARK (em - votable - error - quark, em_votable_error)

static const char *const datatype_names[] = {
  [EM_VOTABLE_BOOLEAN] = "boolean",
  [EM_VOTABLE_BIT] = "bit",
  [EM_VOTABLE_UNSIGNED_BYTE] = "unsignedByte",
  [EM_VOTABLE_SHORT] = "short",
  [EM_VOTABLE_INT] = "int",
  [EM_VOTABLE_LONG] = "long",
  [EM_VOTABLE_CHAR] = "char",
  [EM_VOTABLE_UNICODE_CHAR] = "unicodeChar",
  [EM_VOTABLE_FLOAT] = "float",
  [EM_VOTABLE_DOUBLE] = "double",
  [EM_VOTABLE_FLOAT_COMPLEX] = "floatComplex",
  [EM_VOTABLE_DOUBLE_COMPLEX] = "doubleComplex",
};

const char *
em_votable_datatype_to_string (EmVotableDatatype datatype)
{
  g_return_val_if_fail (datatype <= EM_VOTABLE_DOUBLE_COMPLEX, "char");
  return datatype_names[datatype];
}

gboolean
em_votable_datatype_from_string (const char *name, EmVotableDatatype *datatype)
{
  for (guint i = 0; i < G_N_ELEMENTS (datatype_names); i++)
    if (g_strcmp0 (name, datatype_names[i]) == 0)
      {
        *datatype = (EmVotableDatatype)i;
        return TRUE;
      }
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Model                                                              */

static void
field_free (gpointer data)
{
  EmVotableField *f = data;

  g_free (f->name);
  g_free (f->id);
  g_free (f->arraysize);
  g_free (f->unit);
  g_free (f->ucd);
  g_free (f->utype);
  g_free (f->description);
  g_free (f->null_value);
  g_free (f);
}

static void
info_free (gpointer data)
{
  EmVotableInfo *info = data;

  g_free (info->name);
  g_free (info->value);
  g_free (info->content);
  g_free (info);
}

static void
cell_clear (EmVotableCell *cell)
{
  if (cell->type == EM_VOTABLE_CELL_STRING)
    g_free (cell->v.s);
  else if (cell->type == EM_VOTABLE_CELL_ARRAY)
    g_free (cell->v.a.values);
  memset (cell, 0, sizeof *cell);
}

static void
cell_clear_func (gpointer data)
{
  cell_clear (data);
}

EmVotable *
em_votable_new (const char *name)
{
  EmVotable *table = g_new0 (EmVotable, 1);

  table->name = g_strdup (name);
  table->resource_type = g_strdup ("results");
  table->infos = g_ptr_array_new_with_free_func (info_free);
  table->fields = g_ptr_array_new_with_free_func (field_free);
  table->cells = g_array_new (FALSE, TRUE, sizeof (EmVotableCell));
  g_array_set_clear_func (table->cells, cell_clear_func);
  return table;
}

void
em_votable_free (EmVotable *table)
{
  if (table == NULL)
    return;
  g_free (table->name);
  g_free (table->description);
  g_free (table->resource_type);
  g_ptr_array_unref (table->infos);
  g_ptr_array_unref (table->fields);
  g_array_unref (table->cells);
  g_free (table);
}

guint
em_votable_add_field (EmVotable        *table,
                      const char       *name,
                      EmVotableDatatype datatype,
                      const char       *arraysize,
                      const char       *unit,
                      const char       *ucd,
                      const char       *utype,
                      const char       *description)
{
  EmVotableField *f;

  g_return_val_if_fail (table != NULL && name != NULL, 0);
  g_return_val_if_fail (table->n_rows == 0, 0);

  f = g_new0 (EmVotableField, 1);
  f->name = g_strdup (name);
  f->datatype = datatype;
  /* A char field without arraysize holds exactly one character, which is
   * never what a caller building a table of names means. */
  if (arraysize == NULL && (datatype == EM_VOTABLE_CHAR || datatype == EM_VOTABLE_UNICODE_CHAR))
    arraysize = "*";
  f->arraysize = g_strdup (arraysize);
  f->unit = g_strdup (unit);
  f->ucd = g_strdup (ucd);
  f->utype = g_strdup (utype);
  f->description = g_strdup (description);
  g_ptr_array_add (table->fields, f);
  return table->fields->len - 1;
}

guint
em_votable_add_radec_fields (EmVotable *table, const char *ra_name, const char *dec_name)
{
  guint ra = em_votable_add_field (table, ra_name, EM_VOTABLE_DOUBLE, NULL, "deg",
                                   "pos.eq.ra;meta.main", NULL, "Right ascension (ICRS)");

  em_votable_add_field (table, dec_name, EM_VOTABLE_DOUBLE, NULL, "deg", "pos.eq.dec;meta.main",
                        NULL, "Declination (ICRS)");
  return ra;
}

void
em_votable_add_info (EmVotable *table, const char *name, const char *value, const char *content)
{
  EmVotableInfo *info = g_new0 (EmVotableInfo, 1);

  info->name = g_strdup (name);
  info->value = g_strdup (value);
  info->content = g_strdup (content);
  g_ptr_array_add (table->infos, info);
}

gsize
em_votable_add_row (EmVotable *table)
{
  g_array_set_size (table->cells, table->cells->len + table->fields->len);
  return table->n_rows++;
}

static EmVotableCell *
cell_at (const EmVotable *table, gsize row, guint col)
{
  g_return_val_if_fail (row < table->n_rows && col < table->fields->len, NULL);
  return &g_array_index (table->cells, EmVotableCell, row * table->fields->len + col);
}

void
em_votable_set_null (EmVotable *table, gsize row, guint col)
{
  EmVotableCell *cell = cell_at (table, row, col);

  if (cell)
    cell_clear (cell);
}

void
em_votable_set_boolean (EmVotable *table, gsize row, guint col, gboolean value)
{
  EmVotableCell *cell = cell_at (table, row, col);

  if (!cell)
    return;
  cell_clear (cell);
  cell->type = EM_VOTABLE_CELL_BOOLEAN;
  cell->v.b = !!value;
}

void
em_votable_set_int (EmVotable *table, gsize row, guint col, gint64 value)
{
  EmVotableCell *cell = cell_at (table, row, col);

  if (!cell)
    return;
  cell_clear (cell);
  cell->type = EM_VOTABLE_CELL_INT;
  cell->v.i = value;
}

void
em_votable_set_double (EmVotable *table, gsize row, guint col, double value)
{
  EmVotableCell *cell = cell_at (table, row, col);

  if (!cell)
    return;
  cell_clear (cell);
  if (isnan (value))
    return;
  cell->type = EM_VOTABLE_CELL_DOUBLE;
  cell->v.d = value;
}

void
em_votable_set_string (EmVotable *table, gsize row, guint col, const char *value)
{
  EmVotableCell *cell = cell_at (table, row, col);

  if (!cell)
    return;
  cell_clear (cell);
  if (value == NULL)
    return;
  cell->type = EM_VOTABLE_CELL_STRING;
  cell->v.s = g_strdup (value);
}

void
em_votable_set_array (EmVotable *table, gsize row, guint col, const double *values, gsize n)
{
  EmVotableCell *cell = cell_at (table, row, col);

  if (!cell)
    return;
  cell_clear (cell);
  cell->type = EM_VOTABLE_CELL_ARRAY;
  cell->v.a.values = g_memdup2 (values, n * sizeof (double));
  cell->v.a.n = n;
}

void
em_votable_set_cell (EmVotable *table, gsize row, guint col, const EmVotableCell *cell)
{
  switch (cell->type)
    {
    case EM_VOTABLE_CELL_BOOLEAN:
      em_votable_set_boolean (table, row, col, cell->v.b);
      break;
    case EM_VOTABLE_CELL_INT:
      em_votable_set_int (table, row, col, cell->v.i);
      break;
    case EM_VOTABLE_CELL_DOUBLE:
      em_votable_set_double (table, row, col, cell->v.d);
      break;
    case EM_VOTABLE_CELL_STRING:
      em_votable_set_string (table, row, col, cell->v.s);
      break;
    case EM_VOTABLE_CELL_ARRAY:
      em_votable_set_array (table, row, col, cell->v.a.values, cell->v.a.n);
      break;
    case EM_VOTABLE_CELL_NULL:
    default:
      em_votable_set_null (table, row, col);
      break;
    }
}

guint
em_votable_get_n_fields (const EmVotable *table)
{
  return table->fields->len;
}

const EmVotableField *
em_votable_get_field (const EmVotable *table, guint col)
{
  g_return_val_if_fail (col < table->fields->len, NULL);
  return g_ptr_array_index (table->fields, col);
}

int
em_votable_find_field (const EmVotable *table, const char *name)
{
  for (guint i = 0; i < table->fields->len; i++)
    {
      const EmVotableField *f = g_ptr_array_index (table->fields, i);

      if (g_ascii_strcasecmp (f->name, name) == 0)
        return (int)i;
    }
  return -1;
}

int
em_votable_find_ucd (const EmVotable *table, const char *ucd)
{
  for (guint i = 0; i < table->fields->len; i++)
    {
      const EmVotableField *f = g_ptr_array_index (table->fields, i);
      g_auto (GStrv) words = NULL;

      if (f->ucd == NULL)
        continue;
      words = g_strsplit (f->ucd, ";", -1);
      for (guint w = 0; words[w]; w++)
        if (g_ascii_strcasecmp (g_strstrip (words[w]), ucd) == 0)
          return (int)i;
    }
  return -1;
}

const EmVotableCell *
em_votable_get_cell (const EmVotable *table, gsize row, guint col)
{
  return cell_at (table, row, col);
}

gboolean
em_votable_is_null (const EmVotable *table, gsize row, guint col)
{
  const EmVotableCell *cell = cell_at (table, row, col);

  return cell == NULL || cell->type == EM_VOTABLE_CELL_NULL;
}

double
em_votable_get_double (const EmVotable *table, gsize row, guint col)
{
  const EmVotableCell *cell = cell_at (table, row, col);

  if (cell == NULL)
    return NAN;
  switch (cell->type)
    {
    case EM_VOTABLE_CELL_DOUBLE:
      return cell->v.d;
    case EM_VOTABLE_CELL_INT:
      return (double)cell->v.i;
    case EM_VOTABLE_CELL_BOOLEAN:
      return cell->v.b ? 1.0 : 0.0;
    case EM_VOTABLE_CELL_STRING:
      {
        /* Catalogues from other tools sometimes carry numbers as text. */
        char  *end = NULL;
        double d = g_ascii_strtod (cell->v.s, &end);

        while (end && g_ascii_isspace (*end))
          end++;
        return (end && end != cell->v.s && *end == '\0') ? d : NAN;
      }
    case EM_VOTABLE_CELL_NULL:
    case EM_VOTABLE_CELL_ARRAY:
    default:
      return NAN;
    }
}

const char *
em_votable_get_string (const EmVotable *table, gsize row, guint col)
{
  const EmVotableCell *cell = cell_at (table, row, col);

  return (cell && cell->type == EM_VOTABLE_CELL_STRING) ? cell->v.s : NULL;
}

static void
append_double (GString *out, double value, gboolean single)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    g_string_append (out, "NaN");
  else if (isinf (value))
    g_string_append (out, value > 0 ? "+Inf" : "-Inf");
  else if (single)
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.9g", value));
  else
    g_string_append (out, g_ascii_dtostr (buf, sizeof buf, value));
}

static void
append_cell_text (GString *out, const EmVotableField *f, const EmVotableCell *cell)
{
  gboolean single = f->datatype == EM_VOTABLE_FLOAT || f->datatype == EM_VOTABLE_FLOAT_COMPLEX;

  switch (cell->type)
    {
    case EM_VOTABLE_CELL_NULL:
      break;
    case EM_VOTABLE_CELL_BOOLEAN:
      g_string_append_c (out, cell->v.b ? 'T' : 'F');
      break;
    case EM_VOTABLE_CELL_INT:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, cell->v.i);
      break;
    case EM_VOTABLE_CELL_DOUBLE:
      append_double (out, cell->v.d, single);
      break;
    case EM_VOTABLE_CELL_STRING:
      g_string_append (out, cell->v.s);
      break;
    case EM_VOTABLE_CELL_ARRAY:
      for (gsize i = 0; i < cell->v.a.n; i++)
        {
          if (i)
            g_string_append_c (out, ' ');
          append_double (out, cell->v.a.values[i], single);
        }
      break;
    default:
      break;
    }
}

char *
em_votable_dup_text (const EmVotable *table, gsize row, guint col)
{
  const EmVotableCell *cell = cell_at (table, row, col);
  GString             *out;

  if (cell == NULL || cell->type == EM_VOTABLE_CELL_NULL)
    return NULL;
  out = g_string_new (NULL);
  append_cell_text (out, g_ptr_array_index (table->fields, col), cell);
  return g_string_free (out, FALSE);
}

const EmVotableInfo *
em_votable_get_info (const EmVotable *table, const char *name)
{
  for (guint i = 0; i < table->infos->len; i++)
    {
      const EmVotableInfo *info = g_ptr_array_index (table->infos, i);

      if (g_strcmp0 (info->name, name) == 0)
        return info;
    }
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Writer                                                             */

/* Escapes text for XML 1.0 content and attributes: markup characters,
 * and characters XML 1.0 cannot carry at all (controls, invalid UTF-8)
 * become U+FFFD so that the document always parses.  @bmp_only also
 * replaces characters beyond UCS-2, which unicodeChar cannot hold. */
static void
append_escaped_full (GString *out, const char *text, gboolean bmp_only)
{
  const char *p = text;
  const char *end = text + strlen (text);

  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar)-1 || c == (gunichar)-2)
        {
          g_string_append (out, "\xEF\xBF\xBD");
          p++;
          continue;
        }
      switch (c)
        {
        case '&':
          g_string_append (out, "&amp;");
          break;
        case '<':
          g_string_append (out, "&lt;");
          break;
        case '>':
          g_string_append (out, "&gt;");
          break;
        case '"':
          g_string_append (out, "&quot;");
          break;
        case '\t':
          g_string_append (out, "&#9;");
          break;
        case '\n':
          g_string_append (out, "&#10;");
          break;
        case '\r':
          g_string_append (out, "&#13;");
          break;
        default:
          if (c < 0x20 || c == 0xFFFE || c == 0xFFFF || (bmp_only && c > 0xFFFF))
            g_string_append (out, "\xEF\xBF\xBD");
          else
            g_string_append_len (out, p, g_utf8_next_char (p) - p);
        }
      p = g_utf8_next_char (p);
    }
}

static void
append_escaped (GString *out, const char *text)
{
  append_escaped_full (out, text, FALSE);
}

/* Whether a char column needs unicodeChar: VOTable's char is ASCII. */
static gboolean
column_is_ascii (const EmVotable *table, guint col)
{
  for (gsize r = 0; r < table->n_rows; r++)
    {
      const EmVotableCell *cell
          = &g_array_index (table->cells, EmVotableCell, r * table->fields->len + col);

      if (cell->type == EM_VOTABLE_CELL_STRING)
        for (const guchar *p = (const guchar *)cell->v.s; *p; p++)
          if (*p >= 0x80)
            return FALSE;
    }
  return TRUE;
}

static void
append_attr (GString *out, const char *name, const char *value)
{
  if (value == NULL)
    return;
  g_string_append_printf (out, " %s=\"", name);
  append_escaped (out, value);
  g_string_append_c (out, '"');
}

char *
em_votable_to_string (const EmVotable *table, gsize *length)
{
  GString             *out = g_string_sized_new (4096 + table->n_rows * table->fields->len * 12);
  guint                n_fields = table->fields->len;
  g_autofree gboolean *unicode = g_new0 (gboolean, MAX (n_fields, 1));

  for (guint c = 0; c < n_fields; c++)
    {
      const EmVotableField *f = g_ptr_array_index (table->fields, c);

      unicode[c] = f->datatype == EM_VOTABLE_UNICODE_CHAR
                   || (f->datatype == EM_VOTABLE_CHAR && !column_is_ascii (table, c));
    }

  g_string_append (out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\"\n"
                        "  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
                        "  xsi:schemaLocation=\"http://www.ivoa.net/xml/VOTable/v1.3 "
                        "http://www.ivoa.net/xml/VOTable/v1.3\">\n");
  g_string_append (out, "<RESOURCE");
  append_attr (out, "type", table->resource_type ? table->resource_type : "results");
  g_string_append (out, ">\n");
  for (guint i = 0; i < table->infos->len; i++)
    {
      const EmVotableInfo *info = g_ptr_array_index (table->infos, i);

      g_string_append (out, "<INFO");
      append_attr (out, "name", info->name);
      append_attr (out, "value", info->value ? info->value : "");
      if (info->content)
        {
          g_string_append_c (out, '>');
          append_escaped (out, info->content);
          g_string_append (out, "</INFO>\n");
        }
      else
        g_string_append (out, "/>\n");
    }
  if (em_votable_find_ucd (table, "pos.eq.ra") >= 0)
    g_string_append (out, "<COOSYS ID=\"icrs\" system=\"ICRS\"/>\n");
  if (n_fields == 0)
    {
      g_string_append (out, "</RESOURCE>\n</VOTABLE>\n");
      if (length)
        *length = out->len;
      return g_string_free (out, FALSE);
    }

  g_string_append (out, "<TABLE");
  append_attr (out, "name", table->name ? table->name : "table");
  g_string_append_printf (out, " nrows=\"%" G_GSIZE_FORMAT "\">\n", table->n_rows);
  if (table->description)
    {
      g_string_append (out, "<DESCRIPTION>");
      append_escaped (out, table->description);
      g_string_append (out, "</DESCRIPTION>\n");
    }
  for (guint c = 0; c < n_fields; c++)
    {
      const EmVotableField *f = g_ptr_array_index (table->fields, c);
      gboolean              is_pos
          = f->ucd
            && (g_str_has_prefix (f->ucd, "pos.eq.ra") || g_str_has_prefix (f->ucd, "pos.eq.dec"));

      g_string_append (out, "<FIELD");
      append_attr (out, "name", f->name);
      append_attr (out, "ID", f->id);
      append_attr (out, "datatype",
                   unicode[c] ? "unicodeChar" : em_votable_datatype_to_string (f->datatype));
      append_attr (out, "arraysize", f->arraysize);
      append_attr (out, "unit", f->unit);
      append_attr (out, "ucd", f->ucd);
      append_attr (out, "utype", f->utype);
      if (is_pos)
        append_attr (out, "ref", "icrs");
      if (f->description == NULL && f->null_value == NULL)
        {
          g_string_append (out, "/>\n");
          continue;
        }
      g_string_append (out, ">");
      if (f->description)
        {
          g_string_append (out, "<DESCRIPTION>");
          append_escaped (out, f->description);
          g_string_append (out, "</DESCRIPTION>");
        }
      if (f->null_value)
        {
          g_string_append (out, "<VALUES");
          append_attr (out, "null", f->null_value);
          g_string_append (out, "/>");
        }
      g_string_append (out, "</FIELD>\n");
    }
  g_string_append (out, "<DATA><TABLEDATA>\n");
  for (gsize r = 0; r < table->n_rows; r++)
    {
      g_string_append (out, "<TR>");
      for (guint c = 0; c < n_fields; c++)
        {
          const EmVotableField *f = g_ptr_array_index (table->fields, c);
          const EmVotableCell  *cell = cell_at (table, r, c);

          if (cell->type == EM_VOTABLE_CELL_NULL)
            {
              /* Integers have no NULL of their own in TABLEDATA unless a
               * VALUES null is declared; an empty cell is the 1.3+ way. */
              g_string_append (out, "<TD/>");
              continue;
            }
          g_string_append (out, "<TD>");
          if (cell->type == EM_VOTABLE_CELL_STRING)
            append_escaped_full (out, cell->v.s, unicode[c]);
          else
            append_cell_text (out, f, cell);
          g_string_append (out, "</TD>");
        }
      g_string_append (out, "</TR>\n");
    }
  g_string_append (out, "</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n");
  if (length)
    *length = out->len;
  return g_string_free (out, FALSE);
}

gboolean
em_votable_write_file (const EmVotable *table, const char *path, GError **error)
{
  gsize            length = 0;
  g_autofree char *text = em_votable_to_string (table, &length);
  g_autoptr (GError) local = NULL;

  if (!g_file_set_contents (path, text, (gssize)length, &local))
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_IO, "Cannot write VOTable %s: %s",
                   path, local->message);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Reader                                                             */

typedef struct
{
  const char *origin;
  EmVotable  *table;
  gsize       n_cells_cap;
} ReadContext;

static gboolean
is_element (xmlNode *node, const char *name)
{
  return node && node->type == XML_ELEMENT_NODE && strcmp ((const char *)node->name, name) == 0;
}

static char *
dup_prop (xmlNode *node, const char *name)
{
  xmlChar *value = xmlGetProp (node, (const xmlChar *)name);
  char    *copy;

  if (value == NULL)
    return NULL;
  copy = g_strdup ((const char *)value);
  xmlFree (value);
  return copy;
}

static char *
dup_content (xmlNode *node)
{
  xmlChar *value = xmlNodeGetContent (node);
  char    *copy = g_strdup (value ? (const char *)value : "");

  if (value)
    xmlFree (value);
  return copy;
}

/* Number of elements of one cell given by @arraysize ("5", "3x4", "*",
 * "10*", "3x*").  *variable is set when the last dimension is '*' (a
 * count precedes the values in BINARY); the returned value is then the
 * product of the fixed dimensions. */
static gboolean
parse_arraysize (const char *arraysize, gsize *n, gboolean *variable)
{
  g_auto (GStrv) dims = NULL;

  *n = 1;
  *variable = FALSE;
  if (arraysize == NULL || *arraysize == '\0')
    return TRUE;
  dims = g_strsplit (arraysize, "x", -1);
  for (guint i = 0; dims[i]; i++)
    {
      const char *d = dims[i];
      char       *end = NULL;
      guint64     value;

      if (strchr (d, '*'))
        {
          if (dims[i + 1] != NULL)
            return FALSE;
          *variable = TRUE;
          /* "10*" is a maximum, not a fixed size. */
          continue;
        }
      errno = 0;
      value = g_ascii_strtoull (d, &end, 10);
      if (errno || end == d || *end || value == 0 || value > EM_VOTABLE_MAX_ARRAY)
        return FALSE;
      *n *= value;
      if (*n > EM_VOTABLE_MAX_ARRAY)
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_array_field (const EmVotableField *f)
{
  return f->arraysize != NULL && *f->arraysize != '\0' && strcmp (f->arraysize, "1") != 0;
}

static gboolean
is_integer_type (EmVotableDatatype t)
{
  return t == EM_VOTABLE_UNSIGNED_BYTE || t == EM_VOTABLE_SHORT || t == EM_VOTABLE_INT
         || t == EM_VOTABLE_LONG;
}

static gboolean
parse_number (const char *text, gboolean integer, double *d, gint64 *i)
{
  char *end = NULL;

  if (g_ascii_strcasecmp (text, "NaN") == 0)
    {
      *d = NAN;
      return !integer;
    }
  if (g_ascii_strcasecmp (text, "+Inf") == 0 || g_ascii_strcasecmp (text, "Inf") == 0)
    {
      *d = INFINITY;
      return !integer;
    }
  if (g_ascii_strcasecmp (text, "-Inf") == 0)
    {
      *d = -INFINITY;
      return !integer;
    }
  errno = 0;
  if (integer)
    {
      if (g_str_has_prefix (text, "0x") || g_str_has_prefix (text, "0X"))
        *i = (gint64)g_ascii_strtoull (text + 2, &end, 16);
      else
        *i = g_ascii_strtoll (text, &end, 10);
    }
  else
    *d = g_ascii_strtod (text, &end);
  return errno == 0 && end != text && *end == '\0';
}

/* Sets one TABLEDATA cell from its text. */
static gboolean
set_cell_from_text (ReadContext *ctx, gsize row, guint col, const char *raw, GError **error)
{
  EmVotable            *table = ctx->table;
  const EmVotableField *f = g_ptr_array_index (table->fields, col);
  g_autofree char      *copy = NULL;
  char                 *text;

  if (f->datatype == EM_VOTABLE_CHAR || f->datatype == EM_VOTABLE_UNICODE_CHAR
      || f->datatype == EM_VOTABLE_BIT)
    {
      if (*raw != '\0')
        em_votable_set_string (table, row, col, raw);
      return TRUE;
    }

  copy = g_strdup (raw);
  text = g_strstrip (copy);
  if (*text == '\0')
    return TRUE;

  if (f->datatype == EM_VOTABLE_BOOLEAN && !is_array_field (f))
    {
      if (strchr ("Tt1", text[0]) && (text[1] == '\0' || g_ascii_strcasecmp (text, "true") == 0))
        em_votable_set_boolean (table, row, col, TRUE);
      else if (strchr ("Ff0", text[0])
               && (text[1] == '\0' || g_ascii_strcasecmp (text, "false") == 0))
        em_votable_set_boolean (table, row, col, FALSE);
      else if (strcmp (text, "?") != 0)
        goto bad;
      return TRUE;
    }

  if (is_array_field (f) || f->datatype == EM_VOTABLE_FLOAT_COMPLEX
      || f->datatype == EM_VOTABLE_DOUBLE_COMPLEX || f->datatype == EM_VOTABLE_BOOLEAN)
    {
      g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
      const char *p = text;

      while (*p)
        {
          const char      *start;
          g_autofree char *word = NULL;
          double           d = NAN;
          gint64           iv = 0;

          while (g_ascii_isspace (*p))
            p++;
          if (!*p)
            break;
          start = p;
          while (*p && !g_ascii_isspace (*p))
            p++;
          word = g_strndup (start, p - start);
          if (f->datatype == EM_VOTABLE_BOOLEAN)
            d = strchr ("Tt1", word[0]) ? 1.0 : strchr ("Ff0", word[0]) ? 0.0 : NAN;
          else if (is_integer_type (f->datatype) && g_ascii_strcasecmp (word, "NaN") == 0)
            d = NAN; /* a NULL element, as this writer spells it */
          else if (!parse_number (word, is_integer_type (f->datatype), &d, &iv))
            goto bad;
          else if (is_integer_type (f->datatype))
            d = (f->null_value && strcmp (word, f->null_value) == 0) ? NAN : (double)iv;
          if (values->len >= EM_VOTABLE_MAX_ARRAY)
            {
              g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_TOO_LARGE,
                           "%s: row %" G_GSIZE_FORMAT
                           ", field “%s”: array longer than %" G_GSIZE_FORMAT " values",
                           ctx->origin, row + 1, f->name, EM_VOTABLE_MAX_ARRAY);
              return FALSE;
            }
          g_array_append_val (values, d);
        }
      em_votable_set_array (table, row, col, (double *)values->data, values->len);
      return TRUE;
    }

  if (is_integer_type (f->datatype))
    {
      gint64 iv = 0;
      double d;

      if (!parse_number (text, TRUE, &d, &iv))
        goto bad;
      if (f->null_value && strcmp (text, f->null_value) == 0)
        return TRUE;
      em_votable_set_int (table, row, col, iv);
      return TRUE;
    }

  {
    double d = NAN;
    gint64 iv;

    if (!parse_number (text, FALSE, &d, &iv))
      goto bad;
    em_votable_set_double (table, row, col, d);
    return TRUE;
  }

bad:
  g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
               "%s: row %" G_GSIZE_FORMAT ", field “%s”: “%.40s” is not a valid %s", ctx->origin,
               row + 1, f->name, text, em_votable_datatype_to_string (f->datatype));
  return FALSE;
}

static gboolean
check_cells_cap (ReadContext *ctx, GError **error)
{
  if ((ctx->table->n_rows + 1) * MAX (ctx->table->fields->len, 1) > ctx->n_cells_cap)
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_TOO_LARGE,
                   "%s: more than %" G_GSIZE_FORMAT " cells", ctx->origin, ctx->n_cells_cap);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_tabledata (ReadContext *ctx, xmlNode *tabledata, GError **error)
{
  EmVotable *table = ctx->table;
  guint      n_fields = table->fields->len;

  for (xmlNode *tr = tabledata->children; tr; tr = tr->next)
    {
      guint col = 0;
      gsize row;

      if (!is_element (tr, "TR"))
        continue;
      if (!check_cells_cap (ctx, error))
        return FALSE;
      row = em_votable_add_row (table);
      for (xmlNode *td = tr->children; td; td = td->next)
        {
          g_autofree char *text = NULL;

          if (!is_element (td, "TD"))
            continue;
          if (col >= n_fields)
            {
              g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
                           "%s: row %" G_GSIZE_FORMAT " has more cells than the %u fields",
                           ctx->origin, row + 1, n_fields);
              return FALSE;
            }
          text = dup_content (td);
          if (!set_cell_from_text (ctx, row, col, text, error))
            return FALSE;
          col++;
        }
      if (col != n_fields)
        {
          g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
                       "%s: row %" G_GSIZE_FORMAT " has %u cells, expected %u", ctx->origin,
                       row + 1, col, n_fields);
          return FALSE;
        }
    }
  return TRUE;
}

static gsize
datatype_size (EmVotableDatatype t)
{
  switch (t)
    {
    case EM_VOTABLE_BOOLEAN:
    case EM_VOTABLE_UNSIGNED_BYTE:
    case EM_VOTABLE_CHAR:
      return 1;
    case EM_VOTABLE_SHORT:
    case EM_VOTABLE_UNICODE_CHAR:
      return 2;
    case EM_VOTABLE_INT:
    case EM_VOTABLE_FLOAT:
      return 4;
    case EM_VOTABLE_LONG:
    case EM_VOTABLE_DOUBLE:
    case EM_VOTABLE_FLOAT_COMPLEX:
      return 8;
    case EM_VOTABLE_DOUBLE_COMPLEX:
      return 16;
    case EM_VOTABLE_BIT:
    default:
      return 0;
    }
}

typedef struct
{
  const guint8 *data;
  gsize         len;
  gsize         pos;
} Stream;

static gboolean
stream_take (Stream *s, gsize n, const guint8 **out)
{
  if (n > s->len - s->pos)
    return FALSE;
  *out = s->data + s->pos;
  s->pos += n;
  return TRUE;
}

static guint64
be_u64 (const guint8 *p, gsize n)
{
  guint64 v = 0;

  for (gsize i = 0; i < n; i++)
    v = (v << 8) | p[i];
  return v;
}

static double
be_double (const guint8 *p, gsize n)
{
  if (n == 4)
    {
      guint32 u = (guint32)be_u64 (p, 4);
      float   f;

      memcpy (&f, &u, 4);
      return f;
    }
  else
    {
      guint64 u = be_u64 (p, 8);
      double  d;

      memcpy (&d, &u, 8);
      return d;
    }
}

static gint64
be_int (const guint8 *p, EmVotableDatatype t)
{
  switch (t)
    {
    case EM_VOTABLE_UNSIGNED_BYTE:
      return p[0];
    case EM_VOTABLE_SHORT:
      return (gint16)be_u64 (p, 2);
    case EM_VOTABLE_INT:
      return (gint32)be_u64 (p, 4);
    case EM_VOTABLE_LONG:
    default:
      return (gint64)be_u64 (p, 8);
    }
}

/* Decodes one cell of a BINARY/BINARY2 row. */
static gboolean
read_binary_cell (ReadContext *ctx,
                  Stream      *s,
                  gsize        row,
                  guint        col,
                  gboolean     null_flag,
                  GError     **error)
{
  EmVotable            *table = ctx->table;
  const EmVotableField *f = g_ptr_array_index (table->fields, col);
  gsize                 n = 1, size, bytes;
  gboolean              variable = FALSE;
  const guint8         *p = NULL;

  if (!parse_arraysize (f->arraysize, &n, &variable))
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
                   "%s: field “%s” has an unusable arraysize “%s”", ctx->origin, f->name,
                   f->arraysize);
      return FALSE;
    }
  if (variable)
    {
      guint64 count;

      if (!stream_take (s, 4, &p))
        goto truncated;
      count = be_u64 (p, 4);
      if (count > EM_VOTABLE_MAX_ARRAY)
        {
          g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_TOO_LARGE,
                       "%s: row %" G_GSIZE_FORMAT ", field “%s”: %" G_GUINT64_FORMAT
                       " elements is over the cap",
                       ctx->origin, row + 1, f->name, count);
          return FALSE;
        }
      /* The count is the number of elements of the whole cell. */
      n = (gsize)count;
    }
  if (f->datatype == EM_VOTABLE_BIT)
    bytes = (n + 7) / 8;
  else
    {
      size = datatype_size (f->datatype);
      bytes = n * size;
    }
  if (!stream_take (s, bytes, &p))
    goto truncated;
  if (null_flag)
    return TRUE;

  switch (f->datatype)
    {
    case EM_VOTABLE_CHAR:
      {
        gsize            len = strnlen ((const char *)p, n);
        g_autofree char *text = g_strndup ((const char *)p, len);

        /* Fixed-width strings are padded with NULs or spaces. */
        g_strchomp (text);
        if (!g_utf8_validate (text, -1, NULL))
          {
            g_autofree char *valid = g_utf8_make_valid (text, -1);
            em_votable_set_string (table, row, col, *valid ? valid : NULL);
          }
        else
          em_votable_set_string (table, row, col, *text ? text : NULL);
        return TRUE;
      }
    case EM_VOTABLE_UNICODE_CHAR:
      {
        g_autofree gunichar2 *units = g_new0 (gunichar2, n + 1);
        g_autofree char      *text = NULL;
        gsize                 len = 0;

        for (gsize i = 0; i < n; i++)
          {
            units[i] = (gunichar2)be_u64 (p + 2 * i, 2);
            if (units[i] == 0)
              break;
            len++;
          }
        text = g_utf16_to_utf8 (units, (glong)len, NULL, NULL, NULL);
        if (text == NULL)
          {
            g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
                         "%s: row %" G_GSIZE_FORMAT ", field “%s”: invalid UCS-2 text", ctx->origin,
                         row + 1, f->name);
            return FALSE;
          }
        g_strchomp (text);
        em_votable_set_string (table, row, col, *text ? text : NULL);
        return TRUE;
      }
    case EM_VOTABLE_BIT:
      {
        g_autofree char *text = g_malloc (n + 1);

        for (gsize i = 0; i < n; i++)
          text[i] = (p[i / 8] & (0x80 >> (i % 8))) ? '1' : '0';
        text[n] = '\0';
        em_votable_set_string (table, row, col, text);
        return TRUE;
      }
    default:
      break;
    }

  if (!is_array_field (f) && f->datatype != EM_VOTABLE_FLOAT_COMPLEX
      && f->datatype != EM_VOTABLE_DOUBLE_COMPLEX)
    {
      switch (f->datatype)
        {
        case EM_VOTABLE_BOOLEAN:
          if (strchr ("Tt1", p[0]) && p[0] != '\0')
            em_votable_set_boolean (table, row, col, TRUE);
          else if (strchr ("Ff0", p[0]) && p[0] != '\0')
            em_votable_set_boolean (table, row, col, FALSE);
          return TRUE;
        case EM_VOTABLE_FLOAT:
          em_votable_set_double (table, row, col, be_double (p, 4));
          return TRUE;
        case EM_VOTABLE_DOUBLE:
          em_votable_set_double (table, row, col, be_double (p, 8));
          return TRUE;
        default:
          {
            gint64           v = be_int (p, f->datatype);
            g_autofree char *as_text = g_strdup_printf ("%" G_GINT64_FORMAT, v);

            if (f->null_value && strcmp (as_text, f->null_value) == 0)
              return TRUE;
            em_votable_set_int (table, row, col, v);
            return TRUE;
          }
        }
    }

  {
    /* Numeric arrays and complex numbers: a flat array of doubles. */
    gboolean complex
        = f->datatype == EM_VOTABLE_FLOAT_COMPLEX || f->datatype == EM_VOTABLE_DOUBLE_COMPLEX;
    gsize width = complex ? datatype_size (f->datatype) / 2 : datatype_size (f->datatype);
    gsize count = complex ? 2 * n : n;
    g_autofree double *values = g_new (double, MAX (count, 1));

    for (gsize i = 0; i < count; i++)
      {
        const guint8 *q = p + i * width;

        if (f->datatype == EM_VOTABLE_FLOAT || f->datatype == EM_VOTABLE_DOUBLE || complex)
          values[i] = be_double (q, width);
        else if (f->datatype == EM_VOTABLE_BOOLEAN)
          values[i] = strchr ("Tt1", q[0]) && q[0] ? 1.0 : strchr ("Ff0", q[0]) && q[0] ? 0.0 : NAN;
        else
          {
            gint64           v = be_int (q, f->datatype);
            g_autofree char *as_text = g_strdup_printf ("%" G_GINT64_FORMAT, v);

            values[i] = (f->null_value && strcmp (as_text, f->null_value) == 0) ? NAN : (double)v;
          }
      }
    em_votable_set_array (table, row, col, values, count);
    return TRUE;
  }

truncated:
  g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
               "%s: binary stream truncated in row %" G_GSIZE_FORMAT ", field “%s”", ctx->origin,
               row + 1, f->name);
  return FALSE;
}

static gboolean
read_binary (ReadContext *ctx, xmlNode *binary, gboolean binary2, GError **error)
{
  EmVotable         *table = ctx->table;
  guint              n_fields = table->fields->len;
  xmlNode           *stream_node = NULL;
  g_autofree char   *encoding = NULL;
  g_autofree char   *href = NULL;
  g_autofree char   *text = NULL;
  g_autofree guint8 *data = NULL;
  gsize              len = 0;
  Stream             s;

  for (xmlNode *c = binary->children; c; c = c->next)
    if (is_element (c, "STREAM"))
      stream_node = c;
  if (stream_node == NULL)
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED, "%s: %s without STREAM",
                   ctx->origin, binary2 ? "BINARY2" : "BINARY");
      return FALSE;
    }
  href = dup_prop (stream_node, "href");
  if (href)
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_UNSUPPORTED,
                   "%s: STREAM refers to %s; only inline base64 streams are read", ctx->origin,
                   href);
      return FALSE;
    }
  encoding = dup_prop (stream_node, "encoding");
  if (g_strcmp0 (encoding, "base64") != 0)
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_UNSUPPORTED,
                   "%s: STREAM encoding “%s” is not supported (only base64)", ctx->origin,
                   encoding ? encoding : "none");
      return FALSE;
    }
  text = dup_content (stream_node);
  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("+/=", *p) && !g_ascii_isspace (*p))
      {
        g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
                     "%s: STREAM holds a character that is not base64 (offset %ld)", ctx->origin,
                     (long)(p - text));
        return FALSE;
      }
  data = g_base64_decode (text, &len);
  s.data = data;
  s.len = len;
  s.pos = 0;

  while (s.pos < s.len)
    {
      gsize         row;
      const guint8 *mask = NULL;

      if (!check_cells_cap (ctx, error))
        return FALSE;
      if (binary2 && !stream_take (&s, (n_fields + 7) / 8, &mask))
        {
          g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
                       "%s: BINARY2 stream truncated in the null mask of row %" G_GSIZE_FORMAT,
                       ctx->origin, table->n_rows + 1);
          return FALSE;
        }
      row = em_votable_add_row (table);
      for (guint c = 0; c < n_fields; c++)
        {
          gboolean is_null = mask && (mask[c / 8] & (0x80 >> (c % 8)));

          if (!read_binary_cell (ctx, &s, row, c, is_null, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_field (ReadContext *ctx, xmlNode *node, GError **error)
{
  EmVotableField   *f;
  g_autofree char  *datatype = dup_prop (node, "datatype");
  g_autofree char  *name = dup_prop (node, "name");
  EmVotableDatatype t;
  gsize             n;
  gboolean          variable;

  if (ctx->table->fields->len >= EM_VOTABLE_MAX_FIELDS)
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_TOO_LARGE, "%s: more than %d fields",
                   ctx->origin, EM_VOTABLE_MAX_FIELDS);
      return FALSE;
    }
  if (datatype == NULL || !em_votable_datatype_from_string (datatype, &t))
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
                   "%s: FIELD “%s” has %s datatype%s%s", ctx->origin, name ? name : "?",
                   datatype ? "an unknown" : "no", datatype ? " " : "", datatype ? datatype : "");
      return FALSE;
    }
  f = g_new0 (EmVotableField, 1);
  f->datatype = t;
  f->id = dup_prop (node, "ID");
  f->name = name    ? g_steal_pointer (&name)
            : f->id ? g_strdup (f->id)
                    : g_strdup_printf ("col%u", ctx->table->fields->len + 1);
  f->arraysize = dup_prop (node, "arraysize");
  f->unit = dup_prop (node, "unit");
  f->ucd = dup_prop (node, "ucd");
  f->utype = dup_prop (node, "utype");
  for (xmlNode *c = node->children; c; c = c->next)
    {
      if (is_element (c, "DESCRIPTION") && f->description == NULL)
        f->description = dup_content (c);
      else if (is_element (c, "VALUES") && f->null_value == NULL)
        f->null_value = dup_prop (c, "null");
    }
  g_ptr_array_add (ctx->table->fields, f);
  if (!parse_arraysize (f->arraysize, &n, &variable))
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
                   "%s: FIELD “%s” has an unusable arraysize “%s”", ctx->origin, f->name,
                   f->arraysize);
      return FALSE;
    }
  return TRUE;
}

static void
read_info (ReadContext *ctx, xmlNode *node)
{
  EmVotableInfo *info = g_new0 (EmVotableInfo, 1);

  info->name = dup_prop (node, "name");
  info->value = dup_prop (node, "value");
  info->content = dup_content (node);
  g_strstrip (info->content);
  g_ptr_array_add (ctx->table->infos, info);
}

static gboolean
read_table (ReadContext *ctx, xmlNode *node, GError **error)
{
  EmVotable *table = ctx->table;

  g_free (table->name);
  table->name = dup_prop (node, "name");
  for (xmlNode *c = node->children; c; c = c->next)
    {
      if (is_element (c, "DESCRIPTION") && table->description == NULL)
        table->description = dup_content (c);
      else if (is_element (c, "FIELD"))
        {
          if (!read_field (ctx, c, error))
            return FALSE;
        }
      else if (is_element (c, "INFO"))
        read_info (ctx, c);
      else if (is_element (c, "DATA"))
        {
          for (xmlNode *d = c->children; d; d = d->next)
            {
              if (is_element (d, "TABLEDATA"))
                return read_tabledata (ctx, d, error);
              if (is_element (d, "BINARY"))
                return read_binary (ctx, d, FALSE, error);
              if (is_element (d, "BINARY2"))
                return read_binary (ctx, d, TRUE, error);
              if (is_element (d, "FITS"))
                {
                  g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_UNSUPPORTED,
                               "%s: FITS serialisation inside VOTable is not supported",
                               ctx->origin);
                  return FALSE;
                }
            }
        }
    }
  return TRUE;
}

/* Depth-first search for the first TABLE, collecting INFOs of the
 * RESOURCEs on the way (TAP puts QUERY_STATUS there). */
static gboolean
read_resource (ReadContext *ctx, xmlNode *resource, gboolean *found, guint depth, GError **error)
{
  if (depth > 32)
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
                   "%s: RESOURCE elements nested too deeply", ctx->origin);
      return FALSE;
    }
  if (ctx->table->resource_type == NULL || depth == 0)
    {
      g_free (ctx->table->resource_type);
      ctx->table->resource_type = dup_prop (resource, "type");
    }
  for (xmlNode *c = resource->children; c; c = c->next)
    {
      if (is_element (c, "INFO"))
        read_info (ctx, c);
      else if (is_element (c, "TABLE") && !*found)
        {
          *found = TRUE;
          if (!read_table (ctx, c, error))
            return FALSE;
        }
      else if (is_element (c, "RESOURCE") && !*found)
        {
          if (!read_resource (ctx, c, found, depth + 1, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gsize xml_initialised;

EmVotable *
em_votable_parse (const char *data, gsize length, const char *origin, GError **error)
{
  g_autoptr (EmVotable) table = NULL;
  xmlDoc     *doc;
  xmlNode    *root;
  ReadContext ctx = { 0 };
  gboolean    found = FALSE;
  gboolean    ok = TRUE;

  if (origin == NULL)
    origin = "VOTable";
  /* libxml2 wants its global state set up once before threads use it. */
  if (g_once_init_enter (&xml_initialised))
    {
      xmlInitParser ();
      g_once_init_leave (&xml_initialised, 1);
    }
  if (length > EM_VOTABLE_MAX_BYTES || length > G_MAXINT)
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_TOO_LARGE,
                   "%s: %" G_GSIZE_FORMAT " bytes is more than the %" G_GSIZE_FORMAT
                   " bytes accepted",
                   origin, length, EM_VOTABLE_MAX_BYTES);
      return NULL;
    }
  /* NONET: never fetch anything.  No NOENT: entities are never expanded
   * (libxml2 keeps them as references), no DTD loading, no XInclude. */
  doc = xmlReadMemory (data, (int)length, origin, NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL)
    {
      const xmlError  *xerr = xmlGetLastError ();
      g_autofree char *msg = g_strdup (xerr && xerr->message ? xerr->message : "not XML\n");

      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
                   "%s: not a VOTable: %s (line %d)", origin, g_strchomp (msg),
                   xerr ? xerr->line : 0);
      return NULL;
    }
  if (doc->intSubset != NULL || doc->extSubset != NULL)
    {
      xmlFreeDoc (doc);
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
                   "%s: a VOTable has no DOCTYPE; refusing a document that declares one", origin);
      return NULL;
    }
  root = xmlDocGetRootElement (doc);
  if (!is_element (root, "VOTABLE"))
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED,
                   "%s: root element is <%s>, not <VOTABLE>", origin,
                   root ? (const char *)root->name : "none");
      xmlFreeDoc (doc);
      return NULL;
    }

  table = em_votable_new (NULL);
  g_clear_pointer (&table->resource_type, g_free);
  ctx.origin = origin;
  ctx.table = table;
  ctx.n_cells_cap = EM_VOTABLE_MAX_CELLS;
  for (xmlNode *c = root->children; c && ok; c = c->next)
    {
      if (is_element (c, "RESOURCE") && !found)
        ok = read_resource (&ctx, c, &found, 0, error);
    }
  /* INFOs directly under VOTABLE come after the RESOURCE's. */
  for (xmlNode *c = root->children; c && ok; c = c->next)
    if (is_element (c, "INFO"))
      read_info (&ctx, c);
  xmlFreeDoc (doc);
  if (!ok)
    return NULL;
  return g_steal_pointer (&table);
}

EmVotable *
em_votable_read_file (const char *path, GError **error)
{
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  g_autoptr (GMappedFile) mapped = NULL;

  mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    {
      g_set_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_IO, "Cannot read VOTable %s: %s", path,
                   local->message);
      return NULL;
    }
  length = g_mapped_file_get_length (mapped);
  return em_votable_parse (length ? g_mapped_file_get_contents (mapped) : "", length, path, error);
}
