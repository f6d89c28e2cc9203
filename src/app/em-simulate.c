/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "app/em-candidates.h"
#include "app/em-experiment-private.h"
#include "app/em-simulate.h"

/* Reads `id,label` (a header line first; further columns ignored) into a
 * table id → class index, mapping labels outside the scheme to the first
 * non-target class. */
static GHashTable *
read_truth (EmExperiment  *exp,
            const char    *path,
            GError       **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) truth = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int fallback = -1;

  for (guint c = 0; c < em_experiment_get_n_classes (exp) && fallback < 0; c++)
    if (!em_experiment_class_is_target (exp, c))
      fallback = (int) c;
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cols = NULL;
      int cls;

      g_strchomp (lines[i]);
      if (lines[i][0] == '\0')
        continue;
      cols = g_strsplit (lines[i], ",", 3);
      if (cols[0] == NULL || cols[1] == NULL || cols[0][0] == '\0')
        {
          g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                       _("Truth file “%s”, line %u: expected “id,label”"), path, i + 1);
          return NULL;
        }
      g_strstrip (cols[0]);
      g_strstrip (cols[1]);
      cls = em_experiment_find_class (exp, cols[1]);
      if (cls < 0)
        cls = fallback;
      g_hash_table_insert (truth, g_strdup (cols[0]), GINT_TO_POINTER (cls + 1));
    }
  if (g_hash_table_size (truth) == 0)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("Truth file “%s” holds no labels"), path);
      return NULL;
    }
  return g_steal_pointer (&truth);
}

static int
truth_class (GHashTable *truth,
             const char *id)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (truth, id)) - 1;
}

/* Precision and recall of the current candidates against the truth. */
static gboolean
measure (EmExperiment   *exp,
         GHashTable     *truth,
         guint           truth_targets,
         EmSimulateStep *step,
         GError        **error)
{
  g_autoptr(GPtrArray) list = em_candidates_list (exp, error);

  if (list == NULL)
    return FALSE;
  step->candidates = list->len;
  step->true_positives = 0;
  for (guint i = 0; i < list->len; i++)
    {
      EmCandidate *c = list->pdata[i];
      int t = truth_class (truth, c->spectrum_id);
      if (t >= 0 && em_experiment_class_is_target (exp, (guint) t))
        step->true_positives++;
    }
  step->truth_targets = truth_targets;
  step->precision = list->len ? (double) step->true_positives / list->len : 0;
  step->recall = truth_targets ? (double) step->true_positives / truth_targets : 0;
  return TRUE;
}

/* The simulated oracle answers the whole current batch; one transaction
 * (the answers are known at once, unlike a human's). */
static gboolean
answer_batch (EmExperiment  *exp,
              GHashTable    *truth,
              GError       **error)
{
  g_autoptr(EmQueryBatch) batch = em_experiment_get_query_batch (exp, error);

  if (batch == NULL)
    return error == NULL || *error == NULL;
  if (!em_experiment_exec (exp, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint i = 0; i < batch->n_items; i++)
    {
      EmQueryItem *item = &batch->items[i];
      int t;

      if (item->label != NULL)
        continue;
      t = truth_class (truth, item->spectrum_id);
      if (t < 0)
        {
          g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND,
                       _("The simulated oracle has no label for “%s”"), item->spectrum_id);
          goto rollback;
        }
      if (!em_experiment_add_label_with_row (exp, item->spectrum_id, item->row,
                                             em_experiment_get_class (exp, (guint) t),
                                             EM_LABEL_SOURCE_ORACLE, 0, "simulated oracle", error))
        goto rollback;
    }
  return em_experiment_exec (exp, "COMMIT", error);

rollback:
  sqlite3_exec (exp->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static double
cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static gboolean
run_one (EmExperiment            *exp,
         GHashTable              *truth,
         guint                    truth_targets,
         const EmIterateOptions  *options,
         EmSimulateStepFunc       step_func,
         gpointer                 step_data,
         EmProgressFunc           progress,
         gpointer                 progress_data,
         GCancellable            *cancellable,
         GError                 **error)
{
  g_autoptr(GTimer) timer = g_timer_new ();
  g_autoptr(GPtrArray) iterations = NULL;
  EmSimulateStep step = { 0 };
  guint number = 0;
  double cpu = cpu_now ();

  if (!em_loop_iterate (exp, options, progress, progress_data, cancellable, &number, error))
    return FALSE;
  step.seconds = g_timer_elapsed (timer, NULL);
  step.cpu_seconds = cpu_now () - cpu;
  step.iteration = number;
  iterations = em_experiment_get_iterations (exp, error);
  if (iterations == NULL)
    return FALSE;
  for (guint i = 0; i < iterations->len; i++)
    {
      EmIterationInfo *info = iterations->pdata[i];
      if (info->number == number)
        {
          step.train_size = info->train_size;
          step.train_size_balanced = info->train_size_balanced;
          step.epochs = info->epochs;
        }
    }
  if (!measure (exp, truth, truth_targets, &step, error))
    return FALSE;
  if (step_func)
    step_func (&step, step_data);
  return TRUE;
}

/* Recall counts the targets of the pool only (the truth file may also
 * cover the seed set). */
static gboolean
count_pool_targets (EmExperiment  *exp,
                    GHashTable    *truth,
                    guint         *n,
                    GError       **error)
{
  g_autoptr(EmPool) pool = em_pool_open (exp->pool_path, error);
  GHashTableIter iter;
  gpointer key, value;

  *n = 0;
  if (pool == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, truth);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      int t = GPOINTER_TO_INT (value) - 1;
      g_autoptr(GError) local = NULL;

      if (t < 0 || !em_experiment_class_is_target (exp, (guint) t))
        continue;
      if (em_pool_find_id (pool, key, &local) >= 0)
        (*n)++;
      else if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
em_simulate_run (EmExperiment            *exp,
                 const char              *truth_csv,
                 guint                    iterations,
                 const EmIterateOptions  *options,
                 EmSimulateStepFunc       step_func,
                 gpointer                 step_data,
                 EmProgressFunc           progress,
                 gpointer                 progress_data,
                 GCancellable            *cancellable,
                 GError                 **error)
{
  g_autoptr(GHashTable) truth = NULL;
  guint truth_targets = 0;

  if (!em_experiment_require_writable (exp, error))
    return FALSE;
  truth = read_truth (exp, truth_csv, error);
  if (truth == NULL)
    return FALSE;
  if (!count_pool_targets (exp, truth, &truth_targets, error))
    return FALSE;

  if (em_experiment_latest_iteration (exp) < 0
      && !run_one (exp, truth, truth_targets, options, step_func, step_data,
                   progress, progress_data, cancellable, error))
    return FALSE;
  for (guint k = 0; k < iterations; k++)
    {
      if (!answer_batch (exp, truth, error))
        return FALSE;
      if (!run_one (exp, truth, truth_targets, options, step_func, step_data,
                    progress, progress_data, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

GArray *
em_simulate_evaluate_predictions (EmExperiment  *exp,
                                  const char    *truth_csv,
                                  GError       **error)
{
  g_autoptr(GHashTable) truth = read_truth (exp, truth_csv, error);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) points = NULL;
  guint truth_targets = 0;

  if (truth == NULL || !count_pool_targets (exp, truth, &truth_targets, error))
    return NULL;
  stmt = em_experiment_prepare (exp,
    "SELECT i.number, p.spectrum_id FROM iterations i"
    " LEFT JOIN predicted_targets p ON p.iteration = i.number"
    " ORDER BY i.number", error);
  if (stmt == NULL)
    return NULL;
  points = g_array_new (FALSE, TRUE, sizeof (EmTruthPoint));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      guint number = (guint) sqlite3_column_int (stmt, 0);
      const char *id = (const char *) sqlite3_column_text (stmt, 1);
      EmTruthPoint *pt;
      int t;

      if (points->len == 0
          || g_array_index (points, EmTruthPoint, points->len - 1).iteration != number)
        {
          EmTruthPoint fresh = { number, 0, 0, truth_targets, NAN, NAN };

          g_array_append_val (points, fresh);
        }
      pt = &g_array_index (points, EmTruthPoint, points->len - 1);
      if (id == NULL)
        continue;               /* an iteration that predicted no target */
      pt->predicted++;
      t = truth_class (truth, id);
      if (t >= 0 && em_experiment_class_is_target (exp, (guint) t))
        pt->true_positives++;
    }
  for (guint i = 0; i < points->len; i++)
    {
      EmTruthPoint *pt = &g_array_index (points, EmTruthPoint, i);

      pt->precision = pt->predicted ? (double) pt->true_positives / pt->predicted : NAN;
      pt->recall = truth_targets ? (double) pt->true_positives / truth_targets : NAN;
    }
  return g_steal_pointer (&points);
}
