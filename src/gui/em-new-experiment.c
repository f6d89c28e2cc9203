/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "app/em-experiment.h"
#include "app/em-ingest.h"
#include "app/em-labelled-fits.h"
#include "app/em-pool.h"
#include "gui/em-new-experiment.h"
#include "gui/em-tasks.h"
#include "gui/em-window.h"

/* One form (AdwPreferencesPage) rather than a paged assistant: every
 * choice but the two paths has a default, so most users pick a seed set
 * and a pool and press Create; the rest is there to look over.  Create
 * makes NAME.emissary, ingests a survey folder into NAME.emissary/pool.fits
 * and converts a FITS seed set into NAME.emissary/seed-set.csv when asked
 * to, then creates the experiment there, all in a worker thread; whatever
 * fails or is cancelled removes the folder it made. */

/* Query strategies and network presets, as the nn layer names them. */
static const char *const strategy_ids[]
    = { "entropy", "margin", "least-confidence", "random", "bald" };
static const char *const preset_ids[] = { "reference", "small" };

/* How many lines of a failure report the dialog quotes. */
#define REPORT_LINES 5

typedef enum
{
  FIELD_FOLDER,
  FIELD_SEED_CSV,
  FIELD_SEED_FITS,
  FIELD_SEED_LABELS,
  FIELD_POOL,
  FIELD_SURVEY,
} Field;

struct _EmNewExperiment
{
  AdwWindow parent_instance;

  EmApplication *application;
  GtkWindow     *opener; /* weak: the window the dialog was opened from */

  GtkStack            *stack;
  GtkButton           *create_button;
  GtkButton           *cancel_button;
  GtkWidget           *form;
  GtkWidget           *error_box;
  GtkLabel            *error_label;
  AdwEntryRow         *name_row;
  AdwActionRow        *folder_row;
  AdwActionRow        *path_row;
  AdwComboRow         *seed_kind_row;
  AdwActionRow        *seed_csv_row;
  AdwActionRow        *seed_fits_row;
  AdwActionRow        *seed_labels_row;
  AdwComboRow         *pool_kind_row;
  AdwActionRow        *pool_row;
  AdwActionRow        *survey_row;
  AdwEntryRow         *classes_row;
  AdwPreferencesGroup *targets_group;
  GPtrArray           *target_rows;  /* AdwActionRow, one per class */
  GHashTable          *target_state; /* class name → GINT_TO_POINTER (1 target, 2 not) */
  AdwComboRow         *preset_row;
  AdwComboRow         *strategy_row;
  GtkSpinButton       *batch_spin;
  GtkSpinButton       *epochs_spin;
  GtkWidget           *progress_box;
  GtkLabel            *phase_label;
  GtkProgressBar      *progress_bar;
  AdwStatusPage       *report_page;
  GtkLabel            *report_label;

  char *folder;
  char *seed_csv;
  char *seed_fits;
  char *seed_labels;
  char *pool;
  char *survey;
  char *error;
  char *report;
  guint n_threads;

  GCancellable *cancellable;
  gboolean      busy;
  gboolean      close_when_done;

  /* progress from the worker: the latest value, one dispatch at a time */
  GMutex   lock;
  double   p_fraction;
  char    *p_message;
  char    *p_phase;
  gboolean p_scheduled;
};

G_DEFINE_FINAL_TYPE (EmNewExperiment, em_new_experiment, ADW_TYPE_WINDOW)

/* ---- helpers ---------------------------------------------------------- */

/* Removes a folder this dialog made, with what a failed run left in it;
 * symbolic links are removed, never followed. */
static void
remove_tree (const char *path)
{
  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      GDir       *dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      if (dir != NULL)
        g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_remove (path);
}

static char **
split_list (const char *text)
{
  g_auto (GStrv) parts = g_strsplit (text != NULL ? text : "", ",", -1);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *s = g_strstrip (parts[i]);

      if (s[0] != '\0')
        g_strv_builder_add (builder, s);
    }
  return g_strv_builder_end (builder);
}

/* The name as typed, without a ".emissary" the user may have added. */
static char *
dup_name (EmNewExperiment *self)
{
  g_autofree char *name
      = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));

  if (g_str_has_suffix (name, ".emissary"))
    name[strlen (name) - strlen (".emissary")] = '\0';
  return g_strstrip (g_steal_pointer (&name));
}

static char *
path_for (const char *folder, const char *name)
{
  g_autofree char *base = g_strconcat (name, ".emissary", NULL);

  return g_build_filename (folder, base, NULL);
}

static void
set_row_path (AdwActionRow *row, const char *path)
{
  adw_action_row_set_subtitle (row, path != NULL ? path : _ ("None chosen"));
}

/* ---- the form's state ------------------------------------------------- */

static gboolean
seed_is_fits (EmNewExperiment *self)
{
  return adw_combo_row_get_selected (self->seed_kind_row) == 1;
}

static gboolean
pool_is_survey (EmNewExperiment *self)
{
  return adw_combo_row_get_selected (self->pool_kind_row) == 1;
}

static void
show_error (EmNewExperiment *self, const char *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (self->error_box, message != NULL);
}

/* The resulting path, whether it is free, and whether Create can run. */
static void
update_state (EmNewExperiment *self)
{
  g_autofree char *name = dup_name (self);
  g_autofree char *path = NULL;
  gboolean         name_ok = name[0] != '\0' && strchr (name, G_DIR_SEPARATOR) == NULL;
  gboolean         exists = FALSE;
  gboolean         seed_ok, pool_ok;

  gtk_widget_set_visible (GTK_WIDGET (self->seed_csv_row), !seed_is_fits (self));
  gtk_widget_set_visible (GTK_WIDGET (self->seed_fits_row), seed_is_fits (self));
  gtk_widget_set_visible (GTK_WIDGET (self->seed_labels_row), seed_is_fits (self));
  gtk_widget_set_visible (GTK_WIDGET (self->pool_row), !pool_is_survey (self));
  gtk_widget_set_visible (GTK_WIDGET (self->survey_row), pool_is_survey (self));

  if (name_ok && self->folder != NULL)
    {
      path = path_for (self->folder, name);
      exists = g_file_test (path, G_FILE_TEST_EXISTS);
    }
  if (path == NULL)
    adw_action_row_set_subtitle (self->path_row, name_ok ? _ ("Choose a folder")
                                                         : _ ("Give the experiment a name "
                                                              "(without “/”)"));
  else if (exists)
    {
      /* Translators: %s is a folder */
      g_autofree char *text = g_strdup_printf (_ ("%s exists already: choose another name"), path);

      adw_action_row_set_subtitle (self->path_row, text);
    }
  else
    adw_action_row_set_subtitle (self->path_row, path);
  if (exists)
    gtk_widget_add_css_class (GTK_WIDGET (self->path_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->path_row), "error");

  seed_ok = seed_is_fits (self) ? self->seed_fits != NULL && self->seed_labels != NULL
                                : self->seed_csv != NULL;
  pool_ok = pool_is_survey (self) ? self->survey != NULL : self->pool != NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "assistant.create",
                                 !self->busy && path != NULL && !exists && seed_ok && pool_ok);
}

static void
on_target_toggled (GtkCheckButton *check, GParamSpec *pspec, gpointer user_data)
{
  EmNewExperiment *self = user_data;
  const char      *name = g_object_get_data (G_OBJECT (check), "class");

  g_hash_table_insert (self->target_state, g_strdup (name),
                       GINT_TO_POINTER (gtk_check_button_get_active (check) ? 1 : 2));
}

/* One row per class with a check for "target"; a class seen before keeps
 * its state, a new one is a target unless it is the first class. */
static void
rebuild_targets (EmNewExperiment *self)
{
  g_auto (GStrv) classes = split_list (gtk_editable_get_text (GTK_EDITABLE (self->classes_row)));

  for (guint i = 0; i < self->target_rows->len; i++)
    adw_preferences_group_remove (self->targets_group, self->target_rows->pdata[i]);
  g_ptr_array_set_size (self->target_rows, 0);
  for (guint i = 0; classes[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();
      int        state = GPOINTER_TO_INT (g_hash_table_lookup (self->target_state, classes[i]));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), classes[i]);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), state == 0 ? i > 0 : state == 1);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      /* Translators: the accessible name of a check box; %s is a class */
      {
        g_autofree char *label = g_strdup_printf (_ ("“%s” is a target class"), classes[i]);

        gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        label, -1);
      }
      g_object_set_data_full (G_OBJECT (check), "class", g_strdup (classes[i]), g_free);
      g_signal_connect (check, "notify::active", G_CALLBACK (on_target_toggled), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_preferences_group_add (self->targets_group, row);
      g_ptr_array_add (self->target_rows, row);
    }
}

static char **
dup_targets (EmNewExperiment *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < self->target_rows->len; i++)
    {
      AdwActionRow *row = self->target_rows->pdata[i];
      GtkWidget    *check = adw_action_row_get_activatable_widget (row);

      if (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)))
        g_strv_builder_add (builder, adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
    }
  return g_strv_builder_end (builder);
}

static void
on_changed (gpointer instance, gpointer user_data)
{
  update_state (EM_NEW_EXPERIMENT (user_data));
}

static void
on_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  update_state (EM_NEW_EXPERIMENT (user_data));
}

static void
on_classes_changed (GtkEditable *editable, gpointer user_data)
{
  rebuild_targets (EM_NEW_EXPERIMENT (user_data));
}

/* ---- setters ---------------------------------------------------------- */

static void
set_field (EmNewExperiment *self, Field field, const char *path)
{
  char        **slot = NULL;
  AdwActionRow *row = NULL;

  switch (field)
    {
    case FIELD_FOLDER:
      slot = &self->folder;
      row = self->folder_row;
      break;
    case FIELD_SEED_CSV:
      slot = &self->seed_csv;
      row = self->seed_csv_row;
      adw_combo_row_set_selected (self->seed_kind_row, 0);
      break;
    case FIELD_SEED_FITS:
      slot = &self->seed_fits;
      row = self->seed_fits_row;
      adw_combo_row_set_selected (self->seed_kind_row, 1);
      break;
    case FIELD_SEED_LABELS:
      slot = &self->seed_labels;
      row = self->seed_labels_row;
      adw_combo_row_set_selected (self->seed_kind_row, 1);
      break;
    case FIELD_POOL:
      slot = &self->pool;
      row = self->pool_row;
      adw_combo_row_set_selected (self->pool_kind_row, 0);
      break;
    case FIELD_SURVEY:
      slot = &self->survey;
      row = self->survey_row;
      adw_combo_row_set_selected (self->pool_kind_row, 1);
      break;
    }
  g_free (*slot);
  *slot = path != NULL && path[0] != '\0' ? g_canonicalize_filename (path, NULL) : NULL;
  set_row_path (row, *slot);
  show_error (self, NULL);
  update_state (self);
}

void
em_new_experiment_set_name (EmNewExperiment *self, const char *name)
{
  g_return_if_fail (EM_IS_NEW_EXPERIMENT (self));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name != NULL ? name : "");
}

void
em_new_experiment_set_folder (EmNewExperiment *self, const char *folder)
{
  g_return_if_fail (EM_IS_NEW_EXPERIMENT (self));
  set_field (self, FIELD_FOLDER, folder);
}

void
em_new_experiment_set_seed_csv (EmNewExperiment *self, const char *path)
{
  g_return_if_fail (EM_IS_NEW_EXPERIMENT (self));
  set_field (self, FIELD_SEED_CSV, path);
}

void
em_new_experiment_set_seed_fits (EmNewExperiment *self, const char *folder, const char *labels_csv)
{
  g_return_if_fail (EM_IS_NEW_EXPERIMENT (self));
  set_field (self, FIELD_SEED_FITS, folder);
  set_field (self, FIELD_SEED_LABELS, labels_csv);
}

void
em_new_experiment_set_pool (EmNewExperiment *self, const char *path)
{
  g_return_if_fail (EM_IS_NEW_EXPERIMENT (self));
  set_field (self, FIELD_POOL, path);
}

void
em_new_experiment_set_survey (EmNewExperiment *self, const char *folder)
{
  g_return_if_fail (EM_IS_NEW_EXPERIMENT (self));
  set_field (self, FIELD_SURVEY, folder);
}

void
em_new_experiment_set_classes (EmNewExperiment *self, const char *classes)
{
  g_return_if_fail (EM_IS_NEW_EXPERIMENT (self));
  gtk_editable_set_text (GTK_EDITABLE (self->classes_row), classes);
}

void
em_new_experiment_set_preset (EmNewExperiment *self, const char *preset)
{
  g_return_if_fail (EM_IS_NEW_EXPERIMENT (self));
  for (guint i = 0; i < G_N_ELEMENTS (preset_ids); i++)
    if (g_strcmp0 (preset, preset_ids[i]) == 0)
      adw_combo_row_set_selected (self->preset_row, i);
}

void
em_new_experiment_set_batch_size (EmNewExperiment *self, guint batch_size)
{
  g_return_if_fail (EM_IS_NEW_EXPERIMENT (self));
  gtk_spin_button_set_value (self->batch_spin, batch_size);
}

void
em_new_experiment_set_max_epochs (EmNewExperiment *self, guint max_epochs)
{
  g_return_if_fail (EM_IS_NEW_EXPERIMENT (self));
  gtk_spin_button_set_value (self->epochs_spin, max_epochs);
}

char *
em_new_experiment_dup_path (EmNewExperiment *self)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (EM_IS_NEW_EXPERIMENT (self), NULL);
  name = dup_name (self);
  if (self->folder == NULL || name[0] == '\0')
    return NULL;
  return path_for (self->folder, name);
}

gboolean
em_new_experiment_is_busy (EmNewExperiment *self)
{
  g_return_val_if_fail (EM_IS_NEW_EXPERIMENT (self), FALSE);
  return self->busy;
}

const char *
em_new_experiment_get_error (EmNewExperiment *self)
{
  g_return_val_if_fail (EM_IS_NEW_EXPERIMENT (self), NULL);
  return self->error;
}

const char *
em_new_experiment_get_report (EmNewExperiment *self)
{
  g_return_val_if_fail (EM_IS_NEW_EXPERIMENT (self), NULL);
  return self->report;
}

/* ---- file choosers ---------------------------------------------------- */

static void
on_chooser_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  EmNewExperiment *self = user_data;
  Field            field = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "field"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        set_field (self, field, path);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
on_choose_clicked (GtkButton *button, gpointer user_data)
{
  EmNewExperiment *self = user_data;
  Field            field = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "field"));
  gboolean folder = field == FIELD_FOLDER || field == FIELD_SEED_FITS || field == FIELD_SURVEY;
  GtkFileChooserNative *chooser;
  const char           *title = adw_preferences_row_get_title (
                ADW_PREFERENCES_ROW (gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ACTION_ROW)));

  chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                         folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                : GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _ ("_Choose"), _ ("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  if (field == FIELD_SEED_CSV || field == FIELD_SEED_LABELS)
    {
      GtkFileFilter *filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _ ("CSV files"));
      gtk_file_filter_add_suffix (filter, "csv");
      gtk_file_filter_add_mime_type (filter, "text/csv");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
      g_object_unref (filter);
    }
  else if (field == FIELD_POOL)
    {
      GtkFileFilter *filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _ ("Pools (FITS tables)"));
      gtk_file_filter_add_suffix (filter, "fits");
      gtk_file_filter_add_suffix (filter, "fit");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
      g_object_unref (filter);
    }
  if (field == FIELD_FOLDER && self->folder != NULL)
    {
      g_autoptr (GFile) current = g_file_new_for_path (self->folder);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), current, NULL);
    }
  g_object_set_data (G_OBJECT (chooser), "field", GINT_TO_POINTER (field));
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static AdwActionRow *
file_row_new (EmNewExperiment *self, AdwPreferencesGroup *group, const char *title, Field field)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_ ("C_hoose…"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _ ("None chosen"));
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  g_object_set_data (G_OBJECT (button), "field", GINT_TO_POINTER (field));
  g_signal_connect (button, "clicked", G_CALLBACK (on_choose_clicked), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  adw_preferences_group_add (group, row);
  return ADW_ACTION_ROW (row);
}

static AdwComboRow *
combo_row_new (AdwPreferencesGroup *group,
               const char          *title,
               const char          *subtitle,
               const char *const   *items,
               guint                selected)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr (GtkStringList) model = gtk_string_list_new (items);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
  adw_preferences_group_add (group, row);
  return ADW_COMBO_ROW (row);
}

static GtkSpinButton *
spin_row_new (AdwPreferencesGroup *group,
              const char          *title,
              const char          *subtitle,
              double               max,
              double               value)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (1, max, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  adw_preferences_group_add (group, row);
  return GTK_SPIN_BUTTON (spin);
}

/* ---- the work (a worker thread) ---------------------------------------- */

typedef struct
{
  EmNewExperiment *self; /* only its progress fields, under its lock */
  GMainContext    *context;
  char            *dir;
  char            *seed_csv;
  char            *seed_fits;
  char            *seed_labels;
  char            *pool;
  char            *survey;
  char           **classes;
  char           **targets;
  char            *preset;
  char            *strategy;
  guint            batch_size;
  guint            max_epochs;
  guint            n_threads;
  double           base; /* the part of the bar the current phase maps onto */
  double           scale;
  gboolean         made_dir;
  GString         *report; /* what was skipped, for the user */
} Job;

static void
job_free (Job *job)
{
  g_main_context_unref (job->context);
  g_free (job->dir);
  g_free (job->seed_csv);
  g_free (job->seed_fits);
  g_free (job->seed_labels);
  g_free (job->pool);
  g_free (job->survey);
  g_strfreev (job->classes);
  g_strfreev (job->targets);
  g_free (job->preset);
  g_free (job->strategy);
  g_string_free (job->report, TRUE);
  g_free (job);
}

static gboolean
progress_dispatch (gpointer data)
{
  EmNewExperiment *self = data;
  g_autofree char *message = NULL;
  g_autofree char *phase = NULL;
  double           fraction;

  g_mutex_lock (&self->lock);
  fraction = self->p_fraction;
  message = g_steal_pointer (&self->p_message);
  phase = g_steal_pointer (&self->p_phase);
  self->p_scheduled = FALSE;
  g_mutex_unlock (&self->lock);
  if (!self->busy)
    return G_SOURCE_REMOVE;
  if (phase != NULL)
    gtk_label_set_text (self->phase_label, phase);
  if (fraction >= 0)
    gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  else
    gtk_progress_bar_pulse (self->progress_bar);
  if (message != NULL)
    gtk_progress_bar_set_text (self->progress_bar, message);
  return G_SOURCE_REMOVE;
}

static void
job_post (Job *job, double fraction, const char *message, const char *phase)
{
  EmNewExperiment *self = job->self;
  gboolean         schedule;

  g_mutex_lock (&self->lock);
  self->p_fraction = fraction >= 0 ? job->base + job->scale * fraction : -1.0;
  if (message != NULL)
    {
      g_free (self->p_message);
      self->p_message = g_strdup (message);
    }
  if (phase != NULL)
    {
      g_free (self->p_phase);
      self->p_phase = g_strdup (phase);
    }
  schedule = !self->p_scheduled;
  self->p_scheduled = TRUE;
  g_mutex_unlock (&self->lock);
  if (schedule)
    em_tasks_post (job->context, progress_dispatch, g_object_ref (self), g_object_unref);
}

/* EmProgressFunc of the app layer. */
static void
job_progress (double fraction, const char *message, gpointer user_data)
{
  job_post (user_data, fraction, message, NULL);
}

static void
job_phase (Job *job, const char *phase, double base, double scale)
{
  job->base = base;
  job->scale = scale;
  job_post (job, 0.0, "", phase);
}

/* The first lines of an ingest failure report (path, reason, message). */
static void
quote_ingest_report (GString *out, const char *report_path)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint quoted = 0;

  if (!g_file_get_contents (report_path, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && quoted < REPORT_LINES; i++)
    {
      g_auto (GStrv) fields = NULL;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      fields = g_strsplit (lines[i], "\t", 3);
      if (g_strv_length (fields) < 3)
        continue;
      g_string_append_printf (out, "\n• %s: %s", fields[0], fields[2]);
      quoted++;
    }
}

static gboolean
job_make_folder (Job *job, GError **error)
{
  if (g_mkdir (job->dir, 0755) != 0)
    {
      int saved = errno;

      if (saved == EEXIST)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                     _ ("“%s” exists already; choose another name or folder"), job->dir);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                     _ ("Cannot create the experiment folder “%s”: %s"), job->dir,
                     g_strerror (saved));
      return FALSE;
    }
  job->made_dir = TRUE;
  return TRUE;
}

static gboolean
job_ingest (Job *job, const char *pool_path, GCancellable *cancellable, GError **error)
{
  const char     *sources[] = { job->survey, NULL };
  EmIngestOptions options;
  EmIngestSummary summary = { 0 };
  gboolean        ok;

  job_phase (job, _ ("Ingesting the survey into a new pool"), 0.0, job->seed_fits ? 0.75 : 0.9);
  em_ingest_options_init (&options);
  options.n_threads = job->n_threads;
  ok = em_ingest_run (pool_path, sources, &options, job_progress, job, cancellable, &summary,
                      error);
  if (ok && summary.failed > 0)
    {
      guint n = (guint)MIN (summary.failed, G_MAXUINT);

      if (job->report->len > 0)
        g_string_append (job->report, "\n\n");
      g_string_append_printf (job->report,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "%u file of the survey could not be ingested; the "
                                           "reasons are in %s.",
                                           "%u files of the survey could not be ingested; the "
                                           "reasons are in %s.",
                                           n),
                              n, summary.report_path);
      quote_ingest_report (job->report, summary.report_path);
    }
  if (ok && summary.rows == 0)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_FORMAT,
                   _ ("No spectrum of “%s” could be ingested (the reasons are in %s)"), job->survey,
                   summary.report_path);
      ok = FALSE;
    }
  em_ingest_summary_clear (&summary);
  return ok;
}

static gboolean
job_convert_seed (Job          *job,
                  const char   *pool_path,
                  const char   *seed_path,
                  GCancellable *cancellable,
                  GError      **error)
{
  g_autoptr (EmPool) pool = NULL;
  EmLabelledFitsSummary summary;
  EmPreprocessParams    params;
  gboolean              ok;

  job_phase (job, _ ("Reading the labelled spectra"), job->survey ? 0.75 : 0.0,
             job->survey ? 0.2 : 0.95);
  /* The seed spectra get the pool's own preprocessing. */
  pool = em_pool_open (pool_path, error);
  if (pool == NULL)
    return FALSE;
  em_pool_get_preprocess_params (pool, &params);
  ok = em_labelled_set_from_fits_folder (job->seed_fits, job->seed_labels, &params, seed_path,
                                         job_progress, job, cancellable, &summary, error);
  if (ok && summary.n_failed + summary.n_missing > 0)
    {
      guint n = summary.n_failed + summary.n_missing;

      if (job->report->len > 0)
        g_string_append (job->report, "\n\n");
      g_string_append_printf (job->report,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "%u labelled spectrum could not be used; the reasons "
                                           "are in %s.",
                                           "%u labelled spectra could not be used; the reasons "
                                           "are in %s.",
                                           n),
                              n, summary.report_path);
      for (guint i = 0; i < summary.problems->len && i < REPORT_LINES; i++)
        g_string_append_printf (job->report, "\n• %s", (const char *)summary.problems->pdata[i]);
    }
  em_labelled_fits_summary_clear (&summary);
  return ok;
}

static gboolean
job_run (Job *job, GCancellable *cancellable, GError **error)
{
  g_autofree char   *pool_path = NULL;
  g_autofree char   *seed_path = NULL;
  EmExperimentConfig config = { 0 };
  EmExperiment      *exp;

  if (!job_make_folder (job, error))
    return FALSE;
  pool_path
      = job->survey != NULL ? g_build_filename (job->dir, "pool.fits", NULL) : g_strdup (job->pool);
  seed_path = job->seed_fits != NULL ? g_build_filename (job->dir, "seed-set.csv", NULL)
                                     : g_strdup (job->seed_csv);
  if (job->survey != NULL && !job_ingest (job, pool_path, cancellable, error))
    return FALSE;
  if (job->seed_fits != NULL && !job_convert_seed (job, pool_path, seed_path, cancellable, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  job_phase (job, _ ("Creating the experiment"), 0.95, 0.05);
  job_progress (-1.0, _ ("Reading the seed set onto the pool’s grid"), job);
  config.seed_set_path = seed_path;
  config.pool_path = pool_path;
  config.classes = (const char *const *)job->classes;
  config.targets = (const char *const *)job->targets;
  config.batch_size = job->batch_size;
  config.strategy = job->strategy;
  config.preset = job->preset;
  config.max_epochs = job->max_epochs;
  config.dir_may_exist = TRUE;
  exp = em_experiment_create (job->dir, &config, error);
  if (exp == NULL)
    return FALSE;
  /* The window opens it for writing itself (one writer at a time). */
  em_experiment_close (exp);
  return TRUE;
}

static void
create_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job    *job = task_data;
  GError *error = NULL;

  if (job_run (job, cancellable, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* Nothing half-made stays behind: the folder this run made goes, with
   * the pool, seed set and experiment files it received. */
  if (job->made_dir)
    remove_tree (job->dir);
  g_task_return_error (task, error);
}

/* ---- Create, Cancel ------------------------------------------------------ */

static void
set_busy (EmNewExperiment *self, gboolean busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (self->form, !busy);
  gtk_widget_set_visible (self->progress_box, busy);
  gtk_button_set_label (self->cancel_button, _ ("_Cancel"));
  update_state (self);
}

static void
open_in_window (EmNewExperiment *self, const char *path)
{
  GtkWindow *window = self->opener;

  if (window == NULL)
    window = gtk_application_get_active_window (GTK_APPLICATION (self->application));
  /* A window busy with its own experiment (training, saving labels,
   * reading a precision sample) keeps it, as it would refuse to close it:
   * a new one opens. */
  if (window == NULL || !EM_IS_WINDOW (window) || em_window_is_busy (EM_WINDOW (window)))
    window = GTK_WINDOW (em_window_new (self->application));
  em_window_open_experiment (EM_WINDOW (window), path);
  gtk_window_present (window);
}

static void
on_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmNewExperiment *self = EM_NEW_EXPERIMENT (source);
  Job             *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          || g_error_matches (error, EM_POOL_ERROR, EM_POOL_ERROR_CANCELLED))
        show_error (self, _ ("Cancelled: nothing was created."));
      else
        show_error (self, error->message);
      if (self->close_when_done)
        gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  open_in_window (self, job->dir);
  if (job->report->len == 0 || self->close_when_done)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  /* Files were skipped: say which before the dialog goes. */
  g_free (self->report);
  self->report = g_strdup (job->report->str);
  gtk_label_set_text (self->report_label, self->report);
  gtk_stack_set_visible_child_name (self->stack, "report");
  gtk_widget_set_visible (GTK_WIDGET (self->create_button), FALSE);
  gtk_button_set_label (self->cancel_button, _ ("_Close"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "assistant.create", FALSE);
}

static void
action_create (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmNewExperiment *self = EM_NEW_EXPERIMENT (widget);
  g_autoptr (GTask) task = NULL;
  g_autofree char *name = dup_name (self);
  g_auto (GStrv) classes = split_list (gtk_editable_get_text (GTK_EDITABLE (self->classes_row)));
  g_auto (GStrv) targets = dup_targets (self);
  Job  *job;
  guint strategy = adw_combo_row_get_selected (self->strategy_row);
  guint preset = adw_combo_row_get_selected (self->preset_row);

  if (self->busy || self->folder == NULL || name[0] == '\0')
    return;
  /* What em_experiment_create would refuse, said before a long ingest. */
  if (g_strv_length (classes) < 2)
    {
      show_error (self, _ ("An experiment needs at least two classes."));
      return;
    }
  for (guint i = 0; classes[i] != NULL; i++)
    {
      g_autofree char *message = NULL;

      if (strpbrk (classes[i], "\"\n\r\t") != NULL)
        /* Translators: %s is a class name */
        message = g_strdup_printf (_ ("The class name “%s” holds a quote or a control "
                                      "character."),
                                   classes[i]);
      for (guint j = 0; message == NULL && j < i; j++)
        if (g_str_equal (classes[i], classes[j]))
          /* Translators: %s is a class name */
          message = g_strdup_printf (_ ("The class “%s” is given twice."), classes[i]);
      if (message != NULL)
        {
          show_error (self, message);
          return;
        }
    }
  if (targets[0] == NULL || g_strv_length (targets) == g_strv_length (classes))
    {
      show_error (self, _ ("At least one class must be a target and at least one must not."));
      return;
    }
  job = g_new0 (Job, 1);
  job->self = self;
  job->context = g_main_context_ref_thread_default ();
  job->dir = path_for (self->folder, name);
  if (g_file_test (job->dir, G_FILE_TEST_EXISTS))
    {
      g_autofree char *message
          = g_strdup_printf (_ ("“%s” exists already; choose another name or folder"), job->dir);

      show_error (self, message);
      job_free (job);
      return;
    }
  if (seed_is_fits (self))
    {
      job->seed_fits = g_strdup (self->seed_fits);
      job->seed_labels = g_strdup (self->seed_labels);
    }
  else
    job->seed_csv = g_strdup (self->seed_csv);
  if (pool_is_survey (self))
    job->survey = g_strdup (self->survey);
  else
    job->pool = g_strdup (self->pool);
  job->classes = g_steal_pointer (&classes);
  job->targets = g_steal_pointer (&targets);
  job->preset = g_strdup (preset_ids[MIN (preset, G_N_ELEMENTS (preset_ids) - 1)]);
  job->strategy = g_strdup (strategy_ids[MIN (strategy, G_N_ELEMENTS (strategy_ids) - 1)]);
  job->batch_size = (guint)gtk_spin_button_get_value_as_int (self->batch_spin);
  job->max_epochs = (guint)gtk_spin_button_get_value_as_int (self->epochs_spin);
  job->n_threads = self->n_threads;
  job->report = g_string_new (NULL);
  job->scale = 1.0;

  show_error (self, NULL);
  self->cancellable = g_cancellable_new ();
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_text (self->progress_bar, NULL);
  gtk_label_set_text (self->phase_label, _ ("Creating the experiment folder"));
  set_busy (self, TRUE);
  task = g_task_new (self, self->cancellable, on_created, NULL);
  g_task_set_source_tag (task, action_create);
  /* A Cancel that comes once the experiment exists is too late: it is
   * opened, not reported as cancelled (and not left behind unsaid). */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job, (GDestroyNotify)job_free);
  g_task_run_in_thread (task, create_thread);
}

static void
action_cancel (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmNewExperiment *self = EM_NEW_EXPERIMENT (widget);

  if (self->busy)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

/* Closing while the work runs cancels it; the dialog goes when the worker
 * has cleaned up (it holds the dialog until then anyway). */
static gboolean
em_new_experiment_close_request (GtkWindow *window)
{
  EmNewExperiment *self = EM_NEW_EXPERIMENT (window);

  if (!self->busy)
    return FALSE;
  self->close_when_done = TRUE;
  g_cancellable_cancel (self->cancellable);
  return TRUE;
}

/* ---- building --------------------------------------------------------- */

static char *
default_folder (void)
{
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);

  if (documents != NULL && g_file_test (documents, G_FILE_TEST_IS_DIR))
    return g_strdup (documents);
  return g_strdup (g_get_home_dir ());
}

/* "Experiment", else "Experiment 2", "Experiment 3", … (the first free). */
static char *
default_name (const char *folder)
{
  for (guint i = 1; i < 1000; i++)
    {
      /* Translators: the default name of a new experiment; %u counts from 2 */
      g_autofree char *name
          = i == 1 ? g_strdup (_ ("Experiment")) : g_strdup_printf (_ ("Experiment %u"), i);
      g_autofree char *path = path_for (folder, name);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&name);
    }
  return g_strdup (_ ("Experiment"));
}

static AdwPreferencesGroup *
group_new (AdwPreferencesPage *page, const char *title, const char *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  if (title != NULL)
    adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  adw_preferences_page_add (page, ADW_PREFERENCES_GROUP (group));
  return ADW_PREFERENCES_GROUP (group);
}

static void
build (EmNewExperiment *self, GSettings *settings)
{
  AdwPreferencesPage  *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *group;
  GtkWidget           *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget           *header = adw_header_bar_new ();
  GtkWidget           *create = gtk_button_new_with_mnemonic (_ ("C_reate"));
  GtkWidget           *cancel = gtk_button_new_with_mnemonic (_ ("_Cancel"));
  GtkWidget           *progress_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget           *report_page = adw_status_page_new ();
  GtkWidget           *report_label = gtk_label_new (NULL);
  GtkWidget           *report_scroll = gtk_scrolled_window_new ();
  GtkWidget           *stack = gtk_stack_new ();
  g_autofree char     *strategy = NULL;
  guint                strategy_index = 0;
  double               batch = 100;
  const char          *seed_kinds[]
      = { _ ("Ondřejov-layout CSV"), _ ("FITS spectra and a labels CSV"), NULL };
  const char *pool_kinds[] = { _ ("Existing pool"), _ ("Ingest a survey folder"), NULL };
  const char *presets[]
      = { _ ("Reference CNN (the method’s)"), _ ("Small (fast, for trying out)"), NULL };
  const char *strategies[] = { _ ("Entropy"),
                               _ ("Margin"),
                               _ ("Least confidence"),
                               _ ("Random"),
                               _ ("BALD (Monte Carlo dropout)"),
                               NULL };

  if (settings != NULL)
    {
      strategy = g_settings_get_string (settings, "query-strategy");
      batch = g_settings_get_int (settings, "batch-size");
      self->n_threads = (guint)MAX (0, g_settings_get_int (settings, "worker-threads"));
    }
  for (guint i = 0; strategy != NULL && i < G_N_ELEMENTS (strategy_ids); i++)
    if (g_str_equal (strategy, strategy_ids[i]))
      strategy_index = i;

  gtk_window_set_title (GTK_WINDOW (self), _ ("New Experiment"));
  gtk_window_set_default_size (GTK_WINDOW (self), 620, 760);

  /* header: Cancel … Create */
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "assistant.cancel");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (create), "assistant.create");
  gtk_widget_add_css_class (create, "suggested-action");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), create);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  self->create_button = GTK_BUTTON (create);
  self->cancel_button = GTK_BUTTON (cancel);
  gtk_box_append (GTK_BOX (box), header);

  /* Errors and progress between the header and the form, where they are
   * seen however far the form is scrolled. */
  self->error_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_margin_start (self->error_box, 24);
  gtk_widget_set_margin_end (self->error_box, 24);
  gtk_widget_set_margin_top (self->error_box, 12);
  gtk_widget_set_margin_bottom (self->error_box, 6);
  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_label_set_wrap_mode (self->error_label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (self->error_label, 0.0);
  gtk_label_set_selectable (self->error_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_box_append (GTK_BOX (self->error_box), GTK_WIDGET (self->error_label));
  gtk_widget_set_visible (self->error_box, FALSE);
  gtk_box_append (GTK_BOX (box), self->error_box);

  /* name and folder */
  group = group_new (page, _ ("Experiment"), NULL);
  self->name_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->name_row), _ ("Name"));
  /* Enter in the name creates, as in other GNOME dialogs */
  adw_entry_row_set_activates_default (self->name_row, TRUE);
  adw_preferences_group_add (group, GTK_WIDGET (self->name_row));
  self->folder_row = file_row_new (self, group, _ ("Folder"), FIELD_FOLDER);
  self->path_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->path_row), _ ("Will be created as"));
  adw_action_row_set_subtitle_lines (self->path_row, 3);
  adw_preferences_group_add (group, GTK_WIDGET (self->path_row));

  /* the labelled seed set */
  group = group_new (page, _ ("Labelled Seed Set"),
                     _ ("The spectra the first network learns from. A labels CSV for FITS "
                        "spectra has rows “id,label”, the id being the file name without "
                        "“.fits” (e.g. spec-55859-F5902_sp01-001)."));
  self->seed_kind_row = combo_row_new (group, _ ("Source"), NULL, seed_kinds, 0);
  self->seed_csv_row = file_row_new (self, group, _ ("Seed set CSV"), FIELD_SEED_CSV);
  self->seed_fits_row = file_row_new (self, group, _ ("Folder of FITS spectra"), FIELD_SEED_FITS);
  self->seed_labels_row = file_row_new (self, group, _ ("Labels CSV"), FIELD_SEED_LABELS);

  /* the pool */
  group = group_new (page, _ ("Pool"),
                     _ ("The unlabelled survey spectra to search. A survey folder is ingested "
                        "into a new pool inside the experiment folder."));
  self->pool_kind_row = combo_row_new (group, _ ("Source"), NULL, pool_kinds, 0);
  self->pool_row = file_row_new (self, group, _ ("Pool file"), FIELD_POOL);
  self->survey_row = file_row_new (self, group, _ ("Survey folder"), FIELD_SURVEY);

  /* classes and targets */
  group = group_new (page, _ ("Classes"), _ ("Separated by commas, in the network’s order."));
  self->classes_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->classes_row), _ ("Classes"));
  gtk_editable_set_text (GTK_EDITABLE (self->classes_row), "absorption, emission, double-peak");
  adw_preferences_group_add (group, GTK_WIDGET (self->classes_row));
  self->targets_group = group_new (page, _ ("Targets"),
                                   _ ("The classes searched for: their predictions and labels "
                                      "make the candidates."));

  /* learning */
  group = group_new (page, _ ("Learning"), NULL);
  self->preset_row = combo_row_new (group, _ ("Network"), NULL, presets, 0);
  self->strategy_row
      = combo_row_new (group, _ ("Query strategy"), _ ("How the spectra to label are chosen"),
                       strategies, strategy_index);
  self->batch_spin
      = spin_row_new (group, _ ("Batch size"), _ ("Spectra to label per iteration"), 100000, batch);
  self->epochs_spin = spin_row_new (group, _ ("Maximum epochs"),
                                    _ ("Per training, with early stopping"), 1000, 30);

  /* progress of the work */
  self->progress_box = progress_box;
  gtk_widget_set_margin_start (progress_box, 24);
  gtk_widget_set_margin_end (progress_box, 24);
  gtk_widget_set_margin_top (progress_box, 12);
  gtk_widget_set_margin_bottom (progress_box, 12);
  self->phase_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->phase_label, 0.0);
  gtk_label_set_wrap (self->phase_label, TRUE);
  self->progress_bar = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_progress_bar_set_show_text (self->progress_bar, TRUE);
  gtk_progress_bar_set_ellipsize (self->progress_bar, PANGO_ELLIPSIZE_END);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress_bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Progress"), -1);
  gtk_box_append (GTK_BOX (progress_box), GTK_WIDGET (self->phase_label));
  gtk_box_append (GTK_BOX (progress_box), GTK_WIDGET (self->progress_bar));
  gtk_widget_set_visible (progress_box, FALSE);
  gtk_box_insert_child_after (GTK_BOX (box), progress_box, self->error_box);

  /* the report after a Create that skipped files */
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (report_page), "emblem-ok-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (report_page), _ ("Experiment Created"));
  adw_status_page_set_description (ADW_STATUS_PAGE (report_page),
                                   _ ("It opens in the main window. Some files were left out:"));
  gtk_label_set_wrap (GTK_LABEL (report_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (report_label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (report_label), 0.0);
  gtk_label_set_selectable (GTK_LABEL (report_label), TRUE);
  gtk_widget_set_margin_start (report_label, 24);
  gtk_widget_set_margin_end (report_label, 24);
  self->report_label = GTK_LABEL (report_label);
  self->report_page = ADW_STATUS_PAGE (report_page);
  adw_status_page_set_child (ADW_STATUS_PAGE (report_page), report_label);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (report_scroll), report_page);

  self->form = GTK_WIDGET (page);
  gtk_widget_set_vexpand (stack, TRUE);
  gtk_stack_add_named (GTK_STACK (stack), GTK_WIDGET (page), "form");
  gtk_stack_add_named (GTK_STACK (stack), report_scroll, "report");
  self->stack = GTK_STACK (stack);
  gtk_box_append (GTK_BOX (box), stack);
  adw_window_set_content (ADW_WINDOW (self), box);
  gtk_window_set_default_widget (GTK_WINDOW (self), create);

  self->folder = default_folder ();
  set_row_path (self->folder_row, self->folder);
  {
    g_autofree char *name = default_name (self->folder);

    gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
  }
  rebuild_targets (self);
  g_signal_connect (self->name_row, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect (self->classes_row, "changed", G_CALLBACK (on_classes_changed), self);
  g_signal_connect (self->seed_kind_row, "notify::selected", G_CALLBACK (on_notify), self);
  g_signal_connect (self->pool_kind_row, "notify::selected", G_CALLBACK (on_notify), self);
  update_state (self);
}

/* ---- GObject ---------------------------------------------------------- */

static void
em_new_experiment_dispose (GObject *object)
{
  EmNewExperiment *self = EM_NEW_EXPERIMENT (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_weak_pointer (&self->opener);
  g_clear_object (&self->application);
  G_OBJECT_CLASS (em_new_experiment_parent_class)->dispose (object);
}

static void
em_new_experiment_finalize (GObject *object)
{
  EmNewExperiment *self = EM_NEW_EXPERIMENT (object);

  g_free (self->folder);
  g_free (self->seed_csv);
  g_free (self->seed_fits);
  g_free (self->seed_labels);
  g_free (self->pool);
  g_free (self->survey);
  g_free (self->error);
  g_free (self->report);
  g_free (self->p_message);
  g_free (self->p_phase);
  g_mutex_clear (&self->lock);
  g_ptr_array_unref (self->target_rows);
  g_hash_table_unref (self->target_state);
  G_OBJECT_CLASS (em_new_experiment_parent_class)->finalize (object);
}

static void
em_new_experiment_class_init (EmNewExperimentClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = em_new_experiment_dispose;
  object_class->finalize = em_new_experiment_finalize;
  window_class->close_request = em_new_experiment_close_request;
  gtk_widget_class_install_action (widget_class, "assistant.create", NULL, action_create);
  gtk_widget_class_install_action (widget_class, "assistant.cancel", NULL, action_cancel);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "assistant.cancel", NULL);
}

static void
em_new_experiment_init (EmNewExperiment *self)
{
  g_mutex_init (&self->lock);
  self->target_rows = g_ptr_array_new ();
  self->target_state = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

EmNewExperiment *
em_new_experiment_new (EmApplication *application, GtkWindow *parent)
{
  EmNewExperiment *self;

  g_return_val_if_fail (EM_IS_APPLICATION (application), NULL);
  self = g_object_new (EM_TYPE_NEW_EXPERIMENT, "modal", parent != NULL, "transient-for", parent,
                       NULL);
  self->application = g_object_ref (application);
  g_set_weak_pointer (&self->opener, parent);
  gtk_window_set_application (GTK_WINDOW (self), GTK_APPLICATION (application));
  build (self, em_application_get_settings (application));
  return self;
}
