/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "gui/em-recent.h"

/* Writes @paths (at most EM_RECENT_MAX) and the opening times of those
 * paths only, so that the map never outgrows the list. */
static void
store (GSettings *settings, GPtrArray *paths, GHashTable *opened)
{
  g_autoptr (GVariantBuilder) times = g_variant_builder_new (G_VARIANT_TYPE ("a{sx}"));

  if (paths->len > EM_RECENT_MAX)
    g_ptr_array_set_size (paths, EM_RECENT_MAX);
  for (guint i = 0; i < paths->len; i++)
    {
      gpointer time;

      if (g_hash_table_lookup_extended (opened, paths->pdata[i], NULL, &time))
        g_variant_builder_add (times, "{sx}", paths->pdata[i], *(gint64 *)time);
    }
  g_ptr_array_add (paths, NULL);
  /* The times first: a view that follows changes of the list finds them
   * (g_settings_delay would change the shared object for good). */
  g_settings_set_value (settings, "recent-experiments-opened", g_variant_builder_end (times));
  g_settings_set_strv (settings, "recent-experiments", (const char *const *)paths->pdata);
}

/* The list without @skip (may be NULL), and path → gint64* times. */
static GPtrArray *
load (GSettings *settings, const char *skip, GHashTable **opened)
{
  g_auto (GStrv) recent = g_settings_get_strv (settings, "recent-experiments");
  g_autoptr (GVariant) times = g_settings_get_value (settings, "recent-experiments-opened");
  GPtrArray   *paths = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  const char  *path;
  gint64       time;

  *opened = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_variant_iter_init (&iter, times);
  while (g_variant_iter_next (&iter, "{&sx}", &path, &time))
    g_hash_table_insert (*opened, g_strdup (path), g_memdup2 (&time, sizeof time));
  for (guint i = 0; recent[i] != NULL; i++)
    if (g_strcmp0 (recent[i], skip) != 0)
      g_ptr_array_add (paths, g_strdup (recent[i]));
  return paths;
}

static void
put_first (GSettings *settings, const char *path, gboolean opened_now)
{
  g_autoptr (GHashTable) opened = NULL;
  g_autoptr (GPtrArray) paths = NULL;

  if (settings == NULL || path == NULL)
    return;
  paths = load (settings, path, &opened);
  g_ptr_array_insert (paths, 0, g_strdup (path));
  if (opened_now)
    {
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;

      g_hash_table_insert (opened, g_strdup (path), g_memdup2 (&now, sizeof now));
    }
  else
    g_hash_table_remove (opened, path);
  store (settings, paths, opened);
}

void
em_recent_note_opened (GSettings *settings, const char *path)
{
  put_first (settings, path, TRUE);
}

void
em_recent_add (GSettings *settings, const char *path)
{
  put_first (settings, path, FALSE);
}

void
em_recent_forget (GSettings *settings, const char *path)
{
  g_autoptr (GHashTable) opened = NULL;
  g_autoptr (GPtrArray) paths = NULL;
  g_autofree char *last = NULL;

  if (settings == NULL || path == NULL)
    return;
  paths = load (settings, path, &opened);
  store (settings, paths, opened);
  last = g_settings_get_string (settings, "last-experiment");
  if (g_strcmp0 (last, path) == 0)
    g_settings_set_string (settings, "last-experiment", "");
}

void
em_recent_rename (GSettings *settings, const char *path, const char *new_path)
{
  g_autoptr (GHashTable) opened = NULL;
  g_autoptr (GPtrArray) paths = NULL;
  g_autofree char *last = NULL;
  gpointer         time;

  if (settings == NULL || path == NULL || new_path == NULL)
    return;
  paths = load (settings, new_path, &opened);
  for (guint i = 0; i < paths->len; i++)
    if (g_str_equal (paths->pdata[i], path))
      {
        g_free (paths->pdata[i]);
        paths->pdata[i] = g_strdup (new_path);
      }
  if (g_hash_table_lookup_extended (opened, path, NULL, &time))
    g_hash_table_insert (opened, g_strdup (new_path), g_memdup2 (time, sizeof (gint64)));
  store (settings, paths, opened);
  last = g_settings_get_string (settings, "last-experiment");
  if (g_strcmp0 (last, path) == 0)
    g_settings_set_string (settings, "last-experiment", new_path);
}

gint64
em_recent_get_opened (GSettings *settings, const char *path)
{
  g_autoptr (GVariant) times = NULL;
  gint64 time = 0;

  if (settings == NULL || path == NULL)
    return 0;
  times = g_settings_get_value (settings, "recent-experiments-opened");
  if (!g_variant_lookup (times, path, "x", &time))
    return 0;
  return time;
}
