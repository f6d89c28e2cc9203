/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The preferences and about windows, opened through the application's
 * actions: a change made in a control is stored in GSettings (and one
 * made in GSettings shows in the control), every control is named for
 * assistive technologies, the about window names the library versions. */
#include "em-config.h"

#include <cblas.h>
#include <fitsio.h>

#include "gui-test-util.h"
#include "gui/em-about.h"
#include "gui/em-application.h"
#include "gui/em-preferences-window.h"
#include "nn/nn.h"

static EmApplication *app;
/* Kept to the end, as in test-application.c: libadwaita's portal proxy
 * holds the bus connection for the life of the process. */
static GTestDBus *bus;

/* The toplevel of @type most recently shown, or NULL. */
static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWindow  *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)))
        found = w;
    }
  return found;
}

/* The widget under @root whose widget name is @name (the .ui file names
 * each bound control after its key). */
static GtkWidget *
find_named (GtkWidget *root, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_preferences (void)
{
  GSettings *settings = em_application_get_settings (app);
  g_auto (GStrv) accels = NULL;
  g_autoptr (GString) unnamed = g_string_new (NULL);
  GtkWindow *window;
  GtkWidget *w;

  if (settings == NULL)
    {
      g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "preferences"));
      g_test_skip ("no GSettings schema: GSETTINGS_SCHEMA_DIR not set");
      return;
    }
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.preferences");
  g_assert_true (g_strv_contains ((const char *const *)accels, "<Control>comma"));

  g_assert_null (find_toplevel (EM_TYPE_PREFERENCES_WINDOW));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  window = find_toplevel (EM_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (window);
  g_assert_true (gui_test_wait_frame (GTK_WIDGET (window)));
  /* a second activation brings up the same window */
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  {
    GListModel *toplevels = gtk_window_get_toplevels ();
    guint       n = 0;

    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr (GtkWindow) other = g_list_model_get_item (toplevels, i);

        n += EM_IS_PREFERENCES_WINDOW (other);
      }
    g_assert_cmpuint (n, ==, 1);
  }

  /* every control is named */
  if (!gui_test_every_control_named (GTK_WIDGET (window), unnamed))
    g_error ("controls without an accessible name: %s", unnamed->str);

  /* the controls show the stored values */
  w = find_named (GTK_WIDGET (window), "worker-threads");
  g_assert_true (GTK_IS_SPIN_BUTTON (w));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (w)), ==,
                   g_settings_get_int (settings, "worker-threads"));
  /* a change in the control is stored … */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w), 3);
  g_assert_cmpint (g_settings_get_int (settings, "worker-threads"), ==, 3);
  /* … and one in GSettings shows */
  g_settings_set_int (settings, "worker-threads", 5);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (w)), ==, 5);

  w = find_named (GTK_WIDGET (window), "batch-size");
  g_assert_true (GTK_IS_SPIN_BUTTON (w));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (w)), ==, 100);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w), 250);
  g_assert_cmpint (g_settings_get_int (settings, "batch-size"), ==, 250);
  /* the key's range is the control's */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w), 0);
  g_assert_cmpint (g_settings_get_int (settings, "batch-size"), ==, 1);

  w = find_named (GTK_WIDGET (window), "simbad-cone-radius");
  g_assert_true (GTK_IS_SPIN_BUTTON (w));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w), 7.5);
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "simbad-cone-radius"), 7.5,
                                  1e-9);

  w = find_named (GTK_WIDGET (window), "simbad-url");
  g_assert_true (ADW_IS_ENTRY_ROW (w));
  {
    g_autofree char *url = g_settings_get_string (settings, "simbad-url");

    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (w)), ==, url);
  }
  gtk_editable_set_text (GTK_EDITABLE (w), "http://127.0.0.1:8089/simbad/sim-tap/sync");
  {
    g_autofree char *url = g_settings_get_string (settings, "simbad-url");

    g_assert_cmpstr (url, ==, "http://127.0.0.1:8089/simbad/sim-tap/sync");
  }

  w = find_named (GTK_WIDGET (window), "hips-survey");
  g_assert_true (ADW_IS_ENTRY_ROW (w));
  gtk_editable_set_text (GTK_EDITABLE (w), "CDS/P/2MASS/color");
  {
    g_autofree char *hips = g_settings_get_string (settings, "hips-survey");

    g_assert_cmpstr (hips, ==, "CDS/P/2MASS/color");
  }

  w = find_named (GTK_WIDGET (window), "follow-selection");
  g_assert_true (GTK_IS_SWITCH (w));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (w)));
  gtk_switch_set_active (GTK_SWITCH (w), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "follow-selection"));

  w = find_named (GTK_WIDGET (window), "samp-auto-connect");
  g_assert_true (GTK_IS_SWITCH (w));
  gtk_switch_set_active (GTK_SWITCH (w), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "samp-auto-connect"));

  w = find_named (GTK_WIDGET (window), "query-strategy");
  g_assert_true (ADW_IS_COMBO_ROW (w));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (w)), ==, 0); /* entropy */
  /* every entry of the row is one of the key's choices, in the order of
   * the schema */
  for (guint i = 0; i < 5; i++)
    {
      const char      *choices[] = { "entropy", "margin", "least-confidence", "random", "bald" };
      g_autofree char *strategy = NULL;

      adw_combo_row_set_selected (ADW_COMBO_ROW (w), i);
      strategy = g_settings_get_string (settings, "query-strategy");
      g_assert_cmpstr (strategy, ==, choices[i]);
    }
  g_settings_set_string (settings, "query-strategy", "least-confidence");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (w)), ==, 2);

  gtk_window_destroy (window);
  gui_test_spin (10);
  g_assert_null (find_toplevel (EM_TYPE_PREFERENCES_WINDOW));
}

static void
test_about (void)
{
  g_autofree char *gtk = g_strdup_printf ("GTK %u.%u.%u", gtk_get_major_version (),
                                          gtk_get_minor_version (), gtk_get_micro_version ());
  g_autofree char *adw = g_strdup_printf ("libadwaita %u.%u.%u", adw_get_major_version (),
                                          adw_get_minor_version (), adw_get_micro_version ());
  g_autofree char *cfitsio = NULL;
  g_autofree char *core = g_strdup_printf ("OpenBLAS core %s", nn_blas_core_name ());
  g_autofree char *openblas = g_strndup (openblas_get_config (), 15); /* "OpenBLAS 0.3.21" */
  g_autoptr (GString) unnamed = g_string_new (NULL);
  g_autofree char *info = NULL;
  float            version = 0;
  GtkWindow       *window;

  ffvers (&version);
  cfitsio = g_strdup_printf ("CFITSIO %.3f", version);

  g_assert_null (find_toplevel (ADW_TYPE_ABOUT_WINDOW));
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  window = find_toplevel (ADW_TYPE_ABOUT_WINDOW);
  g_assert_nonnull (window);
  g_assert_true (gui_test_wait_frame (GTK_WIDGET (window)));
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (window)), ==, EM_VERSION);

  info = g_strdup (adw_about_window_get_debug_info (ADW_ABOUT_WINDOW (window)));
  g_assert_nonnull (info);
  g_assert_true (g_str_has_prefix (openblas_get_config (), "OpenBLAS "));
  for (const char *const *want = (const char *const[]){ gtk, adw, cfitsio, openblas, core, NULL };
       *want != NULL; want++)
    if (strstr (info, *want) == NULL)
      g_error ("the about window's debug info lacks “%s”:\n%s", *want, info);
  /* what the window shows is what em_about_dup_versions() reports */
  {
    g_autofree char *versions = em_about_dup_versions ();

    g_assert_cmpstr (info, ==, versions);
  }

  if (!gui_test_every_control_named (GTK_WIDGET (window), unnamed))
    g_error ("controls without an accessible name: %s", unnamed->str);

  gtk_window_destroy (window);
  gui_test_spin (10);
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
  g_autofree char *data_home = NULL;
  int              status = 1;

  /* never the user's data folder */
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
  g_test_add_func ("/preferences/bound-to-gsettings", test_preferences);
  g_test_add_func ("/preferences/about-versions", test_about);

  /* No main window: these windows open without one, as they can on the
   * desktop before an experiment is open. */
  app = em_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_hold (G_APPLICATION (app));
  g_idle_add (run_tests, &status);
  g_application_run (G_APPLICATION (app), 1, argv);
  g_clear_object (&app);

  if (bus != NULL)
    g_test_dbus_stop (bus);
  gui_test_remove_tree (data_home);
  return status;
}
