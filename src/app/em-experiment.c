/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "app/em-experiment-private.h"
#include "nn/nn.h"
#include "spectra/em-labelled-set.h"
#include "spectra/em-preprocess.h"

/* 1: the first release; 2: iteration_classes (training-set size per
 * class).  A version-1 database opened for writing is migrated. */
#define EM_EXPERIMENT_SCHEMA_VERSION "2"

G_DEFINE_QUARK (em-experiment-error-quark, em_experiment_error)

/* Labelled spectra of each class in an iteration's training set, before
 * SMOTE (schema version 2; iterations of a migrated version-1 database
 * have no rows here). */
#define ITERATION_CLASSES_SQL \
  "CREATE TABLE IF NOT EXISTS iteration_classes (iteration INTEGER NOT NULL," \
  "  class_idx INTEGER NOT NULL, train_size INTEGER NOT NULL," \
  "  PRIMARY KEY (iteration, class_idx));"

/* Labels are never updated or deleted: a correction is a newer record, an
 * undo is a record naming the one it withdraws.  The effective label of a
 * spectrum is its newest record that is not withdrawn. */
static const char schema_sql[] =
  "CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
  "CREATE TABLE classes (idx INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
  "  target INTEGER NOT NULL);"
  "CREATE TABLE seed_spectra (spectrum_id TEXT PRIMARY KEY, ra REAL, dec REAL,"
  "  flux BLOB NOT NULL);"
  "CREATE TABLE labels (id INTEGER PRIMARY KEY, spectrum_id TEXT NOT NULL,"
  "  class TEXT, source TEXT NOT NULL"
  "    CHECK (source IN ('seed', 'oracle', 'import', 'undo')),"
  "  pool_row INTEGER NOT NULL DEFAULT -1, iteration INTEGER NOT NULL,"
  "  created TEXT NOT NULL, seconds_spent REAL, who TEXT,"
  "  undoes INTEGER UNIQUE REFERENCES labels (id),"
  "  CHECK ((source = 'undo') = (class IS NULL AND undoes IS NOT NULL)));"
  "CREATE INDEX labels_spectrum ON labels (spectrum_id);"
  "CREATE VIEW effective_labels AS SELECT l.* FROM labels l"
  "  WHERE l.source <> 'undo'"
  "    AND NOT EXISTS (SELECT 1 FROM labels u WHERE u.undoes = l.id);"
  "CREATE VIEW current_labels AS SELECT e.* FROM effective_labels e"
  "  JOIN (SELECT spectrum_id AS sid, max (id) AS mid FROM effective_labels"
  "        GROUP BY spectrum_id) m ON e.id = m.mid;"
  "CREATE TABLE iterations (number INTEGER PRIMARY KEY, strategy TEXT NOT NULL,"
  "  started TEXT NOT NULL, finished TEXT NOT NULL, train_size INTEGER NOT NULL,"
  "  train_size_balanced INTEGER NOT NULL, epochs INTEGER NOT NULL, loss REAL,"
  "  accuracy REAL, seconds_train REAL, seconds_score REAL,"
  "  n_candidates INTEGER NOT NULL, checkpoint TEXT, predictions TEXT,"
  "  last_label_id INTEGER NOT NULL);"
  "CREATE TABLE query_batch (iteration INTEGER NOT NULL, rank INTEGER NOT NULL,"
  "  spectrum_id TEXT NOT NULL, pool_row INTEGER NOT NULL, designation TEXT,"
  "  ra REAL, dec REAL, score REAL NOT NULL, probabilities BLOB NOT NULL,"
  "  PRIMARY KEY (iteration, rank));"
  "CREATE TABLE predicted_targets (iteration INTEGER NOT NULL,"
  "  spectrum_id TEXT NOT NULL, pool_row INTEGER NOT NULL, designation TEXT,"
  "  ra REAL, dec REAL, class_idx INTEGER NOT NULL,"
  "  probabilities BLOB NOT NULL, PRIMARY KEY (iteration, spectrum_id));"
  "CREATE TABLE estimate_samples (sample INTEGER NOT NULL,"
  "  spectrum_id TEXT NOT NULL, iteration INTEGER NOT NULL,"
  "  predicted_class INTEGER NOT NULL, drawn TEXT NOT NULL,"
  "  PRIMARY KEY (sample, spectrum_id));"
  ITERATION_CLASSES_SQL;

static const char *const default_classes[] = { "absorption", "emission", "double-peak", NULL };

/* SQLite says "disk I/O error" for a full disk as for a failing one, and
 * "database or disk is full"; the operating system's errno behind it says
 * which, and that is what the astronomer must read to act on it. */
static char *
db_reason (EmExperiment *exp,
           const char   *message)
{
  int code = exp->db != NULL ? sqlite3_extended_errcode (exp->db) : SQLITE_OK;
  int sys = exp->db != NULL ? sqlite3_system_errno (exp->db) : 0;

  if ((code & 0xff) == SQLITE_FULL || sys == ENOSPC || sys == EDQUOT)
    return g_strdup_printf (_("the disk is full (%s): free some space and try again"),
                            g_strerror (sys == EDQUOT ? EDQUOT : ENOSPC));
  if ((code & 0xff) == SQLITE_IOERR && sys != 0)
    return g_strdup_printf ("%s (%s)", message, g_strerror (sys));
  return g_strdup (message);
}

gboolean
em_experiment_db_error (EmExperiment  *exp,
                        GError       **error)
{
  g_autofree char *reason = db_reason (exp, exp->db != NULL ? sqlite3_errmsg (exp->db)
                                                            : g_strerror (ENOMEM));

  g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_DATABASE,
               _("Experiment database “%s”: %s"), exp->db_path, reason);
  return FALSE;
}

gboolean
em_experiment_exec (EmExperiment  *exp,
                    const char    *sql,
                    GError       **error)
{
  char *message = NULL;

  if (sqlite3_exec (exp->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_autofree char *reason = db_reason (exp, message ? message : sqlite3_errmsg (exp->db));

      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_DATABASE,
                   _("Experiment database “%s”: %s"), exp->db_path, reason);
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

sqlite3_stmt *
em_experiment_prepare (EmExperiment  *exp,
                       const char    *sql,
                       GError       **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (exp->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      em_experiment_db_error (exp, error);
      return NULL;
    }
  return stmt;
}

gboolean
em_experiment_require_writable (EmExperiment  *exp,
                                GError       **error)
{
  if (exp->read_only)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_READ_ONLY,
                   _("Experiment “%s” is open read-only"), exp->dir);
      return FALSE;
    }
  return TRUE;
}

char *
em_experiment_now (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

EmLabelSource
em_label_source_from_string (const char *name)
{
  if (g_strcmp0 (name, "seed") == 0)
    return EM_LABEL_SOURCE_SEED;
  if (g_strcmp0 (name, "import") == 0)
    return EM_LABEL_SOURCE_IMPORT;
  return EM_LABEL_SOURCE_ORACLE;
}

const char *
em_label_source_to_string (EmLabelSource source)
{
  switch (source)
    {
    case EM_LABEL_SOURCE_SEED:   return "seed";
    case EM_LABEL_SOURCE_IMPORT: return "import";
    case EM_LABEL_SOURCE_ORACLE:
    default:                     return "oracle";
    }
}

void
em_experiment_sync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

int
em_experiment_latest_iteration (EmExperiment *exp)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int latest = -1;

  stmt = em_experiment_prepare (exp, "SELECT max (number) FROM iterations", NULL);
  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW
      && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    latest = sqlite3_column_int (stmt, 0);
  return latest;
}

static EmExperiment *
experiment_new (const char *dir)
{
  EmExperiment *exp = g_new0 (EmExperiment, 1);

  exp->dir = g_strdup (dir);
  exp->db_path = g_build_filename (dir, "experiment.sqlite", NULL);
  exp->lock_fd = -1;
  exp->has_class_sizes = TRUE;
  exp->classes = g_ptr_array_new_with_free_func (g_free);
  exp->targets = g_array_new (FALSE, TRUE, sizeof (gboolean));
  return exp;
}

void
em_experiment_close (EmExperiment *exp)
{
  if (exp == NULL)
    return;
  if (exp->db != NULL)
    sqlite3_close_v2 (exp->db);
  if (exp->lock_fd >= 0)
    {
      /* The lock goes with the descriptor; the file stays, harmless. */
      flock (exp->lock_fd, LOCK_UN);
      close (exp->lock_fd);
    }
  g_clear_pointer (&exp->pool, em_pool_unref);
  g_ptr_array_unref (exp->classes);
  g_array_unref (exp->targets);
  g_free (exp->dir);
  g_free (exp->db_path);
  g_free (exp->pool_path);
  g_free (exp->strategy);
  g_free (exp->preset);
  g_free (exp);
}

/* An exclusive flock on DIR/experiment.lock for the whole life of a
 * writable handle: the kernel drops it when the process dies, so a crash
 * never leaves a stale lock behind, and flock (unlike fcntl locks) also
 * conflicts between two handles of the same process.  Renaming or
 * trashing a folder takes the same lock (em-experiment-folder.c). */
int
em_experiment_lock_folder (const char  *dir,
                           GError     **error)
{
  g_autofree char *path = g_build_filename (dir, "experiment.lock", NULL);
  char pid[32];
  int fd;

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot open the lock file “%s”: %s"), path, g_strerror (saved));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      char holder[32] = "";
      ssize_t n = pread (fd, holder, sizeof holder - 1, 0);

      holder[n > 0 ? n : 0] = '\0';
      g_strchomp (holder);
      close (fd);
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_LOCKED,
                   _("Experiment “%s” is already open in another process%s%s%s; "
                     "close it there first (read-only commands such as "
                     "“experiment info” still work)"),
                   dir, *holder ? " (pid " : "", holder, *holder ? ")" : "");
      return -1;
    }
  g_snprintf (pid, sizeof pid, "%ld\n", (long) getpid ());
  if (ftruncate (fd, 0) == 0)
    {
      ssize_t ignored = pwrite (fd, pid, strlen (pid), 0);
      (void) ignored;
    }
  return fd;
}

void
em_experiment_unlock_folder (int fd)
{
  if (fd < 0)
    return;
  flock (fd, LOCK_UN);
  close (fd);
}

static gboolean
take_lock (EmExperiment  *exp,
           GError       **error)
{
  exp->lock_fd = em_experiment_lock_folder (exp->dir, error);
  return exp->lock_fd >= 0;
}

static gboolean
open_db (EmExperiment  *exp,
         gboolean       create,
         GError       **error)
{
  int flags = exp->read_only ? SQLITE_OPEN_READONLY
                             : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

  if (sqlite3_open_v2 (exp->db_path, &exp->db, flags | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
    return em_experiment_db_error (exp, error);
  sqlite3_busy_timeout (exp->db, 10000);
  if (!exp->read_only)
    {
      /* WAL lets `experiment info` read while the GUI writes; FULL syncs
       * the WAL at every commit, so an acknowledged label survives a
       * crash or a power cut. */
      if (!em_experiment_exec (exp, "PRAGMA journal_mode = WAL;"
                                    "PRAGMA synchronous = FULL;"
                                    "PRAGMA foreign_keys = ON;", error))
        return FALSE;
    }
  return TRUE;
}

static char *
config_get (EmExperiment *exp,
            const char   *key)
{
  g_autoptr(sqlite3_stmt) stmt = em_experiment_prepare (exp, "SELECT value FROM config WHERE key = ?", NULL);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

static gboolean
config_set (EmExperiment  *exp,
            const char    *key,
            const char    *value,
            GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt =
    em_experiment_prepare (exp, "INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return em_experiment_db_error (exp, error);
  return TRUE;
}

static gboolean
load_config (EmExperiment  *exp,
             GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *version = config_get (exp, "schema_version");
  g_autofree char *batch = NULL, *epochs = NULL, *seed = NULL, *n_flux = NULL;

  /* No version because SQLite could not read (a full disk, where even a
   * reader must create the WAL index), not because it is no experiment. */
  if (version == NULL && sqlite3_errcode (exp->db) != SQLITE_OK
      && sqlite3_errcode (exp->db) != SQLITE_DONE && sqlite3_errcode (exp->db) != SQLITE_ROW)
    return em_experiment_db_error (exp, error);
  if (version == NULL)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("“%s” is not an Emissary experiment database"), exp->db_path);
      return FALSE;
    }
  if (strcmp (version, "1") == 0)
    {
      /* Version 1 lacks iteration_classes only: a writer adds it (its
       * older iterations simply have no per-class sizes); a reader does
       * without it. */
      exp->has_class_sizes = FALSE;
      if (!exp->read_only)
        {
          if (!em_experiment_exec (exp, "BEGIN IMMEDIATE;" ITERATION_CLASSES_SQL
                                        "UPDATE config SET value = '" EM_EXPERIMENT_SCHEMA_VERSION
                                        "' WHERE key = 'schema_version';", error))
            {
              sqlite3_exec (exp->db, "ROLLBACK", NULL, NULL, NULL);
              return FALSE;
            }
          if (!em_experiment_exec (exp, "COMMIT", error))
            {
              sqlite3_exec (exp->db, "ROLLBACK", NULL, NULL, NULL);
              return FALSE;
            }
          exp->has_class_sizes = TRUE;
        }
    }
  else if (strcmp (version, EM_EXPERIMENT_SCHEMA_VERSION) != 0)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("Experiment database “%s” has schema version %s; this Emissary reads %s"),
                   exp->db_path, version, EM_EXPERIMENT_SCHEMA_VERSION);
      return FALSE;
    }
  exp->pool_path = config_get (exp, "pool_path");
  exp->strategy = config_get (exp, "strategy");
  exp->preset = config_get (exp, "preset");
  batch = config_get (exp, "batch_size");
  epochs = config_get (exp, "max_epochs");
  seed = config_get (exp, "seed");
  n_flux = config_get (exp, "n_flux");
  exp->batch_size = batch ? (guint) g_ascii_strtoull (batch, NULL, 10) : 100;
  exp->max_epochs = epochs ? (guint) g_ascii_strtoull (epochs, NULL, 10) : 30;
  exp->seed = seed ? g_ascii_strtoull (seed, NULL, 10) : 0;
  exp->n_flux = n_flux ? (guint) g_ascii_strtoull (n_flux, NULL, 10) : 0;
  if (exp->strategy == NULL)
    exp->strategy = g_strdup ("entropy");
  if (exp->preset == NULL)
    exp->preset = g_strdup ("reference");

  g_ptr_array_set_size (exp->classes, 0);
  g_array_set_size (exp->targets, 0);
  stmt = em_experiment_prepare (exp, "SELECT name, target FROM classes ORDER BY idx", error);
  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gboolean target = sqlite3_column_int (stmt, 1) != 0;
      g_ptr_array_add (exp->classes, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_array_append_val (exp->targets, target);
    }
  if (exp->classes->len < 2)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("Experiment database “%s” defines fewer than two classes"), exp->db_path);
      return FALSE;
    }
  return TRUE;
}

/* Removes checkpoint and prediction files that no committed iteration
 * names: leftovers of an iteration killed or cancelled before its commit. */
static void
sweep_orphans (EmExperiment *exp)
{
  static const char *const folders[] = { "checkpoints", "predictions" };

  for (guint f = 0; f < G_N_ELEMENTS (folders); f++)
    {
      g_autofree char *path = g_build_filename (exp->dir, folders[f], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *rel = g_build_filename (folders[f], name, NULL);
          g_autoptr(sqlite3_stmt) stmt = em_experiment_prepare (exp,
            "SELECT 1 FROM iterations WHERE checkpoint = ?1 OR predictions = ?1", NULL);

          if (stmt == NULL)
            return;
          sqlite3_bind_text (stmt, 1, rel, -1, SQLITE_STATIC);
          if (sqlite3_step (stmt) != SQLITE_ROW)
            {
              g_autofree char *full = g_build_filename (exp->dir, rel, NULL);
              g_debug ("Removing %s, left by an unfinished iteration", full);
              g_remove (full);
            }
        }
    }
}

static EmExperiment *
open_common (const char  *dir,
             gboolean     read_only,
             GError     **error)
{
  g_autoptr(EmExperiment) exp = experiment_new (dir);

  exp->read_only = read_only;
  if (!g_file_test (exp->db_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND,
                   _("“%s” is not an experiment (no experiment.sqlite in it)"), dir);
      return NULL;
    }
  if (!read_only && !take_lock (exp, error))
    return NULL;
  if (!open_db (exp, FALSE, error) || !load_config (exp, error))
    return NULL;
  if (!read_only)
    sweep_orphans (exp);
  return g_steal_pointer (&exp);
}

EmExperiment *
em_experiment_open (const char  *dir,
                    GError     **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  return open_common (dir, FALSE, error);
}

EmExperiment *
em_experiment_open_read_only (const char  *dir,
                              GError     **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  return open_common (dir, TRUE, error);
}

static gboolean
check_class_names (const char *const  *names,
                   const char         *what,
                   GError            **error)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (names[i][0] == '\0' || strpbrk (names[i], ",\"\n\r\t") != NULL)
        {
          g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                       _("Invalid %s name “%s” (empty or with a comma, quote or control character)"),
                       what, names[i]);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (strcmp (names[i], names[j]) == 0)
          {
            g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                         _("The %s “%s” is given twice"), what, names[i]);
            return FALSE;
          }
    }
  return TRUE;
}

/* Undoes a failed creation: removes what create made in the new folder,
 * and the folder (nothing else can be in it). */
static void
remove_new_experiment (const char *dir)
{
  static const char *const files[] = { "experiment.sqlite", "experiment.sqlite-wal",
                                       "experiment.sqlite-shm", "experiment.sqlite-journal",
                                       "experiment.lock" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);
      g_remove (path);
    }
  {
    g_autofree char *p = g_build_filename (dir, "predictions", NULL);
    g_autofree char *c = g_build_filename (dir, "checkpoints", NULL);
    g_rmdir (p);
    g_rmdir (c);
  }
  g_rmdir (dir);
}

/* An assistant (or the CLI) that ingests a pool or converts a seed set
 * into the new experiment's folder makes the folder first; it holds no
 * experiment yet. */
static gboolean
experiment_dir_may_exist (const char               *dir,
                          const EmExperimentConfig *config)
{
  g_autofree char *db = g_build_filename (dir, "experiment.sqlite", NULL);
  g_autofree char *predictions = g_build_filename (dir, "predictions", NULL);
  g_autofree char *checkpoints = g_build_filename (dir, "checkpoints", NULL);

  return config->dir_may_exist && g_file_test (dir, G_FILE_TEST_IS_DIR)
         && !g_file_test (db, G_FILE_TEST_EXISTS)
         && !g_file_test (predictions, G_FILE_TEST_EXISTS)
         && !g_file_test (checkpoints, G_FILE_TEST_EXISTS);
}

EmExperiment *
em_experiment_create_raw (const char                *dir,
                          const EmExperimentConfig  *config,
                          const EmSeedData          *seed,
                          GError                   **error)
{
  g_autoptr(EmExperiment) exp = NULL;
  const char *const *classes = config->classes ? config->classes : default_classes;
  guint n_classes = g_strv_length ((char **) classes);
  g_autofree gboolean *is_target = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *now = em_experiment_now ();
  char buf[64];

  g_return_val_if_fail (dir != NULL && config != NULL && seed != NULL, NULL);

  if (n_classes < 2)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("An experiment needs at least two classes"));
      return NULL;
    }
  if (!check_class_names (classes, "class", error))
    return NULL;
  is_target = g_new0 (gboolean, n_classes);
  if (config->targets == NULL)
    for (guint i = 1; i < n_classes; i++)
      is_target[i] = TRUE;
  else
    {
      if (!check_class_names (config->targets, "target", error))
        return NULL;
      for (guint t = 0; config->targets[t] != NULL; t++)
        {
          gboolean found = FALSE;
          for (guint i = 0; i < n_classes; i++)
            if (strcmp (classes[i], config->targets[t]) == 0)
              found = is_target[i] = TRUE;
          if (!found)
            {
              g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                           _("Target “%s” is not one of the classes"), config->targets[t]);
              return NULL;
            }
        }
    }
  {
    guint n_targets = 0;
    for (guint i = 0; i < n_classes; i++)
      n_targets += is_target[i];
    if (n_targets == 0 || n_targets == n_classes)
      {
        g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                     _("At least one class must be a target and at least one must not"));
        return NULL;
      }
  }
  {
    NnQueryStrategy strategy;
    char *err = NULL;
    NnModel *probe;

    if (config->strategy != NULL && nn_query_strategy_from_string (config->strategy, &strategy) != NN_OK)
      {
        g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                     _("Unknown query strategy “%s” (entropy, margin, least-confidence, random, bald)"),
                     config->strategy);
        return NULL;
      }
    /* Let the network layer judge the preset (and the input length). */
    probe = nn_model_new_preset (config->preset ? config->preset : "reference",
                                 (int) seed->n_flux, (int) n_classes, 0, &err);
    if (probe == NULL)
      {
        g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                     _("Network preset “%s”: %s"), config->preset ? config->preset : "reference",
                     err ? err : "");
        free (err);
        return NULL;
      }
    nn_model_free (probe);
  }
  if (seed->n_rows == 0 || seed->n_flux == 0)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("The seed set “%s” has no spectra"),
                   config->seed_set_path ? config->seed_set_path : "");
      return NULL;
    }

  if (g_file_test (dir, G_FILE_TEST_EXISTS) && !experiment_dir_may_exist (dir, config))
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_EXISTS,
                   _("“%s” exists already; choose a new experiment folder"), dir);
      return NULL;
    }
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot create the experiment folder “%s”: %s"), dir, g_strerror (saved));
      return NULL;
    }
  exp = experiment_new (dir);
  {
    g_autofree char *predictions = g_build_filename (dir, "predictions", NULL);
    g_autofree char *checkpoints = g_build_filename (dir, "checkpoints", NULL);
    if (g_mkdir (predictions, 0755) != 0 || g_mkdir (checkpoints, 0755) != 0)
      {
        int saved = errno;
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                     _("Cannot create folders in “%s”: %s"), dir, g_strerror (saved));
        goto fail;
      }
  }
  if (!take_lock (exp, error) || !open_db (exp, TRUE, error))
    goto fail;
  if (!em_experiment_exec (exp, "BEGIN IMMEDIATE", error))
    goto fail;
  if (!em_experiment_exec (exp, schema_sql, error))
    goto rollback;

  if (!config_set (exp, "schema_version", EM_EXPERIMENT_SCHEMA_VERSION, error)
      || !config_set (exp, "created", now, error)
      || !config_set (exp, "emissary_version", EM_VERSION, error)
      || (config->pool_path && !config_set (exp, "pool_path", config->pool_path, error))
      || (config->seed_set_path && !config_set (exp, "seed_set_path", config->seed_set_path, error))
      || !config_set (exp, "strategy", config->strategy ? config->strategy : "entropy", error)
      || !config_set (exp, "preset", config->preset ? config->preset : "reference", error))
    goto rollback;
  g_snprintf (buf, sizeof buf, "%u", config->batch_size ? config->batch_size : 100);
  if (!config_set (exp, "batch_size", buf, error))
    goto rollback;
  g_snprintf (buf, sizeof buf, "%u", config->max_epochs ? config->max_epochs : 30);
  if (!config_set (exp, "max_epochs", buf, error))
    goto rollback;
  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, config->seed);
  if (!config_set (exp, "seed", buf, error))
    goto rollback;
  g_snprintf (buf, sizeof buf, "%u", seed->n_flux);
  if (!config_set (exp, "n_flux", buf, error))
    goto rollback;
  g_snprintf (buf, sizeof buf, "%u", seed->n_rows);
  if (!config_set (exp, "seed_set_rows", buf, error))
    goto rollback;
  if ((seed->sha256 && !config_set (exp, "seed_set_sha256", seed->sha256, error))
      || (seed->pool_identity && !config_set (exp, "pool_identity", seed->pool_identity, error)))
    goto rollback;

  stmt = em_experiment_prepare (exp, "INSERT INTO classes (idx, name, target) VALUES (?, ?, ?)", error);
  if (stmt == NULL)
    goto rollback;
  for (guint i = 0; i < n_classes; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int (stmt, 1, (int) i);
      sqlite3_bind_text (stmt, 2, classes[i], -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 3, is_target[i]);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          em_experiment_db_error (exp, error);
          goto rollback;
        }
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* The seed spectra and their labels (provenance: the seed set). */
  {
    g_autoptr(sqlite3_stmt) spec = em_experiment_prepare (exp,
      "INSERT INTO seed_spectra (spectrum_id, ra, dec, flux) VALUES (?, ?, ?, ?)", error);
    g_autoptr(sqlite3_stmt) lab = em_experiment_prepare (exp,
      "INSERT INTO labels (spectrum_id, class, source, pool_row, iteration, created, who)"
      " VALUES (?, ?, 'seed', -1, -1, ?, ?)", error);
    const char *who = config->seed_set_path ? config->seed_set_path : "seed set";
    g_autoptr(GHashTable) seen_ids = g_hash_table_new (g_str_hash, g_str_equal);
    g_autofree char *unique_id = NULL;

    if (spec == NULL || lab == NULL)
      goto rollback;
    for (guint r = 0; r < seed->n_rows; r++)
      {
        gboolean known = FALSE;

        for (guint i = 0; i < n_classes; i++)
          if (g_strcmp0 (seed->labels[r], classes[i]) == 0)
            known = TRUE;
        if (!known)
          {
            g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                         _("Seed set “%s”, row %u (%s): label “%s” is not one of the classes"),
                         config->seed_set_path ? config->seed_set_path : "", r + 1,
                         seed->ids[r], seed->labels[r] ? seed->labels[r] : "");
            goto rollback;
          }
        /* Seed sets may repeat an id for different spectra (different
         * exposures, or a generator's collision): keep every row, the
         * repeats as ID#2, ID#3, … */
        g_clear_pointer (&unique_id, g_free);
        {
          guint seen = GPOINTER_TO_UINT (g_hash_table_lookup (seen_ids, seed->ids[r]));
          g_hash_table_insert (seen_ids, (gpointer) seed->ids[r], GUINT_TO_POINTER (seen + 1));
          unique_id = seen ? g_strdup_printf ("%s#%u", seed->ids[r], seen + 1) : g_strdup (seed->ids[r]);
          if (seen)
            g_message ("Seed set “%s”, row %u: the id “%s” appears again; stored as “%s”",
                       config->seed_set_path ? config->seed_set_path : "", r + 1, seed->ids[r], unique_id);
        }
        sqlite3_reset (spec);
        sqlite3_bind_text (spec, 1, unique_id, -1, SQLITE_STATIC);
        if (seed->ra != NULL && isfinite (seed->ra[r]))
          sqlite3_bind_double (spec, 2, seed->ra[r]);
        else
          sqlite3_bind_null (spec, 2);
        if (seed->dec != NULL && isfinite (seed->dec[r]))
          sqlite3_bind_double (spec, 3, seed->dec[r]);
        else
          sqlite3_bind_null (spec, 3);
        sqlite3_bind_blob (spec, 4, seed->flux + (gsize) r * seed->n_flux,
                           (int) (seed->n_flux * sizeof (float)), SQLITE_STATIC);
        if (sqlite3_step (spec) != SQLITE_DONE)
          {
            if (sqlite3_errcode (exp->db) == SQLITE_CONSTRAINT)
              g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                           _("Seed set “%s”, row %u: the id “%s” appears twice"),
                           config->seed_set_path ? config->seed_set_path : "", r + 1, seed->ids[r]);
            else
              em_experiment_db_error (exp, error);
            goto rollback;
          }
        sqlite3_reset (lab);
        sqlite3_bind_text (lab, 1, unique_id, -1, SQLITE_STATIC);
        sqlite3_bind_text (lab, 2, seed->labels[r], -1, SQLITE_STATIC);
        sqlite3_bind_text (lab, 3, now, -1, SQLITE_STATIC);
        sqlite3_bind_text (lab, 4, who, -1, SQLITE_STATIC);
        if (sqlite3_step (lab) != SQLITE_DONE)
          {
            em_experiment_db_error (exp, error);
            goto rollback;
          }
      }
  }
  if (!em_experiment_exec (exp, "COMMIT", error))
    goto rollback;
  if (!load_config (exp, error))
    goto fail;
  return g_steal_pointer (&exp);

rollback:
  sqlite3_exec (exp->db, "ROLLBACK", NULL, NULL, NULL);
fail:
  g_clear_pointer (&exp, em_experiment_close);
  remove_new_experiment (dir);
  return NULL;
}

const char *
em_experiment_get_dir (EmExperiment *exp)
{
  return exp->dir;
}

gboolean
em_experiment_is_read_only (EmExperiment *exp)
{
  return exp->read_only;
}

const char *
em_experiment_get_pool_path (EmExperiment *exp)
{
  return exp->pool_path;
}

guint
em_experiment_get_batch_size (EmExperiment *exp)
{
  return exp->batch_size;
}

const char *
em_experiment_get_strategy (EmExperiment *exp)
{
  return exp->strategy;
}

const char *
em_experiment_get_preset (EmExperiment *exp)
{
  return exp->preset;
}

guint
em_experiment_get_max_epochs (EmExperiment *exp)
{
  return exp->max_epochs;
}

guint64
em_experiment_get_seed (EmExperiment *exp)
{
  return exp->seed;
}

guint
em_experiment_get_n_classes (EmExperiment *exp)
{
  return exp->classes->len;
}

const char *
em_experiment_get_class (EmExperiment *exp,
                         guint         index)
{
  g_return_val_if_fail (index < exp->classes->len, NULL);
  return g_ptr_array_index (exp->classes, index);
}

gboolean
em_experiment_class_is_target (EmExperiment *exp,
                               guint         index)
{
  g_return_val_if_fail (index < exp->targets->len, FALSE);
  return g_array_index (exp->targets, gboolean, index);
}

int
em_experiment_find_class (EmExperiment *exp,
                          const char   *name)
{
  for (guint i = 0; i < exp->classes->len; i++)
    if (g_strcmp0 (g_ptr_array_index (exp->classes, i), name) == 0)
      return (int) i;
  return -1;
}

/* The pool row of @spectrum_id as recorded by the iterations (query batch
 * or predictions) — the ids a human oracle is shown.  -1 when unknown. */
static gint64
known_pool_row (EmExperiment *exp,
                const char   *spectrum_id)
{
  g_autoptr(sqlite3_stmt) stmt = em_experiment_prepare (exp,
    "SELECT pool_row FROM query_batch WHERE spectrum_id = ?1"
    " UNION ALL SELECT pool_row FROM predicted_targets WHERE spectrum_id = ?1"
    " UNION ALL SELECT pool_row FROM labels WHERE spectrum_id = ?1 AND pool_row >= 0"
    " LIMIT 1", NULL);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, spectrum_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  return -1;
}

static gboolean
is_seed_spectrum (EmExperiment *exp,
                  const char   *spectrum_id)
{
  g_autoptr(sqlite3_stmt) stmt =
    em_experiment_prepare (exp, "SELECT 1 FROM seed_spectra WHERE spectrum_id = ?", NULL);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, spectrum_id, -1, SQLITE_STATIC);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

gboolean
em_experiment_add_label_with_row (EmExperiment  *exp,
                                  const char    *spectrum_id,
                                  gint64         pool_row,
                                  const char    *class_name,
                                  EmLabelSource  source,
                                  double         seconds_spent,
                                  const char    *who,
                                  GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *now = NULL;

  if (!em_experiment_require_writable (exp, error))
    return FALSE;
  if (spectrum_id == NULL || *spectrum_id == '\0')
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("Empty spectrum id"));
      return FALSE;
    }
  if (em_experiment_find_class (exp, class_name) < 0)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      for (guint i = 0; i < exp->classes->len; i++)
        g_string_append_printf (list, "%s%s", i ? ", " : "", (char *) exp->classes->pdata[i]);
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND,
                   _("Unknown class “%s” (the classes of “%s”: %s)"),
                   class_name ? class_name : "", exp->dir, list->str);
      return FALSE;
    }
  if (source == EM_LABEL_SOURCE_SEED)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("Seed labels come only with the seed set at creation"));
      return FALSE;
    }
  if (is_seed_spectrum (exp, spectrum_id))
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("“%s” belongs to the seed set, not to the pool"), spectrum_id);
      return FALSE;
    }
  if (pool_row < 0)
    pool_row = known_pool_row (exp, spectrum_id);
  if (pool_row < 0 && exp->pool_path != NULL)
    {
      if (exp->pool == NULL)
        exp->pool = em_pool_open (exp->pool_path, error);
      if (exp->pool == NULL)
        return FALSE;
      pool_row = em_pool_find_id (exp->pool, spectrum_id, error);
      if (pool_row < 0 && error != NULL && *error != NULL)
        return FALSE;
    }
  if (pool_row < 0)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND,
                   _("No spectrum “%s” in the pool of experiment “%s”"), spectrum_id, exp->dir);
      return FALSE;
    }
  if (who == NULL)
    who = g_get_user_name ();
  now = em_experiment_now ();
  /* One statement = one implicit transaction, synced (synchronous=FULL)
   * before sqlite3_step returns: the label is durable when we return. */
  stmt = em_experiment_prepare (exp,
    "INSERT INTO labels (spectrum_id, class, source, pool_row, iteration, created,"
    " seconds_spent, who) VALUES (?, ?, ?, ?,"
    " coalesce ((SELECT max (number) FROM iterations), -1), ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, spectrum_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, class_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, em_label_source_to_string (source), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, pool_row);
  sqlite3_bind_text (stmt, 5, now, -1, SQLITE_STATIC);
  if (seconds_spent >= 0 && isfinite (seconds_spent))
    sqlite3_bind_double (stmt, 6, seconds_spent);
  else
    sqlite3_bind_null (stmt, 6);
  sqlite3_bind_text (stmt, 7, who, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return em_experiment_db_error (exp, error);
  return TRUE;
}

gboolean
em_experiment_add_label (EmExperiment  *exp,
                         const char    *spectrum_id,
                         const char    *class_name,
                         EmLabelSource  source,
                         double         seconds_spent,
                         const char    *who,
                         GError       **error)
{
  return em_experiment_add_label_with_row (exp, spectrum_id, -1, class_name, source,
                                           seconds_spent, who, error);
}

gboolean
em_experiment_undo (EmExperiment  *exp,
                    char         **spectrum_id,
                    GError       **error)
{
  g_autoptr(sqlite3_stmt) find = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autofree char *now = NULL;
  g_autofree char *id = NULL;
  gint64 label_id, pool_row;

  if (!em_experiment_require_writable (exp, error))
    return FALSE;
  find = em_experiment_prepare (exp,
    "SELECT id, spectrum_id, pool_row FROM effective_labels"
    " WHERE source IN ('oracle', 'import') ORDER BY id DESC LIMIT 1", error);
  if (find == NULL)
    return FALSE;
  if (sqlite3_step (find) != SQLITE_ROW)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOTHING_TO_UNDO,
                   _("Nothing to undo in “%s”: no oracle or imported label is left"), exp->dir);
      return FALSE;
    }
  label_id = sqlite3_column_int64 (find, 0);
  id = g_strdup ((const char *) sqlite3_column_text (find, 1));
  pool_row = sqlite3_column_int64 (find, 2);
  g_clear_pointer (&find, sqlite3_finalize);

  now = em_experiment_now ();
  insert = em_experiment_prepare (exp,
    "INSERT INTO labels (spectrum_id, class, source, pool_row, iteration, created, who, undoes)"
    " VALUES (?, NULL, 'undo', ?, coalesce ((SELECT max (number) FROM iterations), -1), ?, ?, ?)",
    error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_text (insert, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 2, pool_row);
  sqlite3_bind_text (insert, 3, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 4, g_get_user_name (), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 5, label_id);
  if (sqlite3_step (insert) != SQLITE_DONE)
    return em_experiment_db_error (exp, error);
  if (spectrum_id != NULL)
    *spectrum_id = g_steal_pointer (&id);
  return TRUE;
}

char *
em_experiment_get_label (EmExperiment  *exp,
                         const char    *spectrum_id,
                         EmLabelSource *source)
{
  g_autoptr(sqlite3_stmt) stmt =
    em_experiment_prepare (exp, "SELECT class, source FROM current_labels WHERE spectrum_id = ?", NULL);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, spectrum_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  if (source != NULL)
    *source = em_label_source_from_string ((const char *) sqlite3_column_text (stmt, 1));
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

guint
em_experiment_count_label_history (EmExperiment *exp,
                                   const char   *spectrum_id)
{
  g_autoptr(sqlite3_stmt) stmt =
    em_experiment_prepare (exp, "SELECT count (*) FROM labels WHERE spectrum_id = ?", NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, spectrum_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return 0;
  return (guint) sqlite3_column_int (stmt, 0);
}

static gboolean
count_query (EmExperiment  *exp,
             const char    *sql,
             guint         *out,
             GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = em_experiment_prepare (exp, sql, error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return em_experiment_db_error (exp, error);
  *out = (guint) sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* Candidates by the union rule, as SQL over the latest iteration's
 * predicted targets and the current labels; shared with em-candidates.c. */
const char em_candidates_sql[] =
  "WITH latest AS (SELECT max (number) AS n FROM iterations),"
  " target_classes AS (SELECT name FROM classes WHERE target),"
  " predicted AS (SELECT p.spectrum_id FROM predicted_targets p, latest"
  "   WHERE p.iteration = latest.n"
  "     AND NOT EXISTS (SELECT 1 FROM current_labels c WHERE c.spectrum_id = p.spectrum_id"
  "                      AND c.class NOT IN target_classes)),"
  " labelled AS (SELECT spectrum_id FROM current_labels"
  "   WHERE source IN ('oracle', 'import') AND class IN target_classes)"
  " SELECT spectrum_id FROM predicted UNION SELECT spectrum_id FROM labelled";

gboolean
em_experiment_get_counts (EmExperiment        *exp,
                          EmExperimentCounts  *counts,
                          GError             **error)
{
  g_autofree char *candidates = g_strdup_printf ("SELECT count (*) FROM (%s)", em_candidates_sql);

  memset (counts, 0, sizeof *counts);
  counts->n_classes = exp->classes->len;
  counts->batch_size = exp->batch_size;
  return count_query (exp, "SELECT count (*) FROM current_labels WHERE source = 'seed'",
                      &counts->seed_labels, error)
         && count_query (exp, "SELECT count (*) FROM current_labels WHERE source = 'oracle'",
                         &counts->oracle_labels, error)
         && count_query (exp, "SELECT count (*) FROM current_labels WHERE source = 'import'",
                         &counts->import_labels, error)
         && count_query (exp, "SELECT count (*) FROM labels", &counts->label_events, error)
         && count_query (exp, "SELECT count (*) FROM iterations", &counts->iterations, error)
         && count_query (exp,
                         "SELECT count (*) FROM query_batch"
                         " WHERE iteration = (SELECT max (number) FROM iterations)",
                         &counts->batch_items, error)
         && count_query (exp,
                         "SELECT count (*) FROM query_batch q JOIN current_labels c"
                         " ON c.spectrum_id = q.spectrum_id"
                         " WHERE q.iteration = (SELECT max (number) FROM iterations)",
                         &counts->batch_labelled, error)
         && count_query (exp, candidates, &counts->candidates, error);
}

void
em_query_batch_free (EmQueryBatch *batch)
{
  if (batch == NULL)
    return;
  for (guint i = 0; i < batch->n_items; i++)
    {
      g_free (batch->items[i].spectrum_id);
      g_free (batch->items[i].probabilities);
      g_free (batch->items[i].label);
    }
  g_free (batch->items);
  g_free (batch);
}

EmQueryBatch *
em_experiment_get_query_batch (EmExperiment  *exp,
                               GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(EmQueryBatch) batch = NULL;
  g_autoptr(GArray) items = NULL;
  int latest = em_experiment_latest_iteration (exp);

  if (latest < 0)
    return NULL;
  stmt = em_experiment_prepare (exp,
    "SELECT q.spectrum_id, q.pool_row, q.ra, q.dec, q.score, q.probabilities, c.class"
    " FROM query_batch q LEFT JOIN current_labels c ON c.spectrum_id = q.spectrum_id"
    " WHERE q.iteration = ? ORDER BY q.rank", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, latest);
  batch = g_new0 (EmQueryBatch, 1);
  batch->iteration = (guint) latest;
  batch->n_classes = exp->classes->len;
  items = g_array_new (FALSE, TRUE, sizeof (EmQueryItem));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      EmQueryItem item = { 0 };
      int bytes = sqlite3_column_bytes (stmt, 5);

      item.spectrum_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      item.row = sqlite3_column_int64 (stmt, 1);
      item.ra = sqlite3_column_type (stmt, 2) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 2);
      item.dec = sqlite3_column_type (stmt, 3) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 3);
      item.score = sqlite3_column_double (stmt, 4);
      item.probabilities = g_new0 (float, batch->n_classes);
      if (bytes == (int) (batch->n_classes * sizeof (float)))
        memcpy (item.probabilities, sqlite3_column_blob (stmt, 5), (gsize) bytes);
      if (sqlite3_column_type (stmt, 6) != SQLITE_NULL)
        item.label = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
      g_array_append_val (items, item);
    }
  batch->n_items = items->len;
  batch->items = (EmQueryItem *) (void *) g_array_free (g_steal_pointer (&items), FALSE);
  return g_steal_pointer (&batch);
}

void
em_iteration_info_free (EmIterationInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->strategy);
  g_free (info->started);
  g_free (info->checkpoint);
  g_free (info->class_sizes);
  g_free (info);
}

GPtrArray *
em_experiment_get_iterations (EmExperiment  *exp,
                              GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = em_experiment_prepare (exp,
    "SELECT number, strategy, started, train_size, train_size_balanced, epochs, loss,"
    " accuracy, seconds_train, seconds_score, n_candidates, checkpoint"
    " FROM iterations ORDER BY number", error);
  GPtrArray *list;

  if (stmt == NULL)
    return NULL;
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) em_iteration_info_free);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      EmIterationInfo *info = g_new0 (EmIterationInfo, 1);

      info->number = (guint) sqlite3_column_int (stmt, 0);
      info->strategy = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      info->started = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      info->train_size = (guint) sqlite3_column_int (stmt, 3);
      info->train_size_balanced = (guint) sqlite3_column_int (stmt, 4);
      info->epochs = (guint) sqlite3_column_int (stmt, 5);
      info->loss = sqlite3_column_double (stmt, 6);
      info->accuracy = sqlite3_column_double (stmt, 7);
      info->seconds_train = sqlite3_column_double (stmt, 8);
      info->seconds_score = sqlite3_column_double (stmt, 9);
      info->n_candidates = (guint) sqlite3_column_int (stmt, 10);
      info->checkpoint = g_strdup ((const char *) sqlite3_column_text (stmt, 11));
      info->n_classes = exp->classes->len;
      g_ptr_array_add (list, info);
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (exp->has_class_sizes && list->len > 0)
    {
      /* Iterations before schema version 2 have no rows: NULL sizes. */
      stmt = em_experiment_prepare (exp,
        "SELECT iteration, class_idx, train_size FROM iteration_classes", error);
      if (stmt == NULL)
        {
          g_ptr_array_unref (list);
          return NULL;
        }
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          guint number = (guint) sqlite3_column_int (stmt, 0);
          int cls = sqlite3_column_int (stmt, 1);

          if (cls < 0 || (guint) cls >= exp->classes->len)
            continue;
          for (guint i = 0; i < list->len; i++)
            {
              EmIterationInfo *info = g_ptr_array_index (list, i);

              if (info->number != number)
                continue;
              if (info->class_sizes == NULL)
                info->class_sizes = g_new0 (guint, info->n_classes);
              info->class_sizes[cls] = (guint) sqlite3_column_int (stmt, 2);
            }
        }
    }
  return list;
}

EmExperiment *
em_experiment_create (const char                *dir,
                      const EmExperimentConfig  *config,
                      GError                   **error)
{
  g_autoptr(EmPool) pool = NULL;
  g_autoptr(EmLabelledSet) set = NULL;
  g_autofree float *flux = NULL;
  g_autofree char *pool_path = NULL;
  g_autofree char *seed_path = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *pool_identity = NULL;
  EmExperimentConfig resolved;
  EmPreprocessParams params;
  EmSeedData seed;
  guint n;

  g_return_val_if_fail (dir != NULL && config != NULL, NULL);
  if (config->pool_path == NULL || config->seed_set_path == NULL)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("An experiment needs a pool and a seed set"));
      return NULL;
    }
  /* Absolute paths: the experiment may be opened from anywhere. */
  pool_path = g_canonicalize_filename (config->pool_path, NULL);
  seed_path = g_canonicalize_filename (config->seed_set_path, NULL);
  pool = em_pool_open (pool_path, error);
  if (pool == NULL)
    return NULL;
  set = em_labelled_set_read_csv (seed_path, error);
  if (set == NULL)
    return NULL;
  /* The seed set's origin: its path and a checksum of its bytes; the
   * pool's: its path, size and grid (checked again by every iteration). */
  {
    g_autofree char *bytes = NULL;
    gsize length = 0;

    if (!g_file_get_contents (seed_path, &bytes, &length, error))
      return NULL;
    sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) bytes, length);
  }
  {
    g_autofree char *grid = em_grid_to_string (em_pool_get_grid (pool));
    pool_identity = g_strdup_printf ("rows=%" G_GUINT64_FORMAT ";grid=%s",
                                     em_pool_get_n_rows (pool), grid);
  }

  /* The seed spectra go onto the pool's grid with the pool's scaling, so
   * that training and scoring see the same representation.  (The seed set
   * is already at survey resolution: no blur.) */
  em_pool_get_preprocess_params (pool, &params);
  n = em_pool_get_n_fluxes (pool);
  flux = g_new (float, (gsize) set->n_rows * n);
  for (guint r = 0; r < set->n_rows; r++)
    {
      g_autofree char *what = g_strdup_printf ("%s, row %u (%s)", seed_path, r + 1, set->ids[r]);
      float *out = flux + (gsize) r * n;

      if (!em_resample_linear (set->wave, set->flux + (gsize) r * set->n_flux, set->n_flux,
                               &params.grid, out, what, error))
        return NULL;
      if (params.scale)
        em_scale_minmax (out, n);
    }
  resolved = *config;
  resolved.pool_path = pool_path;
  resolved.seed_set_path = seed_path;
  seed.n_rows = set->n_rows;
  seed.n_flux = n;
  seed.ids = (const char *const *) set->ids;
  seed.labels = (const char *const *) set->labels;
  seed.ra = set->ra;
  seed.dec = set->dec;
  seed.flux = flux;
  seed.sha256 = sha256;
  seed.pool_identity = pool_identity;
  return em_experiment_create_raw (dir, &resolved, &seed, error);
}
