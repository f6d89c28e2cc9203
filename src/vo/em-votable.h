/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* VOTable 1.4: one table with its fields and typed rows in memory.
 * Written as TABLEDATA; read from TABLEDATA, BINARY or BINARY2 (base64
 * STREAM).  Documents are parsed with libxml2 without network access,
 * without entity substitution and without a DTD, under size caps. */

#include <glib.h>

G_BEGIN_DECLS

#define EM_VOTABLE_ERROR (em_votable_error_quark ())

typedef enum
{
  EM_VOTABLE_ERROR_IO,          /* the file cannot be read or written */
  EM_VOTABLE_ERROR_MALFORMED,   /* not XML, not a VOTable, or bad cell/stream */
  EM_VOTABLE_ERROR_TOO_LARGE,   /* over a size cap */
  EM_VOTABLE_ERROR_UNSUPPORTED, /* FITS serialisation, remote STREAM href, ... */
} EmVotableError;

GQuark em_votable_error_quark (void);

typedef enum
{
  EM_VOTABLE_BOOLEAN,
  EM_VOTABLE_BIT,
  EM_VOTABLE_UNSIGNED_BYTE,
  EM_VOTABLE_SHORT,
  EM_VOTABLE_INT,
  EM_VOTABLE_LONG,
  EM_VOTABLE_CHAR,
  EM_VOTABLE_UNICODE_CHAR,
  EM_VOTABLE_FLOAT,
  EM_VOTABLE_DOUBLE,
  EM_VOTABLE_FLOAT_COMPLEX,
  EM_VOTABLE_DOUBLE_COMPLEX,
} EmVotableDatatype;

/* The VOTable spelling ("double", "unicodeChar", ...) and back. */
const char *em_votable_datatype_to_string (EmVotableDatatype datatype);
gboolean    em_votable_datatype_from_string (const char *name, EmVotableDatatype *datatype);

typedef struct
{
  char             *name;
  char             *id; /* NULL when the FIELD has no ID */
  EmVotableDatatype datatype;
  char             *arraysize; /* NULL for a scalar; "*" for any string */
  char             *unit;
  char             *ucd;
  char             *utype;
  char             *description;
  char             *null_value; /* VALUES null="..." for integers, or NULL */
} EmVotableField;

typedef enum
{
  EM_VOTABLE_CELL_NULL,
  EM_VOTABLE_CELL_BOOLEAN,
  EM_VOTABLE_CELL_INT,    /* unsignedByte, short, int, long */
  EM_VOTABLE_CELL_DOUBLE, /* float, double */
  EM_VOTABLE_CELL_STRING, /* char, unicodeChar, bit */
  EM_VOTABLE_CELL_ARRAY,  /* numeric arrays and complex values */
} EmVotableCellType;

typedef struct
{
  EmVotableCellType type;
  union
  {
    gboolean b;
    gint64   i;
    double   d;
    char    *s;
    struct
    {
      double *values;
      gsize   n;
    } a;
  } v;
} EmVotableCell;

/* An INFO element: name, value and its text content (which holds, for
 * a TAP error, the message). */
typedef struct
{
  char *name;
  char *value;
  char *content;
} EmVotableInfo;

typedef struct
{
  char      *name;          /* TABLE name */
  char      *description;   /* TABLE DESCRIPTION */
  char      *resource_type; /* "results" for a TAP response */
  GPtrArray *infos;         /* EmVotableInfo*: RESOURCE's then VOTABLE's INFOs */
  GPtrArray *fields;        /* EmVotableField* */
  GArray    *cells;         /* EmVotableCell, n_rows × n_fields, row-major */
  gsize      n_rows;
} EmVotable;

/* Caps that protect the reader from hostile or broken documents. */
#define EM_VOTABLE_MAX_BYTES ((gsize)512 * 1024 * 1024)
#define EM_VOTABLE_MAX_FIELDS 4096
#define EM_VOTABLE_MAX_CELLS ((gsize)20 * 1000 * 1000)
#define EM_VOTABLE_MAX_ARRAY ((gsize)16 * 1024 * 1024)

EmVotable *em_votable_new (const char *name);
void       em_votable_free (EmVotable *table);

/* Building a table.  Adding a field is only allowed before the first
 * row.  Returns the index of the new field. */
guint em_votable_add_field (EmVotable        *table,
                            const char       *name,
                            EmVotableDatatype datatype,
                            const char       *arraysize,
                            const char       *unit,
                            const char       *ucd,
                            const char       *utype,
                            const char       *description);
/* Adds "ra" and "dec" style fields (double, deg) with the UCDs
 * pos.eq.ra;meta.main and pos.eq.dec;meta.main.  Returns the RA index;
 * Dec is the next one. */
guint em_votable_add_radec_fields (EmVotable *table, const char *ra_name, const char *dec_name);
void
em_votable_add_info (EmVotable *table, const char *name, const char *value, const char *content);
/* Appends a row of NULL cells; returns its index. */
gsize em_votable_add_row (EmVotable *table);
void  em_votable_set_null (EmVotable *table, gsize row, guint col);
void  em_votable_set_boolean (EmVotable *table, gsize row, guint col, gboolean value);
void  em_votable_set_int (EmVotable *table, gsize row, guint col, gint64 value);
/* NAN sets the cell NULL. */
void em_votable_set_double (EmVotable *table, gsize row, guint col, double value);
/* NULL sets the cell NULL. */
void em_votable_set_string (EmVotable *table, gsize row, guint col, const char *value);
void em_votable_set_array (EmVotable *table, gsize row, guint col, const double *values, gsize n);

/* Copies @cell (of any type) into the table. */
void em_votable_set_cell (EmVotable *table, gsize row, guint col, const EmVotableCell *cell);

/* Access. */
guint                 em_votable_get_n_fields (const EmVotable *table);
const EmVotableField *em_votable_get_field (const EmVotable *table, guint col);
/* Index of the field named @name (ASCII case-insensitive), else -1. */
int em_votable_find_field (const EmVotable *table, const char *name);
/* First field whose UCD contains @ucd as one of its ';' words, else -1. */
int                  em_votable_find_ucd (const EmVotable *table, const char *ucd);
const EmVotableCell *em_votable_get_cell (const EmVotable *table, gsize row, guint col);
gboolean             em_votable_is_null (const EmVotable *table, gsize row, guint col);
/* Numeric value (integers and booleans converted), NAN when NULL or not
 * numeric. */
double em_votable_get_double (const EmVotable *table, gsize row, guint col);
/* String value, NULL when NULL or not a string cell. */
const char *em_votable_get_string (const EmVotable *table, gsize row, guint col);
/* Any cell as text (numbers formatted), newly allocated; NULL for NULL. */
char *em_votable_dup_text (const EmVotable *table, gsize row, guint col);
/* Value of the first INFO named @name, NULL if none. */
const EmVotableInfo *em_votable_get_info (const EmVotable *table, const char *name);

/* Writing (TABLEDATA, VOTable 1.4). */
char    *em_votable_to_string (const EmVotable *table, gsize *length);
gboolean em_votable_write_file (const EmVotable *table, const char *path, GError **error);

/* Reading: the first TABLE of the document (a document with a RESOURCE
 * but no TABLE, such as a TAP error, gives a table without fields).
 * @origin names the document in error messages (file name or URL). */
EmVotable *em_votable_parse (const char *data, gsize length, const char *origin, GError **error);
EmVotable *em_votable_read_file (const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmVotable, em_votable_free)

G_END_DECLS
