/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Training: an iteration of the learning loop with its progress and
 * loss curve, and the candidate catalogue it leads to. */
#include "em-config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "gui/em-candidates-view.h"
#include "gui/em-window-private.h"

/* ---- training --------------------------------------------------------- */

void
_em_window_update_train_actions (EmWindow *self)
{
  guint    n = self->batch != NULL ? g_list_model_get_n_items (self->batch) : 0;
  gboolean complete = n > 0 && _em_window_count_labelled (self) == n;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.train",
                                 self->exp != NULL && !self->training);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-training", self->training);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-history", self->exp != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-candidates", self->exp != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.import-labels", self->exp != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.import-labels-from", self->exp != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-labelled", self->exp != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-labelled-to", self->exp != NULL);
  gtk_widget_set_visible (self->train_button, self->exp != NULL);
  /* a labelled precision sample is no reason to train */
  if (complete && !self->training && !self->showing_sample)
    gtk_widget_add_css_class (self->train_button, "suggested-action");
  else
    gtk_widget_remove_css_class (self->train_button, "suggested-action");
}

static char *
format_eta (double seconds)
{
  int s = (int)ceil (seconds);

  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("");
  /* Translators: time left, minutes:seconds */
  return g_strdup_printf (_ ("%d:%02d left"), s / 60, s % 60);
}

static void
on_train_progress (double fraction, const char *message, gpointer user_data)
{
  EmWindow        *self = user_data;
  g_autofree char *phase = NULL;
  g_autofree char *eta = NULL;
  g_autofree char *text = NULL;
  gint64           now = g_get_monotonic_time ();
  const char      *colon;
  int              epoch;
  double           loss;

  if (message == NULL)
    return;
  /* Messages are "PHASE: details" (see app/em-loop.h). */
  colon = strchr (message, ':');
  phase = colon != NULL ? g_strndup (message, colon - message) : g_strdup (message);
  if (g_strcmp0 (phase, self->train_phase) != 0)
    {
      g_free (self->train_phase);
      self->train_phase = g_strdup (phase);
      self->train_phase_start = now;
    }
  if (g_str_equal (phase, "train")
      && sscanf (colon + 1, " epoch %d/%*d loss %lf", &epoch, &loss) == 2
      && epoch != self->last_epoch)
    {
      self->last_epoch = epoch;
      em_loss_curve_add (self->loss_curve, loss);
    }
  if (fraction >= 0)
    {
      double elapsed = (now - self->train_phase_start) / 1e6;

      gtk_progress_bar_set_fraction (self->train_progress, fraction);
      if (g_str_equal (phase, "score") && fraction > 0.02)
        eta = format_eta (elapsed * (1.0 - fraction) / fraction);
    }
  else
    gtk_progress_bar_pulse (self->train_progress);
  text = eta != NULL && eta[0] != '\0' ? g_strdup_printf ("%s · %s", message, eta)
                                       : g_strdup (message);
  gtk_label_set_text (self->train_label, text);
}

static void
on_trained (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (EmWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GListStore) batch = NULL;
  guint iteration = 0;

  self->training = FALSE;
  g_clear_object (&self->train_cancellable);
  if (gtk_widget_in_destruction (GTK_WIDGET (self)) || self->main_stack == NULL)
    return;
  _em_window_update_sample_actions (self);
  gtk_revealer_set_reveal_child (self->train_revealer, FALSE);
  if (!em_tasks_iterate_finish (result, &batch, &iteration, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _em_window_toast (self, _ ("Training cancelled: the experiment is as it was"));
      else
        {
          g_autofree char *text = g_strdup_printf (_ ("Training failed: %s"), error->message);
          _em_window_toast (self, text);
        }
      _em_window_update_train_actions (self);
      return;
    }
  em_window_set_batch (self, G_LIST_MODEL (batch), iteration, (const char *const *)self->classes);
  {
    /* Translators: after an iteration: its number and the new batch size */
    g_autofree char *text
        = g_strdup_printf (_ ("Iteration %u: a new batch of %u spectra"), iteration,
                           g_list_model_get_n_items (G_LIST_MODEL (batch)));
    _em_window_toast (self, text);
  }
  _em_window_update_train_actions (self);
}

static gboolean
start_training (gpointer user_data)
{
  EmWindow *self = user_data;
  guint     n_threads = 0;

  /* Labels given just before must be in the database the loop reads. */
  if (em_window_is_writing (self))
    return G_SOURCE_CONTINUE;
  if (self->settings != NULL)
    n_threads = (guint)MAX (0, g_settings_get_int (self->settings, "worker-threads"));
  self->train_cancellable = g_cancellable_new ();
  em_tasks_iterate_async (self->exp, n_threads, on_train_progress, self, self->train_cancellable,
                          on_trained, g_object_ref (self));
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

/* The candidate catalogue in its own window, on its own read-only handle
 * of the experiment, with the window's SIMBAD endpoint and radius. */
static void
action_show_candidates (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow         *self = EM_WINDOW (widget);
  EmCandidatesView *view;

  if (self->exp == NULL)
    return;
  view = em_candidates_view_new (em_experiment_get_dir (self->exp));
  if (self->simbad != NULL)
    em_candidates_view_set_simbad (view, em_simbad_client_get_url (self->simbad),
                                   self->simbad_radius);
  em_candidates_view_set_samp (view, self->samp);
  em_candidates_view_set_hips_survey (view, self->hips_survey);
  g_signal_connect_object (view, "relabel", G_CALLBACK (em_window_relabel), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (view, "estimate-precision",
                           G_CALLBACK (_em_window_on_estimate_requested), self, G_CONNECT_SWAPPED);
  gtk_window_set_transient_for (GTK_WINDOW (view), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (view));
}

static void
action_train (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow *self = EM_WINDOW (widget);

  if (self->exp == NULL || self->training)
    return;
  self->training = TRUE;
  _em_window_update_sample_actions (self);
  self->last_epoch = -1;
  g_clear_pointer (&self->train_phase, g_free);
  em_loss_curve_clear (self->loss_curve);
  gtk_progress_bar_set_fraction (self->train_progress, 0.0);
  gtk_label_set_text (self->train_label, _ ("Gathering the labelled spectra…"));
  gtk_revealer_set_reveal_child (self->train_revealer, TRUE);
  _em_window_update_train_actions (self);
  g_timeout_add (10, start_training, g_object_ref (self));
}

static void
action_cancel_training (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow *self = EM_WINDOW (widget);

  if (self->train_cancellable != NULL)
    g_cancellable_cancel (self->train_cancellable);
}

gboolean
em_window_is_training (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), FALSE);
  return self->training;
}

EmExperiment *
em_window_get_experiment (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return self->exp;
}

/* Called by em_window_class_init: the training actions. */
void
_em_window_class_init_training (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.train", NULL, action_train);
  gtk_widget_class_install_action (widget_class, "win.show-candidates", NULL,
                                   action_show_candidates);
  gtk_widget_class_install_action (widget_class, "win.cancel-training", NULL,
                                   action_cancel_training);
}
