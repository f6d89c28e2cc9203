/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "vo/em-simbad-cache.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "vo/em-simbad.h"

struct _EmSimbadCache
{
  gatomicrefcount ref;
  GMutex          lock;
  sqlite3        *db;
  char           *path;
  gint64          max_age;
};

char *
em_simbad_cache_default_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "emissary", "simbad.sqlite", NULL);
}

static gboolean
exec_sql (EmSimbadCache *cache, const char *sql, GError **error)
{
  char *message = NULL;

  if (sqlite3_exec (cache->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "SIMBAD cache %s: %s", cache->path,
                   message ? message : sqlite3_errmsg (cache->db));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

EmSimbadCache *
em_simbad_cache_open (const char *path, GError **error)
{
  g_autoptr (EmSimbadCache) cache = g_new0 (EmSimbadCache, 1);
  g_autofree char *dir = NULL;

  g_atomic_ref_count_init (&cache->ref);
  g_mutex_init (&cache->lock);
  cache->max_age = EM_SIMBAD_CACHE_DEFAULT_MAX_AGE;
  cache->path = path ? g_strdup (path) : em_simbad_cache_default_path ();
  dir = g_path_get_dirname (cache->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot create the SIMBAD cache folder %s: %s", dir, g_strerror (saved));
      return NULL;
    }
  if (sqlite3_open_v2 (cache->path, &cache->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL)
      != SQLITE_OK)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "Cannot open the SIMBAD cache %s: %s",
                   cache->path, cache->db ? sqlite3_errmsg (cache->db) : "out of memory");
      return NULL;
    }
  /* Several processes (GUI and CLI) may share the file. */
  sqlite3_busy_timeout (cache->db, 5000);
  if (!exec_sql (cache,
                 "PRAGMA journal_mode=WAL;"
                 "CREATE TABLE IF NOT EXISTS responses ("
                 "  key TEXT PRIMARY KEY,"
                 "  url TEXT NOT NULL,"
                 "  query TEXT NOT NULL,"
                 "  fetched INTEGER NOT NULL,"
                 "  body BLOB NOT NULL);",
                 error))
    return NULL;
  return g_steal_pointer (&cache);
}

EmSimbadCache *
em_simbad_cache_ref (EmSimbadCache *cache)
{
  g_atomic_ref_count_inc (&cache->ref);
  return cache;
}

void
em_simbad_cache_unref (EmSimbadCache *cache)
{
  if (cache == NULL || !g_atomic_ref_count_dec (&cache->ref))
    return;
  /* Expired answers are dropped when the cache is closed, so that the
   * file does not grow without bound. */
  if (cache->db)
    em_simbad_cache_prune (cache, NULL);
  if (cache->db)
    sqlite3_close (cache->db);
  g_mutex_clear (&cache->lock);
  g_free (cache->path);
  g_free (cache);
}

const char *
em_simbad_cache_get_path (EmSimbadCache *cache)
{
  return cache->path;
}

void
em_simbad_cache_set_max_age (EmSimbadCache *cache, gint64 seconds)
{
  g_mutex_lock (&cache->lock);
  cache->max_age = MAX (seconds, 0);
  g_mutex_unlock (&cache->lock);
}

char *
em_simbad_cache_key (const char *url, const char *adql, const char *upload, gsize upload_length)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  /* NUL separators keep ("ab","c") and ("a","bc") apart. */
  g_checksum_update (sum, (const guchar *)url, strlen (url) + 1);
  g_checksum_update (sum, (const guchar *)adql, strlen (adql) + 1);
  if (upload)
    g_checksum_update (sum, (const guchar *)upload, upload_length);
  return g_strdup (g_checksum_get_string (sum));
}

GBytes *
em_simbad_cache_lookup (EmSimbadCache *cache, const char *key)
{
  sqlite3_stmt *stmt = NULL;
  GBytes       *body = NULL;
  gint64        now = g_get_real_time () / G_USEC_PER_SEC;

  g_mutex_lock (&cache->lock);
  if (sqlite3_prepare_v2 (cache->db, "SELECT body, fetched FROM responses WHERE key = ?", -1, &stmt,
                          NULL)
      == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          gint64 fetched = sqlite3_column_int64 (stmt, 1);

          /* An entry from the future (clock changed) counts as stale. */
          if (fetched <= now && now - fetched < cache->max_age)
            body = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
        }
    }
  sqlite3_finalize (stmt);
  g_mutex_unlock (&cache->lock);
  return body;
}

gboolean
em_simbad_cache_store (EmSimbadCache *cache,
                       const char    *key,
                       const char    *url,
                       const char    *adql,
                       GBytes        *body,
                       GError       **error)
{
  sqlite3_stmt *stmt = NULL;
  gsize         size = 0;
  gconstpointer data = g_bytes_get_data (body, &size);
  gboolean      ok = FALSE;

  g_mutex_lock (&cache->lock);
  if (sqlite3_prepare_v2 (cache->db,
                          "INSERT OR REPLACE INTO responses (key, url, query, fetched, body) "
                          "VALUES (?, ?, ?, ?, ?)",
                          -1, &stmt, NULL)
      == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, url, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, adql, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 4, g_get_real_time () / G_USEC_PER_SEC);
      sqlite3_bind_blob64 (stmt, 5, data ? data : "", size, SQLITE_STATIC);
      ok = sqlite3_step (stmt) == SQLITE_DONE;
    }
  if (!ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                 "Cannot store in the SIMBAD cache %s: %s", cache->path,
                 sqlite3_errmsg (cache->db));
  sqlite3_finalize (stmt);
  g_mutex_unlock (&cache->lock);
  return ok;
}

gint64
em_simbad_cache_prune (EmSimbadCache *cache, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64        removed = -1;
  gint64        now = g_get_real_time () / G_USEC_PER_SEC;

  g_mutex_lock (&cache->lock);
  if (sqlite3_prepare_v2 (cache->db, "DELETE FROM responses WHERE fetched <= ? OR fetched > ?", -1,
                          &stmt, NULL)
      == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, now - cache->max_age);
      sqlite3_bind_int64 (stmt, 2, now);
      if (sqlite3_step (stmt) == SQLITE_DONE)
        removed = sqlite3_changes (cache->db);
    }
  if (removed < 0)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "Cannot prune the SIMBAD cache %s: %s",
                 cache->path, sqlite3_errmsg (cache->db));
  sqlite3_finalize (stmt);
  g_mutex_unlock (&cache->lock);
  return removed;
}
