/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-pool.h"
#include "em-pool-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The pool is a FITS file written by hand rather than through cfitsio:
 * fixed-size headers (blank cards reserve room, so the root can change in
 * place) and fixed-length big-endian rows appended after the committed
 * ones.  The table's NAXIS2 card is the commit record: rows go to the file
 * first, then that one card is rewritten.  A writer killed in between
 * leaves rows past NAXIS2 that the next writer cuts off. */

#define FITS_BLOCK     2880
#define CARD           80
#define PRIMARY_BLOCKS 8
#define TABLE_BLOCKS   2
#define PRIMARY_LEN    (PRIMARY_BLOCKS * FITS_BLOCK)
#define TABLE_LEN      (TABLE_BLOCKS * FITS_BLOCK)
#define DATA_OFFSET    ((goffset) PRIMARY_LEN + TABLE_LEN)
#define NAXIS2_OFFSET  ((goffset) PRIMARY_LEN + 4 * CARD)
#define POOL_VERSION   1

/* Byte offsets of the columns in a row. */
enum
{
  OFF_ID    = 0,
  OFF_DESIG = OFF_ID + EM_POOL_ID_WIDTH,
  OFF_RA    = OFF_DESIG + EM_POOL_DESIG_WIDTH,
  OFF_DEC   = OFF_RA + 8,
  OFF_OBSID = OFF_DEC + 8,
  OFF_SNR   = OFF_OBSID + EM_POOL_OBSID_WIDTH,
  OFF_CLASS = OFF_SNR + 4,
  OFF_HDU   = OFF_CLASS + EM_POOL_CLASS_WIDTH,
  OFF_PATH  = OFF_HDU + 2,
  OFF_FLUX  = OFF_PATH + EM_POOL_PATH_WIDTH,
};

/* What the headers say. */
typedef struct
{
  EmPreprocessParams params;
  char              *root;
  char              *uid;
  guint64            n_rows;
  guint              n_fluxes;
  gsize              row_len;
} Layout;

static void
layout_clear (Layout *l)
{
  g_clear_pointer (&l->root, g_free);
  g_clear_pointer (&l->uid, g_free);
}

typedef struct
{
  guint64 hash;
  guint64 row;
} IdxEntry;

typedef struct
{
  char    magic[8];
  guint64 n_rows;
  guint64 distinct;
  char    uid[40];
} IdxHeader;

#define IDX_MAGIC "EMPIDX01"

struct _EmPool
{
  gatomicrefcount    ref;
  char              *path;
  char              *report_path;
  char              *idx_path;
  int                fd;
  Layout             layout;
  GMutex             idx_lock;
  gint64             n_failures;   /* -1 until counted */
  GMappedFile       *idx_map;
  IdxEntry          *idx_owned;
  const IdxEntry    *idx;
  guint64            idx_n;
  guint64            distinct;
  gboolean           idx_ready;
};

struct _EmPoolWriter
{
  char     *path;
  int       fd;
  Layout    layout;
  guchar   *pending;
  guint     n_pending;
  guint     cap_pending;
};

G_DEFINE_QUARK (em-pool-error-quark, em_pool_error)

/* ---- low-level I/O ---------------------------------------------------- */

static gboolean
pread_full (int          fd,
            void        *buf,
            gsize        len,
            goffset      offset,
            const char  *path,
            GError     **error)
{
  guchar *p = buf;

  while (len > 0)
    {
      ssize_t n = pread (fd, p, len, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                       _("Cannot read pool “%s”: %s"), path, g_strerror (errsv));
          return FALSE;
        }
      if (n == 0)
        {
          g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT,
                       _("Pool “%s” is truncated at byte %lld"),
                       path, (long long) offset);
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
      offset += n;
    }
  return TRUE;
}

static gboolean
pwrite_full (int          fd,
             const void  *buf,
             gsize        len,
             goffset      offset,
             const char  *path,
             GError     **error)
{
  const guchar *p = buf;

  while (len > 0)
    {
      ssize_t n = pwrite (fd, p, len, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                       _("Cannot write pool “%s”: %s"), path, g_strerror (errsv));
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
      offset += n;
    }
  return TRUE;
}

static gboolean
truncate_to (int          fd,
             goffset      size,
             const char  *path,
             GError     **error)
{
  if (ftruncate (fd, size) != 0)
    {
      int errsv = errno;
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                   _("Cannot resize pool “%s”: %s"), path, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

static goffset
padded_end (const Layout *l,
            guint64       n_rows)
{
  goffset end = DATA_OFFSET + (goffset) (n_rows * l->row_len);

  return (end + FITS_BLOCK - 1) / FITS_BLOCK * FITS_BLOCK;
}

/* ---- big-endian fields ------------------------------------------------ */

static inline void
put_u32 (guchar *d, guint32 v)
{
  v = GUINT32_TO_BE (v);
  memcpy (d, &v, 4);
}

static inline guint32
get_u32 (const guchar *s)
{
  guint32 v;

  memcpy (&v, s, 4);
  return GUINT32_FROM_BE (v);
}

static inline void
put_f32 (guchar *d, float f)
{
  guint32 v;

  memcpy (&v, &f, 4);
  put_u32 (d, v);
}

static inline float
get_f32 (const guchar *s)
{
  guint32 v = get_u32 (s);
  float f;

  memcpy (&f, &v, 4);
  return f;
}

static inline void
put_f64 (guchar *d, double f)
{
  guint64 v;

  memcpy (&v, &f, 8);
  v = GUINT64_TO_BE (v);
  memcpy (d, &v, 8);
}

static inline double
get_f64 (const guchar *s)
{
  guint64 v;
  double f;

  memcpy (&v, s, 8);
  v = GUINT64_FROM_BE (v);
  memcpy (&f, &v, 8);
  return f;
}

/* Copies @s into a @width-byte field, cut at a UTF-8 character boundary,
 * NUL-padded (FITS readers stop an A field at the first NUL). */
static void
put_str (guchar     *d,
         gsize       width,
         const char *s)
{
  gsize len = s != NULL ? strlen (s) : 0;

  if (len > width)
    {
      len = width;
      while (len > 0 && ((guchar) s[len] & 0xC0) == 0x80)
        len--;
    }
  if (len > 0)
    memcpy (d, s, len);
  memset (d + len, 0, width - len);
}

static char *
get_str (const guchar *s,
         gsize         width)
{
  gsize len = 0;

  while (len < width && s[len] != '\0')
    len++;
  while (len > 0 && s[len - 1] == ' ')
    len--;
  return g_strndup ((const char *) s, len);
}

static char *
get_str_or_null (const guchar *s,
                 gsize         width)
{
  char *v = get_str (s, width);

  if (*v == '\0')
    g_clear_pointer (&v, g_free);
  return v;
}

/* ---- FITS header cards ------------------------------------------------ */

static void
card_raw (GString    *h,
          const char *text)
{
  gsize len = MIN (strlen (text), CARD);

  g_string_append_len (h, text, (gssize) len);
  for (gsize i = len; i < CARD; i++)
    g_string_append_c (h, ' ');
}

static void
card_value (GString    *h,
            const char *key,
            const char *value,
            const char *comment)
{
  g_autofree char *text = NULL;

  if (comment != NULL)
    text = g_strdup_printf ("%-8.8s= %20s / %s", key, value, comment);
  else
    text = g_strdup_printf ("%-8.8s= %20s", key, value);
  card_raw (h, text);
}

static void
card_int (GString    *h,
          const char *key,
          gint64      value,
          const char *comment)
{
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, value);
  card_value (h, key, buf, comment);
}

static void
card_bool (GString    *h,
           const char *key,
           gboolean    value,
           const char *comment)
{
  card_value (h, key, value ? "T" : "F", comment);
}

static void
card_double (GString    *h,
             const char *key,
             double      value,
             const char *comment)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%.17G", value);
  if (strpbrk (buf, ".E") == NULL)
    g_strlcat (buf, ".", sizeof buf);
  card_value (h, key, buf, comment);
}

/* A short string value: quotes doubled, padded to 8 characters. */
static void
card_string (GString    *h,
             const char *key,
             const char *value,
             const char *comment)
{
  g_autoptr(GString) q = g_string_new ("'");
  g_autofree char *text = NULL;

  for (const char *p = value; *p; p++)
    {
      if (*p == '\'')
        g_string_append_c (q, '\'');
      g_string_append_c (q, *p);
    }
  while (q->len < 9)
    g_string_append_c (q, ' ');
  g_string_append_c (q, '\'');
  if (comment != NULL)
    text = g_strdup_printf ("%-8.8s= %-20s / %s", key, q->str, comment);
  else
    text = g_strdup_printf ("%-8.8s= %s", key, q->str);
  card_raw (h, text);
}

/* Bytes outside printable ASCII, and '%', become %XX: FITS headers are
 * ASCII, file names need not be. */
static char *
header_escape (const char *s)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      if (*p < 32 || *p > 126 || *p == '%')
        g_string_append_printf (out, "%%%02X", *p);
      else
        g_string_append_c (out, (char) *p);
    }
  return g_string_free (out, FALSE);
}

static char *
header_unescape (const char *s)
{
  GString *out = g_string_new (NULL);

  for (const char *p = s; *p; p++)
    {
      if (*p == '%' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (p[1]) * 16
                                          + g_ascii_xdigit_value (p[2])));
          p += 2;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* A string of any length with the OGIP long-string convention: pieces
 * ending in '&', continued on CONTINUE cards.  Returns the cards used. */
static guint
card_long_string (GString    *h,
                  const char *key,
                  const char *value)
{
  g_autofree char *escaped = header_escape (value);
  const char *p = escaped;
  guint cards = 0;

  do
    {
      g_autoptr(GString) piece = g_string_new (NULL);
      g_autoptr(GString) text = g_string_new (NULL);

      /* 67 characters of quoted text leave room for '&' and the quotes;
       * a doubled quote is never split. */
      while (*p && piece->len < 66)
        {
          if (*p == '\'')
            g_string_append (piece, "''");
          else
            g_string_append_c (piece, *p);
          p++;
        }
      if (cards == 0)
        g_string_printf (text, "%-8.8s= '", key);
      else
        g_string_assign (text, "CONTINUE  '");
      g_string_append (text, piece->str);
      if (*p)
        g_string_append_c (text, '&');
      g_string_append_c (text, '\'');
      card_raw (h, text->str);
      cards++;
    }
  while (*p);
  return cards;
}

/* Pads @h with blank cards up to @blocks blocks and ends with END. */
static gboolean
header_finish (GString *h,
               guint    blocks)
{
  gsize want = (gsize) blocks * FITS_BLOCK;

  if (h->len + CARD > want)
    return FALSE;
  while (h->len + CARD < want)
    card_raw (h, "");
  card_raw (h, "END");
  return TRUE;
}

static GString *
primary_header (const Layout  *l,
                GError       **error)
{
  GString *h = g_string_new (NULL);

  card_bool (h, "SIMPLE", TRUE, "conforms to FITS standard");
  card_int (h, "BITPIX", 8, NULL);
  card_int (h, "NAXIS", 0, "no data: the rows are in HDU 2");
  card_bool (h, "EXTEND", TRUE, NULL);
  card_string (h, "ORIGIN", "Emissary", "survey pool for active learning");
  card_int (h, "EMPOOL", POOL_VERSION, "Emissary pool format version");
  card_string (h, "POOLUID", l->uid, "identity of this pool");
  card_double (h, "GRIDSTA", l->params.grid.start, "[Angstrom] first wavelength, vacuum");
  card_double (h, "GRIDEND", l->params.grid.end, "[Angstrom] last wavelength, vacuum");
  card_int (h, "GRIDN", l->params.grid.n, "fluxes per spectrum, uniform grid");
  card_double (h, "BLURSIG", l->params.blur_sigma_px, "[pixel] Gaussian blur sigma");
  card_bool (h, "SCALE", l->params.scale, "fluxes min-max scaled to [-1, 1]");
  card_string (h, "LONGSTRN", "OGIP 1.0", "long strings continue on CONTINUE cards");
  card_raw (h, "COMMENT ROOT: folder the PATH column is relative to (%XX escapes).");
  card_long_string (h, "ROOT", l->root);
  if (!header_finish (h, PRIMARY_BLOCKS))
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT,
                   _("The pool root “%s” is too long for the pool header"), l->root);
      g_string_free (h, TRUE);
      return NULL;
    }
  return h;
}

static void
naxis2_card (char    card[CARD + 1],
             guint64 n_rows)
{
  g_snprintf (card, CARD + 1, "%-8.8s= %20" G_GUINT64_FORMAT " / %-47s",
              "NAXIS2", n_rows, "number of rows (the commit record)");
}

static GString *
table_header (const Layout *l)
{
  static const struct
  {
    const char *name, *unit, *comment;
  } cols[] = {
    { "ID", NULL, "spectrum id: file name without .fits" },
    { "DESIG", NULL, "designation" },
    { "RA", "deg", "right ascension, NaN if unknown" },
    { "DEC", "deg", "declination, NaN if unknown" },
    { "OBSID", NULL, "survey observation id" },
    { "SNR", NULL, "signal-to-noise ratio, NaN if unknown" },
    { "CLASS", NULL, "survey classification" },
    { "HDU", NULL, "1-based HDU of the data in the source" },
    { "PATH", NULL, "source file relative to ROOT" },
    { "FLUX", NULL, "preprocessed fluxes on the grid" },
  };
  char forms[G_N_ELEMENTS (cols)][24];
  GString *h = g_string_new (NULL);
  char naxis2[CARD + 1];

  g_snprintf (forms[0], 24, "%dA", EM_POOL_ID_WIDTH);
  g_snprintf (forms[1], 24, "%dA", EM_POOL_DESIG_WIDTH);
  g_snprintf (forms[2], 24, "1D");
  g_snprintf (forms[3], 24, "1D");
  g_snprintf (forms[4], 24, "%dA", EM_POOL_OBSID_WIDTH);
  g_snprintf (forms[5], 24, "1E");
  g_snprintf (forms[6], 24, "%dA", EM_POOL_CLASS_WIDTH);
  g_snprintf (forms[7], 24, "1I");
  g_snprintf (forms[8], 24, "%dA", EM_POOL_PATH_WIDTH);
  g_snprintf (forms[9], 24, "%uE", l->n_fluxes);

  card_string (h, "XTENSION", "BINTABLE", "binary table extension");
  card_int (h, "BITPIX", 8, NULL);
  card_int (h, "NAXIS", 2, NULL);
  card_int (h, "NAXIS1", (gint64) l->row_len, "bytes per row");
  naxis2_card (naxis2, l->n_rows);
  card_raw (h, naxis2);
  card_int (h, "PCOUNT", 0, NULL);
  card_int (h, "GCOUNT", 1, NULL);
  card_int (h, "TFIELDS", G_N_ELEMENTS (cols), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cols); i++)
    {
      char key[9];

      g_snprintf (key, sizeof key, "TTYPE%u", i + 1);
      card_string (h, key, cols[i].name, cols[i].comment);
      g_snprintf (key, sizeof key, "TFORM%u", i + 1);
      card_string (h, key, forms[i], NULL);
      if (cols[i].unit != NULL)
        {
          g_snprintf (key, sizeof key, "TUNIT%u", i + 1);
          card_string (h, key, cols[i].unit, NULL);
        }
    }
  card_string (h, "EXTNAME", "POOL", NULL);
  header_finish (h, TABLE_BLOCKS);
  return h;
}

/* Parses the cards of a header into a table KEY -> raw value text (strings
 * unquoted, long strings joined). */
static GHashTable *
parse_cards (const char *h,
             gsize       len)
{
  GHashTable *cards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *last_string_key = NULL;

  for (gsize off = 0; off + CARD <= len; off += CARD)
    {
      char card[CARD + 1];
      g_autofree char *key = NULL;
      const char *v;
      gboolean is_continue;

      memcpy (card, h + off, CARD);
      card[CARD] = '\0';
      key = g_strstrip (g_strndup (card, 8));
      if (strcmp (key, "END") == 0)
        break;
      is_continue = strcmp (key, "CONTINUE") == 0;
      if (is_continue)
        v = card + 8;
      else if (card[8] == '=' && card[9] == ' ')
        v = card + 10;
      else
        {
          g_clear_pointer (&last_string_key, g_free);
          continue;
        }
      while (*v == ' ')
        v++;
      if (*v == '\'')
        {
          g_autoptr(GString) s = g_string_new (NULL);

          for (v++; *v; v++)
            {
              if (*v == '\'' && v[1] == '\'')
                {
                  g_string_append_c (s, '\'');
                  v++;
                }
              else if (*v == '\'')
                break;
              else
                g_string_append_c (s, *v);
            }
          if (is_continue)
            {
              char *prev = last_string_key != NULL ? g_hash_table_lookup (cards, last_string_key) : NULL;
              gsize plen = prev != NULL ? strlen (prev) : 0;

              if (prev == NULL || plen == 0 || prev[plen - 1] != '&')
                continue;
              prev[plen - 1] = '\0';
              g_hash_table_insert (cards, g_strdup (last_string_key),
                                   g_strconcat (prev, s->str, NULL));
            }
          else
            {
              /* Trailing blanks of a FITS string are not significant. */
              while (s->len > 0 && s->str[s->len - 1] == ' ')
                g_string_truncate (s, s->len - 1);
              g_hash_table_insert (cards, g_strdup (key), g_strdup (s->str));
              g_free (last_string_key);
              last_string_key = g_strdup (key);
            }
        }
      else if (!is_continue)
        {
          const char *slash = strchr (v, '/');
          g_autofree char *raw = slash != NULL ? g_strndup (v, (gsize) (slash - v)) : g_strdup (v);

          g_hash_table_insert (cards, g_strdup (key), g_strdup (g_strstrip (raw)));
          g_clear_pointer (&last_string_key, g_free);
        }
    }
  return cards;
}

static gboolean
card_get_int (GHashTable *cards,
              const char *key,
              gint64     *out)
{
  const char *v = g_hash_table_lookup (cards, key);
  char *end;

  if (v == NULL || *v == '\0')
    return FALSE;
  *out = g_ascii_strtoll (v, &end, 10);
  return *end == '\0';
}

static gboolean
card_get_double (GHashTable *cards,
                 const char *key,
                 double     *out)
{
  const char *v = g_hash_table_lookup (cards, key);
  char *end;

  if (v == NULL || *v == '\0')
    return FALSE;
  *out = g_ascii_strtod (v, &end);
  return *end == '\0' && isfinite (*out);
}

static gboolean
card_get_bool (GHashTable *cards,
               const char *key,
               gboolean   *out)
{
  const char *v = g_hash_table_lookup (cards, key);

  if (v == NULL || (strcmp (v, "T") != 0 && strcmp (v, "F") != 0))
    return FALSE;
  *out = strcmp (v, "T") == 0;
  return TRUE;
}

static gsize
row_length (guint n_fluxes)
{
  return OFF_FLUX + 4 * (gsize) n_fluxes;
}

/* Reads and checks both headers of the pool open on @fd. */
static gboolean
read_layout (int          fd,
             const char  *path,
             Layout      *l,
             GError     **error)
{
  g_autofree char *h = g_malloc (DATA_OFFSET);
  g_autoptr(GHashTable) prim = NULL;
  g_autoptr(GHashTable) tab = NULL;
  gint64 version, n, naxis1, naxis2;
  const char *root, *uid, *tform, *xt;
  g_autofree char *want_tform = NULL;
  struct stat st;

  if (fstat (fd, &st) != 0 || st.st_size < DATA_OFFSET)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT,
                   _("“%s” is not an Emissary pool (too short)"), path);
      return FALSE;
    }
  if (!pread_full (fd, h, DATA_OFFSET, 0, path, error))
    return FALSE;
  if (memcmp (h, "SIMPLE  =", 9) != 0)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT,
                   _("“%s” is not a FITS file"), path);
      return FALSE;
    }
  prim = parse_cards (h, PRIMARY_LEN);
  tab = parse_cards (h + PRIMARY_LEN, TABLE_LEN);
  if (!card_get_int (prim, "EMPOOL", &version))
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT,
                   _("“%s” is a FITS file but not an Emissary pool (no EMPOOL keyword)"), path);
      return FALSE;
    }
  if (version != POOL_VERSION)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT,
                   _("Pool “%s” has format version %lld, this program reads version %d"),
                   path, (long long) version, POOL_VERSION);
      return FALSE;
    }
  root = g_hash_table_lookup (prim, "ROOT");
  uid = g_hash_table_lookup (prim, "POOLUID");
  if (!card_get_double (prim, "GRIDSTA", &l->params.grid.start)
      || !card_get_double (prim, "GRIDEND", &l->params.grid.end)
      || !card_get_int (prim, "GRIDN", &n) || n < 2 || n > 100000
      || !card_get_double (prim, "BLURSIG", &l->params.blur_sigma_px)
      || !card_get_bool (prim, "SCALE", &l->params.scale)
      || root == NULL || uid == NULL)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT,
                   _("Pool “%s” has a damaged primary header (grid, preprocessing or root)"), path);
      return FALSE;
    }
  l->params.grid.n = (guint) n;
  l->n_fluxes = (guint) n;
  l->row_len = row_length (l->n_fluxes);
  want_tform = g_strdup_printf ("%uE", l->n_fluxes);
  xt = g_hash_table_lookup (tab, "XTENSION");
  tform = g_hash_table_lookup (tab, "TFORM10");
  if (xt == NULL || strcmp (xt, "BINTABLE") != 0
      || !card_get_int (tab, "NAXIS1", &naxis1) || naxis1 != (gint64) l->row_len
      || !card_get_int (tab, "NAXIS2", &naxis2) || naxis2 < 0
      || tform == NULL || strcmp (tform, want_tform) != 0)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT,
                   _("Pool “%s” has a damaged table header"), path);
      return FALSE;
    }
  l->n_rows = (guint64) naxis2;
  if ((guint64) (st.st_size - DATA_OFFSET) / l->row_len < l->n_rows)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT,
                   _("Pool “%s” is truncated: its header counts %llu rows, the file holds %llu"),
                   path, (unsigned long long) l->n_rows,
                   (unsigned long long) ((guint64) (st.st_size - DATA_OFFSET) / l->row_len));
      return FALSE;
    }
  l->root = header_unescape (root);
  l->uid = g_strdup (uid);
  return TRUE;
}

/* ---- reading ---------------------------------------------------------- */

char *
em_pool_failure_report_path (const char *pool_path)
{
  return g_strconcat (pool_path, ".failures.tsv", NULL);
}

EmPool *
em_pool_open (const char  *path,
              GError     **error)
{
  g_autoptr(EmPool) pool = g_new0 (EmPool, 1);

  g_atomic_ref_count_init (&pool->ref);
  g_mutex_init (&pool->idx_lock);
  pool->fd = -1;
  pool->n_failures = -1;
  pool->path = g_strdup (path);
  pool->report_path = em_pool_failure_report_path (path);
  pool->idx_path = g_strconcat (path, ".idx", NULL);
  pool->fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (pool->fd < 0)
    {
      int errsv = errno;
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                   _("Cannot open pool “%s”: %s"), path, g_strerror (errsv));
      return NULL;
    }
  if (!read_layout (pool->fd, path, &pool->layout, error))
    return NULL;
  return g_steal_pointer (&pool);
}

EmPool *
em_pool_ref (EmPool *pool)
{
  g_return_val_if_fail (pool != NULL, NULL);
  g_atomic_ref_count_inc (&pool->ref);
  return pool;
}

void
em_pool_unref (EmPool *pool)
{
  if (pool == NULL || !g_atomic_ref_count_dec (&pool->ref))
    return;
  if (pool->fd >= 0)
    close (pool->fd);
  layout_clear (&pool->layout);
  g_clear_pointer (&pool->idx_map, g_mapped_file_unref);
  g_free (pool->idx_owned);
  g_mutex_clear (&pool->idx_lock);
  g_free (pool->path);
  g_free (pool->report_path);
  g_free (pool->idx_path);
  g_free (pool);
}

const char *
em_pool_get_path (EmPool *pool)
{
  return pool->path;
}

guint64
em_pool_get_n_rows (EmPool *pool)
{
  return pool->layout.n_rows;
}

guint
em_pool_get_n_fluxes (EmPool *pool)
{
  return pool->layout.n_fluxes;
}

const EmGrid *
em_pool_get_grid (EmPool *pool)
{
  return &pool->layout.params.grid;
}

void
em_pool_get_preprocess_params (EmPool             *pool,
                               EmPreprocessParams *params)
{
  *params = pool->layout.params;
}

const char *
em_pool_get_root (EmPool *pool)
{
  return pool->layout.root;
}

const char *
em_pool_get_failure_report (EmPool *pool)
{
  return pool->report_path;
}

guint64
em_pool_get_n_failures (EmPool *pool)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&pool->idx_lock);

  if (pool->n_failures < 0)
    {
      g_autofree char *text = NULL;
      gsize len = 0;
      gint64 n = 0;

      if (g_file_get_contents (pool->report_path, &text, &len, NULL))
        {
          const char *p = text, *end = text + len;

          /* Complete lines only: a torn last line is not a record. */
          while (p < end)
            {
              const char *nl = memchr (p, '\n', (gsize) (end - p));

              if (nl == NULL)
                break;
              if (*p != '#' && nl > p)
                n++;
              p = nl + 1;
            }
        }
      pool->n_failures = n;
    }
  return (guint64) pool->n_failures;
}

static gboolean
check_range (EmPool   *pool,
             guint64   first,
             guint64   n,
             GError  **error)
{
  if (first > pool->layout.n_rows || n > pool->layout.n_rows - first)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_RANGE,
                   _("Rows %llu–%llu are out of range: pool “%s” has %llu rows"),
                   (unsigned long long) first, (unsigned long long) (first + n), pool->path,
                   (unsigned long long) pool->layout.n_rows);
      return FALSE;
    }
  return TRUE;
}

/* Reads rows in slabs of at most 4 MiB, so that memory stays bounded
 * whatever @n is.  A buffer per call (pread needs no shared offset): any
 * number of threads may read one pool at once. */
static gboolean
read_rows (EmPool   *pool,
           guint64   first,
           guint64   n,
           gboolean (*each) (const guchar *row, guint64 i, gpointer data),
           gpointer  data,
           GError  **error)
{
  const gsize row_len = pool->layout.row_len;
  const guint64 per_slab = MAX (1, (4u << 20) / row_len);
  g_autofree guchar *buf = NULL;

  if (!check_range (pool, first, n, error))
    return FALSE;
  buf = g_malloc (MAX (1, MIN (per_slab, n)) * row_len);
  for (guint64 done = 0; done < n;)
    {
      guint64 k = MIN (per_slab, n - done);

      if (!pread_full (pool->fd, buf, k * row_len,
                       DATA_OFFSET + (goffset) ((first + done) * row_len), pool->path, error))
        return FALSE;
      for (guint64 i = 0; i < k; i++)
        if (!each (buf + i * row_len, done + i, data))
          return FALSE;
      done += k;
    }
  return TRUE;
}

typedef struct
{
  float *out;
  guint  n_fluxes;
} FluxCopy;

static gboolean
copy_fluxes (const guchar *row,
             guint64       i,
             gpointer      data)
{
  FluxCopy *c = data;
  float *dst = c->out + i * c->n_fluxes;
  const guchar *src = row + OFF_FLUX;

  for (guint j = 0; j < c->n_fluxes; j++)
    dst[j] = get_f32 (src + 4 * j);
  return TRUE;
}

gboolean
em_pool_read_fluxes (EmPool   *pool,
                     guint64   first,
                     guint64   n,
                     float    *out,
                     GError  **error)
{
  FluxCopy c = { out, pool->layout.n_fluxes };

  return read_rows (pool, first, n, copy_fluxes, &c, error);
}

static char *
absolute_source (EmPool     *pool,
                 const char *stored)
{
  if (g_path_is_absolute (stored))
    return g_strdup (stored);
  return g_build_filename (pool->layout.root, stored, NULL);
}

void
em_pool_row_free (EmPoolRow *row)
{
  if (row == NULL)
    return;
  g_free (row->id);
  g_free (row->designation);
  g_free (row->obsid);
  g_free (row->survey_class);
  g_free (row->source_path);
  g_free (row);
}

EmPoolRow *
em_pool_get_row (EmPool   *pool,
                 guint64   index,
                 GError  **error)
{
  g_autofree guchar *buf = NULL;
  g_autofree char *path = NULL;
  EmPoolRow *row;
  float snr;

  if (!check_range (pool, index, 1, error))
    return NULL;
  buf = g_malloc (pool->layout.row_len);
  if (!pread_full (pool->fd, buf, pool->layout.row_len,
                   DATA_OFFSET + (goffset) (index * pool->layout.row_len), pool->path, error))
    return NULL;
  row = g_new0 (EmPoolRow, 1);
  row->index = index;
  row->id = get_str (buf + OFF_ID, EM_POOL_ID_WIDTH);
  row->designation = get_str_or_null (buf + OFF_DESIG, EM_POOL_DESIG_WIDTH);
  row->ra = get_f64 (buf + OFF_RA);
  row->dec = get_f64 (buf + OFF_DEC);
  row->obsid = get_str_or_null (buf + OFF_OBSID, EM_POOL_OBSID_WIDTH);
  snr = get_f32 (buf + OFF_SNR);
  row->snr = snr;
  row->survey_class = get_str_or_null (buf + OFF_CLASS, EM_POOL_CLASS_WIDTH);
  row->hdu = (gint16) (guint16) ((buf[OFF_HDU] << 8) | buf[OFF_HDU + 1]);
  path = get_str (buf + OFF_PATH, EM_POOL_PATH_WIDTH);
  row->source_path = absolute_source (pool, path);
  return row;
}

char *
em_pool_get_id (EmPool   *pool,
                guint64   index,
                GError  **error)
{
  guchar buf[EM_POOL_ID_WIDTH];

  if (!check_range (pool, index, 1, error))
    return NULL;
  if (!pread_full (pool->fd, buf, sizeof buf,
                   DATA_OFFSET + (goffset) (index * pool->layout.row_len) + OFF_ID, pool->path, error))
    return NULL;
  return get_str (buf, EM_POOL_ID_WIDTH);
}

typedef struct
{
  float *fluxes;
  char **ids;
  guint  n_fluxes;
} BatchCopy;

static gboolean
copy_batch (const guchar *row,
            guint64       i,
            gpointer      data)
{
  BatchCopy *c = data;

  if (c->fluxes != NULL)
    {
      float *dst = c->fluxes + i * c->n_fluxes;

      for (guint j = 0; j < c->n_fluxes; j++)
        dst[j] = get_f32 (row + OFF_FLUX + 4 * j);
    }
  if (c->ids != NULL)
    c->ids[i] = get_str (row + OFF_ID, EM_POOL_ID_WIDTH);
  return TRUE;
}

gboolean
em_pool_read_batch (EmPool   *pool,
                    guint64   first,
                    guint64   n,
                    float    *fluxes,
                    char    **ids,
                    GError  **error)
{
  BatchCopy c = { fluxes, ids, pool->layout.n_fluxes };

  if (ids != NULL)
    memset (ids, 0, n * sizeof (char *));
  return read_rows (pool, first, n, copy_batch, &c, error);
}

typedef struct
{
  char **out;
} PathCopy;

static gboolean
copy_path (const guchar *row,
           guint64       i,
           gpointer      data)
{
  PathCopy *c = data;

  c->out[i] = get_str (row + OFF_PATH, EM_POOL_PATH_WIDTH);
  return TRUE;
}

gboolean
em_pool_read_paths (EmPool   *pool,
                    guint64   first,
                    guint64   n,
                    char    **out,
                    GError  **error)
{
  PathCopy c = { out };

  memset (out, 0, n * sizeof (char *));
  return read_rows (pool, first, n, copy_path, &c, error);
}

/* ---- id index --------------------------------------------------------- */

/* FNV-1a, 64 bits: ids are short ASCII strings. */
static guint64
id_hash (const char *s,
         gsize       len)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  for (gsize i = 0; i < len; i++)
    {
      h ^= (guchar) s[i];
      h *= G_GUINT64_CONSTANT (0x100000001b3);
    }
  return h;
}

static gsize
field_len (const guchar *s,
           gsize         width)
{
  gsize len = 0;

  while (len < width && s[len] != '\0')
    len++;
  while (len > 0 && s[len - 1] == ' ')
    len--;
  return len;
}

static int
compare_entries (const void *a,
                 const void *b)
{
  const IdxEntry *x = a, *y = b;

  if (x->hash != y->hash)
    return x->hash < y->hash ? -1 : 1;
  return x->row < y->row ? -1 : x->row > y->row;
}

static gboolean
hash_id (const guchar *row,
         guint64       i,
         gpointer      data)
{
  IdxEntry *e = (IdxEntry *) data + i;

  e->hash = id_hash ((const char *) row + OFF_ID, field_len (row + OFF_ID, EM_POOL_ID_WIDTH));
  e->row = i;
  return TRUE;
}

static gboolean
ids_equal (EmPool      *pool,
           guint64      a,
           guint64      b,
           gboolean    *equal,
           GError     **error)
{
  g_autofree char *ia = em_pool_get_id (pool, a, error);
  g_autofree char *ib = NULL;

  if (ia == NULL)
    return FALSE;
  ib = em_pool_get_id (pool, b, error);
  if (ib == NULL)
    return FALSE;
  *equal = strcmp (ia, ib) == 0;
  return TRUE;
}

/* Builds the sorted (hash, row) array in memory and counts distinct ids;
 * equal hashes are told apart by comparing the ids themselves. */
static gboolean
build_entries (EmPool    *pool,
               IdxEntry **out,
               guint64   *distinct,
               GError   **error)
{
  guint64 n = pool->layout.n_rows;
  g_autofree IdxEntry *e = g_new (IdxEntry, MAX (n, 1));
  guint64 d = 0;

  if (!read_rows (pool, 0, n, hash_id, e, error))
    return FALSE;
  qsort (e, n, sizeof *e, compare_entries);
  for (guint64 i = 0; i < n;)
    {
      guint64 j = i + 1;

      while (j < n && e[j].hash == e[i].hash)
        j++;
      /* Within a run of equal hashes, a row is a new id unless an earlier
       * row of the run has the same id. */
      for (guint64 k = i; k < j; k++)
        {
          gboolean seen = FALSE;

          for (guint64 m = i; m < k && !seen; m++)
            if (!ids_equal (pool, e[m].row, e[k].row, &seen, error))
              return FALSE;
          if (!seen)
            d++;
        }
      i = j;
    }
  *out = g_steal_pointer (&e);
  *distinct = d;
  return TRUE;
}

static gboolean
write_index (EmPool          *pool,
             const IdxEntry  *e,
             guint64          distinct,
             GError         **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.tmp.%d", pool->idx_path, (int) getpid ());
  IdxHeader hdr;
  int fd;
  gboolean ok;

  memset (&hdr, 0, sizeof hdr);
  memcpy (hdr.magic, IDX_MAGIC, 8);
  hdr.n_rows = pool->layout.n_rows;
  hdr.distinct = distinct;
  g_strlcpy (hdr.uid, pool->layout.uid, sizeof hdr.uid);
  fd = g_open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                   _("Cannot write the id index “%s”: %s"), tmp, g_strerror (errsv));
      return FALSE;
    }
  ok = pwrite_full (fd, &hdr, sizeof hdr, 0, tmp, error)
       && pwrite_full (fd, e, pool->layout.n_rows * sizeof *e, sizeof hdr, tmp, error);
  close (fd);
  if (ok && g_rename (tmp, pool->idx_path) != 0)
    {
      int errsv = errno;
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                   _("Cannot write the id index “%s”: %s"), pool->idx_path, g_strerror (errsv));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (tmp);
  return ok;
}

static void
drop_index (EmPool *pool)
{
  g_clear_pointer (&pool->idx_map, g_mapped_file_unref);
  g_clear_pointer (&pool->idx_owned, g_free);
  pool->idx = NULL;
  pool->idx_ready = FALSE;
}

/* Maps POOL.idx when it describes the current rows of this very pool. */
static gboolean
load_index (EmPool *pool)
{
  g_autoptr(GMappedFile) map = g_mapped_file_new (pool->idx_path, FALSE, NULL);
  IdxHeader hdr;
  gsize len;

  if (map == NULL)
    return FALSE;
  len = g_mapped_file_get_length (map);
  if (len < sizeof hdr)
    return FALSE;
  memcpy (&hdr, g_mapped_file_get_contents (map), sizeof hdr);
  hdr.uid[sizeof hdr.uid - 1] = '\0';
  if (memcmp (hdr.magic, IDX_MAGIC, 8) != 0
      || hdr.n_rows != pool->layout.n_rows
      || strcmp (hdr.uid, pool->layout.uid) != 0
      || len != sizeof hdr + hdr.n_rows * sizeof (IdxEntry))
    return FALSE;
  pool->idx_map = g_steal_pointer (&map);
  pool->idx = hdr.n_rows > 0 ? (const IdxEntry *) (const void *) (g_mapped_file_get_contents (pool->idx_map) + sizeof hdr) : NULL;
  pool->idx_n = hdr.n_rows;
  pool->distinct = hdr.distinct;
  pool->idx_ready = TRUE;
  return TRUE;
}

static gboolean
ensure_index (EmPool   *pool,
              GError  **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&pool->idx_lock);
  IdxEntry *e = NULL;
  guint64 distinct = 0;

  if (pool->idx_ready)
    return TRUE;
  if (load_index (pool))
    return TRUE;
  if (!build_entries (pool, &e, &distinct, error))
    return FALSE;
  /* A read-only folder still gets its lookups, from memory. */
  write_index (pool, e, distinct, NULL);
  pool->idx_owned = e;
  pool->idx = e;
  pool->idx_n = pool->layout.n_rows;
  pool->distinct = distinct;
  pool->idx_ready = TRUE;
  return TRUE;
}

gboolean
em_pool_build_index (EmPool   *pool,
                     GError  **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&pool->idx_lock);
  g_autofree IdxEntry *e = NULL;
  guint64 distinct = 0;

  drop_index (pool);
  if (!build_entries (pool, &e, &distinct, error))
    return FALSE;
  if (!write_index (pool, e, distinct, error))
    return FALSE;
  pool->idx_owned = g_steal_pointer (&e);
  pool->idx = pool->idx_owned;
  pool->idx_n = pool->layout.n_rows;
  pool->distinct = distinct;
  pool->idx_ready = TRUE;
  return TRUE;
}

gint64
em_pool_find_id (EmPool      *pool,
                 const char  *id,
                 GError     **error)
{
  guint64 h, lo = 0, hi;

  g_return_val_if_fail (id != NULL, -1);
  if (!ensure_index (pool, error))
    return -1;
  h = id_hash (id, strlen (id));
  hi = pool->idx_n;
  while (lo < hi)
    {
      guint64 mid = lo + (hi - lo) / 2;

      if (pool->idx[mid].hash < h)
        lo = mid + 1;
      else
        hi = mid;
    }
  for (; lo < pool->idx_n && pool->idx[lo].hash == h; lo++)
    {
      g_autofree char *found = em_pool_get_id (pool, pool->idx[lo].row, error);

      if (found == NULL)
        return -1;
      if (strcmp (found, id) == 0)
        return (gint64) pool->idx[lo].row;
    }
  return -1;
}

guint64
em_pool_count_distinct_ids (EmPool   *pool,
                            GError  **error)
{
  if (!ensure_index (pool, error))
    return 0;
  return pool->distinct;
}

/* ---- writing ---------------------------------------------------------- */

static gboolean
params_equal (const EmPreprocessParams *a,
              const EmPreprocessParams *b)
{
  return a->grid.n == b->grid.n
         && fabs (a->grid.start - b->grid.start) < 1e-9
         && fabs (a->grid.end - b->grid.end) < 1e-9
         && fabs (a->blur_sigma_px - b->blur_sigma_px) < 1e-12
         && !a->scale == !b->scale;
}

static gboolean
lock_exclusive (int          fd,
                const char  *path,
                GError     **error)
{
  while (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int errsv = errno;

      if (errsv == EINTR)
        continue;
      if (errsv == EWOULDBLOCK)
        g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_BUSY,
                     _("Pool “%s” is being written by another process"), path);
      else
        g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                     _("Cannot lock pool “%s”: %s"), path, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/* Creates the pool under a temporary name and links it into place, so that
 * a pool file either does not exist or has complete headers. */
static int
create_pool_file (const char                *path,
                  const EmPreprocessParams  *params,
                  const char                *root,
                  GError                   **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.new.%d", path, (int) getpid ());
  g_autoptr(GString) prim = NULL;
  g_autoptr(GString) tab = NULL;
  Layout l = { 0 };
  int fd;

  l.params = *params;
  l.root = g_canonicalize_filename (root, NULL);
  l.uid = g_uuid_string_random ();
  l.n_fluxes = params->grid.n;
  l.row_len = row_length (l.n_fluxes);
  prim = primary_header (&l, error);
  if (prim == NULL)
    {
      layout_clear (&l);
      return -1;
    }
  tab = table_header (&l);
  layout_clear (&l);
  fd = g_open (tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                   _("Cannot create pool “%s”: %s"), path, g_strerror (errsv));
      return -1;
    }
  if (!pwrite_full (fd, prim->str, prim->len, 0, tmp, error)
      || !pwrite_full (fd, tab->str, tab->len, PRIMARY_LEN, tmp, error)
      || !lock_exclusive (fd, path, error))
    {
      close (fd);
      g_unlink (tmp);
      return -1;
    }
  if (link (tmp, path) != 0)
    {
      int errsv = errno;

      close (fd);
      g_unlink (tmp);
      if (errsv == EEXIST)
        return -2;      /* someone else created it meanwhile: open that one */
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                   _("Cannot create pool “%s”: %s"), path, g_strerror (errsv));
      return -1;
    }
  g_unlink (tmp);
  return fd;
}

EmPoolWriter *
em_pool_writer_open (const char                *path,
                     const EmPreprocessParams  *params,
                     const char                *root,
                     GError                   **error)
{
  g_autoptr(EmPoolWriter) w = g_new0 (EmPoolWriter, 1);
  goffset rows_end;

  w->fd = -1;
  w->path = g_strdup (path);
  for (int attempt = 0; attempt < 2 && w->fd < 0; attempt++)
    {
      w->fd = g_open (path, O_RDWR | O_CLOEXEC, 0);
      if (w->fd >= 0)
        {
          if (!lock_exclusive (w->fd, path, error))
            return NULL;
          break;
        }
      if (errno != ENOENT || params == NULL)
        {
          int errsv = errno;
          g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                       _("Cannot open pool “%s”: %s"), path, g_strerror (errsv));
          return NULL;
        }
      w->fd = create_pool_file (path, params, root != NULL ? root : "/", error);
      if (w->fd == -1)
        return NULL;
    }
  if (w->fd < 0)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN, _("Cannot open pool “%s”"), path);
      return NULL;
    }
  if (!read_layout (w->fd, path, &w->layout, error))
    return NULL;
  if (params != NULL && !params_equal (params, &w->layout.params))
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_MISMATCH,
                   _("Pool “%s” was made with grid %g:%g:%u, blur %g px, scale %s; "
                     "cannot add spectra preprocessed with grid %g:%g:%u, blur %g px, scale %s"),
                   path, w->layout.params.grid.start, w->layout.params.grid.end,
                   w->layout.params.grid.n, w->layout.params.blur_sigma_px,
                   w->layout.params.scale ? "on" : "off",
                   params->grid.start, params->grid.end, params->grid.n,
                   params->blur_sigma_px, params->scale ? "on" : "off");
      return NULL;
    }
  /* Cut what an interrupted writer left after the last commit, then pad
   * with zeros to a whole FITS block. */
  rows_end = DATA_OFFSET + (goffset) (w->layout.n_rows * w->layout.row_len);
  if (!truncate_to (w->fd, rows_end, path, error)
      || !truncate_to (w->fd, padded_end (&w->layout, w->layout.n_rows), path, error))
    return NULL;
  w->cap_pending = MAX (16, (4u << 20) / w->layout.row_len);
  w->pending = g_malloc ((gsize) w->cap_pending * w->layout.row_len);
  return g_steal_pointer (&w);
}

guint64
em_pool_writer_get_n_rows (EmPoolWriter *w)
{
  return w->layout.n_rows;
}

const char *
em_pool_writer_get_root (EmPoolWriter *w)
{
  return w->layout.root;
}

const EmPreprocessParams *
em_pool_writer_get_params (EmPoolWriter *w)
{
  return &w->layout.params;
}

guint
em_pool_writer_n_pending (EmPoolWriter *w)
{
  return w->n_pending;
}

gboolean
em_pool_row_check (const EmPoolRow  *row,
                   GError          **error)
{
  if (row->id == NULL || *row->id == '\0' || strlen (row->id) > EM_POOL_ID_WIDTH)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT,
                   _("The spectrum id “%s” is empty or longer than %d bytes"),
                   row->id != NULL ? row->id : "", EM_POOL_ID_WIDTH);
      return FALSE;
    }
  if (row->source_path == NULL || strlen (row->source_path) > EM_POOL_PATH_WIDTH)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT,
                   _("The path “%s” is longer than %d bytes relative to the pool root"),
                   row->source_path != NULL ? row->source_path : "", EM_POOL_PATH_WIDTH);
      return FALSE;
    }
  return TRUE;
}

gboolean
em_pool_writer_append (EmPoolWriter     *w,
                       const EmPoolRow  *row,
                       const float      *flux,
                       GError          **error)
{
  guchar *d;

  if (!em_pool_row_check (row, error))
    return FALSE;
  if (w->n_pending == w->cap_pending && !em_pool_writer_commit (w, error))
    return FALSE;
  d = w->pending + (gsize) w->n_pending * w->layout.row_len;
  put_str (d + OFF_ID, EM_POOL_ID_WIDTH, row->id);
  put_str (d + OFF_DESIG, EM_POOL_DESIG_WIDTH, row->designation);
  put_f64 (d + OFF_RA, row->ra);
  put_f64 (d + OFF_DEC, row->dec);
  put_str (d + OFF_OBSID, EM_POOL_OBSID_WIDTH, row->obsid);
  put_f32 (d + OFF_SNR, (float) row->snr);
  put_str (d + OFF_CLASS, EM_POOL_CLASS_WIDTH, row->survey_class);
  d[OFF_HDU] = (guchar) (((guint) row->hdu >> 8) & 0xff);
  d[OFF_HDU + 1] = (guchar) ((guint) row->hdu & 0xff);
  put_str (d + OFF_PATH, EM_POOL_PATH_WIDTH, row->source_path);
  for (guint j = 0; j < w->layout.n_fluxes; j++)
    put_f32 (d + OFF_FLUX + 4 * j, flux[j]);
  w->n_pending++;
  return TRUE;
}

gboolean
em_pool_writer_commit (EmPoolWriter  *w,
                       GError       **error)
{
  guint64 n_new;
  char card[CARD + 1];

  if (w->n_pending == 0)
    return TRUE;
  n_new = w->layout.n_rows + w->n_pending;
  if (!pwrite_full (w->fd, w->pending, (gsize) w->n_pending * w->layout.row_len,
                    DATA_OFFSET + (goffset) (w->layout.n_rows * w->layout.row_len), w->path, error))
    return FALSE;
  /* The commit: one 80-byte write inside one page, after the rows. */
  naxis2_card (card, n_new);
  if (!pwrite_full (w->fd, card, CARD, NAXIS2_OFFSET, w->path, error))
    return FALSE;
  w->layout.n_rows = n_new;
  w->n_pending = 0;
  return truncate_to (w->fd, padded_end (&w->layout, n_new), w->path, error);
}

gboolean
em_pool_writer_close (EmPoolWriter  *w,
                      GError       **error)
{
  gboolean ok;

  if (w == NULL)
    return TRUE;
  ok = em_pool_writer_commit (w, error);
  if (ok && fdatasync (w->fd) != 0)
    {
      int errsv = errno;
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                   _("Cannot write pool “%s”: %s"), w->path, g_strerror (errsv));
      ok = FALSE;
    }
  em_pool_writer_free (w);
  return ok;
}

void
em_pool_writer_free (EmPoolWriter *w)
{
  if (w == NULL)
    return;
  if (w->fd >= 0)
    close (w->fd);    /* releases the lock */
  layout_clear (&w->layout);
  g_free (w->pending);
  g_free (w->path);
  g_free (w);
}

/* ---- re-rooting ------------------------------------------------------- */

gboolean
em_pool_reroot (const char  *path,
                const char  *new_root,
                GError     **error)
{
  g_autofree char *abs_root = g_canonicalize_filename (new_root, NULL);
  g_autoptr(GString) prim = NULL;
  Layout l = { 0 };
  int fd;
  gboolean ok = FALSE;

  fd = g_open (path, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                   _("Cannot open pool “%s”: %s"), path, g_strerror (errsv));
      return FALSE;
    }
  if (lock_exclusive (fd, path, error) && read_layout (fd, path, &l, error))
    {
      g_free (l.root);
      l.root = g_strdup (abs_root);
      prim = primary_header (&l, error);
      ok = prim != NULL && pwrite_full (fd, prim->str, prim->len, 0, path, error);
    }
  layout_clear (&l);
  close (fd);
  return ok;
}
