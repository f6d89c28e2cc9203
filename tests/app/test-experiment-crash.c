/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Real crashes: a child emissary-cli is SIGKILLed while it trains, while it
 * scores the pool, and right after it acknowledged labels; the experiment
 * must reopen consistent with every acknowledged label.  Also: a second
 * writer is refused while `experiment info` still reads. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "app/em-experiment.h"
#include "spectra/em-demo.h"

static char *tmp_dir;
static char *exp_dir;
static char *demo_dir;

static GSubprocess *
spawn (const char *stall_at,
       GError    **error,
       ...)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  g_ptr_array_add (args, (gpointer) g_getenv ("EM_CLI"));
  va_start (ap, error);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  if (stall_at != NULL)
    g_subprocess_launcher_setenv (launcher, "EMISSARY_STALL_AT", stall_at, TRUE);
  return g_subprocess_launcher_spawnv (launcher, (const char *const *) args->pdata, error);
}

/* Runs emissary-cli to the end; returns its exit status, stdout in *out. */
static int
run (char **out,
     char **err,
     ...)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (args, (gpointer) g_getenv ("EM_CLI"));
  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

/* Reads the child's stderr until the stall notice: the child is then
 * sleeping inside the phase we want to interrupt. */
static void
wait_for_stall (GSubprocess *proc)
{
  g_autoptr(GDataInputStream) in =
    g_data_input_stream_new (g_subprocess_get_stderr_pipe (proc));
  g_autoptr(GError) error = NULL;
  char *line;

  while ((line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error)) != NULL)
    {
      gboolean stalled = g_str_has_prefix (line, "stalled");
      g_free (line);
      if (stalled)
        return;
    }
  g_assert_no_error (error);
  g_assert_not_reached ();
}

static void
kill_and_reap (GSubprocess *proc)
{
  g_subprocess_send_signal (proc, SIGKILL);
  g_assert_true (g_subprocess_wait (proc, NULL, NULL));
  g_assert_true (g_subprocess_get_if_signaled (proc));
  g_assert_cmpint (g_subprocess_get_term_sig (proc), ==, SIGKILL);
}

static guint
count_files (const char *sub)
{
  g_autofree char *path = g_build_filename (exp_dir, sub, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
check_consistent (guint iterations,
                  guint oracle_labels)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = em_experiment_open (exp_dir, &error);
  g_autoptr(EmQueryBatch) batch = NULL;
  EmExperimentCounts counts;

  /* The killed writer's lock is gone with it. */
  g_assert_no_error (error);
  g_assert_true (em_experiment_get_counts (exp, &counts, &error));
  g_assert_cmpuint (counts.iterations, ==, iterations);
  g_assert_cmpuint (counts.oracle_labels, ==, oracle_labels);
  /* Files of the unfinished iteration were swept at open: one
   * checkpoint and one prediction file per committed iteration. */
  g_assert_cmpuint (count_files ("checkpoints"), ==, iterations);
  g_assert_cmpuint (count_files ("predictions"), ==, iterations);
  batch = em_experiment_get_query_batch (exp, &error);
  g_assert_no_error (error);
  if (iterations > 0)
    g_assert_cmpuint (batch->n_items, ==, 20);
}

static void
test_kill_during_train (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = spawn ("train: epoch", &error, "iterate", exp_dir, "--progress", NULL);
  g_autofree char *out = NULL, *err = NULL;

  g_assert_no_error (error);
  wait_for_stall (proc);

  /* A second writer is refused with a clear message ... */
  g_assert_cmpint (run (&out, &err, "label", exp_dir, "whatever", "emission", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "another process"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* ... while a reader still works. */
  g_assert_cmpint (run (&out, &err, "experiment", "info", exp_dir, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"iterations\":0"));

  kill_and_reap (proc);
  check_consistent (0, 0);
}

static void
test_kill_during_score (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = spawn ("score:", &error, "iterate", exp_dir, "--progress", NULL);
  g_autofree char *out = NULL, *err = NULL;

  g_assert_no_error (error);
  wait_for_stall (proc);
  kill_and_reap (proc);
  check_consistent (0, 0);

  /* Now a whole iteration. */
  g_assert_cmpint (run (&out, &err, "iterate", exp_dir, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"iteration\":0"));
  check_consistent (1, 0);
  /* the training set per class, in the JSON of iterate and of
   * experiment info, as stored */
  {
    g_autoptr(EmExperiment) exp = em_experiment_open_read_only (exp_dir, &error);
    g_autoptr(GPtrArray) iterations = NULL;
    g_autoptr(GString) expected = g_string_new ("\"train_size_per_class\":{");
    g_autofree char *info = NULL, *info_err = NULL;
    EmIterationInfo *last;

    g_assert_no_error (error);
    iterations = em_experiment_get_iterations (exp, &error);
    g_assert_no_error (error);
    last = iterations->pdata[iterations->len - 1];
    g_assert_nonnull (last->class_sizes);
    for (guint c = 0; c < last->n_classes; c++)
      g_string_append_printf (expected, "%s\"%s\":%u", c ? "," : "",
                              em_experiment_get_class (exp, c), last->class_sizes[c]);
    g_string_append_c (expected, '}');
    g_assert_nonnull (strstr (out, expected->str));
    g_assert_cmpint (run (&info, &info_err, "experiment", "info", exp_dir, NULL), ==, 0);
    g_assert_nonnull (strstr (info, expected->str));
  }
}

static void
test_kill_after_labels (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = em_experiment_open_read_only (exp_dir, &error);
  g_autoptr(EmQueryBatch) batch = em_experiment_get_query_batch (exp, &error);

  g_assert_no_error (error);
  g_assert_nonnull (batch);
  /* Each label process is killed right after its acknowledgement. */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GSubprocess) proc = spawn (NULL, &error, "label", exp_dir,
                                           batch->items[i].spectrum_id,
                                           i % 2 ? "emission" : "absorption", NULL);
      g_autoptr(GDataInputStream) in = NULL;
      g_autofree char *line = NULL;

      g_assert_no_error (error);
      in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
      line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_assert_nonnull (strstr (line, batch->items[i].spectrum_id));
      g_subprocess_send_signal (proc, SIGKILL);
      g_subprocess_wait (proc, NULL, NULL);
    }
  g_clear_pointer (&exp, em_experiment_close);
  check_consistent (1, 5);
  exp = em_experiment_open_read_only (exp_dir, &error);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *label = em_experiment_get_label (exp, batch->items[i].spectrum_id, NULL);
      g_assert_cmpstr (label, ==, i % 2 ? "emission" : "absorption");
    }
}

static void
test_kill_simulate (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *truth = g_build_filename (demo_dir, "truth.csv", NULL);
  g_autoptr(GSubprocess) proc = spawn ("train: epoch", &error, "simulate", exp_dir,
                                       "--oracle", truth, "--iterations", "2", "--progress", NULL);

  g_assert_no_error (error);
  /* The simulated oracle answered the 15 open spectra of the batch in one
   * transaction, then started training: kill it there. */
  wait_for_stall (proc);
  kill_and_reap (proc);
  check_consistent (1, 20);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pool = NULL, *pool_src = NULL, *seed = NULL;
  g_autofree char *out = NULL, *err = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("EM_CLI") == NULL)
    {
      g_test_skip ("EM_CLI is not set (run through meson test)");
      return g_test_run ();
    }
  tmp_dir = g_dir_make_tmp ("em-test-crash-XXXXXX", &error);
  g_assert_no_error (error);
  demo_dir = g_build_filename (tmp_dir, "demo", NULL);
  exp_dir = g_build_filename (tmp_dir, "run.emissary", NULL);
  pool = g_build_filename (tmp_dir, "pool.fits", NULL);
  pool_src = g_build_filename (demo_dir, "pool", NULL);
  seed = g_build_filename (demo_dir, "seed.csv", NULL);
  g_assert_true (em_demo_write (demo_dir, 240, 150, 11, &error));
  g_assert_no_error (error);
  status = run (&out, &err, "ingest", pool, pool_src, NULL);
  if (status != 0)
    g_printerr ("%s", err);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run (&out, &err, "experiment", "new", exp_dir, "--seed-set", seed, "--pool", pool,
                "--preset", "small", "--epochs", "3", "--batch", "20", "--seed", "5", NULL);
  if (status != 0)
    g_printerr ("%s", err);
  g_assert_cmpint (status, ==, 0);

  /* Order matters: each test continues the experiment of the previous. */
  g_test_add_func ("/experiment-crash/kill-during-train", test_kill_during_train);
  g_test_add_func ("/experiment-crash/kill-during-score", test_kill_during_score);
  g_test_add_func ("/experiment-crash/kill-after-labels", test_kill_after_labels);
  g_test_add_func ("/experiment-crash/kill-simulate", test_kill_simulate);
  status = g_test_run ();
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp_dir);
    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", tmp_dir);
  }
  g_free (tmp_dir);
  g_free (demo_dir);
  g_free (exp_dir);
  return status;
}
