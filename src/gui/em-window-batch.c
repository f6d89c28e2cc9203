/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The query batch in the window: the grid, the selected spectrum with
 * its metadata, the class buttons, and the labelling actions. */
#include "em-config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gui/em-history-view.h"
#include "gui/em-window-private.h"

/* ---- the batch -------------------------------------------------------- */

EmBatchItem *
_em_window_get_item (EmWindow *self, guint position)
{
  if (self->batch == NULL || position >= g_list_model_get_n_items (self->batch))
    return NULL;
  /* the store keeps a reference; the caller only borrows */
  g_autoptr (EmBatchItem) item = g_list_model_get_item (self->batch, position);
  return item;
}

guint
_em_window_count_labelled (EmWindow *self)
{
  guint n = self->batch != NULL ? g_list_model_get_n_items (self->batch) : 0;
  guint labelled = 0;

  for (guint i = 0; i < n; i++)
    if (em_batch_item_get_label (_em_window_get_item (self, i)) >= 0)
      labelled++;
  return labelled;
}

/* The next unlabelled position after @from (wrapping round the batch,
 * @from itself last), or GTK_INVALID_LIST_POSITION when all are done. */
static guint
next_unlabelled (EmWindow *self, guint from, gboolean include_from)
{
  guint n = self->batch != NULL ? g_list_model_get_n_items (self->batch) : 0;

  if (n == 0)
    return GTK_INVALID_LIST_POSITION;
  if (from >= n)
    from = n - 1;
  for (guint k = 1; k <= n; k++)
    {
      guint p = (from + k) % n;

      if (p == from && !include_from)
        break;
      if (em_batch_item_get_label (_em_window_get_item (self, p)) < 0)
        return p;
    }
  return GTK_INVALID_LIST_POSITION;
}

void
_em_window_update_batch_label (EmWindow *self)
{
  guint            n = self->batch != NULL ? g_list_model_get_n_items (self->batch) : 0;
  guint            labelled = _em_window_count_labelled (self);
  g_autofree char *text = NULL;

  if (self->showing_sample)
    /* Translators: above the grid when it shows the random sample of
     * candidates drawn to estimate their precision, e.g. "Precision
     * sample 2 of iteration 3 · 17 of 50 labelled" */
    text = g_strdup_printf (_ ("Precision sample %d of iteration %u · %u of %u labelled"),
                            self->sample_number, self->iteration, labelled, n);
  else
    /* Translators: above the batch grid, e.g. "Iteration 3 · 37 of 100
     * labelled" */
    text = g_strdup_printf (_ ("Iteration %u · %u of %u labelled"), self->iteration, labelled, n);
  gtk_label_set_text (self->batch_label, text);
  _em_window_update_train_actions (self);
  _em_window_update_sample_actions (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo", self->undo_steps->len > 0);
  gtk_widget_action_set_enabled (
      GTK_WIDGET (self), "win.skip",
      next_unlabelled (self, em_batch_grid_get_selected (self->batch_grid), FALSE)
          != GTK_INVALID_LIST_POSITION);
}

static void
set_meta (EmWindow *self, guint row, const char *text)
{
  gtk_label_set_text (self->meta_values[row], text != NULL && text[0] != '\0' ? text : "—");
}

/* 83.633083 → "05:34:31.94", -22.0145 → "−22:00:52.2" */
static char *
format_sexagesimal (double ra, double dec)
{
  double h = ra / 15.0, d = fabs (dec);
  int    hh = (int)h, hm = (int)((h - hh) * 60);
  double hs = ((h - hh) * 60 - hm) * 60;
  int    dd = (int)d, dm = (int)((d - dd) * 60);
  double ds = ((d - dd) * 60 - dm) * 60;

  /* rounding up to 60.00 s would print an impossible time */
  if (hs >= 59.995)
    hs = 59.99;
  if (ds >= 59.95)
    ds = 59.9;
  return g_strdup_printf ("%02d:%02d:%05.2f %s%02d:%02d:%04.1f", hh, hm, hs, dec < 0 ? "−" : "+",
                          dd, dm, ds);
}

static void
show_metadata (EmWindow *self, EmBatchItem *item)
{
  g_autofree char *sexa = NULL;
  g_autofree char *deg = NULL;
  g_autofree char *snr = NULL;
  g_autoptr (GString) probs = g_string_new (NULL);

  if (item == NULL)
    {
      for (guint r = 0; r < N_META; r++)
        set_meta (self, r, NULL);
      return;
    }
  set_meta (self, META_ID, em_batch_item_get_id (item));
  set_meta (self, META_DESIGNATION, em_batch_item_get_designation (item));
  if (isfinite (em_batch_item_get_ra (item)) && isfinite (em_batch_item_get_dec (item)))
    {
      sexa = format_sexagesimal (em_batch_item_get_ra (item), em_batch_item_get_dec (item));
      deg = g_strdup_printf ("%.6f° %+.6f°", em_batch_item_get_ra (item),
                             em_batch_item_get_dec (item));
    }
  set_meta (self, META_SEXAGESIMAL, sexa);
  set_meta (self, META_DEGREES, deg);
  if (isfinite (em_batch_item_get_snr (item)))
    snr = g_strdup_printf ("%.1f", em_batch_item_get_snr (item));
  set_meta (self, META_SNR, snr);
  set_meta (self, META_SURVEY_CLASS, em_batch_item_get_survey_class (item));
  for (guint k = 0; k < em_batch_item_get_n_classes (item); k++)
    {
      double p = em_batch_item_get_probability (item, k);

      if (!isfinite (p))
        break;
      g_string_append_printf (probs, "%s%s %.3f", probs->len > 0 ? "  " : "",
                              em_batch_item_get_classes (item)[k], p);
    }
  set_meta (self, META_PROBABILITIES, probs->str);
}

static void
read_spectrum_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  const char *path = task_data;
  GError     *error = NULL;
  EmSpectrum *spectrum;

  if (g_task_return_error_if_cancelled (task))
    return;
  /* cfitsio may be built without reentrancy; reads then take turns */
  spectrum = em_tasks_read_spectrum (path, &error);
  if (spectrum == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, spectrum, (GDestroyNotify)em_spectrum_free);
}

static void show_spectrum (EmWindow *self, EmBatchItem *item);

static void
on_spectrum_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmWindow        *self = EM_WINDOW (source);
  g_autofree char *id = user_data;
  g_autoptr (GError) error = NULL;
  EmSpectrum  *spectrum = g_task_propagate_pointer (G_TASK (result), &error);
  EmBatchItem *selected;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_hash_table_remove (self->loading, id);
  if (spectrum != NULL)
    g_hash_table_insert (self->spectra, g_strdup (id), spectrum);
  else
    g_hash_table_insert (self->load_errors, g_strdup (id), g_strdup (error->message));

  selected = em_window_get_selected_item (self);
  if (selected != NULL && g_strcmp0 (em_batch_item_get_id (selected), id) == 0)
    show_spectrum (self, selected);
}

/* Starts reading @item's spectrum in a worker thread unless it is read,
 * being read, or failed already. */
static void
request_spectrum (EmWindow *self, EmBatchItem *item)
{
  const char *id, *path;
  g_autoptr (GTask) task = NULL;

  if (item == NULL)
    return;
  id = em_batch_item_get_id (item);
  path = em_batch_item_get_source_path (item);
  if (path == NULL || g_hash_table_contains (self->spectra, id)
      || g_hash_table_contains (self->loading, id) || g_hash_table_contains (self->load_errors, id))
    return;
  g_hash_table_add (self->loading, g_strdup (id));
  task = g_task_new (self, self->cancellable, on_spectrum_read, g_strdup (id));
  g_task_set_source_tag (task, request_spectrum);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, read_spectrum_thread);
}

static void
show_spectrum (EmWindow *self, EmBatchItem *item)
{
  const char      *id = item != NULL ? em_batch_item_get_id (item) : NULL;
  EmSpectrum      *spectrum = id != NULL ? g_hash_table_lookup (self->spectra, id) : NULL;
  const char      *failure = id != NULL ? g_hash_table_lookup (self->load_errors, id) : NULL;
  g_autofree char *text = NULL;

  em_spectrum_plot_set_spectrum (self->plot, spectrum);
  if (spectrum != NULL)
    return;
  if (item == NULL)
    text = NULL;
  else if (failure != NULL)
    text = g_strdup (failure);
  else if (em_batch_item_get_source_path (item) == NULL)
    /* Translators: %s is a spectrum id */
    text = g_strdup_printf (_ ("No file is known for %s"), id);
  else
    /* Translators: %s is a spectrum id */
    text = g_strdup_printf (_ ("Reading %s…"), id);
  em_spectrum_plot_set_placeholder (self->plot, text);
}

void
_em_window_show_item (EmWindow *self, EmBatchItem *item)
{
  const float *win = NULL;
  gsize        n_win = 0;
  guint        position = em_batch_grid_get_selected (self->batch_grid);

  if (item != NULL)
    win = em_batch_item_get_window (item, &n_win);
  show_spectrum (self, item);
  em_spectrum_plot_set_window (self->plot, win, n_win, 6519.0, 6732.0);
  show_metadata (self, item);
  self->shown_at = g_get_monotonic_time ();
  _em_window_simbad_schedule (self, item);
  _em_window_samp_follow (self, item);
  _em_window_samp_update (self);

  /* The selected one first, then what labelling or stepping shows next,
   * so that the next spectrum is in memory before it is asked for. */
  request_spectrum (self, item);
  if (position != GTK_INVALID_LIST_POSITION)
    {
      request_spectrum (self, _em_window_get_item (self, next_unlabelled (self, position, FALSE)));
      request_spectrum (self, _em_window_get_item (self, position + 1));
      if (position > 0)
        request_spectrum (self, _em_window_get_item (self, position - 1));
    }
}

void
_em_window_on_selected_changed (EmWindow *self)
{
  _em_window_show_item (self,
                        _em_window_get_item (self, em_batch_grid_get_selected (self->batch_grid)));
  _em_window_update_batch_label (self);
}

static void
on_class_button_clicked (GtkButton *button, EmWindow *self)
{
  guint k = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "em-class"));

  gtk_widget_activate_action (GTK_WIDGET (self), "win.label", "u", k);
}

void
_em_window_rebuild_class_buttons (EmWindow *self)
{
  for (guint i = 0; i < self->class_buttons->len; i++)
    gtk_box_remove (self->label_box, g_ptr_array_index (self->class_buttons, i));
  g_ptr_array_set_size (self->class_buttons, 0);

  for (guint k = 0; self->classes != NULL && self->classes[k] != NULL; k++)
    {
      g_autofree char *text = NULL;
      g_autofree char *a11y = NULL;
      GtkWidget       *button;
      GtkWidget       *sibling;

      /* Translators: a label button: the key (1…9) and the class name */
      text = k < MAX_CLASS_KEYS ? g_strdup_printf (_ ("%u %s"), k + 1, self->classes[k])
                                : g_strdup (self->classes[k]);
      button = gtk_button_new_with_label (text);
      g_object_set_data (G_OBJECT (button), "em-class", GUINT_TO_POINTER (k));
      g_signal_connect (button, "clicked", G_CALLBACK (on_class_button_clicked), self);
      /* Translators: accessible name of a label button */
      a11y = g_strdup_printf (_ ("Label as %s"), self->classes[k]);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                      -1);
      gtk_widget_set_tooltip_text (button, a11y);
      sibling = self->class_buttons->len > 0
                    ? g_ptr_array_index (self->class_buttons, self->class_buttons->len - 1)
                    : NULL;
      gtk_box_insert_child_after (self->label_box, button, sibling);
      g_ptr_array_add (self->class_buttons, button);
    }
}

/* Shows @items in the grid and selects its first unlabelled spectrum. */
void
_em_window_show_batch (EmWindow          *self,
                       GListModel        *items,
                       guint              iteration,
                       const char *const *classes)
{
  guint first;

  g_set_object (&self->batch, items);
  self->iteration = iteration;
  {
    /* @classes may be our own */
    char **copy = g_strdupv ((char **)classes);

    g_strfreev (self->classes);
    self->classes = copy;
  }
  g_array_set_size (self->undo_steps, 0);
  g_hash_table_remove_all (self->spectra);
  g_hash_table_remove_all (self->load_errors);
  _em_window_rebuild_class_buttons (self);

  em_batch_grid_set_model (self->batch_grid, items);
  first = next_unlabelled (self, items != NULL ? g_list_model_get_n_items (items) - 1 : 0, TRUE);
  if (first == GTK_INVALID_LIST_POSITION)
    first = 0;
  em_batch_grid_set_selected (self->batch_grid, first);
  _em_window_on_selected_changed (self);
  gtk_stack_set_visible_child_name (self->main_stack, "workbench");
}

/* Shows @items (EmBatchItem) as the current query batch of @iteration with
 * the class scheme @classes, and selects its first unlabelled spectrum
 * (leaving the precision sample if it was shown). */
void
em_window_set_batch (EmWindow *self, GListModel *items, guint iteration, const char *const *classes)
{
  g_return_if_fail (EM_IS_WINDOW (self));

  self->showing_sample = FALSE;
  gtk_widget_set_visible (self->sample_bar, FALSE);
  /* @items may be the one kept */
  if (items != NULL)
    g_object_ref (items);
  g_clear_object (&self->query_batch);
  self->query_batch = items;
  self->query_iteration = iteration;
  _em_window_show_batch (self, items, iteration, classes);
}

/* What the grid shows: the query batch or the precision sample
 * (EmBatchItem; borrowed, NULL without a batch). */
GListModel *
em_window_get_batch (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return self->batch;
}

/* Borrowed; NULL without a batch. */
EmBatchItem *
em_window_get_selected_item (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return _em_window_get_item (self, em_batch_grid_get_selected (self->batch_grid));
}

/* Whether spectra are being read (for tests and the benchmark). */
gboolean
em_window_is_loading (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), FALSE);
  return g_hash_table_size (self->loading) > 0;
}

guint
em_window_get_selected (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), GTK_INVALID_LIST_POSITION);
  return em_batch_grid_get_selected (self->batch_grid);
}

EmSpectrumPlot *
em_window_get_plot (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return self->plot;
}

const char *
em_window_get_batch_summary (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return gtk_label_get_text (self->batch_label);
}

/* ---- actions ---------------------------------------------------------- */

static void
action_label (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow    *self = EM_WINDOW (widget);
  guint        k = g_variant_get_uint32 (parameter);
  guint        position = em_batch_grid_get_selected (self->batch_grid);
  EmBatchItem *item = _em_window_get_item (self, position);
  UndoStep     step;
  guint        next;

  if (item == NULL || k >= em_batch_item_get_n_classes (item) || self->classes == NULL
      || k >= g_strv_length (self->classes))
    return;
  step.position = position;
  step.previous = em_batch_item_get_label (item);
  g_array_append_val (self->undo_steps, step);
  em_batch_item_set_label (item, (int)k);
  _em_window_queue_write (self, WRITE_LABEL, em_batch_item_get_id (item), self->classes[k],
                          position, step.previous);

  next = next_unlabelled (self, position, FALSE);
  if (next != GTK_INVALID_LIST_POSITION)
    em_batch_grid_set_selected (self->batch_grid, next);
  _em_window_update_batch_label (self);
}

static void
action_undo (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow    *self = EM_WINDOW (widget);
  UndoStep     step;
  EmBatchItem *item;

  if (self->undo_steps->len == 0)
    return;
  step = g_array_index (self->undo_steps, UndoStep, self->undo_steps->len - 1);
  g_array_set_size (self->undo_steps, self->undo_steps->len - 1);
  item = _em_window_get_item (self, step.position);
  _em_window_queue_write (self, WRITE_UNDO, NULL, NULL, step.position, -1);
  if (item != NULL)
    {
      em_batch_item_set_label (item, step.previous);
      em_batch_grid_set_selected (self->batch_grid, step.position);
    }
  _em_window_update_batch_label (self);
}

static void
action_skip (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow *self = EM_WINDOW (widget);
  guint     next = next_unlabelled (self, em_batch_grid_get_selected (self->batch_grid), FALSE);

  if (next != GTK_INVALID_LIST_POSITION)
    em_batch_grid_set_selected (self->batch_grid, next);
}

static void
action_step (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow *self = EM_WINDOW (widget);
  guint     n = self->batch != NULL ? g_list_model_get_n_items (self->batch) : 0;
  guint     position = em_batch_grid_get_selected (self->batch_grid);
  int       delta = g_variant_get_int32 (parameter);

  if (n == 0 || position == GTK_INVALID_LIST_POSITION)
    return;
  if (delta < 0 && position < (guint)-delta)
    return;
  if (position + delta >= n)
    return;
  em_batch_grid_set_selected (self->batch_grid, position + delta);
}

static void
action_zoom_reset (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  em_spectrum_plot_reset_zoom (EM_WINDOW (widget)->plot);
}

/* The iteration history of the open experiment, in its own window. */
static void
action_show_history (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow      *self = EM_WINDOW (widget);
  EmHistoryView *view;
  g_autoptr (GError) error = NULL;

  if (em_window_get_experiment_path (self) == NULL)
    return;
  view = em_history_view_new ();
  if (!em_history_view_load (view, em_window_get_experiment_path (self), &error))
    {
      g_autofree char *text
          = g_strdup_printf (_ ("Cannot show the history of %s: %s"),
                             em_window_get_experiment_path (self), error->message);

      adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
      gtk_window_destroy (GTK_WINDOW (view));
      return;
    }
  g_signal_connect_object (view, "estimate-precision",
                           G_CALLBACK (_em_window_on_estimate_requested), self, G_CONNECT_SWAPPED);
  gtk_window_set_transient_for (GTK_WINDOW (view), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (view));
}

static void
action_zoom_halpha (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  em_spectrum_plot_set_x_range (EM_WINDOW (widget)->plot, 6519.0, 6732.0);
}

/* Called by em_window_class_init: the labelling actions. */
void
_em_window_class_init_batch (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.label", "u", action_label);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, action_undo);
  gtk_widget_class_install_action (widget_class, "win.skip", NULL, action_skip);
  gtk_widget_class_install_action (widget_class, "win.step", "i", action_step);
  gtk_widget_class_install_action (widget_class, "win.zoom-reset", NULL, action_zoom_reset);
  gtk_widget_class_install_action (widget_class, "win.show-history", NULL, action_show_history);
  gtk_widget_class_install_action (widget_class, "win.zoom-halpha", NULL, action_zoom_halpha);
}
