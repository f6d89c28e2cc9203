/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The "New Experiment" dialog of the real application (app.new-experiment,
 * Ctrl+N), driven through its setters and actions on demo data made by
 * the spectra and app layers:
 *   - a seed CSV and an existing pool: the experiment is created with the
 *     settings' defaults, opens in the window, one more iteration runs
 *     there and a label reaches the database;
 *   - a survey folder ingested on the spot and a FITS seed folder, each
 *     with a corrupt file: the skipped files are reported;
 *   - while the main window trains, the new experiment opens in another;
 *   - Cancel during the ingest, a bad seed set, a damaged pool: the error
 *     is shown and no folder is left. */
#include "em-config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "app/em-ingest.h"
#include "gui-test-util.h"
#include "gui/em-application.h"
#include "gui/em-new-experiment.h"
#include "gui/em-window.h"
#include "spectra/em-demo.h"
#include "spectra/em-spectrum.h"

static char          *tmp;       /* everything the tests make */
static char          *demo;      /* tmp/demo: a small demo survey */
static char          *pool_path; /* tmp/pool.fits: its pool */
static EmApplication *app;
static EmWindow      *window; /* the main window the dialogs open from */
/* See test-application.c: the daemon is stopped, the object kept. */
static GTestDBus *bus;

/* ---- helpers ----------------------------------------------------------- */

static EmNewExperiment *
find_dialog (void)
{
  for (GList *it = gtk_application_get_windows (GTK_APPLICATION (app)); it; it = it->next)
    if (EM_IS_NEW_EXPERIMENT (it->data))
      return it->data;
  return NULL;
}

static gboolean
window_active (gpointer data)
{
  return gtk_application_get_active_window (GTK_APPLICATION (app)) == data;
}

/* Opens the dialog the way Ctrl+N does, from the main window.  The
 * dialog is modal to the active window, and the focus moves to the
 * presented window only when the X server says so: after a test that
 * opened a second window, a fixed 20 ms was once too short under load
 * (the dialog went to the second window). */
static EmNewExperiment *
open_dialog (void)
{
  EmNewExperiment *dialog;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gui_test_wait_for (window_active, window, 10000));
  g_action_group_activate_action (G_ACTION_GROUP (app), "new-experiment", NULL);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  /* a second Ctrl+N brings the same dialog up */
  g_action_group_activate_action (G_ACTION_GROUP (app), "new-experiment", NULL);
  g_assert_true (find_dialog () == dialog);
  return dialog;
}

static gboolean
not_busy (gpointer data)
{
  return !em_new_experiment_is_busy (data);
}

static gboolean
no_dialog (gpointer data)
{
  return find_dialog () == NULL;
}

typedef struct
{
  const char *path;
  EmWindow   *found;
} OpenedWait;

/* Some window shows the experiment at @path with its batch. */
static gboolean
experiment_opened (gpointer data)
{
  OpenedWait *w = data;

  for (GList *it = gtk_application_get_windows (GTK_APPLICATION (app)); it; it = it->next)
    if (EM_IS_WINDOW (it->data)
        && g_strcmp0 (em_window_get_experiment_path (it->data), w->path) == 0
        && em_window_get_experiment (it->data) != NULL
        && g_strcmp0 (em_experiment_get_dir (em_window_get_experiment (it->data)), w->path) == 0
        && !em_window_is_loading (it->data) && em_window_get_selected_item (it->data) != NULL)
      {
        w->found = it->data;
        return TRUE;
      }
  return FALSE;
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

/* No thread of the window uses its experiment, and none is about to (the
 * probe for an unfinished precision sample that every opening starts). */
static gboolean
settled (gpointer data)
{
  return !em_window_is_busy (data) && !em_window_is_sampling (data);
}

static gboolean
ingesting (gpointer data)
{
  EmNewExperiment *dialog = data;
  g_autofree char *path = em_new_experiment_dup_path (dialog);

  /* the worker has made the folder and started on the survey */
  return !em_new_experiment_is_busy (dialog) || g_file_test (path, G_FILE_TEST_IS_DIR);
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static GPtrArray *
demo_files (void)
{
  g_autofree char *dir_path = g_build_filename (demo, "pool", NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  GPtrArray  *files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (files, g_build_filename (dir_path, name, NULL));
  g_ptr_array_sort (files, compare_paths);
  return files;
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *bytes = NULL;
  gsize            len = 0;

  g_assert_true (g_file_get_contents (from, &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (to, bytes, (gssize)len, NULL));
}

static void
write_corrupt (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (
      g_file_set_contents (path, "SIMPLE  =                    T / cut short", -1, NULL));
}

/* ---- the tests ---------------------------------------------------------- */

static void
test_accel (void)
{
  g_auto (GStrv) accels
      = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.new-experiment");

  g_assert_nonnull (accels);
  g_assert_cmpstr (accels[0], ==, "<Control>n");
}

static void
test_csv_and_pool_then_iterate (void)
{
  g_autofree char *seed_csv = g_build_filename (demo, "seed.csv", NULL);
  g_autofree char *taken = g_build_filename (tmp, "Taken.emissary", NULL);
  g_autofree char *expected = g_build_filename (tmp, "Run.emissary", NULL);
  g_autofree char *path = NULL;
  g_autofree char *label = NULL;
  g_autofree char *id = NULL;
  g_autoptr (GError) error = NULL;
  GSettings         *settings = em_application_get_settings (app);
  EmNewExperiment   *dialog;
  OpenedWait         wait = { expected, NULL };
  EmExperimentCounts counts;
  EmExperiment      *exp;

  /* the defaults come from the settings */
  if (settings != NULL)
    {
      g_settings_set_int (settings, "batch-size", 6);
      g_settings_set_string (settings, "query-strategy", "margin");
    }
  dialog = open_dialog ();
  {
    g_autoptr (GString) unnamed = g_string_new (NULL);

    g_assert_true (gui_test_every_control_named (GTK_WIDGET (dialog), unnamed));
    g_assert_cmpstr (unnamed->str, ==, "");
  }
  /* nothing to create from yet */
  em_new_experiment_set_folder (dialog, tmp);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.create", NULL);
  g_assert_false (em_new_experiment_is_busy (dialog));

  em_new_experiment_set_seed_csv (dialog, seed_csv);
  em_new_experiment_set_pool (dialog, pool_path);
  /* an existing folder is refused before anything is made */
  g_assert_cmpint (g_mkdir (taken, 0755), ==, 0);
  em_new_experiment_set_name (dialog, "Taken");
  path = em_new_experiment_dup_path (dialog);
  g_assert_cmpstr (path, ==, taken);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.create", NULL);
  g_assert_false (em_new_experiment_is_busy (dialog));
  {
    g_autoptr (GDir) d = g_dir_open (taken, 0, NULL);

    g_assert_null (g_dir_read_name (d));
  }

  /* classes the experiment would refuse are refused before any work */
  em_new_experiment_set_name (dialog, "Run");
  em_new_experiment_set_classes (dialog, "absorption, emission, absorption");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.create", NULL);
  g_assert_false (em_new_experiment_is_busy (dialog));
  g_assert_nonnull (strstr (em_new_experiment_get_error (dialog), "“absorption” is given twice"));
  em_new_experiment_set_classes (dialog, "absorption");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.create", NULL);
  g_assert_false (em_new_experiment_is_busy (dialog));
  g_assert_nonnull (strstr (em_new_experiment_get_error (dialog), "two classes"));
  g_assert_false (g_file_test (expected, G_FILE_TEST_EXISTS));
  em_new_experiment_set_classes (dialog, "absorption, emission, double-peak");

  /* the two paths and a name: the rest are defaults (but a small,
   * quick network for the test) */
  em_new_experiment_set_name (dialog, "Run");
  em_new_experiment_set_preset (dialog, "small");
  em_new_experiment_set_max_epochs (dialog, 2);
  /* A window whose experiment is in use keeps it and the new one opens in
   * a window of its own (new-window-while-training): this one is idle. */
  g_assert_true (gui_test_wait_for (settled, window, 60000));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.create", NULL));
  g_assert_true (em_new_experiment_is_busy (dialog));
  g_assert_true (gui_test_wait_for (no_dialog, NULL, 60000));

  /* it opens in the main window, which runs its first iteration */
  g_assert_true (gui_test_wait_for (experiment_opened, &wait, 120000));
  g_assert_true (wait.found == window);
  exp = em_window_get_experiment (window);
  g_assert_cmpstr (em_experiment_get_preset (exp), ==, "small");
  g_assert_cmpuint (em_experiment_get_max_epochs (exp), ==, 2);
  g_assert_cmpuint (em_experiment_get_n_classes (exp), ==, 3);
  g_assert_false (em_experiment_class_is_target (exp, 0));
  g_assert_true (em_experiment_class_is_target (exp, 1));
  g_assert_true (em_experiment_class_is_target (exp, 2));
  if (settings != NULL)
    {
      g_assert_cmpuint (em_experiment_get_batch_size (exp), ==, 6);
      g_assert_cmpstr (em_experiment_get_strategy (exp), ==, "margin");
    }
  else
    {
      g_assert_cmpuint (em_experiment_get_batch_size (exp), ==, 100);
      g_assert_cmpstr (em_experiment_get_strategy (exp), ==, "entropy");
    }
  g_assert_true (em_experiment_get_counts (exp, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.iterations, ==, 1);

  /* one more iteration in that window, then a label */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (gui_test_wait_for (not_training, window, 300000));
  exp = em_window_get_experiment (window);
  g_assert_true (em_experiment_get_counts (exp, &counts, &error));
  g_assert_cmpuint (counts.iterations, ==, 2);
  g_assert_true (gui_test_wait_for (experiment_opened, &wait, 60000));
  id = g_strdup (em_batch_item_get_id (em_window_get_selected_item (window)));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u", 1);
  g_assert_true (gui_test_wait_for (not_writing, window, 10000));
  {
    g_autoptr (EmExperiment) ro = em_experiment_open_read_only (expected, &error);

    g_assert_no_error (error);
    label = em_experiment_get_label (ro, id, NULL);
  }
  g_assert_cmpstr (label, ==, "emission");
}

/* A survey folder (with a corrupt file) ingested into the experiment and
 * a FITS seed folder (with a corrupt file and a label without a file). */
static void
test_ingest_and_fits_seed_report (void)
{
  g_autoptr (GPtrArray) files = demo_files ();
  g_autofree char *survey = g_build_filename (tmp, "survey", NULL);
  g_autofree char *seed_dir = g_build_filename (tmp, "seed-fits", NULL);
  g_autofree char *labels = g_build_filename (tmp, "seed-labels.csv", NULL);
  g_autofree char *expected = g_build_filename (tmp, "Ingested.emissary", NULL);
  g_autofree char *pool_in = g_build_filename (expected, "pool.fits", NULL);
  g_autofree char *seed_in = g_build_filename (expected, "seed-set.csv", NULL);
  g_autoptr (GString) csv = g_string_new ("id,label\n");
  static const char *const classes[] = { "absorption", "emission", "double-peak" };
  EmNewExperiment         *dialog;
  OpenedWait               wait = { expected, NULL };
  const char              *report;

  g_assert_cmpint (g_mkdir (survey, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (seed_dir, 0755), ==, 0);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *base = g_path_get_basename (files->pdata[i]);
      g_autofree char *to = g_build_filename (i < 40 ? survey : seed_dir, base, NULL);
      g_autofree char *id = em_spectrum_id_from_path (base);

      copy_file (files->pdata[i], to);
      if (i >= 40)
        g_string_append_printf (csv, "%s,%s\n", id, classes[i % 3]);
    }
  write_corrupt (survey, "spec-broken-survey.fits");
  write_corrupt (seed_dir, "spec-broken-seed.fits");
  g_string_append (csv, "spec-broken-seed,emission\nspec-not-there,absorption\n");
  g_assert_true (g_file_set_contents (labels, csv->str, -1, NULL));

  dialog = open_dialog ();
  em_new_experiment_set_folder (dialog, tmp);
  em_new_experiment_set_name (dialog, "Ingested");
  em_new_experiment_set_survey (dialog, survey);
  em_new_experiment_set_seed_fits (dialog, seed_dir, labels);
  /* the method's network: its training takes a while (see the next test) */
  em_new_experiment_set_preset (dialog, "reference");
  em_new_experiment_set_max_epochs (dialog, 2);
  em_new_experiment_set_batch_size (dialog, 5);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.create", NULL));
  g_assert_true (gui_test_wait_for (not_busy, dialog, 120000));
  g_assert_null (em_new_experiment_get_error (dialog));

  /* the dialog stays to say what was left out */
  report = em_new_experiment_get_report (dialog);
  g_assert_nonnull (report);
  g_test_message ("%s", report);
  g_assert_nonnull (strstr (report, "spec-broken-survey.fits"));
  g_assert_nonnull (strstr (report, "pool.fits.failures.tsv"));
  g_assert_nonnull (strstr (report, "spec-broken-seed.fits"));
  g_assert_nonnull (strstr (report, "spec-not-there"));
  g_assert_nonnull (strstr (report, "seed-set.failures.tsv"));
  g_assert_true (g_file_test (pool_in, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (seed_in, G_FILE_TEST_IS_REGULAR));

  /* and the experiment opens meanwhile */
  g_assert_true (gui_test_wait_for (experiment_opened, &wait, 120000));
  {
    g_autoptr (GError) error = NULL;
    EmExperimentCounts counts;

    g_assert_true (
        em_experiment_get_counts (em_window_get_experiment (wait.found), &counts, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (counts.seed_labels, ==, files->len - 40);
    g_assert_cmpuint (counts.batch_size, ==, 5);
  }
  gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.cancel", NULL);
  g_assert_true (gui_test_wait_for (no_dialog, NULL, 5000));
}

/* The main window trains: the new experiment opens in a window of its
 * own, and the training one keeps its experiment. */
static void
test_new_window_while_training (void)
{
  g_autofree char *seed_csv = g_build_filename (demo, "seed.csv", NULL);
  g_autofree char *expected = g_build_filename (tmp, "Second.emissary", NULL);
  g_autofree char *before = g_strdup (em_window_get_experiment_path (window));
  OpenedWait       wait = { expected, NULL };
  EmNewExperiment *dialog;

  g_assert_nonnull (em_window_get_experiment (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (em_window_is_training (window));
  dialog = open_dialog ();
  em_new_experiment_set_folder (dialog, tmp);
  em_new_experiment_set_name (dialog, "Second");
  em_new_experiment_set_seed_csv (dialog, seed_csv);
  em_new_experiment_set_pool (dialog, pool_path);
  em_new_experiment_set_preset (dialog, "small");
  em_new_experiment_set_max_epochs (dialog, 1);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.create", NULL);
  g_assert_true (gui_test_wait_for (no_dialog, NULL, 60000));
  /* Training only ends once: still training now means it was training
   * when the experiment was made (the reference network's iteration
   * takes far longer than creating from an existing pool). */
  if (em_window_is_training (window))
    {
      g_assert_true (gui_test_wait_for (experiment_opened, &wait, 120000));
      g_assert_true (wait.found != window);
      g_assert_cmpstr (em_window_get_experiment_path (window), ==, before);
    }
  else
    {
      g_test_message ("the training ended before the experiment was made: it opens in the same "
                      "window");
      g_assert_true (gui_test_wait_for (experiment_opened, &wait, 120000));
    }
  g_assert_true (gui_test_wait_for (not_training, window, 300000));
}

/* Cancel while a large survey is being ingested, then a bad seed set and
 * a damaged pool: no folder remains. */
static void
test_cancel_during_ingest (void)
{
  g_autoptr (GPtrArray) files = demo_files ();
  g_autofree char *survey = g_build_filename (tmp, "big-survey", NULL);
  g_autofree char *seed_csv = g_build_filename (demo, "seed.csv", NULL);
  g_autofree char *expected = g_build_filename (tmp, "Cancelled.emissary", NULL);
  EmNewExperiment *dialog;

  /* many files (links to the demo's), read by one thread (the setting,
   * see run_tests): seconds (a Cancel that came too late would open the
   * experiment instead) */
  g_assert_cmpint (g_mkdir (survey, 0755), ==, 0);
  for (guint i = 0; i < 20000; i++)
    {
      const char      *target = files->pdata[i % files->len];
      g_autofree char *base = g_path_get_basename (target);
      g_autofree char *name = g_strdup_printf ("%05u-%s", i, base);
      g_autofree char *link = g_build_filename (survey, name, NULL);

      g_assert_cmpint (symlink (target, link), ==, 0);
    }

  dialog = open_dialog ();
  em_new_experiment_set_folder (dialog, tmp);
  em_new_experiment_set_name (dialog, "Cancelled");
  em_new_experiment_set_survey (dialog, survey);
  em_new_experiment_set_seed_csv (dialog, seed_csv);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.create", NULL));
  g_assert_true (gui_test_wait_for (ingesting, dialog, 10000));
  gui_test_spin (50);
  g_assert_true (em_new_experiment_is_busy (dialog));
  gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.cancel", NULL);
  g_assert_true (gui_test_wait_for (not_busy, dialog, 30000));
  g_test_message ("%s", em_new_experiment_get_error (dialog));
  g_assert_nonnull (em_new_experiment_get_error (dialog));
  g_assert_nonnull (strstr (em_new_experiment_get_error (dialog), "Cancelled"));
  g_assert_false (g_file_test (expected, G_FILE_TEST_EXISTS));

  /* a bad seed set: the error names it, and again nothing remains */
  {
    g_autofree char *bad = g_build_filename (tmp, "bad-seed.csv", NULL);

    g_assert_true (g_file_set_contents (bad, "id,label,6519.0\nonly-one-row\n", -1, NULL));
    em_new_experiment_set_pool (dialog, pool_path);
    em_new_experiment_set_seed_csv (dialog, bad);
    gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.create", NULL);
    g_assert_true (gui_test_wait_for (not_busy, dialog, 30000));
    g_test_message ("%s", em_new_experiment_get_error (dialog));
    g_assert_nonnull (em_new_experiment_get_error (dialog));
    g_assert_nonnull (strstr (em_new_experiment_get_error (dialog), bad));
    g_assert_false (g_file_test (expected, G_FILE_TEST_EXISTS));
  }
  /* a damaged pool: the same */
  {
    g_autofree char *seed_csv_ok = g_build_filename (demo, "seed.csv", NULL);
    g_autofree char *broken = g_build_filename (tmp, "broken-pool.fits", NULL);

    g_assert_true (g_file_set_contents (broken, "SIMPLE  =                    T", -1, NULL));
    em_new_experiment_set_seed_csv (dialog, seed_csv_ok);
    em_new_experiment_set_pool (dialog, broken);
    gtk_widget_activate_action (GTK_WIDGET (dialog), "assistant.create", NULL);
    g_assert_true (gui_test_wait_for (not_busy, dialog, 30000));
    g_test_message ("%s", em_new_experiment_get_error (dialog));
    g_assert_nonnull (em_new_experiment_get_error (dialog));
    g_assert_nonnull (strstr (em_new_experiment_get_error (dialog), broken));
    g_assert_false (g_file_test (expected, G_FILE_TEST_EXISTS));
  }
  gtk_window_close (GTK_WINDOW (dialog));
  g_assert_true (gui_test_wait_for (no_dialog, NULL, 5000));
}

/* ---- the program ---------------------------------------------------------- */

static gboolean
demo_opened (gpointer data)
{
  return em_window_get_experiment (data) != NULL && !em_window_is_loading (data);
}

static gboolean
run_tests (gpointer user_data)
{
  int *status = user_data;

  /* One training thread: OpenBLAS then starts no thread pool, whose
   * shutdown at exit can hang (see tests/gui/meson.build). */
  if (em_application_get_settings (app) != NULL)
    g_settings_set_int (em_application_get_settings (app), "worker-threads", 1);
  /* the window that activation opened on the (tiny) demo experiment */
  window = EM_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (EM_IS_WINDOW (window));
  g_assert_true (gui_test_wait_for (demo_opened, window, 120000));
  *status = g_test_run ();
  /* let the windows finish what they run before quitting */
  for (GList *it = gtk_application_get_windows (GTK_APPLICATION (app)); it; it = it->next)
    if (EM_IS_WINDOW (it->data))
      gui_test_wait_for (not_training, it->data, 60000);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  g_application_release (G_APPLICATION (app));
  return G_SOURCE_REMOVE;
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  g_autofree char *pool_source = NULL;
  int              status = 1;

  tmp = g_dir_make_tmp ("emissary-new-exp-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", tmp, TRUE);
  g_setenv ("XDG_CACHE_HOME", tmp, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("SAMP_HUB", "std-lockurl:file:///nonexistent/emissary-test/.samp", TRUE);
  g_setenv ("GTK_A11Y", "test", TRUE);
  /* a private session bus, then GTK (see gui_test_init) */
  bus = gui_test_init (&argc, &argv);

  /* demo data: 64 simulated survey spectra, a seed set, and their pool */
  demo = g_build_filename (tmp, "demo", NULL);
  g_assert_true (em_demo_write (demo, 64, 90, 5, &error));
  g_assert_no_error (error);
  pool_path = g_build_filename (tmp, "pool.fits", NULL);
  pool_source = g_build_filename (demo, "pool", NULL);
  {
    const char     *sources[] = { pool_source, NULL };
    EmIngestOptions options;
    EmIngestSummary summary = { 0 };

    em_ingest_options_init (&options);
    g_assert_true (
        em_ingest_run (pool_path, sources, &options, NULL, NULL, NULL, &summary, &error));
    g_assert_no_error (error);
    em_ingest_summary_clear (&summary);
  }

  g_test_add_func ("/new-experiment/accel", test_accel);
  g_test_add_func ("/new-experiment/csv-and-pool-then-iterate", test_csv_and_pool_then_iterate);
  g_test_add_func ("/new-experiment/ingest-and-fits-seed-report", test_ingest_and_fits_seed_report);
  g_test_add_func ("/new-experiment/new-window-while-training", test_new_window_while_training);
  g_test_add_func ("/new-experiment/cancel-during-ingest", test_cancel_during_ingest);

  app = em_application_new ();
  {
    /* g_application_run() activates: the demo opens first, a tiny one */
    EmDemoOptions options;

    em_demo_options_init (&options);
    options.n_pool = 30;
    options.n_seed = 30;
    options.preset = "small";
    options.max_epochs = 1;
    options.batch_size = 5;
    em_application_set_demo_options (app, &options);
  }
  g_application_set_flags (G_APPLICATION (app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_application_hold (G_APPLICATION (app));
  g_idle_add (run_tests, &status);
  g_application_run (G_APPLICATION (app), 1, argv);
  g_clear_object (&app);

  if (bus != NULL)
    g_test_dbus_stop (bus);
  gui_test_remove_tree (tmp);
  g_free (tmp);
  g_free (demo);
  g_free (pool_path);
  return status;
}
