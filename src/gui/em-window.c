/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The labelling workstation: the query batch as thumbnails, the selected
 * spectrum in the large plot with its metadata, and the labelling
 * actions (win.label(k), win.undo, win.skip, …) that keys, buttons and
 * tests all go through.
 *
 * This file holds the GObject side (properties, template, life cycle);
 * each concern is a part of its own, sharing em-window-private.h:
 * em-window-batch.c (the batch and the labelling actions),
 * em-window-vo.c (SIMBAD, SAMP), em-window-writer.c (labels to the
 * database and as files), em-window-sample.c (the precision sample),
 * em-window-training.c and em-window-experiments.c (opening and managing
 * experiments). */
#include "em-config.h"

#include <glib/gi18n.h>

#include "gui/em-window-private.h"

G_DEFINE_FINAL_TYPE (EmWindow, em_window, ADW_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_EXPERIMENT_PATH,
  PROP_NORMALISED,
  PROP_Y_LOCKED,
  PROP_FOLLOW_SELECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* "Demo" for ".../Demo.emissary". */
char *
em_window_dup_experiment_name (EmWindow *self)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  if (self->experiment_path == NULL)
    return NULL;
  base = g_path_get_basename (self->experiment_path);
  if (g_str_has_suffix (base, ".emissary"))
    base[strlen (base) - strlen (".emissary")] = '\0';
  return g_steal_pointer (&base);
}

void
_em_window_update_title (EmWindow *self)
{
  g_autofree char *name = em_window_dup_experiment_name (self);
  g_autofree char *title = NULL;

  if (name != NULL)
    /* Translators: window title, "Emissary — <experiment name>" */
    title = g_strdup_printf (C_ ("window title", "Emissary — %s"), name);
  else
    title = g_strdup (_ ("Emissary"));
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->window_title, _ ("Emissary"));
  adw_window_title_set_subtitle (self->window_title, name != NULL ? name : "");
}

void
_em_window_notify_experiment_path (EmWindow *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPERIMENT_PATH]);
}

void
_em_window_toast (EmWindow *self, const char *text)
{
  AdwToast *t = adw_toast_new (text);

  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  adw_toast_set_timeout (t, 4);
  adw_toast_overlay_add_toast (self->toasts, t);
}

/* ---- GObject ---------------------------------------------------------- */

static void
em_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  EmWindow *self = EM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_EXPERIMENT_PATH:
      g_value_set_string (value, self->experiment_path);
      break;
    case PROP_NORMALISED:
      g_value_set_boolean (value, self->normalised);
      break;
    case PROP_Y_LOCKED:
      g_value_set_boolean (value, self->y_locked);
      break;
    case PROP_FOLLOW_SELECTION:
      g_value_set_boolean (value, self->follow_selection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
em_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  EmWindow *self = EM_WINDOW (object);
  gboolean  b;

  switch (prop_id)
    {
    case PROP_NORMALISED:
      b = g_value_get_boolean (value);
      if (b != self->normalised)
        {
          self->normalised = b;
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_Y_LOCKED:
      b = g_value_get_boolean (value);
      if (b != self->y_locked)
        {
          self->y_locked = b;
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_FOLLOW_SELECTION:
      b = g_value_get_boolean (value);
      if (b != self->follow_selection)
        {
          self->follow_selection = b;
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
em_window_close_request (GtkWindow *window)
{
  EmWindow *self = EM_WINDOW (window);
  int       width, height;

  if (self->settings != NULL)
    {
      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
    }
  return GTK_WINDOW_CLASS (em_window_parent_class)->close_request (window);
}

/* Training, opening, a precision sample, SIMBAD; not the label writer:
 * labels given must reach the database. */
static void
cancel_tasks (EmWindow *self)
{
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->open_cancellable);
  g_cancellable_cancel (self->train_cancellable);
  g_cancellable_cancel (self->simbad_cancellable);
}

/* gtk_window_destroy() unrealizes the window and drops GTK's reference,
 * but every task running for it holds one too, so dispose would come only
 * when the last of them ended: training would run to its end for a window
 * no longer there, keeping the experiment locked.  The tasks are
 * cancelled here instead, as the window goes. */
static void
em_window_unrealize (GtkWidget *widget)
{
  cancel_tasks (EM_WINDOW (widget));
  GTK_WIDGET_CLASS (em_window_parent_class)->unrealize (widget);
}

static void
em_window_dispose (GObject *object)
{
  EmWindow *self = EM_WINDOW (object);

  cancel_tasks (self);
  /* Labels given must reach the database: wait for the writes queued. */
  if (self->writer != NULL)
    g_thread_pool_free (g_steal_pointer (&self->writer), FALSE, TRUE);
  g_clear_handle_id (&self->simbad_timeout, g_source_remove);
  g_clear_pointer (&self->simbad, em_simbad_client_unref);
  g_cancellable_cancel (self->samp_cancellable);
  if (self->samp != NULL)
    em_window_set_samp (self, NULL);
  g_clear_object (&self->batch);
  g_clear_object (&self->query_batch);
  gtk_widget_dispose_template (GTK_WIDGET (self), EM_TYPE_WINDOW);
  G_OBJECT_CLASS (em_window_parent_class)->dispose (object);
}

static void
em_window_finalize (GObject *object)
{
  EmWindow *self = EM_WINDOW (object);

  g_free (self->experiment_path);
  g_strfreev (self->classes);
  g_array_unref (self->undo_steps);
  g_ptr_array_unref (self->class_buttons);
  g_hash_table_unref (self->spectra);
  g_hash_table_unref (self->loading);
  g_hash_table_unref (self->load_errors);
  g_object_unref (self->cancellable);
  g_clear_object (&self->simbad_cancellable);
  g_free (self->simbad_done_for);
  g_clear_object (&self->samp_cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->open_cancellable);
  g_clear_object (&self->train_cancellable);
  g_clear_pointer (&self->exp, em_experiment_close);
  g_free (self->train_phase);
  g_free (self->batch_table_id);
  g_free (self->batch_table_url);
  g_clear_pointer (&self->estimate, em_estimate_report_free);
  g_mutex_clear (&self->exp_lock);
  g_free (self->hips_survey);
  g_free (self->last_toast);
  G_OBJECT_CLASS (em_window_parent_class)->finalize (object);
}

static void
em_window_class_init (EmWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = em_window_dispose;
  object_class->finalize = em_window_finalize;
  object_class->get_property = em_window_get_property;
  object_class->set_property = em_window_set_property;
  GTK_WINDOW_CLASS (klass)->close_request = em_window_close_request;
  widget_class->unrealize = em_window_unrealize;

  properties[PROP_EXPERIMENT_PATH]
      = g_param_spec_string ("experiment-path", NULL, NULL, NULL,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_NORMALISED]
      = g_param_spec_boolean ("normalised", NULL, NULL, FALSE,
                              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_Y_LOCKED]
      = g_param_spec_boolean ("y-locked", NULL, NULL, FALSE,
                              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_FOLLOW_SELECTION]
      = g_param_spec_boolean ("follow-selection", NULL, NULL, FALSE,
                              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (EM_TYPE_BATCH_GRID);
  g_type_ensure (EM_TYPE_LOSS_CURVE);
  g_type_ensure (EM_TYPE_SPECTRUM_PLOT);
  g_type_ensure (EM_TYPE_START_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/emissary/Emissary/em-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EmWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, start_view);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, batch_label);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, batch_grid);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, plot);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, label_box);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, skip_button);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, metadata_grid);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, simbad_box);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, simbad_spinner);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, simbad_list);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, simbad_status);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, samp_button);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, samp_status);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, samp_peers);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, open_progress);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, train_button);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, train_revealer);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, loss_curve);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, train_label);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, train_progress);

  /* Each part installs its actions (in this order). */
  _em_window_class_init_batch (widget_class);
  gtk_widget_class_install_property_action (widget_class, "win.normalised", "normalised");
  gtk_widget_class_install_property_action (widget_class, "win.lock-y", "y-locked");
  gtk_widget_class_install_property_action (widget_class, "win.follow-selection",
                                            "follow-selection");
  _em_window_class_init_vo (widget_class);
  _em_window_class_init_training (widget_class);
  _em_window_class_init_sample (widget_class);
  _em_window_class_init_experiments (widget_class);
  _em_window_class_init_writer (widget_class);

  /* Plain keys as bindings (bubble phase): a focused entry keeps them. */
  for (guint k = 0; k < MAX_CLASS_KEYS; k++)
    {
      gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + k, 0, "win.label", "u", k);
      gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_1 + k, 0, "win.label", "u", k);
    }
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_BackSpace, 0, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, 0, "win.skip", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_j, 0, "win.step", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, 0, "win.step", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, 0, "win.normalised", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, 0, "win.lock-y", NULL);
}

static void
add_meta_row (EmWindow *self, guint row, const char *name)
{
  GtkWidget *key = gtk_label_new (name);
  GtkWidget *value = gtk_label_new ("—");

  gtk_label_set_xalign (GTK_LABEL (key), 1.0);
  gtk_widget_add_css_class (key, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value), 0.0);
  gtk_label_set_selectable (GTK_LABEL (value), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (value), PANGO_ELLIPSIZE_END);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (value), GTK_ACCESSIBLE_RELATION_LABELLED_BY, key,
                                  NULL, -1);
  gtk_grid_attach (self->metadata_grid, key, 0, row, 1, 1);
  gtk_grid_attach (self->metadata_grid, value, 1, row, 1, 1);
  self->meta_values[row] = GTK_LABEL (value);
}

static void
em_window_init (EmWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_mutex_init (&self->exp_lock);

  self->undo_steps = g_array_new (FALSE, FALSE, sizeof (UndoStep));
  self->class_buttons = g_ptr_array_new ();
  self->spectra
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)em_spectrum_free);
  self->loading = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->load_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();
  self->simbad_cancellable = g_cancellable_new ();
  self->samp_cancellable = g_cancellable_new ();
  self->simbad_radius = EM_SIMBAD_DEFAULT_RADIUS_ARCSEC;
  gtk_widget_set_visible (self->simbad_box, FALSE);

  add_meta_row (self, META_ID, _ ("Id"));
  add_meta_row (self, META_DESIGNATION, _ ("Designation"));
  /* Translators: coordinates in hours/degrees, minutes, seconds */
  add_meta_row (self, META_SEXAGESIMAL, _ ("RA, Dec"));
  /* Translators: coordinates in decimal degrees */
  add_meta_row (self, META_DEGREES, _ ("RA, Dec (°)"));
  /* Translators: signal-to-noise ratio */
  add_meta_row (self, META_SNR, _ ("S/N"));
  add_meta_row (self, META_SURVEY_CLASS, _ ("Survey class"));
  add_meta_row (self, META_PROBABILITIES, _ ("Probabilities"));

  g_object_bind_property (self, "normalised", self->plot, "normalised",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "y-locked", self->plot, "y-locked",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->batch_grid, "notify::selected",
                            G_CALLBACK (_em_window_on_selected_changed), self);

  /* Under the grid's header while the precision sample is shown: the
   * estimate as it stands, and the way back to the query batch. */
  {
    GtkWidget *back = gtk_button_new_with_mnemonic (_ ("Back to the _Query Batch"));

    self->sample_bar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
    gtk_widget_set_margin_start (self->sample_bar, 12);
    gtk_widget_set_margin_end (self->sample_bar, 12);
    gtk_widget_set_margin_bottom (self->sample_bar, 6);
    self->estimate_label = GTK_LABEL (gtk_label_new (NULL));
    gtk_label_set_xalign (self->estimate_label, 0.0);
    gtk_label_set_wrap (self->estimate_label, TRUE);
    gtk_label_set_selectable (self->estimate_label, TRUE);
    gtk_widget_add_css_class (GTK_WIDGET (self->estimate_label), "caption");
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->estimate_label),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Precision estimate"), -1);
    gtk_actionable_set_action_name (GTK_ACTIONABLE (back), "win.show-query-batch");
    gtk_widget_set_halign (back, GTK_ALIGN_START);
    gtk_box_append (GTK_BOX (self->sample_bar), GTK_WIDGET (self->estimate_label));
    gtk_box_append (GTK_BOX (self->sample_bar), back);
    gtk_widget_set_visible (self->sample_bar, FALSE);
    gtk_box_insert_child_after (GTK_BOX (gtk_widget_get_parent (GTK_WIDGET (self->batch_label))),
                                self->sample_bar, GTK_WIDGET (self->batch_label));
  }
  _em_window_update_batch_label (self);
}

/* A window of @application, with the SIMBAD service and cone radius of
 * its settings (the defaults without an installed schema). */
EmWindow *
em_window_new (EmApplication *application)
{
  EmWindow  *self = g_object_new (EM_TYPE_WINDOW, "application", application, NULL);
  GSettings *settings = application != NULL ? em_application_get_settings (application) : NULL;
  g_autofree char *url = NULL;
  double           radius = EM_SIMBAD_DEFAULT_RADIUS_ARCSEC;

  if (settings != NULL)
    {
      url = g_settings_get_string (settings, "simbad-url");
      radius = g_settings_get_double (settings, "simbad-cone-radius");
    }
  em_window_set_simbad (self, url != NULL && url[0] != '\0' ? url : EM_SIMBAD_DEFAULT_URL, radius);
  if (application != NULL)
    em_window_set_samp (self, em_application_get_samp (application));
  em_start_view_set_settings (self->start_view, settings);
  if (settings != NULL)
    {
      g_set_object (&self->settings, settings);
      _em_window_on_hips_survey_changed (settings, "hips-survey", self);
      g_signal_connect_object (settings, "changed::hips-survey",
                               G_CALLBACK (_em_window_on_hips_survey_changed), self, 0);
      g_settings_bind (settings, "follow-selection", self, "follow-selection",
                       G_SETTINGS_BIND_DEFAULT);
      gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (settings, "window-width"),
                                   g_settings_get_int (settings, "window-height"));
      if (g_settings_get_boolean (settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }
  return self;
}
