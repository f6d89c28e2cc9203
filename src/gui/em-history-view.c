/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The iteration history of an experiment: the learning curve above, the
 * stored metrics of every iteration as a table below. */
#include "em-config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "app/em-estimate.h"
#include "app/em-experiment.h"
#include "app/em-simulate.h"
#include "gui/em-history-view.h"

/* One table row: an EmIterationInfo in a GObject, for the list model. */
#define EM_TYPE_HISTORY_ROW (em_history_row_get_type ())
G_DECLARE_FINAL_TYPE (EmHistoryRow, em_history_row, EM, HISTORY_ROW, GObject)

struct _EmHistoryRow
{
  GObject          parent_instance;
  EmIterationInfo *info;
  EmEstimateRow    estimate;  /* all candidates; n_labelled = 0 if none */
  char            *per_class; /* the training set per class, as shown */
};

G_DEFINE_FINAL_TYPE (EmHistoryRow, em_history_row, G_TYPE_OBJECT)

static void
em_history_row_finalize (GObject *object)
{
  g_clear_pointer (&EM_HISTORY_ROW (object)->info, em_iteration_info_free);
  g_clear_pointer (&EM_HISTORY_ROW (object)->per_class, g_free);
  G_OBJECT_CLASS (em_history_row_parent_class)->finalize (object);
}

static void
em_history_row_class_init (EmHistoryRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = em_history_row_finalize;
}

static void
em_history_row_init (EmHistoryRow *self)
{
}

struct _EmHistoryView
{
  AdwWindow parent_instance;

  EmLearningCurve *chart;
  GtkColumnView   *table;
  GListStore      *rows;
  GtkLabel        *status;
  GtkWidget       *truth_button;
  char            *dir;
};

G_DEFINE_FINAL_TYPE (EmHistoryView, em_history_view, ADW_TYPE_WINDOW)

static char *
format_cell (const EmHistoryRow *row, EmHistoryColumn column)
{
  const EmIterationInfo *info = row->info;
  const EmEstimateRow   *e = &row->estimate;

  switch (column)
    {
    case EM_HISTORY_COLUMN_ITERATION:
      return g_strdup_printf ("%u", info->number);
    case EM_HISTORY_COLUMN_STARTED:
      return g_strdup (info->started != NULL ? info->started : "");
    case EM_HISTORY_COLUMN_STRATEGY:
      return g_strdup (info->strategy != NULL ? info->strategy : "");
    case EM_HISTORY_COLUMN_TRAIN_SIZE:
      return g_strdup_printf ("%u", info->train_size);
    case EM_HISTORY_COLUMN_TRAIN_PER_CLASS:
      return g_strdup (row->per_class != NULL ? row->per_class : "—");
    case EM_HISTORY_COLUMN_TRAIN_BALANCED:
      return g_strdup_printf ("%u", info->train_size_balanced);
    case EM_HISTORY_COLUMN_EPOCHS:
      return g_strdup_printf ("%u", info->epochs);
    case EM_HISTORY_COLUMN_LOSS:
      return isfinite (info->loss) ? g_strdup_printf ("%.4f", info->loss) : g_strdup ("—");
    case EM_HISTORY_COLUMN_ACCURACY:
      return isfinite (info->accuracy) ? g_strdup_printf ("%.3f", info->accuracy) : g_strdup ("—");
    case EM_HISTORY_COLUMN_SECONDS_TRAIN:
      return g_strdup_printf ("%.2f", info->seconds_train);
    case EM_HISTORY_COLUMN_SECONDS_SCORE:
      return g_strdup_printf ("%.2f", info->seconds_score);
    case EM_HISTORY_COLUMN_CANDIDATES:
      return g_strdup_printf ("%u", info->n_candidates);
    case EM_HISTORY_COLUMN_PRECISION:
      /* Translators: an estimated precision and the size of the labelled sample */
      return e->n_labelled > 0 ? g_strdup_printf (_ ("%.3f (n = %u)"), e->precision, e->n_labelled)
                               : g_strdup ("");
    case EM_HISTORY_COLUMN_INTERVAL:
      return e->n_labelled > 0 && isfinite (e->wilson_lower)
                 ? g_strdup_printf ("%.3f – %.3f", e->wilson_lower, e->wilson_upper)
                 : g_strdup ("");
    case EM_HISTORY_COLUMN_LOWER:
      return e->n_labelled > 0 && isfinite (e->t_lower) ? g_strdup_printf ("%.3f", e->t_lower)
                                                        : g_strdup ("");
    case EM_HISTORY_N_COLUMNS:
    default:
      return NULL;
    }
}

static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *label = gtk_label_new (NULL);

  /* numbers right-aligned, text left */
  gtk_label_set_xalign (GTK_LABEL (label),
                        GPOINTER_TO_INT (data) == EM_HISTORY_COLUMN_STARTED
                                || GPOINTER_TO_INT (data) == EM_HISTORY_COLUMN_STRATEGY
                                || GPOINTER_TO_INT (data) == EM_HISTORY_COLUMN_TRAIN_PER_CLASS
                            ? 0.0
                            : 1.0);
  gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
bind_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  EmHistoryRow    *row = gtk_list_item_get_item (item);
  g_autofree char *text = format_cell (row, GPOINTER_TO_INT (data));

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static void
add_column (EmHistoryView *self, EmHistoryColumn column, const char *title)
{
  GtkListItemFactory  *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *col;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (column));
  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (col, TRUE);
  gtk_column_view_append_column (self->table, col);
  g_object_unref (col);
}

gboolean
em_history_view_load (EmHistoryView *self, const char *dir, GError **error)
{
  g_autoptr (EmExperiment) exp = NULL;
  g_autoptr (GPtrArray) iterations = NULL;
  g_autoptr (GPtrArray) estimates = NULL;
  g_autofree char *status = NULL;

  g_return_val_if_fail (EM_IS_HISTORY_VIEW (self), FALSE);
  exp = em_experiment_open_read_only (dir, error);
  if (exp == NULL)
    return FALSE;
  g_free (self->dir);
  self->dir = g_strdup (dir);
  gtk_widget_set_sensitive (self->truth_button, TRUE);
  iterations = em_experiment_get_iterations (exp, error);
  if (iterations == NULL)
    return FALSE;
  estimates = em_estimate_report_all (exp, error);
  if (estimates == NULL)
    return FALSE;
  em_learning_curve_set_iterations (self->chart, iterations);
  em_learning_curve_set_estimates (self->chart, estimates);
  {
    g_autoptr (GPtrArray) names = g_ptr_array_new ();

    for (guint c = 0; c < em_experiment_get_n_classes (exp); c++)
      g_ptr_array_add (names, (gpointer)em_experiment_get_class (exp, c));
    g_ptr_array_add (names, NULL);
    em_learning_curve_set_classes (self->chart, (const char *const *)names->pdata);
  }
  g_list_store_remove_all (self->rows);
  /* the rows take the infos over; the array must not free them */
  g_ptr_array_set_free_func (iterations, NULL);
  for (guint i = 0; i < iterations->len; i++)
    {
      EmHistoryRow *row = g_object_new (EM_TYPE_HISTORY_ROW, NULL);

      row->info = g_ptr_array_index (iterations, i);
      if (row->info->class_sizes != NULL)
        {
          GString *text = g_string_new (NULL);

          for (guint c = 0; c < row->info->n_classes; c++)
            g_string_append_printf (text, "%s%s %u", c > 0 ? " · " : "",
                                    em_experiment_get_class (exp, c), row->info->class_sizes[c]);
          row->per_class = g_string_free (text, FALSE);
        }
      /* the latest labelled sample of this iteration (oldest first) */
      for (guint k = 0; k < estimates->len; k++)
        {
          const EmEstimateReport *r = g_ptr_array_index (estimates, k);

          if (r->iteration == (int)row->info->number && r->n_rows > 0 && r->rows[0].n_labelled > 0)
            {
              row->estimate = r->rows[0];
              row->estimate.name = NULL; /* not ours */
            }
        }
      g_list_store_append (self->rows, row);
      g_object_unref (row);
    }
  status = g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "%u iteration", "%u iterations", iterations->len),
      iterations->len);
  gtk_label_set_text (self->status, status);
  return TRUE;
}

gboolean
em_history_view_set_truth (EmHistoryView *self, const char *truth_csv, GError **error)
{
  g_autoptr (EmExperiment) exp = NULL;
  g_autoptr (GArray) points = NULL;

  g_return_val_if_fail (EM_IS_HISTORY_VIEW (self), FALSE);
  if (truth_csv == NULL)
    {
      em_learning_curve_set_truth (self->chart, NULL);
      return TRUE;
    }
  if (self->dir == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   _ ("No experiment to compare with “%s”"), truth_csv);
      return FALSE;
    }
  exp = em_experiment_open_read_only (self->dir, error);
  if (exp == NULL)
    return FALSE;
  points = em_simulate_evaluate_predictions (exp, truth_csv, error);
  if (points == NULL)
    return FALSE;
  em_learning_curve_set_truth (self->chart, points);
  return TRUE;
}

static void
truth_chosen (GtkNativeDialog *dialog, int response, gpointer data)
{
  EmHistoryView *self = data;
  g_autoptr (GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL && !em_history_view_set_truth (self, path, &error))
        gtk_label_set_text (self->status, error->message);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
choose_truth (GtkButton *button, gpointer data)
{
  EmHistoryView        *self = data;
  GtkFileChooserNative *chooser
      = gtk_file_chooser_native_new (_ ("Truth File (id,label)"), GTK_WINDOW (self),
                                     GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Compare"), _ ("_Cancel"));
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _ ("CSV files"));
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (truth_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

guint
em_history_view_get_n_rows (EmHistoryView *self)
{
  g_return_val_if_fail (EM_IS_HISTORY_VIEW (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->rows));
}

char *
em_history_view_dup_cell (EmHistoryView *self, guint row, EmHistoryColumn column)
{
  g_autoptr (EmHistoryRow) item = NULL;

  g_return_val_if_fail (EM_IS_HISTORY_VIEW (self), NULL);
  item = g_list_model_get_item (G_LIST_MODEL (self->rows), row);
  if (item == NULL)
    return NULL;
  return format_cell (item, column);
}

GtkColumnView *
em_history_view_get_table (EmHistoryView *self)
{
  g_return_val_if_fail (EM_IS_HISTORY_VIEW (self), NULL);
  return self->table;
}

EmLearningCurve *
em_history_view_get_chart (EmHistoryView *self)
{
  g_return_val_if_fail (EM_IS_HISTORY_VIEW (self), NULL);
  return self->chart;
}

static void
em_history_view_dispose (GObject *object)
{
  EmHistoryView *self = EM_HISTORY_VIEW (object);

  g_clear_object (&self->rows);
  g_clear_pointer (&self->dir, g_free);
  G_OBJECT_CLASS (em_history_view_parent_class)->dispose (object);
}

static guint estimate_signal;

static void
action_estimate_precision (GtkWidget *widget, const char *name, GVariant *parameter)
{
  g_signal_emit (widget, estimate_signal, 0);
}

static void
em_history_view_class_init (EmHistoryViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = em_history_view_dispose;
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "history.estimate-precision", NULL,
                                   action_estimate_precision);
  /* the oracle asked for a precision sample (the main window draws and
   * shows it; its estimate then joins this history) */
  estimate_signal = g_signal_new ("estimate-precision", G_TYPE_FROM_CLASS (klass),
                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
em_history_view_init (EmHistoryView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *bottom = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_window_set_title (GTK_WINDOW (self), _ ("Iteration History"));
  gtk_window_set_default_size (GTK_WINDOW (self), 900, 900);

  self->rows = g_list_store_new (EM_TYPE_HISTORY_ROW);
  self->chart = EM_LEARNING_CURVE (em_learning_curve_new ());
  gtk_widget_set_margin_top (GTK_WIDGET (self->chart), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->chart), 6);
  gtk_widget_set_margin_start (GTK_WIDGET (self->chart), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self->chart), 12);

  self->table = GTK_COLUMN_VIEW (gtk_column_view_new (
      GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->rows))))));
  gtk_column_view_set_show_column_separators (self->table, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->table), "data-table");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->table), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Iterations"), -1);
  add_column (self, EM_HISTORY_COLUMN_ITERATION, _ ("Iteration"));
  add_column (self, EM_HISTORY_COLUMN_STARTED, _ ("Started (UTC)"));
  add_column (self, EM_HISTORY_COLUMN_STRATEGY, _ ("Strategy"));
  add_column (self, EM_HISTORY_COLUMN_TRAIN_SIZE, _ ("Labelled"));
  add_column (self, EM_HISTORY_COLUMN_TRAIN_PER_CLASS, _ ("Labelled per class"));
  add_column (self, EM_HISTORY_COLUMN_TRAIN_BALANCED, _ ("After SMOTE"));
  add_column (self, EM_HISTORY_COLUMN_EPOCHS, _ ("Epochs"));
  add_column (self, EM_HISTORY_COLUMN_LOSS, _ ("Loss"));
  add_column (self, EM_HISTORY_COLUMN_ACCURACY, _ ("Accuracy"));
  add_column (self, EM_HISTORY_COLUMN_SECONDS_TRAIN, _ ("Training (s)"));
  add_column (self, EM_HISTORY_COLUMN_SECONDS_SCORE, _ ("Scoring (s)"));
  add_column (self, EM_HISTORY_COLUMN_CANDIDATES, _ ("Candidates"));
  add_column (self, EM_HISTORY_COLUMN_PRECISION, _ ("Estimated precision"));
  add_column (self, EM_HISTORY_COLUMN_INTERVAL, _ ("Wilson 95 % interval"));
  add_column (self, EM_HISTORY_COLUMN_LOWER, _ ("Lower limit (95 %)"));

  self->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->status, 0.0);
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "dim-label");
  gtk_widget_set_margin_start (GTK_WIDGET (self->status), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self->status), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->status), 6);

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->table));
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_widget_set_size_request (scrolled, -1, 120);
  gtk_box_append (GTK_BOX (bottom), scrolled);
  gtk_box_append (GTK_BOX (bottom), GTK_WIDGET (self->status));
  gtk_paned_set_start_child (GTK_PANED (paned), GTK_WIDGET (self->chart));
  gtk_paned_set_end_child (GTK_PANED (paned), bottom);
  gtk_paned_set_resize_start_child (GTK_PANED (paned), TRUE);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
  gtk_widget_set_vexpand (paned, TRUE);

  /* a label is the button's accessible name */
  self->truth_button = gtk_button_new_with_mnemonic (_ ("Compare with a _Truth File…"));
  gtk_widget_set_tooltip_text (self->truth_button,
                               _ ("Precision and recall of each iteration's predictions against "
                                  "an id,label file (simulated experiments)"));
  gtk_widget_set_sensitive (self->truth_button, FALSE);
  g_signal_connect (self->truth_button, "clicked", G_CALLBACK (choose_truth), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), self->truth_button);
  {
    GtkWidget *estimate = gtk_button_new_with_mnemonic (_ ("Estimate _Precision…"));

    gtk_actionable_set_action_name (GTK_ACTIONABLE (estimate), "history.estimate-precision");
    gtk_widget_set_tooltip_text (estimate, _ ("Label a random sample of the current candidates "
                                              "in the main window to estimate their precision"));
    adw_header_bar_pack_end (ADW_HEADER_BAR (header), estimate);
  }
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), paned);
  adw_window_set_content (ADW_WINDOW (self), box);
}

EmHistoryView *
em_history_view_new (void)
{
  return g_object_new (EM_TYPE_HISTORY_VIEW, NULL);
}
