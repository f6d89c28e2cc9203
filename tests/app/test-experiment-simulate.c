/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The headless loop end to end on a small demo survey: experiment new,
 * simulate (JSON lines), batch, experiment info, candidates, estimate. */
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "app/em-experiment.h"
#include "app/em-experiment-private.h"
#include "app/em-loop.h"
#include "app/em-simulate.h"
#include "spectra/em-demo.h"

static char *tmp_dir;

static int
run (char **out,
     ...)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (args, (gpointer) g_getenv ("EM_CLI"));
  va_start (ap, out);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, &err, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (proc) != 0)
    g_printerr ("%s", err);
  return g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

/* The number after "KEY": in a one-line JSON object (our output has no
 * nesting ambiguity for the keys asked here). */
static double
number (const char *line,
        const char *key)
{
  g_autofree char *needle = g_strdup_printf ("\"%s\":", key);
  const char *p = strstr (line, needle);
  char *end = NULL;
  double v;

  g_assert_nonnull (p);
  v = g_ascii_strtod (p + strlen (needle), &end);
  g_assert_true (end != p + strlen (needle));
  return v;
}

static void
test_simulate (void)
{
  g_autofree char *demo = g_build_filename (tmp_dir, "demo", NULL);
  g_autofree char *pool = g_build_filename (tmp_dir, "pool.fits", NULL);
  g_autofree char *src = g_build_filename (demo, "pool", NULL);
  g_autofree char *seed = g_build_filename (demo, "seed.csv", NULL);
  g_autofree char *truth = g_build_filename (demo, "truth.csv", NULL);
  g_autofree char *exp = g_build_filename (tmp_dir, "sim.emissary", NULL);
  g_autofree char *vot = g_build_filename (tmp_dir, "candidates.vot", NULL);
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  double previous_train = -1;

  g_assert_true (em_demo_write (demo, 300, 200, 4, &error));
  g_assert_no_error (error);
  g_assert_cmpint (run (&out, "ingest", pool, src, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (&out, "experiment", "new", exp, "--seed-set", seed, "--pool", pool,
                        "--preset", "small", "--epochs", "2", "--batch", "20", NULL), ==, 0);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run (&out, "simulate", exp, "--oracle", truth, "--iterations", "2", NULL), ==, 0);
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  /* Iteration 0 (seed set alone), then one per labelled batch. */
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      double precision = number (lines[i], "precision");
      double recall = number (lines[i], "recall");
      double train = number (lines[i], "train_size");

      g_assert_true (g_str_has_prefix (lines[i], "{") && g_str_has_suffix (lines[i], "}"));
      g_assert_cmpfloat (number (lines[i], "iteration"), ==, i);
      g_assert_cmpfloat (number (lines[i], "candidates"), >=, 0);
      g_assert_cmpfloat (number (lines[i], "seconds"), >, 0);
      g_assert_cmpfloat (precision, >=, 0);
      g_assert_cmpfloat (precision, <=, 1);
      g_assert_cmpfloat (recall, >=, 0);
      g_assert_cmpfloat (recall, <=, 1);
      /* The oracle's 20 answers join the training set each time. */
      if (previous_train >= 0)
        g_assert_cmpfloat (train, ==, previous_train + 20);
      previous_train = train;
    }
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run (&out, "experiment", "info", exp, NULL), ==, 0);
  g_assert_cmpfloat (number (out, "seed_labels"), ==, 200);
  g_assert_cmpfloat (number (out, "oracle_labels"), ==, 40);
  g_assert_cmpfloat (number (out, "iterations"), ==, 3);
  g_assert_cmpfloat (number (out, "batch_size"), ==, 20);
  g_assert_cmpfloat (number (out, "batch_labelled"), ==, 0);
  g_assert_cmpfloat (number (out, "candidates"), >=, 0);
  g_assert_nonnull (strstr (out, "\"targets\":[\"emission\",\"double-peak\"]"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run (&out, "batch", exp, NULL), ==, 0);
  g_clear_pointer (&lines, g_strfreev);
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 20);
  {
    double sum = number (lines[0], "absorption") + number (lines[0], "emission")
                 + number (lines[0], "double-peak");
    g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
    g_assert_nonnull (strstr (lines[0], "\"ra\":"));
    g_assert_nonnull (strstr (lines[0], "\"label\":null"));
  }
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run (&out, "candidates", exp, "-o", vot, NULL), ==, 0);
  g_assert_true (g_file_test (vot, G_FILE_TEST_IS_REGULAR));

  /* Each iteration's predictions against the truth, read back later (as
   * the GUI's learning curve does), counted here from the stored
   * predictions and the truth file itself. */
  {
    g_autoptr(EmExperiment) ro = em_experiment_open_read_only (exp, &error);
    g_autoptr(GArray) points = NULL;
    g_autoptr(GHashTable) targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) rows = NULL;

    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (truth, &text, NULL, &error));
    rows = g_strsplit (text, "\n", -1);
    for (guint i = 1; rows[i] != NULL; i++)
      {
        g_auto(GStrv) cols = g_strsplit (rows[i], ",", 3);

        if (cols[0] != NULL && cols[1] != NULL
            && (g_str_has_prefix (cols[1], "emission") || g_str_has_prefix (cols[1], "double-peak")))
          g_hash_table_add (targets, g_strdup (cols[0]));
      }
    points = em_simulate_evaluate_predictions (ro, truth, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (points->len, ==, 3);
    for (guint i = 0; i < points->len; i++)
      {
        const EmTruthPoint *pt = &g_array_index (points, EmTruthPoint, i);

        g_autoptr(sqlite3_stmt) stmt = em_experiment_prepare (ro,
          "SELECT spectrum_id FROM predicted_targets WHERE iteration = ?", &error);
        guint predicted = 0, true_positives = 0;

        g_assert_no_error (error);
        sqlite3_bind_int (stmt, 1, (int) i);
        while (sqlite3_step (stmt) == SQLITE_ROW)
          {
            predicted++;
            true_positives += g_hash_table_contains (targets, sqlite3_column_text (stmt, 0));
          }
        g_assert_cmpuint (pt->iteration, ==, i);
        g_assert_cmpuint (pt->predicted, ==, predicted);
        g_assert_cmpuint (pt->true_positives, ==, true_positives);
        g_assert_cmpuint (pt->truth_targets, ==, g_hash_table_size (targets));
        g_assert_cmpuint (pt->true_positives, <=, pt->predicted);
        g_assert_cmpfloat_with_epsilon (pt->recall,
                                        (double) pt->true_positives / pt->truth_targets, 1e-12);
      }

    g_clear_pointer (&points, g_array_unref);
    points = em_simulate_evaluate_predictions (ro, "/nonexistent/truth.csv", &error);
    g_assert_null (points);
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "/nonexistent/truth.csv"));
  }
}

typedef struct
{
  const char   *phase;
  GCancellable *cancellable;
  gboolean      seen;
} CancelAt;

static void
cancel_at (double      fraction,
           const char *message,
           gpointer    user_data)
{
  CancelAt *c = user_data;

  g_assert_cmpfloat (fraction, >=, 0);
  g_assert_cmpfloat (fraction, <=, 1);
  if (g_str_has_prefix (message, c->phase))
    {
      c->seen = TRUE;
      g_cancellable_cancel (c->cancellable);
    }
}

static guint
count_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Cancelling in training or in scoring leaves the experiment as it was:
 * no iteration, no files. */
static void
test_cancel (void)
{
  static const char *const phases[] = { "train:", "score:" };
  g_autofree char *dir = g_build_filename (tmp_dir, "sim.emissary", NULL);
  g_autofree char *checkpoints = g_build_filename (dir, "checkpoints", NULL);
  g_autofree char *predictions = g_build_filename (dir, "predictions", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (phases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EmExperiment) exp = em_experiment_open (dir, &error);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      CancelAt c = { phases[i], cancellable, FALSE };
      EmExperimentCounts counts;
      guint number = 99;

      g_assert_no_error (error);
      g_assert_false (em_loop_iterate (exp, NULL, cancel_at, &c, cancellable, &number, &error));
      g_assert_true (c.seen);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpuint (number, ==, 99);
      g_assert_true (em_experiment_get_counts (exp, &counts, NULL));
      g_assert_cmpuint (counts.iterations, ==, 3);
      g_assert_cmpuint (count_dir (checkpoints), ==, 3);
      g_assert_cmpuint (count_dir (predictions), ==, 3);
    }
}

typedef struct
{
  EmExperiment *exp;
  const char   *id;
  gboolean      labelled;
} LabelDuring;

static void
label_during (double      fraction,
              const char *message,
              gpointer    user_data)
{
  LabelDuring *l = user_data;
  g_autoptr(GError) error = NULL;

  /* The oracle labels (through the shared handle, as the GUI does) while
   * the loop trains on its own connection. */
  if (!l->labelled && g_str_has_prefix (message, "train:"))
    {
      g_assert_true (em_experiment_add_label (l->exp, l->id, "emission", EM_LABEL_SOURCE_ORACLE,
                                              2.0, "test", &error));
      g_assert_no_error (error);
      l->labelled = TRUE;
    }
}

static gpointer
iterate_thread (gpointer data)
{
  LabelDuring *l = data;
  g_autoptr(GError) error = NULL;
  EmIterateOptions options = { .max_epochs = 1 };
  guint number = 0;

  g_assert_true (em_loop_iterate (l->exp, &options, label_during, l, NULL, &number, &error));
  g_assert_no_error (error);
  return GUINT_TO_POINTER (number);
}

static void
test_label_while_iterating (void)
{
  g_autofree char *dir = g_build_filename (tmp_dir, "sim.emissary", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = em_experiment_open (dir, &error);
  g_autoptr(EmQueryBatch) batch = NULL;
  g_autoptr(GPtrArray) iterations = NULL;
  g_autofree char *label = NULL;
  g_autofree char *id = NULL;
  LabelDuring l = { exp, NULL, FALSE };
  GThread *thread;
  guint number;

  g_assert_no_error (error);
  batch = em_experiment_get_query_batch (exp, &error);
  g_assert_nonnull (batch);
  id = g_strdup (batch->items[0].spectrum_id);
  l.id = id;
  thread = g_thread_new ("iterate", iterate_thread, &l);
  number = GPOINTER_TO_UINT (g_thread_join (thread));
  g_assert_cmpuint (number, ==, 3);
  g_assert_true (l.labelled);
  label = em_experiment_get_label (exp, l.id, NULL);
  g_assert_cmpstr (label, ==, "emission");
  /* Given after the loop started: not in this iteration's training set,
   * and never asked again. */
  iterations = em_experiment_get_iterations (exp, &error);
  g_assert_cmpuint (iterations->len, ==, 4);
  g_assert_cmpuint (((EmIterationInfo *) iterations->pdata[3])->train_size, ==,
                    ((EmIterationInfo *) iterations->pdata[2])->train_size);
  /* Every iteration stored its training set per class (before SMOTE):
   * the sizes add up to the total, and the latest ones are the labels
   * the loop read (seed + oracle, the one given meanwhile left out). */
  for (guint i = 0; i < iterations->len; i++)
    {
      EmIterationInfo *info = iterations->pdata[i];
      guint sum = 0;

      g_assert_nonnull (info->class_sizes);
      g_assert_cmpuint (info->n_classes, ==, em_experiment_get_n_classes (exp));
      for (guint c = 0; c < info->n_classes; c++)
        {
          g_assert_cmpuint (info->class_sizes[c], >, 0);
          sum += info->class_sizes[c];
        }
      g_assert_cmpuint (sum, ==, info->train_size);
    }
  {
    EmIterationInfo *last = iterations->pdata[3];
    int k = em_experiment_find_class (exp, "emission");
    g_autoptr(sqlite3_stmt) stmt = em_experiment_prepare (exp,
      "SELECT count (*) FROM current_labels WHERE class = 'emission'"
      " AND id <= (SELECT last_label_id FROM iterations WHERE number = 3)", &error);

    g_assert_no_error (error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (k, >=, 0);
    g_assert_cmpuint (last->class_sizes[k], ==, (guint) sqlite3_column_int (stmt, 0));
  }
  g_clear_pointer (&batch, em_query_batch_free);
  batch = em_experiment_get_query_batch (exp, &error);
  for (guint i = 0; i < batch->n_items; i++)
    g_assert_cmpstr (batch->items[i].spectrum_id, !=, l.id);
}

typedef struct
{
  EmExperiment *exp;
  GMainLoop    *loop;
  char         *id;
  gboolean      label_queued;
  gboolean      labelled;
  guint         number;
  GError       *error;
} AsyncRun;

static gboolean
label_in_main (gpointer data)
{
  AsyncRun *a = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (em_experiment_add_label (a->exp, a->id, "double-peak", EM_LABEL_SOURCE_ORACLE,
                                          1.0, "test", &error));
  g_assert_no_error (error);
  a->labelled = TRUE;
  return G_SOURCE_REMOVE;
}

static void
async_progress (double      fraction,
                const char *message,
                gpointer    user_data)
{
  AsyncRun *a = user_data;

  /* Worker thread: hand the labelling to the main thread, as a GUI does. */
  if (!a->label_queued && g_str_has_prefix (message, "train:"))
    {
      a->label_queued = TRUE;
      g_idle_add (label_in_main, a);
    }
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncRun *a = user_data;

  em_loop_iterate_finish (a->exp, result, &a->number, &a->error);
  g_main_loop_quit (a->loop);
}

static void
test_async (void)
{
  g_autofree char *dir = g_build_filename (tmp_dir, "sim.emissary", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = em_experiment_open (dir, &error);
  g_autoptr(EmQueryBatch) batch = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree char *label = NULL;
  EmIterateOptions options = { .max_epochs = 1 };
  AsyncRun a = { exp, loop, NULL, FALSE, FALSE, 0, NULL };

  g_assert_no_error (error);
  batch = em_experiment_get_query_batch (exp, &error);
  a.id = g_strdup (batch->items[1].spectrum_id);
  em_loop_iterate_async (exp, &options, async_progress, &a, NULL, async_done, &a);
  g_main_loop_run (loop);
  g_assert_no_error (a.error);
  g_assert_cmpuint (a.number, ==, 4);
  /* The idle may run after the task's callback; let it. */
  while (!a.labelled)
    g_main_context_iteration (NULL, TRUE);
  label = em_experiment_get_label (exp, a.id, NULL);
  g_assert_cmpstr (label, ==, "double-peak");
  g_free (a.id);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("EM_CLI") == NULL)
    {
      g_test_skip ("EM_CLI is not set (run through meson test)");
      return g_test_run ();
    }
  tmp_dir = g_dir_make_tmp ("em-test-simulate-XXXXXX", &error);
  g_assert_no_error (error);
  g_test_add_func ("/experiment/simulate", test_simulate);
  g_test_add_func ("/experiment/cancel", test_cancel);
  g_test_add_func ("/experiment/label-while-iterating", test_label_while_iterating);
  g_test_add_func ("/experiment/async", test_async);
  status = g_test_run ();
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp_dir);
    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", tmp_dir);
  }
  g_free (tmp_dir);
  return status;
}
