/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Preferences: every control is bound to its GSettings key, so a change
 * is stored as it is made and a change made elsewhere (dconf-editor,
 * gsettings) shows at once. */
#include "em-config.h"

#include <glib/gi18n.h>

#include "gui/em-preferences-window.h"

struct _EmPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GSettings *settings;

  AdwEntryRow   *simbad_url_row;
  GtkSpinButton *cone_radius_spin;
  GtkSwitch     *follow_selection_switch;
  AdwEntryRow   *hips_survey_row;
  GtkSwitch     *samp_auto_connect_switch;
  GtkSpinButton *worker_threads_spin;
  GtkSpinButton *batch_size_spin;
  AdwComboRow   *strategy_row;
};

G_DEFINE_FINAL_TYPE (EmPreferencesWindow, em_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The choices of the query-strategy key, in the order of the combo row's
 * model (ui/em-preferences-window.ui). */
static const char *const strategies[]
    = { "entropy", "margin", "least-confidence", "random", "bald" };

static gboolean
strategy_get_mapping (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *id = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (strategies); i++)
    if (g_str_equal (id, strategies[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
strategy_set_mapping (const GValue *value, const GVariantType *type, gpointer user_data)
{
  guint i = g_value_get_uint (value);

  /* GTK_INVALID_LIST_POSITION while the model is being replaced */
  if (i >= G_N_ELEMENTS (strategies))
    return NULL;
  return g_variant_new_string (strategies[i]);
}

static void
em_preferences_window_dispose (GObject *object)
{
  EmPreferencesWindow *self = EM_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), EM_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (em_preferences_window_parent_class)->dispose (object);
}

static void
em_preferences_window_class_init (EmPreferencesWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = em_preferences_window_dispose;
  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/emissary/Emissary/em-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EmPreferencesWindow, simbad_url_row);
  gtk_widget_class_bind_template_child (widget_class, EmPreferencesWindow, cone_radius_spin);
  gtk_widget_class_bind_template_child (widget_class, EmPreferencesWindow, follow_selection_switch);
  gtk_widget_class_bind_template_child (widget_class, EmPreferencesWindow, hips_survey_row);
  gtk_widget_class_bind_template_child (widget_class, EmPreferencesWindow,
                                        samp_auto_connect_switch);
  gtk_widget_class_bind_template_child (widget_class, EmPreferencesWindow, worker_threads_spin);
  gtk_widget_class_bind_template_child (widget_class, EmPreferencesWindow, batch_size_spin);
  gtk_widget_class_bind_template_child (widget_class, EmPreferencesWindow, strategy_row);
}

static void
em_preferences_window_init (EmPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* @settings: the application's (io.github.emissary.Emissary); the caller
 * does not offer preferences when the schema is not installed. */
EmPreferencesWindow *
em_preferences_window_new (GSettings *settings, GtkWindow *parent)
{
  EmPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (EM_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (settings);
  g_settings_bind (settings, "simbad-url", self->simbad_url_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "simbad-cone-radius", self->cone_radius_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "follow-selection", self->follow_selection_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "hips-survey", self->hips_survey_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "samp-auto-connect", self->samp_auto_connect_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "worker-threads", self->worker_threads_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "batch-size", self->batch_size_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "query-strategy", self->strategy_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, strategy_get_mapping, strategy_set_mapping,
                                NULL, NULL);
  if (parent != NULL)
    {
      gtk_window_set_transient_for (GTK_WINDOW (self), parent);
      gtk_window_set_modal (GTK_WINDOW (self), TRUE);
      gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
    }
  return self;
}
