/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "app/em-experiment-folder.h"
#include "app/em-experiment-private.h"

/* The sub-folders an experiment keeps its files in (see em-experiment.h). */
static const char *const data_folders[] = { "predictions", "checkpoints" };

static gboolean
require_experiment (const char *dir, GError **error)
{
  g_autofree char *db = g_build_filename (dir, "experiment.sqlite", NULL);

  if (!g_file_test (db, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND,
                   _ ("“%s” is not an experiment (no experiment.sqlite in it)"), dir);
      return FALSE;
    }
  return TRUE;
}

static gboolean
refuse_existing (const char *dest_dir, GError **error)
{
  if (g_file_test (dest_dir, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_EXISTS,
                   _ ("“%s” exists already; choose another name"), dest_dir);
      return TRUE;
    }
  return FALSE;
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

static gboolean
sqlite_failed (sqlite3 *db, const char *path, GError **error)
{
  g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_DATABASE,
               _ ("Experiment database “%s”: %s"), path,
               db != NULL ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

/* The database as one snapshot: a single backup step holds one read
 * transaction on the source for the whole copy, so a label committed by
 * the GUI meanwhile is either entirely in the copy or not at all. */
static gboolean
backup_database (const char *src_path, const char *dest_path, GError **error)
{
  sqlite3        *src = NULL;
  sqlite3        *dest = NULL;
  sqlite3_backup *backup;
  gboolean        ok = FALSE;
  int             rc = SQLITE_ERROR;

  if (sqlite3_open_v2 (src_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      sqlite_failed (src, src_path, error);
      goto out;
    }
  if (sqlite3_open_v2 (dest_path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
      != SQLITE_OK)
    {
      sqlite_failed (dest, dest_path, error);
      goto out;
    }
  sqlite3_busy_timeout (src, 10000);
  sqlite3_busy_timeout (dest, 10000);
  backup = sqlite3_backup_init (dest, "main", src, "main");
  if (backup == NULL)
    {
      sqlite_failed (dest, dest_path, error);
      goto out;
    }
  /* A writer may hold the source's lock for a moment (a checkpoint). */
  for (int attempt = 0; attempt < 100; attempt++)
    {
      rc = sqlite3_backup_step (backup, -1);
      if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
        break;
      g_usleep (50 * 1000);
    }
  sqlite3_backup_finish (backup);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_DATABASE,
                   _ ("Cannot copy the experiment database “%s”: %s"), src_path,
                   sqlite3_errstr (rc));
      goto out;
    }
  /* The copy in the journal mode em_experiment_open keeps (WAL), its
   * pages on disk before the folder is renamed into place. */
  if (sqlite3_exec (dest, "PRAGMA journal_mode = WAL; PRAGMA wal_checkpoint (TRUNCATE);", NULL,
                    NULL, NULL)
      != SQLITE_OK)
    {
      sqlite_failed (dest, dest_path, error);
      goto out;
    }
  ok = TRUE;
out:
  if (dest != NULL && sqlite3_close (dest) != SQLITE_OK && ok)
    ok = sqlite_failed (dest, dest_path, error);
  sqlite3_close_v2 (src);
  return ok;
}

static gboolean
copy_tree (GFile *src, GFile *dest, GError **error)
{
  g_autoptr (GFileEnumerator) children = NULL;
  GFileInfo *info;
  GFile     *child;

  if (!g_file_make_directory (dest, NULL, error))
    return FALSE;
  children = g_file_enumerate_children (
      src, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
      G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, error);
  if (children == NULL)
    return FALSE;
  while (TRUE)
    {
      g_autoptr (GFile) target = NULL;

      if (!g_file_enumerator_iterate (children, &info, &child, NULL, error))
        return FALSE;
      if (info == NULL)
        break;
      target = g_file_get_child (dest, g_file_info_get_name (info));
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        {
          if (!copy_tree (child, target, error))
            return FALSE;
        }
      else if (!g_file_copy (child, target, G_FILE_COPY_NOFOLLOW_SYMLINKS, NULL, NULL, NULL, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
em_experiment_duplicate (const char *src_dir, const char *dest_dir, GError **error)
{
  g_autofree char *parent = NULL;
  g_autofree char *base = NULL;
  g_autofree char *template = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *src_db = NULL;
  g_autofree char *tmp_db = NULL;

  g_return_val_if_fail (src_dir != NULL && dest_dir != NULL, FALSE);

  if (!require_experiment (src_dir, error) || refuse_existing (dest_dir, error))
    return FALSE;
  parent = g_path_get_dirname (dest_dir);
  base = g_path_get_basename (dest_dir);
  if (g_mkdir_with_parents (parent, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _ ("Cannot create the folder “%s”: %s"), parent, g_strerror (saved));
      return FALSE;
    }
  /* Hidden, next to the destination (same filesystem: the final rename
   * is atomic). */
  template = g_strdup_printf (".%s.partial-XXXXXX", base);
  tmp = g_build_filename (parent, template, NULL);
  if (g_mkdtemp (tmp) == NULL)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _ ("Cannot create a folder in “%s”: %s"), parent, g_strerror (saved));
      return FALSE;
    }
  src_db = g_build_filename (src_dir, "experiment.sqlite", NULL);
  tmp_db = g_build_filename (tmp, "experiment.sqlite", NULL);
  /* The database first: every file a committed iteration names is written
   * before that commit, so each file the copied database names is in the
   * source when the folders are copied after it.  Files of an iteration
   * still running are copied as orphans and swept when the copy is first
   * opened for writing. */
  if (!backup_database (src_db, tmp_db, error))
    goto fail;
  for (guint i = 0; i < G_N_ELEMENTS (data_folders); i++)
    {
      g_autofree char *from_path = g_build_filename (src_dir, data_folders[i], NULL);
      g_autofree char *to_path = g_build_filename (tmp, data_folders[i], NULL);
      g_autoptr (GFile) from = g_file_new_for_path (from_path);
      g_autoptr (GFile) to = g_file_new_for_path (to_path);

      if (!g_file_test (from_path, G_FILE_TEST_IS_DIR))
        {
          if (g_mkdir (to_path, 0755) != 0)
            {
              int saved = errno;

              g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                           _ ("Cannot create the folder “%s”: %s"), to_path, g_strerror (saved));
              goto fail;
            }
          continue;
        }
      if (!copy_tree (from, to, error))
        {
          g_prefix_error (error, _ ("Cannot copy “%s”: "), from_path);
          goto fail;
        }
    }
  if (refuse_existing (dest_dir, error))
    goto fail;
  if (g_rename (tmp, dest_dir) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _ ("Cannot rename “%s” to “%s”: %s"), tmp, dest_dir, g_strerror (saved));
      goto fail;
    }
  em_experiment_sync_dir (parent);
  return TRUE;

fail:
  remove_tree (tmp);
  return FALSE;
}

gboolean
em_experiment_rename (const char *dir, const char *new_dir, GError **error)
{
  g_autofree char *parent = NULL;
  g_autofree char *new_parent = NULL;
  int              fd;
  int              saved = 0;

  g_return_val_if_fail (dir != NULL && new_dir != NULL, FALSE);

  if (!require_experiment (dir, error) || refuse_existing (new_dir, error))
    return FALSE;
  /* Held across the rename: no writer can open it meanwhile. */
  fd = em_experiment_lock_folder (dir, error);
  if (fd < 0)
    return FALSE;
  if (g_rename (dir, new_dir) != 0)
    saved = errno;
  em_experiment_unlock_folder (fd);
  if (saved != 0)
    {
      if (saved == EXDEV)
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                     _ ("Cannot rename “%s” to “%s”: they are on different filesystems"), dir,
                     new_dir);
      else
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                     _ ("Cannot rename “%s” to “%s”: %s"), dir, new_dir, g_strerror (saved));
      return FALSE;
    }
  parent = g_path_get_dirname (dir);
  new_parent = g_path_get_dirname (new_dir);
  em_experiment_sync_dir (parent);
  if (g_strcmp0 (parent, new_parent) != 0)
    em_experiment_sync_dir (new_parent);
  return TRUE;
}

gboolean
em_experiment_trash (const char *dir, GCancellable *cancellable, GError **error)
{
  g_autoptr (GFile) file = NULL;
  gboolean ok;
  int      fd;

  g_return_val_if_fail (dir != NULL, FALSE);

  if (!require_experiment (dir, error))
    return FALSE;
  fd = em_experiment_lock_folder (dir, error);
  if (fd < 0)
    return FALSE;
  file = g_file_new_for_path (dir);
  ok = g_file_trash (file, cancellable, error);
  em_experiment_unlock_folder (fd);
  if (!ok)
    g_prefix_error (error, _ ("Cannot move “%s” to the trash: "), dir);
  return ok;
}

char *
em_experiment_name_from_dir (const char *dir)
{
  char *base;

  g_return_val_if_fail (dir != NULL, NULL);
  base = g_path_get_basename (dir);
  if (g_str_has_suffix (base, ".emissary") && strlen (base) > strlen (".emissary"))
    base[strlen (base) - strlen (".emissary")] = '\0';
  return base;
}

char *
em_experiment_sibling_dir (const char *dir, const char *name, GError **error)
{
  g_autofree char *parent = NULL;
  g_autofree char *base = NULL;
  g_autofree char *stripped = NULL;

  g_return_val_if_fail (dir != NULL && name != NULL, NULL);

  stripped = g_strstrip (g_strdup (name));
  if (g_str_has_suffix (stripped, ".emissary"))
    stripped[strlen (stripped) - strlen (".emissary")] = '\0';
  if (stripped[0] == '\0' || g_str_equal (stripped, ".") || g_str_equal (stripped, "..")
      || strchr (stripped, G_DIR_SEPARATOR) != NULL)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _ ("“%s” cannot be an experiment name (empty, “.”, “..” or with a “/”)"), name);
      return NULL;
    }
  parent = g_path_get_dirname (dir);
  base = g_strconcat (stripped, ".emissary", NULL);
  return g_build_filename (parent, base, NULL);
}
