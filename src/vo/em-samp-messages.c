/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "vo/em-samp-messages.h"
#include "vo/em-xmlrpc.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

GVariant *
em_samp_message_new (const char *mtype, GVariant *params)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "samp.mtype", g_variant_new_string (mtype));
  /* Always send samp.params, even empty: some peers insist. */
  g_variant_builder_add (&b, "{sv}", "samp.params",
                         params ? params : g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  return g_variant_builder_end (&b);
}

static void
add_string (GVariantBuilder *b, const char *key, const char *value)
{
  if (value != NULL)
    g_variant_builder_add (b, "{sv}", key, g_variant_new_string (value));
}

GVariant *
em_samp_msg_table_load_votable (const char *url, const char *table_id, const char *name)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  add_string (&b, "url", url);
  add_string (&b, "table-id", table_id);
  add_string (&b, "name", name);
  return em_samp_message_new ("table.load.votable", g_variant_builder_end (&b));
}

GVariant *
em_samp_msg_table_highlight_row (const char *table_id, const char *url, guint row)
{
  GVariantBuilder b;
  char            text[16];

  g_snprintf (text, sizeof text, "%u", row);
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  add_string (&b, "table-id", table_id);
  add_string (&b, "url", url);
  add_string (&b, "row", text);
  return em_samp_message_new ("table.highlight.row", g_variant_builder_end (&b));
}

GVariant *
em_samp_msg_table_select_row_list (const char  *table_id,
                                   const char  *url,
                                   const guint *rows,
                                   gsize        n_rows)
{
  GVariantBuilder b, list;

  g_variant_builder_init (&list, G_VARIANT_TYPE ("av"));
  for (gsize i = 0; i < n_rows; i++)
    {
      char text[16];
      g_snprintf (text, sizeof text, "%u", rows[i]);
      g_variant_builder_add (&list, "v", g_variant_new_string (text));
    }
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  add_string (&b, "table-id", table_id);
  add_string (&b, "url", url);
  g_variant_builder_add (&b, "{sv}", "row-list", g_variant_builder_end (&list));
  return em_samp_message_new ("table.select.rowList", g_variant_builder_end (&b));
}

GVariant *
em_samp_msg_coord_point_at_sky (double ra, double dec)
{
  char ra_text[G_ASCII_DTOSTR_BUF_SIZE], dec_text[G_ASCII_DTOSTR_BUF_SIZE];

  /* Decimal degrees with a dot whatever the locale; Aladin wants plain
   * decimals, no exponent. */
  g_ascii_formatd (ra_text, sizeof ra_text, "%.8f", ra);
  g_ascii_formatd (dec_text, sizeof dec_text, "%.8f", dec);
  return em_samp_message_new ("coord.pointAt.sky",
                              em_samp_map_new_strings ("ra", ra_text, "dec", dec_text, NULL));
}

GVariant *
em_samp_msg_spectrum_load_ssa (const char        *url,
                               const char        *spectrum_id,
                               const char        *name,
                               const char        *format,
                               const char *const *meta_pairs)
{
  GVariantBuilder b, meta;

  g_variant_builder_init (&meta, G_VARIANT_TYPE_VARDICT);
  add_string (&meta, "ssa:Access.Reference", url);
  add_string (&meta, "ssa:Access.Format", format);
  add_string (&meta, "ssa:DataID.Title", name);
  for (gsize i = 0; meta_pairs && meta_pairs[i] && meta_pairs[i + 1]; i += 2)
    {
      if (strcmp (meta_pairs[i], "ssa:Access.Reference") == 0
          || strcmp (meta_pairs[i], "ssa:Access.Format") == 0
          || (name && strcmp (meta_pairs[i], "ssa:DataID.Title") == 0))
        continue;
      add_string (&meta, meta_pairs[i], meta_pairs[i + 1]);
    }
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  add_string (&b, "url", url);
  g_variant_builder_add (&b, "{sv}", "meta", g_variant_builder_end (&meta));
  add_string (&b, "spectrum-id", spectrum_id);
  add_string (&b, "name", name);
  return em_samp_message_new ("spectrum.load.ssa-generic", g_variant_builder_end (&b));
}

GVariant *
em_samp_msg_script_aladin_send (const char *script)
{
  return em_samp_message_new ("script.aladin.send",
                              em_samp_map_new_strings ("script", script, NULL));
}

char *
em_samp_aladin_hips_script (const char *hips_id, double ra, double dec)
{
  double h, d, hs, ds;
  int    hh, hm, dd, dm;
  char   hsec[G_ASCII_DTOSTR_BUF_SIZE], dsec[G_ASCII_DTOSTR_BUF_SIZE];

  if (hips_id == NULL || hips_id[0] == '\0' || !isfinite (ra) || !isfinite (dec) || dec < -90
      || dec > 90)
    return NULL;
  for (const char *c = hips_id; *c != '\0'; c++)
    if ((guchar)*c <= 0x20 || (guchar)*c >= 0x7f || strchr ("();'\"", *c) != NULL)
      return NULL;
  /* Aladin's targets are sexagesimal with blank separators. */
  ra = fmod (fmod (ra, 360.0) + 360.0, 360.0);
  h = ra / 15.0;
  hh = (int)h;
  hm = (int)((h - hh) * 60);
  hs = ((h - hh) * 60 - hm) * 60;
  d = fabs (dec);
  dd = (int)d;
  dm = (int)((d - dd) * 60);
  ds = ((d - dd) * 60 - dm) * 60;
  /* rounding up to 60.00 s would write an impossible time */
  if (hs >= 59.995)
    hs = 59.99;
  if (ds >= 59.95)
    ds = 59.9;
  /* a '.' whatever the locale */
  g_ascii_formatd (hsec, sizeof hsec, "%05.2f", hs);
  g_ascii_formatd (dsec, sizeof dsec, "%04.1f", ds);
  return g_strdup_printf ("get hips(%s) %02d %02d %s %c%02d %02d %s", hips_id, hh, hm, hsec,
                          dec < 0 ? '-' : '+', dd, dm, dsec);
}

const char *
em_samp_message_get_mtype (GVariant *message)
{
  return em_samp_map_get_string (message, "samp.mtype");
}

GVariant *
em_samp_message_get_params (GVariant *message)
{
  GVariant *p = NULL;

  if (message && g_variant_is_of_type (message, G_VARIANT_TYPE_VARDICT))
    p = g_variant_lookup_value (message, "samp.params", G_VARIANT_TYPE_VARDICT);
  return p ? p : g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
}

char *
em_samp_file_url (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autofree char *abs = g_file_get_path (file);

  return g_filename_to_uri (abs, NULL, NULL);
}

/* The decoded local path of a file URL, or NULL. */
static char *
file_url_path (const char *url)
{
  const char *rest;

  if (g_ascii_strncasecmp (url, "file:", 5) != 0)
    return NULL;
  rest = url + 5;
  if (rest[0] == '/' && rest[1] == '/')
    {
      const char *slash = strchr (rest + 2, '/');
      gsize       host_len;

      if (slash == NULL)
        return NULL;
      host_len = (gsize)(slash - (rest + 2));
      if (host_len != 0 && !(host_len == 9 && g_ascii_strncasecmp (rest + 2, "localhost", 9) == 0))
        return NULL;
      rest = slash;
    }
  if (rest[0] != '/')
    return NULL;
  return g_uri_unescape_string (rest, NULL);
}

gboolean
em_samp_url_equal (const char *a, const char *b)
{
  g_autofree char *pa = NULL;
  g_autofree char *pb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  if (strcmp (a, b) == 0)
    return TRUE;
  pa = file_url_path (a);
  pb = file_url_path (b);
  if (pa == NULL || pb == NULL)
    return FALSE;
  {
    g_autofree char *ca = g_canonicalize_filename (pa, "/");
    g_autofree char *cb = g_canonicalize_filename (pb, "/");
    return strcmp (ca, cb) == 0;
  }
}

const char *
em_samp_spectrum_format_for (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  if (g_str_has_suffix (lower, ".fits") || g_str_has_suffix (lower, ".fit")
      || g_str_has_suffix (lower, ".fits.gz") || g_str_has_suffix (lower, ".fts"))
    return "application/fits";
  if (g_str_has_suffix (lower, ".xml") || g_str_has_suffix (lower, ".vot")
      || g_str_has_suffix (lower, ".votable"))
    return "application/x-votable+xml";
  return NULL;
}
