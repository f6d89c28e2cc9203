/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "vo/em-samp-lockfile.h"
#include "vo/em-xmlrpc-client.h"

#include <string.h>

/* A lockfile is a handful of lines; anything bigger is not one. */
#define MAX_LOCKFILE_BYTES (64 * 1024)

void
em_samp_hub_info_free (EmSampHubInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->lockfile_url);
  g_clear_pointer (&info->entries, g_hash_table_unref);
  g_free (info);
}

EmSampHubInfo *
em_samp_lockfile_parse (const char *text, gsize length, const char *origin, GError **error)
{
  g_autoptr (EmSampHubInfo) info = g_new0 (EmSampHubInfo, 1);
  g_auto (GStrv) lines = NULL;
  g_autofree char         *copy = NULL;
  static const char *const required[]
      = { "samp.secret", "samp.hub.xmlrpc.url", "samp.profile.version" };

  if (!g_utf8_validate_len (text, length, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "SAMP lockfile %s is not UTF-8 text",
                   origin);
      return NULL;
    }
  copy = g_strndup (text, length);
  lines = g_strsplit (copy, "\n", -1);
  info->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; lines[i]; i++)
    {
      char *line = lines[i];
      char *eq;
      gsize n = strlen (line);

      while (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
      if (n == 0 || line[0] == '#')
        continue;
      eq = strchr (line, '=');
      if (eq == NULL || eq == line)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "SAMP lockfile %s, line %u: expected key=value, got “%s”", origin, i + 1,
                       line);
          return NULL;
        }
      *eq = '\0';
      if (g_hash_table_contains (info->entries, line))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "SAMP lockfile %s, line %u: key “%s” given twice", origin, i + 1, line);
          return NULL;
        }
      g_hash_table_insert (info->entries, g_strdup (line), g_strdup (eq + 1));
    }
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    {
      const char *v = g_hash_table_lookup (info->entries, required[i]);
      if (v == NULL || *v == '\0')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "SAMP lockfile %s lacks %s",
                       origin, required[i]);
          return NULL;
        }
    }
  info->secret = g_hash_table_lookup (info->entries, "samp.secret");
  info->xmlrpc_url = g_hash_table_lookup (info->entries, "samp.hub.xmlrpc.url");
  info->profile_version = g_hash_table_lookup (info->entries, "samp.profile.version");
  if (!g_str_has_prefix (info->xmlrpc_url, "http://")
      && !g_str_has_prefix (info->xmlrpc_url, "https://"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "SAMP lockfile %s: samp.hub.xmlrpc.url “%s” is not an HTTP URL", origin,
                   info->xmlrpc_url);
      return NULL;
    }
  info->lockfile_url = g_strdup (origin);
  return g_steal_pointer (&info);
}

char *
em_samp_lockfile_url (GError **error)
{
  const char      *env = g_getenv ("SAMP_HUB");
  g_autofree char *path = NULL;

  if (env != NULL && *env != '\0')
    {
      if (!g_str_has_prefix (env, "std-lockurl:"))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "SAMP_HUB=%s names a profile other than the Standard Profile (std-lockurl:)",
                       env);
          return NULL;
        }
      return g_strdup (env + strlen ("std-lockurl:"));
    }
  path = g_build_filename (g_get_home_dir (), ".samp", NULL);
  return g_filename_to_uri (path, NULL, error);
}

GFile *
em_samp_lockfile_get_file (const char *lockfile_url)
{
  g_autofree char *scheme = g_uri_parse_scheme (lockfile_url);

  if (scheme == NULL || g_ascii_strcasecmp (scheme, "file") != 0)
    return NULL;
  return g_file_new_for_uri (lockfile_url);
}

EmSampHubInfo *
em_samp_hub_locate (GError **error)
{
  g_autofree char *url = em_samp_lockfile_url (error);
  g_autoptr (GFile) file = NULL;
  g_autoptr (GBytes) bytes = NULL;
  const char *data;
  gsize       len;

  if (url == NULL)
    return NULL;
  if ((file = em_samp_lockfile_get_file (url)))
    {
      g_autofree char *contents = NULL;
      g_autoptr (GError) local = NULL;
      g_autofree char *path = g_file_get_path (file);

      if (path == NULL || !g_file_get_contents (path, &contents, &len, &local))
        {
          g_set_error (error, G_IO_ERROR,
                       local && g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                           ? G_IO_ERROR_NOT_FOUND
                           : G_IO_ERROR_FAILED,
                       "no SAMP hub: cannot read lockfile %s: %s", url,
                       local ? local->message : "not a local path");
          return NULL;
        }
      if (len > MAX_LOCKFILE_BYTES)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "SAMP lockfile %s is too large (%" G_GSIZE_FORMAT " bytes)", url, len);
          return NULL;
        }
      return em_samp_lockfile_parse (contents, len, url, error);
    }
  if (!(bytes = em_http_get_sync (url, MAX_LOCKFILE_BYTES, 10, error)))
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  return em_samp_lockfile_parse (data ? data : "", len, url, error);
}
