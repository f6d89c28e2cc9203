/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An astronomer's day through the real windows, end to end, on a demo
 * survey whose truth is known (so that the oracle answers as a careful
 * astronomer would, from truth.csv):
 *   1. the New Experiment dialog (app.new-experiment) creates an
 *      experiment from the demo's seed CSV and its survey folder, ingested
 *      on the spot; it opens in the main window, which runs iteration 0;
 *   2. the oracle labels the whole query batch with the window's actions
 *      and trains the next iteration (win.train);
 *   3. Estimate Precision: a sample of the candidates is labelled in the
 *      grid, and the estimate shown is the one the experiment computes,
 *      with exactly the truth's targets among the sample counted correct;
 *   4. the candidates window exports a VOTable that astropy parses, with
 *      one row per candidate and the position UCDs;
 *   5. the candidates are cross-matched against the SIMBAD replay server.
 * Each step checks the database through a second, read-only handle, as
 * `emissary-cli experiment info` would. */
#include "em-config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "app/em-candidates.h"
#include "app/em-estimate.h"
#include "gui-test-util.h"
#include "gui/em-application.h"
#include "gui/em-candidates-view.h"
#include "gui/em-new-experiment.h"
#include "gui/em-window.h"
#include "spectra/em-demo.h"

static char          *tmp;
static char          *demo;
static GHashTable    *truth; /* id → class name */
static EmApplication *app;
static EmWindow      *window;
static GTestDBus     *bus; /* see test-application.c */
static GPid           server_pid;
static int            server_port;

/* ---- helpers ----------------------------------------------------------- */

static void
read_truth (void)
{
  g_autofree char *path = g_build_filename (demo, "truth.csv", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  truth = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", 3);

      if (f[0] != NULL && f[1] != NULL)
        g_hash_table_insert (truth, g_strdup (f[0]), g_strdup (g_strstrip (f[1])));
    }
  g_assert_cmpuint (g_hash_table_size (truth), >, 0);
}

static void
start_replay_server (void)
{
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "vo", "simbad-replay.py", NULL);
  g_autofree char *objects
      = g_test_build_filename (G_TEST_DIST, "data", "simbad", "replay-objects.tsv", NULL);
  g_autofree char *log_path = g_build_filename (tmp, "requests.log", NULL);
  g_autofree char *port_file = g_build_filename (tmp, "port", NULL);
  const char      *argv[] = { python,   script,        "--objects", objects, "--log",
                              log_path, "--port-file", port_file,   NULL };
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (python);
  g_assert_true (g_spawn_async (NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &server_pid, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 200 && server_port == 0; i++)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (port_file, &text, NULL, NULL))
        server_port = atoi (text);
      else
        g_usleep (50000);
    }
  g_assert_cmpint (server_port, >, 0);
}

static EmNewExperiment *
find_dialog (void)
{
  for (GList *it = gtk_application_get_windows (GTK_APPLICATION (app)); it; it = it->next)
    if (EM_IS_NEW_EXPERIMENT (it->data))
      return it->data;
  return NULL;
}

static gboolean
no_dialog (gpointer data)
{
  return find_dialog () == NULL;
}

static gboolean
opened_at (gpointer data)
{
  const char *path = data;

  return g_strcmp0 (em_window_get_experiment_path (window), path) == 0
         && em_window_get_experiment (window) != NULL && !em_window_is_loading (window)
         && !em_window_is_training (window) && em_window_get_selected_item (window) != NULL;
}

static gboolean
not_training (gpointer data)
{
  return !em_window_is_training (data);
}

static gboolean
not_writing (gpointer data)
{
  return !em_window_is_writing (data);
}

static gboolean
showing_sample (gpointer data)
{
  return em_window_is_showing_sample (data) && !em_window_is_sampling (data);
}

static gboolean
view_idle (gpointer data)
{
  return !em_candidates_view_is_busy (data);
}

static gboolean
demo_opened (gpointer data)
{
  return em_window_get_experiment (data) != NULL && !em_window_is_loading (data);
}

static guint
count_labelled (GListModel *items)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr (EmBatchItem) item = g_list_model_get_item (items, i);

      n += em_batch_item_get_label (item) >= 0;
    }
  return n;
}

/* The oracle: labels the grid's selected spectrum, as truth.csv says,
 * until every spectrum of the grid is labelled.  Returns how many of them
 * are of a target class. */
static guint
label_grid_from_truth (void)
{
  EmExperiment *exp = em_window_get_experiment (window);
  GListModel   *grid = em_window_get_batch (window);
  guint         n = g_list_model_get_n_items (grid), targets = 0;

  g_assert_cmpuint (n, >, 0);
  for (guint step = 0; count_labelled (grid) < n && step < 2 * n; step++)
    {
      EmBatchItem *item = em_window_get_selected_item (window);
      const char  *name;
      int          k;

      g_assert_nonnull (item);
      name = g_hash_table_lookup (truth, em_batch_item_get_id (item));
      g_assert_nonnull (name);
      k = em_experiment_find_class (exp, name);
      g_assert_cmpint (k, >=, 0);
      gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u", (guint)k);
    }
  g_assert_cmpuint (count_labelled (grid), ==, n);
  g_assert_true (gui_test_wait_for (not_writing, window, 60000));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (EmBatchItem) item = g_list_model_get_item (grid, i);
      int k = em_experiment_find_class (
          exp, g_hash_table_lookup (truth, em_batch_item_get_id (item)));

      g_assert_cmpint (em_batch_item_get_label (item), ==, k);
      targets += em_experiment_class_is_target (exp, (guint)k);
    }
  return targets;
}

static EmExperiment *
open_ro (const char *path)
{
  g_autoptr (GError) error = NULL;
  EmExperiment *ro = em_experiment_open_read_only (path, &error);

  g_assert_no_error (error);
  return ro;
}

static EmCandidatesView *
find_view (void)
{
  GListModel       *toplevels = gtk_window_get_toplevels (); /* transfer none */
  EmCandidatesView *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);

      if (EM_IS_CANDIDATES_VIEW (w))
        found = EM_CANDIDATES_VIEW (w);
    }
  return found;
}

/* ---- the day ----------------------------------------------------------- */

static void
test_workflow (void)
{
  g_autofree char *seed_csv = g_build_filename (demo, "seed.csv", NULL);
  g_autofree char *survey = g_build_filename (demo, "pool", NULL);
  g_autofree char *path = g_build_filename (tmp, "Survey.emissary", NULL);
  g_autofree char *vot = g_build_filename (tmp, "candidates.vot", NULL);
  g_autoptr (GError) error = NULL;
  EmExperimentCounts counts;
  EmNewExperiment   *dialog;
  EmCandidatesView  *view;
  guint              n_batch, n_sample, sample_targets;

  /* 1. the New Experiment dialog: two paths, a name, a quick network */
  gtk_window_present (GTK_WINDOW (window));
  g_action_group_activate_action (G_ACTION_GROUP (app), "new-experiment", NULL);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  em_new_experiment_set_folder (dialog, tmp);
  em_new_experiment_set_name (dialog, "Survey");
  em_new_experiment_set_seed_csv (dialog, seed_csv);
  em_new_experiment_set_survey (dialog, survey);
  em_new_experiment_set_preset (dialog, "small");
  em_new_experiment_set_max_epochs (dialog, 3);
  em_new_experiment_set_batch_size (dialog, 10);
  {
    g_autofree char *target = em_new_experiment_dup_path (dialog);

    g_assert_cmpstr (target, ==, path);
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.create", NULL));
  g_assert_true (gui_test_wait_for (no_dialog, NULL, 120000));
  g_assert_true (gui_test_wait_for (opened_at, path, 300000));
  {
    g_autoptr (EmExperiment) ro = open_ro (path);

    g_assert_true (em_experiment_get_counts (ro, &counts, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (counts.iterations, ==, 1);
    g_assert_cmpuint (counts.batch_items, ==, 10);
    g_assert_cmpuint (counts.seed_labels, >, 0);
  }

  /* 2. the oracle labels the query batch; the next iteration trains */
  n_batch = g_list_model_get_n_items (em_window_get_batch (window));
  g_assert_cmpuint (n_batch, ==, 10);
  label_grid_from_truth ();
  {
    g_autoptr (EmExperiment) ro = open_ro (path);

    g_assert_true (em_experiment_get_counts (ro, &counts, &error));
    g_assert_cmpuint (counts.oracle_labels, ==, n_batch);
    g_assert_cmpuint (counts.batch_labelled, ==, n_batch);
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (gui_test_wait_for (not_training, window, 300000));
  g_assert_true (gui_test_wait_for (opened_at, path, 60000));
  {
    g_autoptr (EmExperiment) ro = open_ro (path);
    g_autoptr (GPtrArray) iterations = NULL;
    const EmIterationInfo *last;

    g_assert_true (em_experiment_get_counts (ro, &counts, &error));
    g_assert_cmpuint (counts.iterations, ==, 2);
    g_assert_cmpuint (counts.batch_labelled, ==, 0);
    iterations = em_experiment_get_iterations (ro, &error);
    g_assert_no_error (error);
    last = iterations->pdata[iterations->len - 1];
    /* the labels went into the training set */
    g_assert_cmpuint (last->train_size, ==, counts.seed_labels + n_batch);
  }
  g_assert_cmpuint (counts.candidates, >=, 2);

  /* 3. Estimate Precision on a sample of six candidates */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.estimate-precision", "u",
                                             6u));
  g_assert_true (gui_test_wait_for (showing_sample, window, 60000));
  n_sample = g_list_model_get_n_items (em_window_get_batch (window));
  g_assert_cmpuint (n_sample, ==, MIN (6, counts.candidates));
  sample_targets = label_grid_from_truth ();
  gui_test_spin (50);
  {
    g_autoptr (EmExperiment) ro = open_ro (path);
    g_autoptr (EmEstimateReport) report = em_estimate_report (ro, &error);
    const EmEstimateRow *shown = &em_window_get_estimate (window)->rows[0];

    g_assert_no_error (error);
    g_assert_cmpuint (report->rows[0].n_sampled, ==, n_sample);
    g_assert_cmpuint (report->rows[0].n_labelled, ==, n_sample);
    g_assert_cmpuint (report->rows[0].n_correct, ==, sample_targets);
    g_assert_cmpuint (shown->n_labelled, ==, n_sample);
    g_assert_cmpuint (shown->n_correct, ==, sample_targets);
    g_assert_cmpfloat_with_epsilon (shown->precision, (double)sample_targets / n_sample, 1e-12);
    g_assert_cmpfloat_with_epsilon (shown->wilson_lower, report->rows[0].wilson_lower, 1e-12);
    g_assert_cmpfloat_with_epsilon (shown->clopper_pearson_lower,
                                    report->rows[0].clopper_pearson_lower, 1e-12);
    g_test_message ("%s", em_window_get_estimate_text (window));
  }

  /* 4. the candidates window: a VOTable that astropy reads */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-candidates", NULL));
  view = find_view ();
  g_assert_nonnull (view);
  g_assert_true (gui_test_wait_for (view_idle, view, 60000));
  g_assert_cmpuint (em_candidates_view_get_n_all (view), >=, 2);
  em_candidates_view_export (view, vot, EM_CANDIDATES_FORMAT_VOTABLE);
  g_assert_true (gui_test_wait_for (view_idle, view, 60000));
  {
    const char *python = g_getenv ("EM_PYTHON3");

    if (python != NULL)
      {
        const char *argv[] = {
          python, "-c",
          "import sys\n"
          "from astropy.io.votable import parse_single_table\n"
          "t = parse_single_table(sys.argv[1])\n"
          "ucds = {f.name: f.ucd for f in t.fields}\n"
          "assert ucds['ra'] == 'pos.eq.ra;meta.main', ucds\n"
          "assert ucds['dec'] == 'pos.eq.dec;meta.main', ucds\n"
          "print(len(t.array))\n",
          vot, NULL
        };
        g_autofree char *out = NULL, *err = NULL;
        int              status = 0;

        g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                     &err, &status, &error));
        g_assert_no_error (error);
        if (!g_spawn_check_wait_status (status, NULL))
          g_error ("astropy could not read %s: %s", vot, err);
        g_assert_cmpint (atoi (out), ==, (int)em_candidates_view_get_n_all (view));
      }
    else
      g_test_message ("EM_PYTHON3 not set: the VOTable is not read by astropy");
  }

  /* 5. the SIMBAD cross-match against the replay server */
  {
    g_autofree char *url
        = g_strdup_printf ("http://127.0.0.1:%d/ok/simbad/sim-tap/sync", server_port);
    GListModel *visible = em_candidates_view_get_visible (view);

    em_candidates_view_set_simbad (view, url, 3.0);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "candidates.crossmatch", NULL));
    g_assert_true (gui_test_wait_for (view_idle, view, 60000));
    g_assert_true (g_str_has_prefix (em_candidates_view_get_status (view), "SIMBAD: "));
    for (guint i = 0; i < g_list_model_get_n_items (visible); i++)
      g_assert_nonnull (em_candidates_view_get_row_simbad (view, i));
    g_test_message ("%s", em_candidates_view_get_status (view));
    /* what reached the service: the candidates uploaded, every one, and
     * nothing the service refused */
    {
      g_autofree char *log_path = g_build_filename (tmp, "requests.log", NULL);
      g_autofree char *log = NULL;
      g_autofree char *rows = g_strdup_printf ("\"upload_rows\": %u",
                                               em_candidates_view_get_n_all (view));

      g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
      g_assert_nonnull (strstr (log, rows));
      g_assert_null (strstr (log, "\"problems\": [\""));
    }
  }
  gtk_window_destroy (GTK_WINDOW (view));
}

static gboolean
run_tests (gpointer user_data)
{
  int *status = user_data;

  /* One training thread: OpenBLAS then starts no thread pool, whose
   * shutdown at exit can hang (see tests/gui/meson.build). */
  if (em_application_get_settings (app) != NULL)
    g_settings_set_int (em_application_get_settings (app), "worker-threads", 1);
  window = EM_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (EM_IS_WINDOW (window));
  g_assert_true (gui_test_wait_for (demo_opened, window, 120000));
  *status = g_test_run ();
  gui_test_wait_for (not_training, window, 60000);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  g_application_release (G_APPLICATION (app));
  return G_SOURCE_REMOVE;
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  int              status = 1;

  tmp = g_dir_make_tmp ("emissary-workflow-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", tmp, TRUE);
  g_setenv ("XDG_CACHE_HOME", tmp, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("SAMP_HUB", "std-lockurl:file:///nonexistent/emissary-test/.samp", TRUE);
  g_setenv ("GTK_A11Y", "test", TRUE);
  /* a private session bus, then GTK (see gui_test_init) */
  bus = gui_test_init (&argc, &argv);

  /* a demo survey: 300 spectra to classify, 200 labelled for the seed set */
  demo = g_build_filename (tmp, "demo", NULL);
  g_assert_true (em_demo_write (demo, 300, 200, 11, &error));
  g_assert_no_error (error);
  read_truth ();
  start_replay_server ();

  g_test_add_func ("/workflow/create-iterate-label-estimate-export-crossmatch", test_workflow);

  app = em_application_new ();
  {
    /* activation opens the demo experiment first: a tiny one */
    EmDemoOptions options;

    em_demo_options_init (&options);
    options.n_pool = 30;
    options.n_seed = 30;
    options.preset = "small";
    options.max_epochs = 1;
    options.batch_size = 5;
    em_application_set_demo_options (app, &options);
  }
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_hold (G_APPLICATION (app));
  g_idle_add (run_tests, &status);
  g_application_run (G_APPLICATION (app), 1, argv);
  g_clear_object (&app);

  if (server_pid != 0)
    {
      kill (server_pid, SIGTERM);
      g_spawn_close_pid (server_pid);
    }
  if (bus != NULL)
    g_test_dbus_stop (bus);
  g_hash_table_unref (truth);
  gui_test_remove_tree (tmp);
  g_free (tmp);
  g_free (demo);
  return status;
}
