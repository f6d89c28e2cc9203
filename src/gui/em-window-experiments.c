/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Opening an experiment in the window, the start page, and managing
 * experiments: open, duplicate, rename, delete, forget. */
#include "em-config.h"

#include <glib/gi18n.h>

#include "app/em-experiment-folder.h"
#include "gui/em-candidates-view.h"
#include "gui/em-history-view.h"
#include "gui/em-recent.h"
#include "gui/em-window-private.h"

/* ---- opening ---------------------------------------------------------- */

static void
on_open_progress (double fraction, const char *message, gpointer user_data)
{
  EmWindow *self = user_data;

  if (fraction >= 0)
    gtk_progress_bar_set_fraction (self->open_progress, fraction);
  else
    gtk_progress_bar_pulse (self->open_progress);
  if (message != NULL)
    gtk_progress_bar_set_text (self->open_progress, message);
}

/* The experiment that opened is the one the next start reopens (the
 * recent list has it already: see em_window_open_experiment). */
static void
remember_experiment (EmWindow *self)
{
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-experiment", self->experiment_path);
}

static void     show_start (EmWindow *self, const char *message);
static gboolean release_experiment (EmWindow *self);

static void
on_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (EmWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GListStore) batch = NULL;
  g_autoptr (GPtrArray) classes = g_ptr_array_new ();
  guint         iteration = 0;
  EmExperiment *exp = em_tasks_open_finish (result, &batch, &iteration, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || gtk_widget_in_destruction (GTK_WIDGET (self)) || self->main_stack == NULL)
    {
      g_clear_pointer (&exp, em_experiment_close);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->open_progress), FALSE);
  if (exp == NULL)
    {
      g_autofree char *name = em_window_dup_experiment_name (self);
      /* Translators: %s is an experiment's name, then why it did not open */
      g_autofree char *text = g_strdup_printf (_ ("Cannot open “%s”: %s"), name, error->message);

      /* The recent experiments instead of a dead end: pick another one,
       * make one, or remove this one from the list. */
      g_clear_pointer (&self->experiment_path, g_free);
      _em_window_update_title (self);
      _em_window_notify_experiment_path (self);
      show_start (self, text);
      return;
    }
  g_clear_pointer (&self->exp, em_experiment_close);
  self->exp = exp;
  for (guint k = 0; k < em_experiment_get_n_classes (exp); k++)
    g_ptr_array_add (classes, (gpointer)em_experiment_get_class (exp, k));
  g_ptr_array_add (classes, NULL);
  em_window_set_batch (self, G_LIST_MODEL (batch), iteration, (const char *const *)classes->pdata);
  em_start_view_set_current (self->start_view, self->experiment_path);
  remember_experiment (self);
  _em_window_update_train_actions (self);
  /* an unfinished precision sample is offered for resuming */
  _em_window_start_sample_task (self, SAMPLE_PROBE, 0);
}

/* How the demo is made when the window is asked to open the demo path
 * and it does not exist yet (tests make a small one). */
void
em_window_set_demo_options (EmWindow *self, const EmDemoOptions *options)
{
  g_return_if_fail (EM_IS_WINDOW (self));
  self->demo = *options;
  self->demo_set = TRUE;
}

/* Opens the experiment in @path in a worker thread (creating the demo
 * first when @path is the demo's and does not exist), then shows its
 * current batch with the first unlabelled spectrum selected. */
void
em_window_open_experiment (EmWindow *self, const char *path)
{
  g_autofree char *name = NULL;
  g_autofree char *demo_path = em_application_dup_demo_path ();
  gboolean         make_demo;

  g_return_if_fail (EM_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  /* Open here already: back to it (a second writable handle would be
   * refused by the experiment's own lock). */
  if (self->exp != NULL && g_strcmp0 (path, self->experiment_path) == 0)
    {
      gtk_stack_set_visible_child_name (self->main_stack, "workbench");
      return;
    }
  /* One experiment per window: the previous one is closed first, which
   * a window that trains or saves labels refuses. */
  if (!release_experiment (self))
    return;
  em_recent_note_opened (self->settings, path);

  g_free (self->experiment_path);
  self->experiment_path = g_strdup (path);
  _em_window_update_title (self);
  _em_window_notify_experiment_path (self);

  make_demo = g_str_equal (path, demo_path) && !g_file_test (path, G_FILE_TEST_IS_DIR);
  if (make_demo && !self->demo_set)
    em_demo_options_init (&self->demo);

  name = em_window_dup_experiment_name (self);
  adw_status_page_set_title (self->status_page, name);
  adw_status_page_set_description (
      self->status_page, make_demo ? _ ("Creating the demo experiment: a simulated survey, its "
                                        "pool and a first network trained on the labelled "
                                        "seed set. This takes a while, once.")
                                   : _ ("Opening the experiment…"));
  gtk_progress_bar_set_fraction (self->open_progress, 0.0);
  gtk_progress_bar_set_text (self->open_progress, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->open_progress), TRUE);
  gtk_stack_set_visible_child_name (self->main_stack, "status");

  g_cancellable_cancel (self->open_cancellable);
  g_clear_object (&self->open_cancellable);
  self->open_cancellable = g_cancellable_new ();
  em_tasks_open_async (path, make_demo ? &self->demo : NULL, on_open_progress, self,
                       self->open_cancellable, on_opened, g_object_ref (self));
}

const char *
em_window_get_experiment_path (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return self->experiment_path;
}

/* ---- managing experiments -------------------------------------------- */

/* The candidates and history windows opened from this one show its
 * experiment, and send labels and sample requests back here: they go
 * with it rather than act on the next one. */
static void
close_experiment_views (EmWindow *self)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  g_autoptr (GPtrArray) views = g_ptr_array_new_with_free_func (g_object_unref);

  /* gathered first: destroying one changes the list */
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i);

      if ((EM_IS_CANDIDATES_VIEW (w) || EM_IS_HISTORY_VIEW (w))
          && gtk_window_get_transient_for (w) == GTK_WINDOW (self))
        g_ptr_array_add (views, g_object_ref (w));
    }
  for (guint i = 0; i < views->len; i++)
    gtk_window_destroy (g_ptr_array_index (views, i));
}

/* Whether a thread of this window is using its experiment (training,
 * saving labels or reading a precision sample), so that the window cannot
 * close it now: what opens an experiment elsewhere asks before choosing
 * this window. */
gboolean
em_window_is_busy (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), FALSE);
  return self->training || em_window_is_writing (self) || self->sample_running;
}

/* Closes the open experiment (or stops one opening) so that it can be
 * renamed, deleted or replaced; refused with a toast while this window
 * trains, saves labels or reads a precision sample, which need it. */
static gboolean
release_experiment (EmWindow *self)
{
  if (em_window_is_busy (self))
    {
      _em_window_toast (self, _ ("Wait until training, saving labels and reading the precision "
                                 "sample are done (or cancel the training)"));
      return FALSE;
    }
  g_cancellable_cancel (self->open_cancellable);
  g_clear_object (&self->open_cancellable);
  if (self->exp == NULL && self->experiment_path == NULL)
    return TRUE;
  close_experiment_views (self);
  g_clear_object (&self->batch);
  em_batch_grid_set_model (self->batch_grid, NULL);
  g_clear_pointer (&self->classes, g_strfreev);
  g_array_set_size (self->undo_steps, 0);
  g_hash_table_remove_all (self->spectra);
  g_hash_table_remove_all (self->load_errors);
  _em_window_rebuild_class_buttons (self);
  _em_window_show_item (self, NULL);
  g_clear_pointer (&self->exp, em_experiment_close);
  /* a sample asked for and not yet started is for the one closed */
  self->exp_generation++;
  self->sampling = FALSE;
  g_clear_pointer (&self->experiment_path, g_free);
  em_start_view_set_current (self->start_view, NULL);
  _em_window_update_title (self);
  _em_window_notify_experiment_path (self);
  _em_window_update_batch_label (self);
  return TRUE;
}

/* Closes the experiment open in this window and shows the recent ones;
 * FALSE (and a _em_window_toast) while the window trains, saves labels or
 * reads a precision sample. */
gboolean
em_window_close_experiment (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), FALSE);
  if (!release_experiment (self))
    return FALSE;
  show_start (self, NULL);
  return TRUE;
}

static void
show_start (EmWindow *self, const char *message)
{
  em_start_view_set_message (self->start_view, message);
  em_start_view_reload (self->start_view);
  gtk_stack_set_visible_child_name (self->main_stack, "start");
}

/* The "Experiments" button: the start page, or back to the open
 * experiment from it. */
static void
action_show_start (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow   *self = EM_WINDOW (widget);
  const char *page = gtk_stack_get_visible_child_name (self->main_stack);

  if (g_strcmp0 (page, "start") == 0 && self->exp != NULL)
    gtk_stack_set_visible_child_name (self->main_stack, "workbench");
  else
    show_start (self, NULL);
}

EmStartView *
em_window_get_start_view (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return self->start_view;
}

/* Whether the start page is what the window shows. */
gboolean
em_window_is_showing_start (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), FALSE);
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "start") == 0;
}

/* The text of the latest _em_window_toast (tests). */
const char *
em_window_get_last_toast (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return self->last_toast;
}

static gboolean
is_experiment_folder (const char *path)
{
  g_autofree char *db = g_build_filename (path, "experiment.sqlite", NULL);

  return g_file_test (db, G_FILE_TEST_IS_REGULAR);
}

/* win.open-experiment(s): the experiment in folder s, in this window. */
static void
action_open_experiment (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow        *self = EM_WINDOW (widget);
  const char      *path = g_variant_get_string (parameter, NULL);
  g_autofree char *demo = em_application_dup_demo_path ();

  if (path[0] == '\0')
    return;
  if (self->exp != NULL && g_strcmp0 (path, self->experiment_path) == 0)
    {
      gtk_stack_set_visible_child_name (self->main_stack, "workbench");
      return;
    }
  /* The demo is made anew when it is gone; any other folder must hold
   * an experiment. */
  if (!g_str_equal (path, demo) && !is_experiment_folder (path))
    {
      g_autofree char *text
          = g_file_test (path, G_FILE_TEST_IS_DIR)
                /* Translators: %s is a folder the user picked */
                ? g_strdup_printf (_ ("“%s” is not an Emissary experiment: it has no "
                                      "experiment.sqlite"),
                                   path)
                /* Translators: %s is a folder */
                : g_strdup_printf (_ ("“%s” does not exist"), path);

      _em_window_toast (self, text);
      return;
    }
  em_window_open_experiment (self, path);
}

static void
on_experiment_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  EmWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_widget_activate_action (GTK_WIDGET (self), "win.open-experiment", "s", path);
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

/* "Open…": GtkFileDialog is GTK 4.10; the native chooser also goes
 * through the portal in a sandbox. */
static void
action_choose_experiment (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow             *self = EM_WINDOW (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_ ("Open an Experiment (NAME.emissary)"),
                                         GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _ ("_Open"), _ ("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_experiment_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* The folder an action is about: its parameter, or the open experiment
 * for "". */
static const char *
target_path (EmWindow *self, GVariant *parameter)
{
  const char *path = g_variant_get_string (parameter, NULL);

  if (path[0] != '\0')
    return path;
  if (self->experiment_path == NULL)
    _em_window_toast (self, _ ("No experiment is open: pick one in the list"));
  return self->experiment_path;
}

/* One folder operation in a worker thread. */
typedef enum
{
  FOLDER_DUPLICATE,
  FOLDER_RENAME,
  FOLDER_TRASH,
} FolderOp;

typedef struct
{
  FolderOp op;
  char    *path;
  char    *new_path;
  gboolean reopen; /* it was open in this window: open it again (renamed) */
} FolderJob;

static void
folder_job_free (FolderJob *job)
{
  g_free (job->path);
  g_free (job->new_path);
  g_free (job);
}

static void
folder_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  FolderJob *job = task_data;
  GError    *error = NULL;
  gboolean   ok = FALSE;

  switch (job->op)
    {
    case FOLDER_DUPLICATE:
      ok = em_experiment_duplicate (job->path, job->new_path, &error);
      break;
    case FOLDER_RENAME:
      ok = em_experiment_rename (job->path, job->new_path, &error);
      break;
    case FOLDER_TRASH:
      ok = em_experiment_trash (job->path, cancellable, &error);
      break;
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_folder_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmWindow  *self = EM_WINDOW (source);
  FolderJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  g_autofree char *name = em_experiment_name_from_dir (job->path);
  g_autofree char *new_name = job->new_path ? em_experiment_name_from_dir (job->new_path) : NULL;
  g_autofree char *text = NULL;
  gboolean         ok = g_task_propagate_boolean (G_TASK (result), &error);

  if (gtk_widget_in_destruction (GTK_WIDGET (self)) || self->main_stack == NULL)
    return;
  if (!ok)
    {
      if (job->op == FOLDER_TRASH && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        /* Translators: %s is an experiment's folder */
        text = g_strdup_printf (_ ("“%s” was not deleted: there is no trash on its filesystem"),
                                job->path);
      else
        text = g_strdup (error->message);
      _em_window_toast (self, text);
      if (job->reopen)
        em_window_open_experiment (self, job->path);
      else
        em_start_view_reload (self->start_view);
      return;
    }
  switch (job->op)
    {
    case FOLDER_DUPLICATE:
      /* The copy is listed, not opened: the original may be in use. */
      em_recent_add (self->settings, job->new_path);
      /* Translators: two experiment names */
      text = g_strdup_printf (_ ("“%s” copied to “%s”"), name, new_name);
      break;
    case FOLDER_RENAME:
      em_recent_rename (self->settings, job->path, job->new_path);
      /* Translators: two experiment names */
      text = g_strdup_printf (_ ("“%s” renamed to “%s”"), name, new_name);
      break;
    case FOLDER_TRASH:
      em_recent_forget (self->settings, job->path);
      /* Translators: an experiment's name */
      text = g_strdup_printf (_ ("“%s” moved to the trash"), name);
      break;
    }
  _em_window_toast (self, text);
  if (job->reopen)
    em_window_open_experiment (self, job->new_path);
  else
    em_start_view_reload (self->start_view);
}

static void
run_folder_job (EmWindow *self, FolderOp op, const char *path, const char *new_path)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, on_folder_done, NULL);
  FolderJob *job = g_new0 (FolderJob, 1);

  job->op = op;
  job->path = g_strdup (path);
  job->new_path = g_strdup (new_path);
  /* Renaming or trashing needs the writer's lock, which this window
   * holds on its open experiment: close it first (refused while it
   * trains or saves labels). */
  if (op != FOLDER_DUPLICATE && self->exp != NULL && g_strcmp0 (path, self->experiment_path) == 0)
    {
      if (!release_experiment (self))
        {
          folder_job_free (job);
          return;
        }
      job->reopen = op == FOLDER_RENAME;
      if (op == FOLDER_TRASH)
        show_start (self, NULL);
    }
  g_task_set_source_tag (task, run_folder_job);
  g_task_set_task_data (task, job, (GDestroyNotify)folder_job_free);
  g_task_run_in_thread (task, folder_thread);
}

/* A dialog asking for an experiment name, for rename and duplicate. */
static void
on_name_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  EmWindow    *self = user_data;
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  const char  *path = g_object_get_data (G_OBJECT (dialog), "em-path");
  FolderOp     op = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "em-op"));
  g_autoptr (GError) error = NULL;
  g_autofree char *new_path = NULL;

  /* cancelled, or the window was closed meanwhile */
  if (g_strcmp0 (response, "cancel") == 0 || g_strcmp0 (response, "close") == 0
      || self->main_stack == NULL)
    goto out;
  new_path = em_experiment_sibling_dir (path, gtk_editable_get_text (entry), &error);
  if (new_path == NULL)
    _em_window_toast (self, error->message);
  else if (g_strcmp0 (new_path, path) != 0)
    run_folder_job (self, op, path, new_path);
out:
  g_object_unref (self);
}

static void
on_name_changed (GtkEditable *entry, AdwMessageDialog *dialog)
{
  const char      *path = g_object_get_data (G_OBJECT (dialog), "em-path");
  const char      *ok = g_object_get_data (G_OBJECT (dialog), "em-ok");
  g_autofree char *new_path = em_experiment_sibling_dir (path, gtk_editable_get_text (entry), NULL);

  adw_message_dialog_set_response_enabled (dialog, ok,
                                           new_path != NULL && g_strcmp0 (new_path, path) != 0
                                               && !g_file_test (new_path, G_FILE_TEST_EXISTS));
}

static void
ask_name (EmWindow   *self,
          FolderOp    op,
          const char *path,
          const char *heading,
          const char *body,
          const char *suggested,
          const char *ok_id,
          const char *ok_label)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  GtkWidget *entry = gtk_entry_new ();

  gtk_editable_set_text (GTK_EDITABLE (entry), suggested);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Experiment name"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), ok_id,
                                    ok_label, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), ok_id,
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), ok_id);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "em-path", g_strdup (path), g_free);
  g_object_set_data (G_OBJECT (dialog), "em-ok", (gpointer)ok_id);
  g_object_set_data (G_OBJECT (dialog), "em-op", GINT_TO_POINTER (op));
  g_signal_connect (entry, "changed", G_CALLBACK (on_name_changed), dialog);
  on_name_changed (GTK_EDITABLE (entry), ADW_MESSAGE_DIALOG (dialog));
  g_signal_connect (dialog, "response", G_CALLBACK (on_name_response), g_object_ref (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* win.duplicate-experiment(s): copies folder s ("" the open one). */
static void
action_duplicate_experiment (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow        *self = EM_WINDOW (widget);
  const char      *path = target_path (self, parameter);
  g_autofree char *name = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *suggested = NULL;

  if (path == NULL)
    return;
  name = em_experiment_name_from_dir (path);
  /* Translators: %s is an experiment's name */
  heading = g_strdup_printf (_ ("Duplicate “%s”"), name);
  /* Translators: the suggested name of a copy; %s is the original's */
  suggested = g_strdup_printf (_ ("%s copy"), name);
  ask_name (self, FOLDER_DUPLICATE, path, heading,
            _ ("The copy is a new experiment next to this one, with every label, iteration, "
               "prediction and checkpoint so far."),
            suggested, "duplicate", _ ("_Duplicate"));
}

/* win.rename-experiment(s): renames folder s ("" the open one). */
static void
action_rename_experiment (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow        *self = EM_WINDOW (widget);
  const char      *path = target_path (self, parameter);
  g_autofree char *name = NULL;
  g_autofree char *heading = NULL;

  if (path == NULL)
    return;
  name = em_experiment_name_from_dir (path);
  /* Translators: %s is an experiment's name */
  heading = g_strdup_printf (_ ("Rename “%s”"), name);
  ask_name (self, FOLDER_RENAME, path, heading,
            _ ("The experiment folder is renamed; an experiment open for writing elsewhere "
               "cannot be renamed."),
            name, "rename", _ ("_Rename"));
}

static void
on_delete_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  EmWindow   *self = user_data;
  const char *path = g_object_get_data (G_OBJECT (dialog), "em-path");

  if (g_strcmp0 (response, "delete") == 0 && self->main_stack != NULL)
    run_folder_job (self, FOLDER_TRASH, path, NULL);
  g_object_unref (self);
}

/* win.delete-experiment(s): moves folder s ("" the open one) to the
 * trash, after asking. */
static void
action_delete_experiment (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow        *self = EM_WINDOW (widget);
  const char      *path = target_path (self, parameter);
  g_autofree char *name = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget       *dialog;

  if (path == NULL)
    return;
  name = em_experiment_name_from_dir (path);
  /* Translators: %s is an experiment's name */
  heading = g_strdup_printf (_ ("Delete “%s”?"), name);
  /* Translators: %s is an experiment's folder */
  body = g_strdup_printf (_ ("The folder %s goes to the trash with its labels, iterations and "
                             "checkpoints; it can be restored from there."),
                          path);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "delete",
                                    _ ("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "em-path", g_strdup (path), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_delete_response), g_object_ref (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* win.forget-experiment(s): removes s from the recent list only. */
static void
action_forget_experiment (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow *self = EM_WINDOW (widget);

  em_recent_forget (self->settings, g_variant_get_string (parameter, NULL));
  em_start_view_reload (self->start_view);
}

/* Called by em_window_class_init: the actions on experiments. */
void
_em_window_class_init_experiments (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.show-start", NULL, action_show_start);
  gtk_widget_class_install_action (widget_class, "win.open-experiment", "s",
                                   action_open_experiment);
  gtk_widget_class_install_action (widget_class, "win.choose-experiment", NULL,
                                   action_choose_experiment);
  gtk_widget_class_install_action (widget_class, "win.duplicate-experiment", "s",
                                   action_duplicate_experiment);
  gtk_widget_class_install_action (widget_class, "win.rename-experiment", "s",
                                   action_rename_experiment);
  gtk_widget_class_install_action (widget_class, "win.delete-experiment", "s",
                                   action_delete_experiment);
  gtk_widget_class_install_action (widget_class, "win.forget-experiment", "s",
                                   action_forget_experiment);
}
