/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Labels to the database, in order, one at a time, off the main thread:
 * the oracle's labels, undo, and label files imported or exported. */
#include "em-config.h"

#include <glib/gi18n.h>

#include "app/em-labels.h"
#include "gui/em-window-private.h"

/* ---- labels to the database ------------------------------------------ */

typedef struct
{
  EmWindow         *window; /* a reference */
  EmExperiment     *exp;    /* borrowed: the window keeps it open */
  WriteKind         kind;
  char             *id;
  char             *klass;
  double            seconds;
  guint             position; /* to put the label back on failure */
  int               previous;
  GError           *error;
  gboolean          estimate; /* evaluate the precision sample afterwards */
  EmEstimateReport *report;
  /* imports and exports */
  char             *path;
  EmLabelsImport    import;
  gint64            exported;
  char            **batch_ids;    /* the batch when the import was asked */
  char            **batch_labels; /* their labels after it ("" for none) */
} WriteJob;

static void
write_job_free (WriteJob *job)
{
  g_object_unref (job->window);
  g_free (job->id);
  g_free (job->klass);
  g_clear_error (&job->error);
  g_clear_pointer (&job->report, em_estimate_report_free);
  g_free (job->path);
  em_labels_import_clear (&job->import);
  g_strfreev (job->batch_ids);
  g_strfreev (job->batch_labels);
  g_free (job);
}

static void import_done (EmWindow *self, WriteJob *job);
static void export_done (EmWindow *self, WriteJob *job);

static gboolean
write_done (gpointer data)
{
  WriteJob *job = data;
  EmWindow *self = job->window;

  if (job->report != NULL && self->showing_sample && self->main_stack != NULL)
    _em_window_show_estimate (self, g_steal_pointer (&job->report));
  if (job->kind == WRITE_IMPORT || job->kind == WRITE_EXPORT)
    {
      /* A window closed meanwhile has no toasts left to show. */
      if (self->main_stack != NULL)
        (job->kind == WRITE_IMPORT ? import_done : export_done) (self, job);
    }
  else if (job->error != NULL && self->batch != NULL)
    {
      /* The label did not reach the database: show it as it is there. */
      g_autofree char *text
          = g_strdup_printf (_ ("The label was not saved: %s"), job->error->message);
      EmBatchItem *item = _em_window_get_item (self, job->position);

      if (item != NULL && job->kind == WRITE_LABEL
          && g_strcmp0 (em_batch_item_get_id (item), job->id) == 0)
        em_batch_item_set_label (item, job->previous);
      _em_window_toast (self, text);
      _em_window_update_batch_label (self);
    }
  /* Last: until the window shows what this write did, it is writing. */
  g_atomic_int_dec_and_test (&self->pending_writes);
  write_job_free (job);
  return G_SOURCE_REMOVE;
}

static void
write_thread (gpointer data, gpointer user_data)
{
  WriteJob *job = data;

  g_mutex_lock (&job->window->exp_lock);
  switch (job->kind)
    {
    case WRITE_LABEL:
      em_experiment_add_label (job->exp, job->id, job->klass, EM_LABEL_SOURCE_ORACLE, job->seconds,
                               NULL, &job->error);
      break;
    case WRITE_UNDO:
      em_experiment_undo (job->exp, NULL, &job->error);
      break;
    case WRITE_IMPORT:
      /* Bad lines are skipped and counted: the toast names the first. */
      if (em_labels_import (job->exp, job->path, NULL, TRUE, &job->import, &job->error))
        {
          guint n = g_strv_length (job->batch_ids);

          job->batch_labels = g_new0 (char *, n + 1);
          for (guint i = 0; i < n; i++)
            {
              char *label = em_experiment_get_label (job->exp, job->batch_ids[i], NULL);

              job->batch_labels[i] = label != NULL ? label : g_strdup ("");
            }
        }
      break;
    case WRITE_EXPORT:
      {
        /* Its own read-only handle: the labels queued before are in the
         * database (this pool runs one job at a time, in order). */
        g_autoptr (EmExperiment) ro
            = em_experiment_open_read_only (em_experiment_get_dir (job->exp), &job->error);

        if (ro != NULL)
          job->exported = em_labels_export (ro, job->path,
                                            g_str_has_suffix (job->path, ".csv")
                                                    || g_str_has_suffix (job->path, ".CSV")
                                                ? EM_LABELS_FORMAT_CSV
                                                : EM_LABELS_FORMAT_VOTABLE,
                                            &job->error);
      }
      break;
    }
  /* The estimate as it stands with this label, live as the sample fills. */
  if (job->estimate)
    job->report = em_estimate_report (job->exp, NULL);
  g_mutex_unlock (&job->window->exp_lock);
  em_tasks_post (NULL, write_done, job, NULL);
}

void
_em_window_queue_write (EmWindow   *self,
                        WriteKind   kind,
                        const char *id,
                        const char *klass,
                        guint       position,
                        int         previous)
{
  WriteJob *job;

  if (self->exp == NULL)
    return;
  if (self->writer == NULL)
    self->writer = g_thread_pool_new (write_thread, NULL, 1, FALSE, NULL);
  job = g_new0 (WriteJob, 1);
  job->window = g_object_ref (self);
  job->exp = self->exp;
  job->kind = kind;
  job->id = g_strdup (id);
  job->klass = g_strdup (klass);
  job->seconds = self->shown_at > 0 ? (g_get_monotonic_time () - self->shown_at) / 1e6 : -1.0;
  job->position = position;
  job->previous = previous;
  job->estimate = self->showing_sample;
  g_atomic_int_inc (&self->pending_writes);
  g_thread_pool_push (self->writer, job, NULL);
}

/* An oracle label for any pool spectrum (the candidates window), through
 * the same ordered writer as the batch's labels. */
void
em_window_relabel (EmWindow *self, const char *spectrum_id, const char *class_name)
{
  g_return_if_fail (EM_IS_WINDOW (self));
  g_return_if_fail (spectrum_id != NULL && class_name != NULL);
  _em_window_queue_write (self, WRITE_LABEL, spectrum_id, class_name, G_MAXUINT, -1);
}

/* Whether label writes are still under way (tests, and training waits). */
gboolean
em_window_is_writing (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), FALSE);
  return g_atomic_int_get (&self->pending_writes) > 0;
}

/* ---- labels as files -------------------------------------------------- */

/* Imports and exports go through the label writer: after the labels
 * given before them, one at a time, off the main thread. */
static void
queue_file_job (EmWindow *self, WriteKind kind, const char *path)
{
  WriteJob *job;
  guint     n = self->batch != NULL ? g_list_model_get_n_items (self->batch) : 0;

  if (self->exp == NULL)
    return;
  if (self->writer == NULL)
    self->writer = g_thread_pool_new (write_thread, NULL, 1, FALSE, NULL);
  job = g_new0 (WriteJob, 1);
  job->window = g_object_ref (self);
  job->exp = self->exp;
  job->kind = kind;
  job->path = g_strdup (path);
  job->batch_ids = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    job->batch_ids[i] = g_strdup (em_batch_item_get_id (_em_window_get_item (self, i)));
  g_atomic_int_inc (&self->pending_writes);
  g_thread_pool_push (self->writer, job, NULL);
}

static void
import_done (EmWindow *self, WriteJob *job)
{
  g_autofree char *imported = NULL;
  g_autofree char *text = NULL;
  guint            n = self->batch != NULL ? g_list_model_get_n_items (self->batch) : 0;

  if (job->error != NULL)
    {
      /* Translators: %s says why (it names the file) */
      text = g_strdup_printf (_ ("No labels imported: %s"), job->error->message);
      _em_window_toast (self, text);
      return;
    }
  /* Labels of the batch shown may have changed; the window's undo
   * steps no longer match the latest labels in the database. */
  for (guint i = 0; i < n && job->batch_labels != NULL; i++)
    {
      EmBatchItem *item = _em_window_get_item (self, i);

      for (guint j = 0; job->batch_ids[j] != NULL; j++)
        if (g_strcmp0 (job->batch_ids[j], em_batch_item_get_id (item)) == 0)
          {
            int k = -1;

            for (guint c = 0; self->classes != NULL && self->classes[c] != NULL; c++)
              if (g_strcmp0 (self->classes[c], job->batch_labels[j]) == 0)
                k = (int)c;
            em_batch_item_set_label (item, k);
            break;
          }
    }
  g_array_set_size (self->undo_steps, 0);
  _em_window_update_batch_label (self);

  imported = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Imported %u label",
                                           "Imported %u labels", job->import.imported),
                              job->import.imported);
  if (job->import.skipped == 0)
    text = g_steal_pointer (&imported);
  else
    {
      g_autofree char *skipped = g_strdup_printf (
          /* Translators: %u lines of a CSV file were skipped; %s is why the first was */
          g_dngettext (GETTEXT_PACKAGE, "skipped %u line (%s)", "skipped %u lines, the first: %s",
                       job->import.skipped),
          job->import.skipped, job->import.first_skip);

      /* Translators: "Imported N labels" and "skipped M lines (why)" */
      text = g_strdup_printf (_ ("%s; %s"), imported, skipped);
    }
  _em_window_toast (self, text);
}

static void
export_done (EmWindow *self, WriteJob *job)
{
  g_autofree char *text = NULL;

  if (job->error != NULL)
    /* Translators: %s says why */
    text = g_strdup_printf (_ ("The labelled set was not exported: %s"), job->error->message);
  else
    /* Translators: the number of labels written, and the file */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u label to %s",
                                         "Exported %u labels to %s", (gulong)job->exported),
                            (guint)job->exported, job->path);
  _em_window_toast (self, text);
}

static void
action_import_labels_from (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  queue_file_job (EM_WINDOW (widget), WRITE_IMPORT, g_variant_get_string (parameter, NULL));
}

static void
action_export_labelled_to (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  queue_file_job (EM_WINDOW (widget), WRITE_EXPORT, g_variant_get_string (parameter, NULL));
}

static void
on_file_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  EmWindow   *self = user_data;
  const char *action = g_object_get_data (G_OBJECT (dialog), "em-action");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_widget_activate_action (GTK_WIDGET (self), action, "s", path);
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

/* A filter of one or two patterns (@pattern2 may be NULL). */
static void
add_filter (GtkFileChooser *chooser, const char *name, const char *pattern, const char *pattern2)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  if (pattern2 != NULL)
    gtk_file_filter_add_pattern (filter, pattern2);
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
action_import_labels (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow             *self = EM_WINDOW (widget);
  GtkFileChooserNative *chooser;

  chooser
      = gtk_file_chooser_native_new (_ ("Import Labels (CSV: id,label)"), GTK_WINDOW (self),
                                     GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Import"), _ ("_Cancel"));
  add_filter (GTK_FILE_CHOOSER (chooser), _ ("CSV files"), "*.csv", NULL);
  add_filter (GTK_FILE_CHOOSER (chooser), _ ("All files"), "*", NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "em-action", (gpointer) "win.import-labels-from");
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
action_export_labelled (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow             *self = EM_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autofree char      *name = em_window_dup_experiment_name (self);
  g_autofree char      *file = NULL;

  if (name == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_ ("Export the Labelled Set (VOTable, or CSV by its "
                                            "name)"),
                                         GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _ ("_Export"), _ ("_Cancel"));
  /* Translators: a file name; %s is the experiment's name */
  file = g_strdup_printf (_ ("%s-labelled.vot"), name);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), file);
  add_filter (GTK_FILE_CHOOSER (chooser), _ ("VOTable (.vot, .xml)"), "*.vot", "*.xml");
  add_filter (GTK_FILE_CHOOSER (chooser), _ ("CSV (.csv)"), "*.csv", NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "em-action", (gpointer) "win.export-labelled-to");
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Called by em_window_class_init: the actions on label files. */
void
_em_window_class_init_writer (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.import-labels", NULL, action_import_labels);
  gtk_widget_class_install_action (widget_class, "win.import-labels-from", "s",
                                   action_import_labels_from);
  gtk_widget_class_install_action (widget_class, "win.export-labelled", NULL,
                                   action_export_labelled);
  gtk_widget_class_install_action (widget_class, "win.export-labelled-to", "s",
                                   action_export_labelled_to);
}
