/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The real application driven through its actions: the window it opens on
 * first start, the accelerators, the shortcuts window, quitting. */
#include "em-config.h"

#include <glib/gstdio.h>

#include "gui-test-util.h"
#include "gui/em-application.h"
#include "gui/em-window.h"

static char *data_home;
/* Kept (reachable) to the end: libadwaita's settings-portal proxy holds the
 * bus connection for the life of the process, so g_test_dbus_down() would
 * wait for it in vain; stopping the daemon is enough. */
static GTestDBus *bus;

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

/* One application per program, as on the desktop: registered once,
 * driven by every test in turn. */
static EmApplication *app;

static gboolean
experiment_open (gpointer data)
{
  return em_window_get_experiment (data) != NULL;
}

static gboolean
wait_until (gboolean (*done) (gpointer), gpointer data, guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)ms * 1000;

  while (!done (data) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  return done (data);
}

static void
test_first_start_title (void)
{
  g_autofree char *expected = g_build_filename (data_home, "emissary", "Demo.emissary", NULL);
  GtkWindow       *window;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (EM_IS_WINDOW (window));
  g_assert_cmpstr (em_window_get_experiment_path (EM_WINDOW (window)), ==, expected);
  g_assert_cmpstr (gtk_window_get_title (window), ==, "Emissary — Demo");

  /* the demo is made, its first iteration run, and it is remembered so
   * that the next start reopens it */
  g_assert_true (wait_until (experiment_open, window, 300000));
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_DIR));
  if (em_application_get_settings (app) != NULL)
    {
      g_autofree char *last
          = g_settings_get_string (em_application_get_settings (app), "last-experiment");
      g_autofree char *startup = em_application_dup_startup_path (app);

      g_assert_cmpstr (last, ==, expected);
      g_assert_cmpstr (startup, ==, expected);
    }
}

static void
test_accels_and_shortcuts (void)
{
  g_auto (GStrv) undo = NULL;
  g_auto (GStrv) quit = NULL;
  GtkWindow          *window;
  GtkShortcutsWindow *overlay;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));

  undo = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.undo");
  g_assert_true (g_strv_contains ((const char *const *)undo, "<Control>z"));
  quit = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.quit");
  g_assert_true (g_strv_contains ((const char *const *)quit, "<Control>q"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));

  /* GtkApplication loads gtk/help-overlay.ui from our resources. */
  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));
  g_assert_nonnull (overlay);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (overlay)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  spin (50);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (overlay)));
  gtk_window_close (GTK_WINDOW (overlay));
  spin (10);
}

static void
test_open_names_experiment (void)
{
  g_autoptr (GFile) file = g_file_new_for_path ("/tmp/Survey Run.emissary");
  GtkWindow *window;

  g_application_open (G_APPLICATION (app), &file, 1, "");
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_nonnull (window);
  g_assert_cmpstr (gtk_window_get_title (window), ==, "Emissary — Survey Run");
  gtk_window_destroy (window);
  spin (10);
}

static void
test_quit_closes_windows (void)
{

  GSettings *settings;

  g_application_activate (G_APPLICATION (app));
  g_assert_nonnull (gtk_application_get_windows (GTK_APPLICATION (app)));
  gtk_window_set_default_size (gtk_application_get_active_window (GTK_APPLICATION (app)), 1010,
                               707);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  spin (50);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));

  /* the window's size is remembered (the schema is compiled in the build) */
  settings = em_application_get_settings (app);
  if (settings == NULL)
    {
      g_test_skip ("no GSettings schema: GSETTINGS_SCHEMA_DIR not set");
      return;
    }
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1010);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 707);
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

  data_home = g_dir_make_tmp ("emissary-gui-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* never the user's SAMP hub */
  g_setenv ("SAMP_HUB", "std-lockurl:file:///nonexistent/emissary-test/.samp", TRUE);
  /* The test AT context keeps accessible properties without a bus. */
  g_setenv ("GTK_A11Y", "test", TRUE);

  /* a private session bus, then GTK (see gui_test_init) */
  bus = gui_test_init (&argc, &argv);
  g_test_add_func ("/application/first-start-title", test_first_start_title);
  g_test_add_func ("/application/accels-and-shortcuts", test_accels_and_shortcuts);
  g_test_add_func ("/application/open-names-experiment", test_open_names_experiment);
  g_test_add_func ("/application/quit-closes-windows", test_quit_closes_windows);
  /* The tests run inside g_application_run() so that startup and
   * shutdown happen as on the desktop (and the bus is let go of). */
  app = em_application_new ();
  {
    /* a small demo: these tests look at the window, not the learning */
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
