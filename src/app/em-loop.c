/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "app/em-experiment-private.h"
#include "app/em-loop.h"
#include "app/em-pool.h"
#include "app/em-score.h"
#include "nn/nn.h"
#include "spectra/em-preprocess.h"

/* Share of the overall progress fraction per phase. */
#define LOAD_END  0.02
#define SMOTE_END 0.05
#define TRAIN_END 0.80
#define SCORE_END 0.98

typedef struct
{
  EmProgressFunc  progress;
  gpointer        user_data;
  GCancellable   *cancellable;
  guint           max_epochs;
  gint64          last_report;
} LoopProgress;

static void
report (LoopProgress *lp,
        double        fraction,
        const char   *message)
{
  if (lp->progress != NULL)
    lp->progress (fraction, message, lp->user_data);
}

static int
train_progress (int    epoch,
                float  loss,
                float  accuracy,
                void  *user_data)
{
  LoopProgress *lp = user_data;
  g_autofree char *message = g_strdup_printf ("train: epoch %d/%u loss %.4f accuracy %.3f",
                                              epoch, lp->max_epochs, loss, accuracy);

  report (lp, SMOTE_END + (TRAIN_END - SMOTE_END) * MIN (1.0, (double) epoch / lp->max_epochs), message);
  return g_cancellable_is_cancelled (lp->cancellable) ? 1 : 0;
}

static void
score_progress (double      fraction,
                const char *message,
                gpointer    user_data)
{
  LoopProgress *lp = user_data;
  g_autofree char *text = g_strdup_printf ("score: %s", message ? message : "");

  report (lp, TRAIN_END + (SCORE_END - TRAIN_END) * CLAMP (fraction, 0.0, 1.0), text);
}

static gboolean
nn_failed (int      status,
           char    *err,
           const char *what,
           GError **error)
{
  if (status == NN_CANCELLED)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("%s cancelled"), what);
  else
    g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID, "%s: %s", what,
                 err ? err : _("unknown error"));
  free (err);
  return FALSE;
}

/* The labelled set as of label record @watermark: seed spectra from the
 * database, oracle and imported labels from the pool. */
static gboolean
gather_training_set (EmExperiment  *exp,
                     EmPool        *pool,
                     gint64         watermark,
                     GArray        *x,
                     GArray        *y,
                     guint8        *exclude,
                     GError       **error)
{
  g_autoptr(sqlite3_stmt) seed = NULL;
  g_autoptr(sqlite3_stmt) oracle = NULL;
  guint dim = exp->n_flux;
  guint64 n_rows = em_pool_get_n_rows (pool);
  g_autofree float *row = g_new (float, dim);

  /* current_labels as of the watermark: labels and undos after it are not
   * taken in yet. */
  seed = em_experiment_prepare (exp,
    "SELECT s.flux, c.class FROM seed_spectra s JOIN current_labels c"
    " ON c.spectrum_id = s.spectrum_id ORDER BY s.rowid", error);
  if (seed == NULL)
    return FALSE;
  while (sqlite3_step (seed) == SQLITE_ROW)
    {
      int cls = em_experiment_find_class (exp, (const char *) sqlite3_column_text (seed, 1));

      if (cls < 0 || sqlite3_column_bytes (seed, 0) != (int) (dim * sizeof (float)))
        continue;
      g_array_append_vals (x, sqlite3_column_blob (seed, 0), dim);
      g_array_append_val (y, cls);
    }

  oracle = em_experiment_prepare (exp,
    "WITH eff AS (SELECT l.* FROM labels l WHERE l.id <= ?1 AND l.source IN ('oracle', 'import')"
    "    AND NOT EXISTS (SELECT 1 FROM labels u WHERE u.undoes = l.id AND u.id <= ?1)),"
    " cur AS (SELECT e.* FROM eff e JOIN (SELECT spectrum_id AS sid, max (id) AS mid FROM eff"
    "    GROUP BY spectrum_id) m ON e.id = m.mid)"
    " SELECT pool_row, class, spectrum_id FROM cur ORDER BY pool_row", error);
  if (oracle == NULL)
    return FALSE;
  sqlite3_bind_int64 (oracle, 1, watermark);
  while (sqlite3_step (oracle) == SQLITE_ROW)
    {
      gint64 pool_row = sqlite3_column_int64 (oracle, 0);
      int cls = em_experiment_find_class (exp, (const char *) sqlite3_column_text (oracle, 1));

      if (pool_row < 0 || (guint64) pool_row >= n_rows || cls < 0)
        {
          g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                       _("Label of “%s” names pool row %lld, outside the pool “%s”"),
                       (const char *) sqlite3_column_text (oracle, 2), (long long) pool_row, exp->pool_path);
          return FALSE;
        }
      if (!em_pool_read_fluxes (pool, (guint64) pool_row, 1, row, error))
        return FALSE;
      g_array_append_vals (x, row, dim);
      g_array_append_val (y, cls);
      exclude[pool_row] = 1;
    }
  return TRUE;
}

/* Every pool row labelled now, also after the watermark (the oracle may
 * label while we train): never ask for them again. */
static gboolean
exclude_labelled (EmExperiment  *exp,
                  guint64        n_rows,
                  guint8        *exclude,
                  GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt =
    em_experiment_prepare (exp, "SELECT pool_row FROM current_labels WHERE pool_row >= 0", error);

  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 r = sqlite3_column_int64 (stmt, 0);
      if (r >= 0 && (guint64) r < n_rows)
        exclude[r] = 1;
    }
  return TRUE;
}

static char *
class_list (EmExperiment *exp,
            gboolean      targets_only)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < exp->classes->len; i++)
    if (!targets_only || em_experiment_class_is_target (exp, i))
      {
        if (s->len)
          g_string_append_c (s, ',');
        g_string_append (s, g_ptr_array_index (exp->classes, i));
      }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
bind_row_meta (sqlite3_stmt *stmt,
               int           first,
               EmPool       *pool,
               guint64       row)
{
  g_autoptr(EmPoolRow) meta = em_pool_get_row (pool, row, NULL);

  if (meta != NULL && meta->designation != NULL)
    sqlite3_bind_text (stmt, first, meta->designation, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, first);
  if (meta != NULL && isfinite (meta->ra))
    sqlite3_bind_double (stmt, first + 1, meta->ra);
  else
    sqlite3_bind_null (stmt, first + 1);
  if (meta != NULL && isfinite (meta->dec))
    sqlite3_bind_double (stmt, first + 2, meta->dec);
  else
    sqlite3_bind_null (stmt, first + 2);
}

typedef struct
{
  guint   number;
  char   *strategy;
  char   *started;
  guint   train_size;
  guint   train_size_balanced;
  guint   epochs;
  double  loss;
  double  accuracy;
  double  seconds_train;
  double  seconds_score;
  gint64  watermark;
  char   *checkpoint;      /* relative */
  char   *predictions;     /* relative */
  guint  *class_sizes;     /* labelled spectra per class, before SMOTE */
} IterationRecord;

static gboolean
commit_iteration (EmExperiment     *exp,
                  EmPool           *pool,
                  IterationRecord  *rec,
                  EmScoreResult    *res,
                  const guint8     *exclude,
                  GError          **error)
{
  g_autoptr(sqlite3_stmt) it = NULL;
  g_autoptr(sqlite3_stmt) qb = NULL;
  g_autoptr(sqlite3_stmt) pt = NULL;
  g_autofree char *finished = em_experiment_now ();
  guint n_classes = exp->classes->len;
  guint n_candidates = 0;

  if (!em_experiment_exec (exp, "BEGIN IMMEDIATE", error))
    return FALSE;

  pt = em_experiment_prepare (exp,
    "INSERT INTO predicted_targets (iteration, spectrum_id, pool_row, designation, ra, dec,"
    " class_idx, probabilities) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (pt == NULL)
    goto rollback;
  for (guint64 r = 0; r < res->n_rows; r++)
    {
      const float *p = res->probs + r * n_classes;
      guint best = 0;
      g_autofree char *id = NULL;

      for (guint c = 1; c < n_classes; c++)
        if (p[c] > p[best])
          best = c;
      if (!em_experiment_class_is_target (exp, best))
        continue;
      id = em_pool_get_id (pool, r, error);
      if (id == NULL)
        goto rollback;
      sqlite3_reset (pt);
      sqlite3_bind_int (pt, 1, (int) rec->number);
      sqlite3_bind_text (pt, 2, id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (pt, 3, (gint64) r);
      bind_row_meta (pt, 4, pool, r);
      sqlite3_bind_int (pt, 7, (int) best);
      sqlite3_bind_blob (pt, 8, p, (int) (n_classes * sizeof (float)), SQLITE_STATIC);
      /* A pool may hold one spectrum twice (several files): keep the first. */
      if (sqlite3_step (pt) != SQLITE_DONE && sqlite3_errcode (exp->db) != SQLITE_CONSTRAINT)
        {
          em_experiment_db_error (exp, error);
          goto rollback;
        }
      n_candidates++;
    }

  qb = em_experiment_prepare (exp,
    "INSERT INTO query_batch (iteration, rank, spectrum_id, pool_row, designation, ra, dec,"
    " score, probabilities) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (qb == NULL)
    goto rollback;
  for (guint i = 0; i < res->n_top; i++)
    {
      guint64 r = res->top_rows[i];

      sqlite3_reset (qb);
      sqlite3_bind_int (qb, 1, (int) rec->number);
      sqlite3_bind_int (qb, 2, (int) i);
      sqlite3_bind_text (qb, 3, res->top_ids[i], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (qb, 4, (gint64) r);
      bind_row_meta (qb, 5, pool, r);
      sqlite3_bind_double (qb, 8, res->top_scores[i]);
      sqlite3_bind_blob (qb, 9, res->probs + r * n_classes, (int) (n_classes * sizeof (float)),
                         SQLITE_STATIC);
      if (sqlite3_step (qb) != SQLITE_DONE)
        {
          em_experiment_db_error (exp, error);
          goto rollback;
        }
    }

  it = em_experiment_prepare (exp,
    "INSERT INTO iterations (number, strategy, started, finished, train_size,"
    " train_size_balanced, epochs, loss, accuracy, seconds_train, seconds_score,"
    " n_candidates, checkpoint, predictions, last_label_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (it == NULL)
    goto rollback;
  sqlite3_bind_int (it, 1, (int) rec->number);
  sqlite3_bind_text (it, 2, rec->strategy, -1, SQLITE_STATIC);
  sqlite3_bind_text (it, 3, rec->started, -1, SQLITE_STATIC);
  sqlite3_bind_text (it, 4, finished, -1, SQLITE_STATIC);
  sqlite3_bind_int (it, 5, (int) rec->train_size);
  sqlite3_bind_int (it, 6, (int) rec->train_size_balanced);
  sqlite3_bind_int (it, 7, (int) rec->epochs);
  sqlite3_bind_double (it, 8, rec->loss);
  sqlite3_bind_double (it, 9, rec->accuracy);
  sqlite3_bind_double (it, 10, rec->seconds_train);
  sqlite3_bind_double (it, 11, rec->seconds_score);
  sqlite3_bind_int (it, 12, (int) n_candidates);
  sqlite3_bind_text (it, 13, rec->checkpoint, -1, SQLITE_STATIC);
  sqlite3_bind_text (it, 14, rec->predictions, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (it, 15, rec->watermark);
  if (sqlite3_step (it) != SQLITE_DONE)
    {
      em_experiment_db_error (exp, error);
      goto rollback;
    }
  if (rec->class_sizes != NULL)
    {
      g_autoptr(sqlite3_stmt) ic = em_experiment_prepare (exp,
        "INSERT INTO iteration_classes (iteration, class_idx, train_size) VALUES (?, ?, ?)",
        error);

      if (ic == NULL)
        goto rollback;
      for (guint c = 0; c < n_classes; c++)
        {
          sqlite3_reset (ic);
          sqlite3_bind_int (ic, 1, (int) rec->number);
          sqlite3_bind_int (ic, 2, (int) c);
          sqlite3_bind_int (ic, 3, (int) rec->class_sizes[c]);
          if (sqlite3_step (ic) != SQLITE_DONE)
            {
              em_experiment_db_error (exp, error);
              goto rollback;
            }
        }
    }
  (void) exclude;
  if (!em_experiment_exec (exp, "COMMIT", error))
    goto rollback;
  return TRUE;

rollback:
  sqlite3_exec (exp->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

typedef struct
{
  int   epochs;
  float loss;
  float accuracy;
  LoopProgress *lp;
} TrainWatch;

static int
train_watch (int    epoch,
             float  loss,
             float  accuracy,
             void  *user_data)
{
  TrainWatch *w = user_data;

  w->epochs = epoch;
  w->loss = loss;
  w->accuracy = accuracy;
  return train_progress (epoch, loss, accuracy, w->lp);
}

gboolean
em_loop_iterate (EmExperiment            *shared,
                 const EmIterateOptions  *options,
                 EmProgressFunc           progress,
                 gpointer                 user_data,
                 GCancellable            *cancellable,
                 guint                   *iteration,
                 GError                 **error)
{
  static const EmIterateOptions defaults = { 0 };
  EmExperiment worker;
  EmExperiment *exp = &worker;
  g_autoptr(EmPool) pool = NULL;
  g_autoptr(GArray) x = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) y = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree guint8 *exclude = NULL;
  g_autofree char *checkpoint_path = NULL, *partial_path = NULL, *predictions_path = NULL;
  g_autofree char *classes = NULL, *targets = NULL, *grid = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  g_autoptr(GError) local = NULL;
  float *x_bal = NULL;
  int *y_bal = NULL;
  size_t n_bal = 0;
  NnModel *model = NULL;
  NnQueryStrategy strategy;
  NnTrainOptions train;
  EmScoreResult res;
  IterationRecord rec = { 0 };
  LoopProgress lp = { progress, user_data, cancellable, 0, 0 };
  TrainWatch watch = { 0 };
  char *err = NULL;
  guint64 n_rows;
  guint dim = shared->n_flux, n_classes = shared->classes->len;
  int status, latest;
  gboolean ok = FALSE;

  if (options == NULL)
    options = &defaults;
  if (!em_experiment_require_writable (shared, error))
    return FALSE;
  /* The loop runs in a worker thread while the GUI goes on labelling
   * through @shared: it works on its own connection, so that its commit
   * transaction never swallows (or rolls back) a label given meanwhile.
   * WAL serialises the two writers; the lock on the folder stays with
   * @shared. */
  worker = *shared;
  worker.pool = NULL;
  worker.db = NULL;
  if (sqlite3_open_v2 (shared->db_path, &worker.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                       NULL) != SQLITE_OK)
    {
      em_experiment_db_error (&worker, error);
      sqlite3_close_v2 (worker.db);
      return FALSE;
    }
  sqlite3_busy_timeout (worker.db, 30000);
  if (!em_experiment_exec (&worker, "PRAGMA synchronous = FULL", error))
    {
      sqlite3_close_v2 (worker.db);
      return FALSE;
    }
  rec.strategy = g_strdup (options->strategy ? options->strategy : exp->strategy);
  if (nn_query_strategy_from_string (rec.strategy, &strategy) != NN_OK)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("Unknown query strategy “%s” (entropy, margin, least-confidence, random, bald)"),
                   rec.strategy);
      goto out;
    }
  lp.max_epochs = options->max_epochs ? options->max_epochs : exp->max_epochs;
  if (exp->pool_path == NULL)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("Experiment “%s” has no pool"), exp->dir);
      goto out;
    }
  pool = em_pool_open (exp->pool_path, error);
  if (pool == NULL)
    goto out;
  if (em_pool_get_n_fluxes (pool) != dim)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("Pool “%s” has %u fluxes per spectrum; experiment “%s” was made for %u"),
                   exp->pool_path, em_pool_get_n_fluxes (pool), exp->dir, dim);
      goto out;
    }
  n_rows = em_pool_get_n_rows (pool);
  exclude = g_new0 (guint8, MAX (n_rows, 1));

  latest = em_experiment_latest_iteration (exp);
  rec.number = (guint) (latest + 1);
  rec.started = em_experiment_now ();
  {
    g_autoptr(sqlite3_stmt) stmt = em_experiment_prepare (exp, "SELECT coalesce (max (id), 0) FROM labels", error);
    if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
      goto out;
    rec.watermark = sqlite3_column_int64 (stmt, 0);
  }

  /* 1. The labelled set. */
  report (&lp, 0, "load: labelled spectra");
  if (!gather_training_set (exp, pool, rec.watermark, x, y, exclude, error))
    goto out;
  rec.train_size = y->len;
  {
    guint *per_class = rec.class_sizes = g_new0 (guint, n_classes);
    for (guint i = 0; i < y->len; i++)
      per_class[g_array_index (y, int, i)]++;
    for (guint c = 0; c < n_classes; c++)
      if (per_class[c] == 0)
        {
          g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                       _("No labelled spectrum of class “%s” in experiment “%s”: the network "
                         "cannot learn it"), em_experiment_get_class (exp, c), exp->dir);
          goto out;
        }
  }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;

  /* 2. Balance with SMOTE (k = 5), as the method does. */
  report (&lp, LOAD_END, "smote: balancing the training set");
  if (options->no_smote)
    {
      n_bal = y->len;
      /* Same ownership as nn_smote's buffers: malloc'd. */
      x_bal = malloc (MAX (x->len, 1) * sizeof (float));
      y_bal = malloc (MAX (y->len, 1) * sizeof (int));
      if (x_bal == NULL || y_bal == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, _("Out of memory"));
          goto out;
        }
      memcpy (x_bal, x->data, x->len * sizeof (float));
      memcpy (y_bal, y->data, y->len * sizeof (int));
    }
  else
    {
      status = nn_smote ((const float *) (void *) x->data, (const int *) (void *) y->data, y->len,
                         (int) dim, (int) n_classes, 5, exp->seed + rec.number,
                         &x_bal, &y_bal, &n_bal, &err);
      if (status != NN_OK)
        {
          nn_failed (status, err, _("SMOTE"), error);
          goto out;
        }
    }
  rec.train_size_balanced = (guint) n_bal;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;

  /* 3. Train a fresh network (or continue the latest one). */
  if (options->warm_start && latest >= 0)
    {
      g_autofree char *prev = NULL;
      g_autofree char *prev_path = NULL;
      g_autoptr(sqlite3_stmt) stmt =
        em_experiment_prepare (exp, "SELECT checkpoint FROM iterations WHERE number = ?", error);
      if (stmt == NULL)
        goto out;
      sqlite3_bind_int (stmt, 1, latest);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        prev = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      prev_path = g_build_filename (exp->dir, prev ? prev : "", NULL);
      model = nn_model_load (prev_path, &err);
      if (model == NULL)
        {
          g_autofree char *what = g_strdup_printf (_("Loading the checkpoint “%s”"), prev_path);
          nn_failed (NN_ERROR, err, what, error);
          goto out;
        }
    }
  else
    {
      model = nn_model_new_preset (exp->preset, (int) dim, (int) n_classes,
                                   exp->seed + rec.number, &err);
      if (model == NULL)
        {
          nn_failed (NN_ERROR, err, _("Building the network"), error);
          goto out;
        }
    }
  nn_train_options_init (&train);
  train.max_epochs = (int) lp.max_epochs;
  train.seed = exp->seed + 1000003u * (rec.number + 1);
  train.n_threads = (int) options->n_threads;
  watch.lp = &lp;
  train.progress = train_watch;
  train.user_data = &watch;
  report (&lp, SMOTE_END, "train: starting");
  status = nn_model_train (model, x_bal, y_bal, n_bal, &train, &err);
  if (status != NN_OK)
    {
      nn_failed (status, err, _("Training"), error);
      goto out;
    }
  rec.epochs = (guint) watch.epochs;
  rec.loss = watch.loss;
  rec.accuracy = watch.accuracy;
  rec.seconds_train = g_timer_elapsed (timer, NULL);

  classes = class_list (exp, FALSE);
  targets = class_list (exp, TRUE);
  grid = em_grid_to_string (em_pool_get_grid (pool));
  nn_model_set_metadata (model, "classes", classes);
  nn_model_set_metadata (model, "targets", targets);
  nn_model_set_metadata (model, "grid", grid);
  {
    char buf[32];
    g_snprintf (buf, sizeof buf, "%u", rec.number);
    nn_model_set_metadata (model, "iteration", buf);
  }
  /* nn_model_save writes a temporary file and renames it into place; the
   * checkpoint only counts once the iteration row naming it commits. */
  rec.checkpoint = g_strdup_printf ("checkpoints/iter-%03u.safetensors", rec.number);
  checkpoint_path = g_build_filename (exp->dir, rec.checkpoint, NULL);
  if (nn_model_save (model, checkpoint_path, &err) != NN_OK)
    {
      g_autofree char *what = g_strdup_printf (_("Saving the checkpoint “%s”"), checkpoint_path);
      nn_failed (NN_ERROR, err, what, error);
      goto out;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;

  /* 4. Score the pool; labelled rows never enter the query batch. */
  if (!exclude_labelled (exp, n_rows, exclude, error))
    goto out;
  em_score_result_init (&res);
  res.keep_probs = TRUE;
  res.exclude = exclude;
  rec.predictions = g_strdup_printf ("predictions/iter-%03u.fits", rec.number);
  predictions_path = g_build_filename (exp->dir, rec.predictions, NULL);
  partial_path = g_strdup_printf ("%s/predictions/iter-%03u.partial.fits", exp->dir, rec.number);
  g_remove (partial_path);
  g_timer_start (timer);
  report (&lp, TRAIN_END, "score: starting");
  if (!em_pool_score (pool, model, strategy, partial_path,
                      options->batch_size ? options->batch_size : exp->batch_size,
                      &res, score_progress, &lp, cancellable, &local))
    {
      /* One way to say "cancelled" to our callers, whatever the layer. */
      if (g_error_matches (local, EM_POOL_ERROR, EM_POOL_ERROR_CANCELLED))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", local->message);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      em_score_result_clear (&res);
      g_remove (partial_path);
      goto out;
    }
  rec.seconds_score = g_timer_elapsed (timer, NULL);
  if (g_rename (partial_path, predictions_path) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot rename “%s” to “%s”: %s"), partial_path, predictions_path,
                   g_strerror (saved));
      em_score_result_clear (&res);
      goto out;
    }
  {
    g_autofree char *ckdir = g_build_filename (exp->dir, "checkpoints", NULL);
    g_autofree char *prdir = g_build_filename (exp->dir, "predictions", NULL);
    em_experiment_sync_dir (ckdir);
    em_experiment_sync_dir (prdir);
  }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      em_score_result_clear (&res);
      goto out;
    }

  /* 5. Commit the iteration, its query batch and its predicted targets in
   * one transaction: all or nothing. */
  report (&lp, SCORE_END, "commit");
  ok = commit_iteration (exp, pool, &rec, &res, exclude, error);
  em_score_result_clear (&res);
  if (ok)
    {
      report (&lp, 1.0, "done");
      if (iteration != NULL)
        *iteration = rec.number;
    }

out:
  if (!ok)
    {
      /* Files of an iteration that did not commit are left for the next
       * open to sweep (em_experiment_open removes unreferenced files);
       * remove them now when we can. */
      if (checkpoint_path != NULL && em_experiment_latest_iteration (exp) < (int) rec.number)
        g_remove (checkpoint_path);
      if (predictions_path != NULL && em_experiment_latest_iteration (exp) < (int) rec.number)
        g_remove (predictions_path);
    }
  nn_model_free (model);
  free (x_bal);
  free (y_bal);
  sqlite3_close_v2 (worker.db);
  g_free (rec.strategy);
  g_free (rec.started);
  g_free (rec.checkpoint);
  g_free (rec.predictions);
  g_free (rec.class_sizes);
  return ok;
}

typedef struct
{
  EmIterateOptions  options;
  char             *strategy;
  EmProgressFunc    progress;
  gpointer          progress_data;
} IterateTaskData;

static void
iterate_task_data_free (gpointer data)
{
  IterateTaskData *d = data;

  g_free (d->strategy);
  g_free (d);
}

static void
iterate_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  IterateTaskData *d = task_data;
  EmExperiment *exp = g_task_get_source_tag (task) == em_loop_iterate_async
                        ? g_object_get_data (G_OBJECT (task), "em-experiment") : NULL;
  GError *error = NULL;
  guint number = 0;

  if (em_loop_iterate (exp, &d->options, d->progress, d->progress_data, cancellable, &number, &error))
    g_task_return_int (task, number);
  else
    g_task_return_error (task, error);
}

void
em_loop_iterate_async (EmExperiment            *exp,
                       const EmIterateOptions  *options,
                       EmProgressFunc           progress,
                       gpointer                 progress_data,
                       GCancellable            *cancellable,
                       GAsyncReadyCallback      callback,
                       gpointer                 user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  IterateTaskData *d = g_new0 (IterateTaskData, 1);

  g_return_if_fail (exp != NULL);
  if (options != NULL)
    d->options = *options;
  d->strategy = g_strdup (d->options.strategy);
  d->options.strategy = d->strategy;
  d->progress = progress;
  d->progress_data = progress_data;
  g_task_set_source_tag (task, em_loop_iterate_async);
  g_task_set_task_data (task, d, iterate_task_data_free);
  /* EmExperiment is no GObject: the task carries it as plain data. */
  g_object_set_data (G_OBJECT (task), "em-experiment", exp);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, iterate_thread);
}

gboolean
em_loop_iterate_finish (EmExperiment  *exp,
                        GAsyncResult  *result,
                        guint         *iteration,
                        GError       **error)
{
  gssize number;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == em_loop_iterate_async, FALSE);
  number = g_task_propagate_int (G_TASK (result), error);
  if (number < 0)
    return FALSE;
  if (iteration != NULL)
    *iteration = (guint) number;
  return TRUE;
}
