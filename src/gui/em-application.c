/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <glib/gi18n.h>

#include "gui/em-about.h"
#include "gui/em-application.h"
#include "gui/em-new-experiment.h"
#include "gui/em-preferences-window.h"
#include "gui/em-window.h"

struct _EmApplication
{
  AdwApplication parent_instance;

  GSettings    *settings; /* NULL when the schema is not installed */
  EmSampClient *samp;     /* shared by the windows */
  EmDemoOptions demo;
  gboolean      demo_set;
};

G_DEFINE_FINAL_TYPE (EmApplication, em_application, ADW_TYPE_APPLICATION)

/* Accelerators with a modifier live on the application so that menus show
 * them; plain keys (1…9, Backspace, s) are bindings of the window class,
 * handled in the bubble phase so they never steal keys from text entries. */
static const struct
{
  const char *action;
  const char *accels[3];
} accels[] = {
  { "app.quit", { "<Control>q", NULL } },
  { "app.new-experiment", { "<Control>n", NULL } },
  { "app.preferences", { "<Control>comma", NULL } },
  { "window.close", { "<Control>w", NULL } },
  { "win.undo", { "<Control>z", NULL } },
  { "win.train", { "<Control>t", NULL } },
  { "win.cancel-training", { "<Control>period", NULL } },
  { "win.zoom-reset", { "<Control>0", NULL } },
  { "win.show-in-aladin", { "<Control><Shift>a", NULL } },
  { "win.send-batch", { "<Control><Shift>t", NULL } },
  { "win.send-spectrum", { "<Control><Shift>s", NULL } },
};

static void
em_application_activate (GApplication *app)
{
  EmApplication *self = EM_APPLICATION (app);
  GtkWindow     *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      g_autofree char *path = em_application_dup_startup_path (self);

      window = GTK_WINDOW (em_window_new (self));
      if (self->demo_set)
        em_window_set_demo_options (EM_WINDOW (window), &self->demo);
      if (path != NULL)
        em_window_open_experiment (EM_WINDOW (window), path);
      else
        em_window_close_experiment (EM_WINDOW (window));
    }
  gtk_window_present (window);
}

static void
em_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  EmApplication *self = EM_APPLICATION (app);

  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *path = g_file_get_path (files[i]);
      EmWindow        *window;

      if (path == NULL)
        continue;
      window = em_window_new (self);
      em_window_open_experiment (window, path);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GApplication *app = G_APPLICATION (user_data);
  GList        *windows = gtk_application_get_windows (GTK_APPLICATION (app));
  g_autoptr (GList) copy = g_list_copy (windows);

  /* Closing the windows (rather than g_application_quit) lets each one
   * cancel its running task and save its size. */
  for (GList *it = copy; it != NULL; it = it->next)
    gtk_window_close (GTK_WINDOW (it->data));
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);

  gtk_window_present (em_about_window_new (gtk_application_get_active_window (app)));
}

static void
preferences_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  EmApplication *self = EM_APPLICATION (user_data);
  GtkWindow     *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GListModel    *toplevels = gtk_window_get_toplevels ();

  /* the action is disabled without a schema (see startup) */
  g_return_if_fail (self->settings != NULL);
  /* one preferences window: a second Ctrl+comma brings the open one up */
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (EM_IS_PREFERENCES_WINDOW (window))
        {
          gtk_window_present (window);
          return;
        }
    }
  gtk_window_present (GTK_WINDOW (em_preferences_window_new (self->settings, parent)));
}

/* The "New Experiment" dialog, modal to the active window; a second
 * Ctrl+N brings the open one up. */
static void
new_experiment_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  EmApplication *self = EM_APPLICATION (user_data);
  GtkWindow     *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GList         *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  for (GList *it = windows; it != NULL; it = it->next)
    if (EM_IS_NEW_EXPERIMENT (it->data))
      {
        gtk_window_present (it->data);
        return;
      }
  gtk_window_present (GTK_WINDOW (em_new_experiment_new (self, parent)));
}

static const GActionEntry app_actions[] = {
  { "new-experiment", new_experiment_activated },
  { "quit", quit_activated },
  { "about", about_activated },
  { "preferences", preferences_activated },
};

static void
on_samp_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  /* No hub is the usual case; the client watches for one by itself. */
  if (!em_samp_client_connect_finish (EM_SAMP_CLIENT (source), result, &error))
    g_debug ("SAMP: %s", error->message);
}

static void
on_samp_disconnected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  em_samp_client_disconnect_finish (EM_SAMP_CLIENT (source), result, NULL);
  *(gboolean *)user_data = TRUE;
}

static void
em_application_shutdown (GApplication *app)
{
  EmApplication *self = EM_APPLICATION (app);

  /* Say goodbye to the hub so that TOPCAT and Aladin drop us at once;
   * a hub that does not answer within two seconds is not waited for. */
  if (self->samp != NULL && em_samp_client_get_connected (self->samp))
    {
      gboolean done = FALSE;
      gint64   end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

      em_samp_client_disconnect_async (self->samp, NULL, on_samp_disconnected, &done);
      while (!done && g_get_monotonic_time () < end)
        g_main_context_iteration (NULL, FALSE);
    }
  G_APPLICATION_CLASS (em_application_parent_class)->shutdown (app);
}

static void
em_application_startup (GApplication *app)
{
  EmApplication *self = EM_APPLICATION (app);

  G_APPLICATION_CLASS (em_application_parent_class)->startup (app);

  self->samp = em_samp_client_new (_ ("Emissary"));
  em_samp_client_set_metadata (self->samp, "samp.description.text",
                               _ ("Finds emission-line stars in survey spectra by active deep "
                                  "learning"));
  if (self->settings == NULL || g_settings_get_boolean (self->settings, "samp-auto-connect"))
    em_samp_client_connect_async (self->samp, NULL, on_samp_connected, NULL);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  /* Without an installed schema there is nothing to store preferences in. */
  g_simple_action_set_enabled (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (app), "preferences")),
      self->settings != NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);
}

static void
em_application_dispose (GObject *object)
{
  EmApplication *self = EM_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->samp);
  G_OBJECT_CLASS (em_application_parent_class)->dispose (object);
}

static void
em_application_class_init (EmApplicationClass *klass)
{
  GObjectClass      *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = em_application_dispose;
  app_class->activate = em_application_activate;
  app_class->open = em_application_open;
  app_class->startup = em_application_startup;
  app_class->shutdown = em_application_shutdown;
}

static void
em_application_init (EmApplication *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  /* Without an installed schema (running from the build tree before the
   * schema is compiled) the application still runs, with defaults. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, EM_APP_ID, TRUE);
  if (schema != NULL)
    self->settings = g_settings_new (EM_APP_ID);
}

EmApplication *
em_application_new (void)
{
  return g_object_new (EM_TYPE_APPLICATION, "application-id", EM_APP_ID, "flags",
                       G_APPLICATION_HANDLES_OPEN, "resource-base-path",
                       "/io/github/emissary/Emissary", NULL);
}

/* May be NULL: see em_application_init(). */
GSettings *
em_application_get_settings (EmApplication *self)
{
  g_return_val_if_fail (EM_IS_APPLICATION (self), NULL);
  return self->settings;
}

/* How the demo experiment is made on first start (tests make a small one). */
void
em_application_set_demo_options (EmApplication *self, const EmDemoOptions *options)
{
  g_return_if_fail (EM_IS_APPLICATION (self));
  self->demo = *options;
  self->demo_set = TRUE;
}

/* The application's SAMP client (NULL before startup). */
EmSampClient *
em_application_get_samp (EmApplication *self)
{
  g_return_val_if_fail (EM_IS_APPLICATION (self), NULL);
  return self->samp;
}

/* The bundled demo experiment lives in the user's data folder. */
char *
em_application_dup_demo_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "emissary", "Demo.emissary", NULL);
}

/* The experiment opened last if it still exists; the demo on first
 * start (no recent experiment); NULL when the last one is gone (deleted,
 * renamed elsewhere) but others are known: the window then shows the
 * start page to pick one, rather than making the demo again. */
char *
em_application_dup_startup_path (EmApplication *self)
{
  g_return_val_if_fail (EM_IS_APPLICATION (self), NULL);

  if (self->settings != NULL)
    {
      g_autofree char *last = g_settings_get_string (self->settings, "last-experiment");
      g_auto (GStrv) recent = g_settings_get_strv (self->settings, "recent-experiments");

      if (last != NULL && last[0] != '\0' && g_file_test (last, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&last);
      if (recent[0] != NULL)
        return NULL;
    }
  return em_application_dup_demo_path ();
}
