/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Experiment management through the real window: the start page lists the
 * recent experiments with their counts (read in worker threads), a row
 * opens its experiment (refused while training), and duplicate, rename,
 * import labels, export the labelled set and delete (to the trash, in a
 * private XDG_DATA_HOME) work from the row menus and the primary menu.
 * Missing and unreadable experiments show why, and can be removed from
 * the list. */
#include "em-config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "app/em-experiment.h"
#include "gui-test-util.h"
#include "gui/em-application.h"
#include "gui/em-candidates-view.h"
#include "gui/em-window.h"
#include "vo/em-votable.h"

static char          *data_home;
static GTestDBus     *bus; /* see test-application.c: kept to the end */
static EmApplication *app;
static EmWindow      *window;

static gboolean
opened (gpointer data)
{
  return em_window_get_experiment (window) != NULL
         && g_strcmp0 (em_window_get_experiment_path (window), data) == 0;
}

static gboolean
start_loaded (gpointer data)
{
  return em_window_is_showing_start (window)
         && !em_start_view_is_loading (em_window_get_start_view (window));
}

static gboolean
not_writing (gpointer data)
{
  return !em_window_is_writing (window);
}

/* A precision sample read in a thread (the probe after every opening)
 * holds the open experiment, and the window refuses to close it
 * meanwhile: the steps that close it wait for the probe first. */
static gboolean
not_sampling (gpointer data)
{
  return !em_window_is_sampling (window);
}

static gboolean
not_training (gpointer data)
{
  return !em_window_is_training (window);
}

static gboolean
toast_is (gpointer data)
{
  return g_strcmp0 (em_window_get_last_toast (window), data) == 0;
}

static gboolean
toast_has (gpointer data)
{
  const char *text = em_window_get_last_toast (window);

  return text != NULL && strstr (text, data) != NULL;
}

static gboolean
exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static gboolean
gone (gpointer data)
{
  return !g_file_test (data, G_FILE_TEST_EXISTS);
}

/* Whether a candidates window of @window is open. */
static gboolean
candidates_open (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (EM_IS_CANDIDATES_VIEW (w) && gtk_window_get_transient_for (w) == GTK_WINDOW (window))
        return TRUE;
    }
  return FALSE;
}

/* The message dialog the window presented last. */
static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

/* Answers the dialog the last action opened, typing @name first if it
 * asks for one. */
static void
answer (const char *name, const char *response)
{
  AdwMessageDialog *dialog;

  gui_test_spin (20);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  if (name != NULL)
    gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog)), name);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, response));
  /* as a click does: the response, and the dialog gone (a button
   * closes it; adw_message_dialog_response alone does not) */
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
  gui_test_spin (20);
}

static int
row_of (const char *path)
{
  EmStartView *view = em_window_get_start_view (window);

  for (guint i = 0; i < em_start_view_get_n_rows (view); i++)
    if (g_strcmp0 (em_start_view_get_row_path (view, i), path) == 0)
      return (int)i;
  return -1;
}

static char *
row_text (const char *path)
{
  int row = row_of (path);

  g_assert_cmpint (row, >=, 0);
  return em_start_view_dup_row_text (em_window_get_start_view (window), (guint)row);
}

static void
show_start (void)
{
  if (!em_window_is_showing_start (window))
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-start", NULL));
  g_assert_true (gui_test_wait_for (start_loaded, NULL, 30000));
}

/* The summary a row should show for the experiment in @path. */
static void
assert_counts_shown (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmExperiment) exp = em_experiment_open_read_only (path, &error);
  g_autofree char   *text = row_text (path);
  g_autofree char   *name = g_path_get_basename (path);
  g_autofree char   *labels = NULL;
  g_autofree char   *candidates = NULL;
  g_autofree char   *iterations = NULL;
  EmExperimentCounts counts;

  g_assert_no_error (error);
  g_assert_true (em_experiment_get_counts (exp, &counts, &error));
  labels = g_strdup_printf (" %u labels ",
                            counts.seed_labels + counts.oracle_labels + counts.import_labels);
  candidates = g_strdup_printf (" %u candidate", counts.candidates);
  iterations = g_strdup_printf ("%u iteration", counts.iterations);
  g_test_message ("%s", text);
  *strstr (name, ".emissary") = '\0';
  g_assert_true (g_str_has_prefix (text, name));
  g_assert_nonnull (strstr (text, "\npool demo-pool.fits"));
  g_assert_nonnull (strstr (text, labels));
  g_assert_nonnull (strstr (text, candidates));
  g_assert_nonnull (strstr (text, iterations));
}

static void
test_manage (void)
{
  g_autofree char *demo = em_application_dup_demo_path ();
  g_autofree char *folder = g_path_get_dirname (demo);
  g_autofree char *second = g_build_filename (folder, "Second.emissary", NULL);
  g_autofree char *renamed = g_build_filename (folder, "Renamed.emissary", NULL);
  g_autofree char *csv = g_build_filename (data_home, "labels.csv", NULL);
  g_autofree char *vot = g_build_filename (data_home, "labelled.vot", NULL);
  g_autofree char *trashed
      = g_build_filename (data_home, "Trash", "files", "Renamed.emissary", NULL);
  GSettings *settings = em_application_get_settings (app);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) recent = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *second_id = NULL;
  g_autoptr (EmBatchItem) first_item = NULL;
  g_autoptr (EmBatchItem) second_item = NULL;

  if (settings == NULL)
    {
      g_test_skip ("no GSettings schema: GSETTINGS_SCHEMA_DIR not set");
      return;
    }

  /* first start: the demo, remembered with the time it was opened */
  g_application_activate (G_APPLICATION (app));
  window = EM_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (gui_test_wait_for (opened, demo, 300000));

  /* Duplicate the open one from the primary menu: the copy is listed */
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "win.duplicate-experiment", "s", ""));
  answer ("Second", "duplicate");
  g_assert_true (gui_test_wait_for (toast_is, "“Demo” copied to “Second”", 30000));
  g_assert_true (g_file_test (second, G_FILE_TEST_IS_DIR));
  recent = g_settings_get_strv (settings, "recent-experiments");
  g_assert_cmpstr (recent[0], ==, second);
  g_assert_cmpstr (recent[1], ==, demo);
  g_clear_pointer (&recent, g_strfreev);
  {
    /* a label only the copy has, so that the two rows differ */
    g_autoptr (EmExperiment) exp = em_experiment_open (second, &error);
    g_autoptr (EmQueryBatch) batch = NULL;

    g_assert_no_error (error);
    batch = em_experiment_get_query_batch (exp, &error);
    g_assert_nonnull (batch);
    g_assert_true (em_experiment_add_label (exp, batch->items[0].spectrum_id,
                                            em_experiment_get_class (exp, 1),
                                            EM_LABEL_SOURCE_ORACLE, -1, NULL, &error));
    g_assert_no_error (error);
  }

  /* the start page: both, with their counts */
  show_start ();
  g_assert_cmpuint (em_start_view_get_n_rows (em_window_get_start_view (window)), ==, 2);
  g_assert_cmpstr (em_start_view_get_row_path (em_window_get_start_view (window), 0), ==, second);
  assert_counts_shown (second);
  assert_counts_shown (demo);
  /* the one open here is marked */
  g_assert_true (em_start_view_row_is_current (em_window_get_start_view (window), row_of (demo)));
  g_assert_false (
      em_start_view_row_is_current (em_window_get_start_view (window), row_of (second)));
  {
    g_autofree char *text = row_text (second);
    g_autofree char *demo_text = row_text (demo);

    g_assert_nonnull (strstr (text, "never opened"));
    g_assert_nonnull (strstr (demo_text, "opened 20"));
  }
  {
    g_autoptr (GString) unnamed = g_string_new (NULL);

    /* every control of the start page has an accessible name */
    g_assert_true (gui_test_every_control_named (GTK_WIDGET (window), unnamed));
    g_assert_cmpstr (unnamed->str, ==, "");
  }

  /* a folder that holds no experiment is refused, naming it */
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "win.open-experiment", "s", data_home));
  g_assert_true (toast_has (data_home));
  g_assert_true (toast_has ("not an Emissary experiment"));
  g_assert_true (em_window_is_showing_start (window));

  /* activating a row opens its experiment here, and it goes first; the
   * open one's candidates window goes with it (its labels would go to
   * the next one) */
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "win.show-candidates", NULL));
  gui_test_spin (20);
  g_assert_true (candidates_open ());
  g_assert_true (gui_test_wait_for (not_sampling, NULL, 30000));
  gtk_widget_activate (
      GTK_WIDGET (em_start_view_get_row (em_window_get_start_view (window), row_of (second))));
  g_assert_true (gui_test_wait_for (opened, second, 60000));
  g_assert_false (candidates_open ());
  g_assert_false (em_window_is_showing_start (window));
  g_assert_true (em_start_view_row_is_current (em_window_get_start_view (window), row_of (second)));
  g_assert_false (em_start_view_row_is_current (em_window_get_start_view (window), row_of (demo)));
  recent = g_settings_get_strv (settings, "recent-experiments");
  g_assert_cmpstr (recent[0], ==, second);
  g_clear_pointer (&recent, g_strfreev);
  {
    g_autofree char *last = g_settings_get_string (settings, "last-experiment");

    g_assert_cmpstr (last, ==, second);
  }

  /* not while this window trains */
  show_start ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  gtk_widget_activate (
      GTK_WIDGET (em_start_view_get_row (em_window_get_start_view (window), row_of (demo))));
  g_assert_true (toast_has ("Wait until training"));
  g_assert_cmpstr (em_window_get_experiment_path (window), ==, second);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-training", NULL));
  g_assert_true (gui_test_wait_for (not_training, NULL, 120000));

  /* rename refused while the experiment is open for writing elsewhere */
  show_start ();
  {
    g_autoptr (EmExperiment) holder = em_experiment_open (demo, &error);
    g_autofree char *elsewhere = g_build_filename (folder, "Elsewhere.emissary", NULL);

    g_assert_no_error (error);
    g_assert_true (
        gtk_widget_activate_action (GTK_WIDGET (window), "win.rename-experiment", "s", demo));
    answer ("Elsewhere", "rename");
    g_assert_true (gui_test_wait_for (toast_has, "already open", 30000));
    g_assert_true (g_file_test (demo, G_FILE_TEST_IS_DIR));
    g_assert_false (g_file_test (elsewhere, G_FILE_TEST_EXISTS));
  }

  /* rename the open one from the primary menu: closed, renamed,
   * reopened under its new name, in the list in its place */
  g_assert_true (gui_test_wait_for (not_sampling, NULL, 30000));
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "win.rename-experiment", "s", ""));
  answer ("Renamed", "rename");
  g_assert_true (gui_test_wait_for (opened, renamed, 60000));
  g_assert_false (g_file_test (second, G_FILE_TEST_EXISTS));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Emissary — Renamed");
  recent = g_settings_get_strv (settings, "recent-experiments");
  g_assert_cmpstr (recent[0], ==, renamed);
  g_assert_false (g_strv_contains ((const char *const *)recent, second));
  g_clear_pointer (&recent, g_strfreev);

  /* import labels: two batch spectra and a bad line; the batch shows them */
  {
    EmBatchItem     *item;
    g_autofree char *text = NULL;
    const char      *klass = em_experiment_get_class (em_window_get_experiment (window), 2);

    g_assert_true (gui_test_wait_for (not_writing, NULL, 10000));
    item = em_window_get_selected_item (window);
    first_item = g_object_ref (item);
    first_id = g_strdup (em_batch_item_get_id (item));
    gtk_widget_activate_action (GTK_WIDGET (window), "win.skip", NULL);
    second_item = g_object_ref (em_window_get_selected_item (window));
    second_id = g_strdup (em_batch_item_get_id (second_item));
    g_assert_cmpint (em_batch_item_get_label (first_item), ==, -1);
    g_assert_cmpint (em_batch_item_get_label (second_item), ==, -1);
    g_assert_cmpstr (first_id, !=, second_id);
    text = g_strdup_printf ("id,label\n%s,%s\nno-such-spectrum,%s\n%s,%s\n", first_id, klass, klass,
                            second_id, klass);
    g_assert_true (g_file_set_contents (csv, text, -1, &error));
  }
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "win.import-labels-from", "s", csv));
  g_assert_true (gui_test_wait_for (not_writing, NULL, 30000));
  g_test_message ("%s", em_window_get_last_toast (window));
  g_assert_true (toast_has ("Imported 2 labels; skipped 1 line (") && toast_has ("line 3:")
                 && toast_has ("no-such-spectrum"));
  /* the batch shows the imported labels */
  g_assert_cmpint (em_batch_item_get_label (first_item), ==, 2);
  g_assert_cmpint (em_batch_item_get_label (second_item), ==, 2);

  /* export the labelled set: the imported labels are in it */
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "win.export-labelled-to", "s", vot));
  g_assert_true (gui_test_wait_for (not_writing, NULL, 30000));
  g_assert_true (toast_has ("Exported ") && toast_has (vot));
  {
    g_autoptr (EmVotable) t = em_votable_read_file (vot, &error);
    guint n_import = 0;
    int   source = -1;

    g_assert_no_error (error);
    source = em_votable_find_field (t, "source");
    g_assert_cmpint (source, >=, 0);
    g_assert_cmpint (em_votable_find_ucd (t, "pos.eq.ra"), ==, 1);
    for (gsize r = 0; r < t->n_rows; r++)
      if (g_strcmp0 (em_votable_get_string (t, r, (guint)source), "import") == 0)
        {
          const char *id = em_votable_get_string (t, r, 0);

          g_assert_true (g_str_equal (id, first_id) || g_str_equal (id, second_id));
          n_import++;
        }
    g_assert_cmpuint (n_import, ==, 2);
  }

  /* delete the open one (confirmed): closed, to the trash, off the list */
  g_assert_true (gui_test_wait_for (not_sampling, NULL, 30000));
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-experiment", "s", ""));
  answer (NULL, "delete");
  g_assert_true (gui_test_wait_for (gone, renamed, 30000));
  g_assert_true (gui_test_wait_for (exists, trashed, 1000));
  g_assert_true (gui_test_wait_for (toast_is, "“Renamed” moved to the trash", 10000));
  g_assert_null (em_window_get_experiment (window));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Emissary");
  show_start ();
  g_assert_cmpint (row_of (renamed), ==, -1);
  {
    g_autofree char *last = g_settings_get_string (settings, "last-experiment");
    g_autofree char *startup = em_application_dup_startup_path (app);

    /* the last experiment is gone: the next start shows this page rather
     * than making the demo again */
    g_assert_cmpstr (last, ==, "");
    g_assert_null (startup);
  }
  g_assert_cmpint (row_of (demo), ==, 0);

  /* missing and unreadable experiments say so, and can be forgotten */
  {
    g_autofree char *missing = g_build_filename (data_home, "Gone.emissary", NULL);
    g_autofree char *broken = g_build_filename (data_home, "Broken.emissary", NULL);
    g_autofree char *db = g_build_filename (broken, "experiment.sqlite", NULL);
    g_autofree char *text = NULL;
    g_auto (GStrv) list = g_settings_get_strv (settings, "recent-experiments");
    g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
    g_auto (GStrv) updated = NULL;

    g_assert_cmpint (g_mkdir (broken, 0755), ==, 0);
    g_assert_true (g_file_set_contents (db, "not a database", -1, &error));
    g_strv_builder_add (builder, missing);
    g_strv_builder_add (builder, broken);
    g_strv_builder_addv (builder, (const char **)list);
    updated = g_strv_builder_end (builder);
    g_settings_set_strv (settings, "recent-experiments", (const char *const *)updated);
    g_assert_true (gui_test_wait_for (start_loaded, NULL, 30000));
    g_assert_cmpuint (em_start_view_get_n_rows (em_window_get_start_view (window)), ==, 3);
    text = row_text (missing);
    g_assert_nonnull (strstr (text, "Missing: "));
    g_assert_nonnull (strstr (text, missing));
    g_clear_pointer (&text, g_free);
    text = row_text (broken);
    g_assert_nonnull (strstr (text, "Cannot be read: "));
    g_assert_true (
        gtk_widget_activate_action (GTK_WIDGET (window), "win.forget-experiment", "s", missing));
    g_assert_true (gui_test_wait_for (start_loaded, NULL, 30000));
    g_assert_cmpint (row_of (missing), ==, -1);
    g_assert_cmpint (row_of (broken), ==, 0);
    g_strfreev (list);
    list = g_settings_get_strv (settings, "recent-experiments");
    g_assert_false (g_strv_contains ((const char *const *)list, missing));
  }

  /* the demo from its row again */
  gtk_widget_activate (
      GTK_WIDGET (em_start_view_get_row (em_window_get_start_view (window), row_of (demo))));
  g_assert_true (gui_test_wait_for (opened, demo, 60000));
}

/* A last experiment that cannot be opened: the start page with the
 * reason, not a dead end. */
static void
test_unopenable_last (void)
{
  g_autofree char *broken = g_build_filename (data_home, "Broken.emissary", NULL);
  EmWindow        *second_window;

  second_window = em_window_new (app);
  em_window_open_experiment (second_window, broken);
  window = second_window;
  g_assert_true (gui_test_wait_for (start_loaded, NULL, 30000));
  g_assert_null (em_window_get_experiment (second_window));
  g_assert_nonnull (strstr (em_start_view_get_message (em_window_get_start_view (second_window)),
                            "Cannot open “Broken”: "));
  gtk_window_destroy (GTK_WINDOW (second_window));
  gui_test_spin (20);
}

static gboolean
run_tests (gpointer user_data)
{
  int *status = user_data;

  *status = g_test_run ();
  g_application_release (G_APPLICATION (app));
  g_application_quit (G_APPLICATION (app));
  return G_SOURCE_REMOVE;
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  int              status = 1;

  /* the demo, the experiments and the trash in a private folder */
  data_home = g_dir_make_tmp ("emissary-gui-start-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CACHE_HOME", data_home, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("SAMP_HUB", "std-lockurl:file:///nonexistent/emissary-test/.samp", TRUE);
  g_setenv ("GTK_A11Y", "test", TRUE);

  /* a private session bus, then GTK (see gui_test_init) */
  bus = gui_test_init (&argc, &argv);
  g_test_add_func ("/start-view/manage", test_manage);
  g_test_add_func ("/start-view/unopenable-last", test_unopenable_last);
  app = em_application_new ();
  {
    EmDemoOptions demo;

    em_demo_options_init (&demo);
    demo.n_pool = 60;
    demo.n_seed = 60;
    demo.preset = "small";
    demo.max_epochs = 1;
    demo.batch_size = 5;
    em_application_set_demo_options (app, &demo);
  }
  g_application_set_flags (G_APPLICATION (app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_application_hold (G_APPLICATION (app));
  g_idle_add (run_tests, &status);
  g_application_run (G_APPLICATION (app), 1, argv);
  g_clear_object (&app);

  if (bus != NULL)
    g_test_dbus_stop (bus);
  gui_test_remove_tree (data_home);
  g_free (data_home);
  return status;
}
