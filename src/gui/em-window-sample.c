/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The precision sample: a random sample of the candidates drawn, shown
 * in the grid for labelling, and the precision estimated from it. */
#include "em-config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gui/em-history-view.h"
#include "gui/em-window-private.h"

/* The sample size "Estimate Precision" offers first. */
#define DEFAULT_SAMPLE_SIZE 50

/* ---- the precision sample --------------------------------------------- */

void
_em_window_update_sample_actions (EmWindow *self)
{
  gboolean idle = self->exp != NULL && !self->sampling && !self->training;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.estimate-precision", idle);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.resume-precision-sample",
                                 idle && self->estimate != NULL && self->estimate->sample >= 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-query-batch",
                                 self->showing_sample && self->query_batch != NULL);
}

/* "0.923", or "—" where the value is undefined (too few labels). */
static char *
format_value (double value)
{
  return isfinite (value) ? g_strdup_printf ("%.3f", value) : g_strdup ("—");
}

/* One line of the estimate: the fraction labelled as a target, the
 * method's Student-t limit, the Wilson interval and the exact limit. */
static char *
format_estimate_row (const EmEstimateRow *row)
{
  g_autofree char *p = format_value (row->precision);
  g_autofree char *t = format_value (row->t_lower);
  g_autofree char *wl = format_value (row->wilson_lower);
  g_autofree char *wu = format_value (row->wilson_upper);
  g_autofree char *cp = format_value (row->clopper_pearson_lower);

  if (row->n_labelled == 0)
    /* Translators: %u is the size of the precision sample */
    return g_strdup_printf (_ ("no label yet among %u"), row->n_sampled);
  /* Translators: the precision estimated from a labelled sample: the
   * fraction of targets (n of N), the one-sided 95 % lower limit by
   * Student's t (the method's), the Wilson 95 % interval and the exact
   * (Clopper–Pearson) one-sided 95 % lower limit */
  return g_strdup_printf (_ ("precision %s (%u of %u) · Student-t lower limit %s · "
                             "Wilson %s–%s · Clopper–Pearson lower limit %s"),
                          p, row->n_correct, row->n_labelled, t, wl, wu, cp);
}

static char *
format_estimate (const EmEstimateReport *report)
{
  g_autoptr (GString) text = g_string_new (NULL);

  if (report == NULL || report->n_rows == 0 || report->sample < 0)
    return g_strdup ("");
  {
    g_autofree char *all = format_estimate_row (&report->rows[0]);

    /* Translators: the estimate over all candidates (95 % confidence) */
    g_string_append_printf (text, _ ("All candidates: %s"), all);
  }
  for (guint r = 1; r < report->n_rows; r++)
    {
      g_autofree char *line = NULL;

      if (report->rows[r].n_sampled == 0)
        continue;
      line = format_estimate_row (&report->rows[r]);
      /* Translators: the estimate for the candidates predicted as one
       * class: "emission: precision 0.920 (23 of 25) · …" */
      g_string_append_c (text, '\n');
      g_string_append_printf (text, _ ("%s: %s"), report->rows[r].name, line);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The history windows of this window show the new estimate too. */
static void
reload_history_views (EmWindow *self)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i);
      g_autoptr (GError) error = NULL;

      if (EM_IS_HISTORY_VIEW (w) && gtk_window_get_transient_for (w) == GTK_WINDOW (self)
          && !em_history_view_load (EM_HISTORY_VIEW (w), self->experiment_path, &error))
        g_message ("History of %s not refreshed: %s", self->experiment_path, error->message);
    }
}

/* Takes @report over: the estimate shown under the sample's header, and
 * once every spectrum of the sample is labelled, in a toast and the
 * history too. */
void
_em_window_show_estimate (EmWindow *self, EmEstimateReport *report)
{
  g_autofree char *text = NULL;
  gboolean         complete;

  g_clear_pointer (&self->estimate, em_estimate_report_free);
  self->estimate = report;
  text = format_estimate (report);
  gtk_label_set_text (self->estimate_label, text);
  complete = report != NULL && report->n_rows > 0 && report->rows[0].n_sampled > 0
             && report->rows[0].n_labelled == report->rows[0].n_sampled;
  if (complete && self->showing_sample && !self->estimate_announced)
    {
      g_autofree char *all = format_estimate_row (&report->rows[0]);
      /* Translators: when the last spectrum of the precision sample is
       * labelled; %d is the sample, %s the estimate */
      g_autofree char *message
          = g_strdup_printf (_ ("Precision sample %d labelled: %s"), report->sample, all);
      AdwToast *t = adw_toast_new (message);

      adw_toast_set_timeout (t, 0);
      adw_toast_overlay_add_toast (self->toasts, t);
      reload_history_views (self);
    }
  self->estimate_announced = complete;
  _em_window_update_sample_actions (self);
}

typedef struct
{
  EmExperiment     *exp; /* borrowed: the window keeps it open */
  GMutex           *lock;
  SampleMode        mode;
  guint             n;
  GListStore       *store;
  int               sample;
  guint             iteration;
  EmEstimateReport *report;
} SampleJob;

static void
sample_job_free (SampleJob *job)
{
  g_clear_object (&job->store);
  g_clear_pointer (&job->report, em_estimate_report_free);
  g_free (job);
}

static void
sample_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  SampleJob *job = task_data;
  GError    *error = NULL;
  gboolean   ok = TRUE;

  g_mutex_lock (job->lock);
  if (job->mode == SAMPLE_DRAW && em_estimate_draw_sample (job->exp, job->n, &error) < 0)
    ok = FALSE;
  if (ok && job->mode != SAMPLE_PROBE)
    {
      job->store = em_tasks_load_sample (job->exp, &job->sample, &job->iteration, &error);
      ok = job->store != NULL;
    }
  if (ok)
    {
      job->report = em_estimate_report (job->exp, &error);
      ok = job->report != NULL;
    }
  g_mutex_unlock (job->lock);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_sample_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmWindow  *self = EM_WINDOW (source);
  SampleJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  self->sampling = FALSE;
  self->sample_running = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->main_stack != NULL)
        {
          g_autofree char *text = g_strdup_printf (_ ("No precision sample: %s"), error->message);
          _em_window_toast (self, text);
          _em_window_update_sample_actions (self);
        }
      return;
    }
  if (self->main_stack == NULL)
    return;
  if (job->mode == SAMPLE_PROBE)
    {
      const EmEstimateRow *all = job->report->n_rows > 0 ? &job->report->rows[0] : NULL;

      /* A sample left unfinished when the experiment was last open. */
      if (job->report->sample >= 0 && all != NULL && all->n_labelled < all->n_sampled)
        {
          /* Translators: on opening an experiment; %d is the sample's
           * number, then how many of its spectra are labelled */
          g_autofree char *text
              = g_strdup_printf (_ ("Precision sample %d is unfinished: %u of %u labelled"),
                                 job->report->sample, all->n_labelled, all->n_sampled);
          AdwToast *t = adw_toast_new (text);

          adw_toast_set_button_label (t, _ ("_Resume"));
          adw_toast_set_action_name (t, "win.resume-precision-sample");
          adw_toast_set_timeout (t, 0);
          adw_toast_overlay_add_toast (self->toasts, t);
        }
      g_clear_pointer (&self->estimate, em_estimate_report_free);
      self->estimate = g_steal_pointer (&job->report);
      _em_window_update_sample_actions (self);
      return;
    }

  {
    /* the scheme of the window's batch, which may be a copy of ours */
    g_auto (GStrv) classes = g_strdupv (self->classes);

    self->showing_sample = TRUE;
    self->sample_number = job->sample;
    self->estimate_announced = FALSE;
    _em_window_show_batch (self, G_LIST_MODEL (job->store), job->iteration,
                           (const char *const *)classes);
  }
  gtk_widget_set_visible (self->sample_bar, TRUE);
  _em_window_show_estimate (self, g_steal_pointer (&job->report));
  _em_window_update_batch_label (self);
  gtk_window_present (GTK_WINDOW (self));
}

typedef struct
{
  EmWindow  *window; /* a reference */
  SampleMode mode;
  guint      n;
  guint      generation; /* of the experiment it was asked for */
} SampleRequest;

/* Runs the sample task once the labels given before are in the database
 * (the sample shows them, the estimate counts them). */
static gboolean
run_sample_task (gpointer data)
{
  SampleRequest *r = data;
  EmWindow      *self = r->window;
  SampleJob     *job;
  g_autoptr (GTask) task = NULL;

  /* The window went, or the experiment it was asked for was closed
   * while the labels before it were saved: nothing to sample. */
  if (self->main_stack == NULL || self->exp == NULL || r->generation != self->exp_generation)
    {
      /* (release_experiment() cleared self->sampling already, and the
       * next experiment may have asked for its own sample since) */
      if (r->generation == self->exp_generation)
        self->sampling = FALSE;
      g_object_unref (r->window);
      g_free (r);
      return G_SOURCE_REMOVE;
    }
  if (em_window_is_writing (self))
    return G_SOURCE_CONTINUE;
  job = g_new0 (SampleJob, 1);
  job->exp = self->exp;
  job->lock = &self->exp_lock;
  job->mode = r->mode;
  job->n = r->n;
  task = g_task_new (self, self->cancellable, on_sample_ready, NULL);
  g_task_set_source_tag (task, run_sample_task);
  g_task_set_task_data (task, job, (GDestroyNotify)sample_job_free);
  /* From here the thread uses self->exp: release_experiment() waits. */
  self->sample_running = TRUE;
  g_task_run_in_thread (task, sample_thread);
  g_object_unref (r->window);
  g_free (r);
  return G_SOURCE_REMOVE;
}

void
_em_window_start_sample_task (EmWindow *self, SampleMode mode, guint n)
{
  SampleRequest *r;

  if (self->exp == NULL || self->sampling)
    return;
  /* Drawing a sample and committing an iteration are both transactions
   * on the experiment's one connection: one at a time. */
  if (mode != SAMPLE_PROBE && self->training)
    {
      _em_window_toast (self, _ ("Wait until training is done to draw or resume a precision "
                                 "sample"));
      return;
    }
  self->sampling = TRUE;
  _em_window_update_sample_actions (self);
  r = g_new0 (SampleRequest, 1);
  r->window = g_object_ref (self);
  r->mode = mode;
  r->n = n;
  r->generation = self->exp_generation;
  g_timeout_add (10, run_sample_task, r);
}

static void
on_sample_size_response (AdwMessageDialog *dialog, const char *response, EmWindow *self)
{
  GtkSpinButton *spin = g_object_get_data (G_OBJECT (dialog), "em-sample-size");

  if (g_str_equal (response, "draw"))
    _em_window_start_sample_task (self, SAMPLE_DRAW,
                                  (guint)gtk_spin_button_get_value_as_int (spin));
  else if (g_str_equal (response, "resume"))
    _em_window_start_sample_task (self, SAMPLE_RESUME, 0);
}

/* Asks the sample size (and offers the unfinished sample, if any). */
static void
ask_sample_size (EmWindow *self)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _ ("Estimate Precision"), NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new_with_mnemonic (_ ("_Spectra in the sample"));
  GtkWidget *spin = gtk_spin_button_new_with_range (1, 100000, 1);
  const EmEstimateRow *all
      = self->estimate != NULL && self->estimate->n_rows > 0 ? &self->estimate->rows[0] : NULL;

  adw_message_dialog_set_body (
      ADW_MESSAGE_DIALOG (dialog),
      _ ("A random sample of the current candidates is drawn and shown in place of the query "
         "batch. The fraction you label as a target class estimates the precision of the "
         "candidate catalogue."));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), DEFAULT_SAMPLE_SIZE);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), spin);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label,
                                  NULL, -1);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), spin);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  g_object_set_data (G_OBJECT (dialog), "em-sample-size", spin);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"));
  if (all != NULL && self->estimate->sample >= 0 && all->n_labelled < all->n_sampled)
    adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "resume",
                                     _ ("_Resume Unfinished Sample"));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "draw", _ ("_Draw Sample"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "draw",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "draw");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_sample_size_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* win.estimate-precision(n): draws a sample of @n candidates and shows it
 * for labelling; 0 asks the size first. */
static void
action_estimate_precision (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow *self = EM_WINDOW (widget);
  guint     n = g_variant_get_uint32 (parameter);

  if (self->exp == NULL || self->sampling)
    return;
  if (n == 0)
    ask_sample_size (self);
  else
    _em_window_start_sample_task (self, SAMPLE_DRAW, n);
}

static void
action_resume_precision_sample (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  _em_window_start_sample_task (EM_WINDOW (widget), SAMPLE_RESUME, 0);
}

static void
action_show_query_batch (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow *self = EM_WINDOW (widget);
  g_auto (GStrv) classes = NULL;

  if (!self->showing_sample || self->query_batch == NULL)
    return;
  classes = g_strdupv (self->classes);
  /* a spectrum of both, labelled in the sample, shows its label there */
  {
    g_autoptr (GHashTable) labels = g_hash_table_new (g_str_hash, g_str_equal);
    guint n = g_list_model_get_n_items (self->batch);

    for (guint i = 0; i < n; i++)
      {
        EmBatchItem *item = _em_window_get_item (self, i);

        if (em_batch_item_get_label (item) >= 0)
          g_hash_table_insert (labels, (gpointer)em_batch_item_get_id (item),
                               GINT_TO_POINTER (em_batch_item_get_label (item)));
      }
    n = g_list_model_get_n_items (self->query_batch);
    for (guint i = 0; i < n; i++)
      {
        g_autoptr (EmBatchItem) item = g_list_model_get_item (self->query_batch, i);
        gpointer label;

        if (g_hash_table_lookup_extended (labels, em_batch_item_get_id (item), NULL, &label))
          em_batch_item_set_label (item, GPOINTER_TO_INT (label));
      }
  }
  em_window_set_batch (self, self->query_batch, self->query_iteration,
                       (const char *const *)classes);
}

/* From the candidates and history windows: ask here, show it here. */
void
_em_window_on_estimate_requested (EmWindow *self)
{
  gtk_window_present (GTK_WINDOW (self));
  gtk_widget_activate_action (GTK_WIDGET (self), "win.estimate-precision", "u", 0);
}

/* The HiPS survey "Show in Aladin" loads (NULL or "": position only). */
void
em_window_set_hips_survey (EmWindow *self, const char *hips_id)
{
  g_return_if_fail (EM_IS_WINDOW (self));
  g_free (self->hips_survey);
  self->hips_survey = g_strdup (hips_id);
}

void
_em_window_on_hips_survey_changed (GSettings *settings, const char *key, EmWindow *self)
{
  g_autofree char *id = g_settings_get_string (settings, key);

  em_window_set_hips_survey (self, id);
}

/* Whether the grid shows the precision sample (not the query batch). */
gboolean
em_window_is_showing_sample (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), FALSE);
  return self->showing_sample;
}

/* Whether a sample is being drawn, loaded or evaluated. */
gboolean
em_window_is_sampling (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), FALSE);
  return self->sampling;
}

/* The estimate of the latest sample as last computed (NULL before). */
const EmEstimateReport *
em_window_get_estimate (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return self->estimate;
}

/* The estimate as shown under the sample's header. */
const char *
em_window_get_estimate_text (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return gtk_label_get_text (self->estimate_label);
}

/* Called by em_window_class_init: the precision sample's actions. */
void
_em_window_class_init_sample (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.estimate-precision", "u",
                                   action_estimate_precision);
  gtk_widget_class_install_action (widget_class, "win.resume-precision-sample", NULL,
                                   action_resume_precision_sample);
  gtk_widget_class_install_action (widget_class, "win.show-query-batch", NULL,
                                   action_show_query_batch);
}
