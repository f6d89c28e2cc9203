/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The start page of the main window: the recent experiments, each with
 * its pool, iterations, labels, candidates and when it was last opened
 * (read in worker threads from a read-only handle), and the buttons to
 * make, open or copy one.  Everything it does goes through actions of
 * the window (win.open-experiment, win.rename-experiment, …) or of the
 * application (app.new-experiment), so the window decides what is
 * allowed while it trains or writes. */
#include "em-config.h"

#include <glib/gi18n.h>

#include "app/em-experiment-folder.h"
#include "app/em-experiment.h"
#include "gui/em-recent.h"
#include "gui/em-start-view.h"

struct _EmStartView
{
  GtkBox parent_instance;

  GSettings    *settings;
  GtkLabel     *message;
  GtkListBox   *list;
  GtkWidget    *duplicate_button;
  GPtrArray    *rows; /* AdwActionRow, in list order */
  GCancellable *cancellable;
  guint         pending;
  char         *current; /* the experiment open in the window, or NULL */
};

G_DEFINE_FINAL_TYPE (EmStartView, em_start_view, GTK_TYPE_BOX)

/* What a worker thread found about one experiment. */
typedef struct
{
  gboolean           missing;
  char              *error; /* NULL when read */
  char              *pool;
  EmExperimentCounts counts;
} RowInfo;

static void
row_info_free (RowInfo *info)
{
  g_free (info->error);
  g_free (info->pool);
  g_free (info);
}

static void
read_info_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *path = task_data;
  RowInfo    *info = g_new0 (RowInfo, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (EmExperiment) exp = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    info->missing = TRUE;
  else if ((exp = em_experiment_open_read_only (path, &error)) == NULL
           || !em_experiment_get_counts (exp, &info->counts, &error))
    info->error = g_strdup (error->message);
  else if (em_experiment_get_pool_path (exp) != NULL)
    info->pool = g_path_get_basename (em_experiment_get_pool_path (exp));
  g_task_return_pointer (task, info, (GDestroyNotify)row_info_free);
}

static char *
format_opened (gint64 when)
{
  g_autoptr (GDateTime) time = NULL;
  g_autofree char *text = NULL;

  if (when <= 0)
    return g_strdup (_ ("never opened"));
  time = g_date_time_new_from_unix_local (when);
  if (time == NULL)
    return g_strdup (_ ("never opened"));
  text = g_date_time_format (time, "%Y-%m-%d %H:%M");
  /* Translators: %s is a date and time */
  return g_strdup_printf (_ ("opened %s"), text);
}

static void
set_row_icon (AdwActionRow *row, const char *icon_name)
{
  GtkWidget *icon = g_object_get_data (G_OBJECT (row), "em-icon");

  gtk_image_set_from_icon_name (GTK_IMAGE (icon), icon_name);
}

static void
on_info_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AdwActionRow *row = user_data;
  g_autoptr (GError) error = NULL;
  RowInfo         *info = g_task_propagate_pointer (G_TASK (result), &error);
  EmStartView     *self;
  const char      *path;
  g_autofree char *opened = NULL;
  g_autofree char *text = NULL;

  if (info == NULL) /* cancelled: the row is gone or going */
    {
      g_object_unref (row);
      return;
    }
  self = EM_START_VIEW (source);
  self->pending--;
  path = g_object_get_data (G_OBJECT (row), "em-path");
  if (info->missing)
    {
      /* Translators: a recent experiment whose folder is gone */
      text = g_strdup_printf (_ ("Missing: %s does not exist"), path);
      set_row_icon (row, "dialog-warning-symbolic");
    }
  else if (info->error != NULL)
    {
      /* Translators: a recent experiment that cannot be read; %s says why */
      text = g_strdup_printf (_ ("Cannot be read: %s"), info->error);
      set_row_icon (row, "dialog-warning-symbolic");
    }
  else
    {
      guint labels
          = info->counts.seed_labels + info->counts.oracle_labels + info->counts.import_labels;
      g_autofree char *pool = NULL;
      g_autofree char *iterations = NULL;
      g_autofree char *n_labels = NULL;
      g_autofree char *candidates = NULL;

      opened = format_opened (em_recent_get_opened (self->settings, path));
      /* Translators: %s is the file name of the experiment's pool */
      pool = info->pool != NULL ? g_strdup_printf (_ ("pool %s"), info->pool)
                                : g_strdup (_ ("no pool"));
      iterations = g_strdup_printf (
          g_dngettext (GETTEXT_PACKAGE, "%u iteration", "%u iterations", info->counts.iterations),
          info->counts.iterations);
      n_labels = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u label", "%u labels", labels),
                                  labels);
      candidates = g_strdup_printf (
          g_dngettext (GETTEXT_PACKAGE, "%u candidate", "%u candidates", info->counts.candidates),
          info->counts.candidates);
      /* Translators: a recent experiment's summary: pool, iterations,
       * labels, candidates, when it was last opened */
      text = g_strdup_printf (_ ("%s · %s · %s · %s · %s"), pool, iterations, n_labels, candidates,
                              opened);
      set_row_icon (row, "folder-symbolic");
    }
  adw_action_row_set_subtitle (row, text);
  row_info_free (info);
  g_object_unref (row);
}

static GMenuModel *
row_menu (const char *path)
{
  GMenu *menu = g_menu_new ();
  static const struct
  {
    const char *label;
    const char *action;
  } items[] = {
    { N_ ("_Rename…"), "win.rename-experiment" },
    { N_ ("D_uplicate…"), "win.duplicate-experiment" },
    { N_ ("_Delete…"), "win.delete-experiment" },
    { N_ ("Remove From _List"), "win.forget-experiment" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (_ (items[i].label), NULL);

      g_menu_item_set_action_and_target_value (item, items[i].action, g_variant_new_string (path));
      g_menu_append_item (menu, item);
    }
  return G_MENU_MODEL (menu);
}

static GtkWidget *
make_row (EmStartView *self, const char *path)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("folder-symbolic");
  GtkWidget *menu_button = gtk_menu_button_new ();
  GtkWidget *current;
  g_autoptr (GMenuModel) menu = row_menu (path);
  g_autofree char *name = em_experiment_name_from_dir (path);
  g_autofree char *a11y = NULL;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _ ("Reading…"));
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_widget_set_tooltip_text (row, path);
  g_object_set_data_full (G_OBJECT (row), "em-path", g_strdup (path), g_free);
  g_object_set_data (G_OBJECT (row), "em-icon", icon);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  /* Which one this window has open: activating it goes back to it. */
  current = gtk_image_new_from_icon_name ("object-select-symbolic");
  gtk_widget_set_tooltip_text (current, _ ("Open in this window"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (current), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Open in this window"), -1);
  gtk_widget_set_visible (current, g_strcmp0 (path, self->current) == 0);
  g_object_set_data (G_OBJECT (row), "em-current", current);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), current);

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), menu);
  gtk_widget_set_valign (menu_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (menu_button, "flat");
  /* Translators: %s is an experiment's name */
  a11y = g_strdup_printf (_ ("Actions for “%s”"), name);
  gtk_widget_set_tooltip_text (menu_button, a11y);
  gtk_accessible_update_property (GTK_ACCESSIBLE (menu_button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), menu_button);
  return row;
}

static void
clear_rows (EmStartView *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->pending = 0;
  for (guint i = 0; i < self->rows->len; i++)
    gtk_list_box_remove (self->list, g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
}

/* Rebuilds the list from the settings and reads every experiment anew
 * (counts change while one is labelled). */
void
em_start_view_reload (EmStartView *self)
{
  g_auto (GStrv) recent = NULL;

  g_return_if_fail (EM_IS_START_VIEW (self));

  clear_rows (self);
  self->cancellable = g_cancellable_new ();
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->duplicate_button), "s", "");
  if (self->settings == NULL)
    return;
  recent = g_settings_get_strv (self->settings, "recent-experiments");
  for (guint i = 0; recent[i] != NULL; i++)
    {
      GtkWidget *row = make_row (self, recent[i]);
      g_autoptr (GTask) task = NULL;

      gtk_list_box_append (self->list, row);
      g_ptr_array_add (self->rows, row);
      task = g_task_new (self, self->cancellable, on_info_read, g_object_ref (row));
      g_task_set_source_tag (task, em_start_view_reload);
      g_task_set_return_on_cancel (task, TRUE);
      g_task_set_task_data (task, g_strdup (recent[i]), g_free);
      self->pending++;
      g_task_run_in_thread (task, read_info_thread);
    }
}

static void
on_row_activated (GtkListBox *list, GtkListBoxRow *row, EmStartView *self)
{
  const char *path = g_object_get_data (G_OBJECT (row), "em-path");

  if (path != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.open-experiment", "s", path);
}

/* "Duplicate…" copies the selected experiment ("" when none: the one
 * open in the window). */
static void
on_row_selected (GtkListBox *list, GtkListBoxRow *row, EmStartView *self)
{
  const char *path = row != NULL ? g_object_get_data (G_OBJECT (row), "em-path") : NULL;

  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->duplicate_button), "s",
                                    path != NULL ? path : "");
}

static void
on_recent_changed (EmStartView *self)
{
  em_start_view_reload (self);
}

void
em_start_view_set_settings (EmStartView *self, GSettings *settings)
{
  g_return_if_fail (EM_IS_START_VIEW (self));

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  if (settings != NULL)
    g_signal_connect_swapped (settings, "changed::recent-experiments",
                              G_CALLBACK (on_recent_changed), self);
  em_start_view_reload (self);
}

/* Marks the row of @path (NULL: none) as the experiment open in the
 * window. */
void
em_start_view_set_current (EmStartView *self, const char *path)
{
  g_return_if_fail (EM_IS_START_VIEW (self));

  g_free (self->current);
  self->current = g_strdup (path);
  for (guint i = 0; i < self->rows->len; i++)
    {
      GObject *row = g_ptr_array_index (self->rows, i);

      gtk_widget_set_visible (g_object_get_data (row, "em-current"),
                              g_strcmp0 (g_object_get_data (row, "em-path"), path) == 0);
    }
}

/* Whether row @index is marked as open in the window (tests). */
gboolean
em_start_view_row_is_current (EmStartView *self, guint index)
{
  GtkListBoxRow *row = em_start_view_get_row (self, index);

  return row != NULL && gtk_widget_get_visible (g_object_get_data (G_OBJECT (row), "em-current"));
}

/* A line above the list (why the last experiment did not open); NULL
 * hides it. */
void
em_start_view_set_message (EmStartView *self, const char *message)
{
  g_return_if_fail (EM_IS_START_VIEW (self));
  gtk_label_set_text (self->message, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message), message != NULL && message[0] != '\0');
}

const char *
em_start_view_get_message (EmStartView *self)
{
  g_return_val_if_fail (EM_IS_START_VIEW (self), NULL);
  return gtk_label_get_text (self->message);
}

/* Whether experiments are still being read (tests). */
gboolean
em_start_view_is_loading (EmStartView *self)
{
  g_return_val_if_fail (EM_IS_START_VIEW (self), FALSE);
  return self->pending > 0;
}

guint
em_start_view_get_n_rows (EmStartView *self)
{
  g_return_val_if_fail (EM_IS_START_VIEW (self), 0);
  return self->rows->len;
}

GtkListBoxRow *
em_start_view_get_row (EmStartView *self, guint index)
{
  g_return_val_if_fail (EM_IS_START_VIEW (self), NULL);
  return index < self->rows->len ? g_ptr_array_index (self->rows, index) : NULL;
}

const char *
em_start_view_get_row_path (EmStartView *self, guint index)
{
  GtkListBoxRow *row = em_start_view_get_row (self, index);

  return row != NULL ? g_object_get_data (G_OBJECT (row), "em-path") : NULL;
}

/* "title\nsubtitle" of a row (tests). */
char *
em_start_view_dup_row_text (EmStartView *self, guint index)
{
  GtkListBoxRow *row = em_start_view_get_row (self, index);

  if (row == NULL)
    return NULL;
  return g_strdup_printf ("%s\n%s", adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                          adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
}

static GtkWidget *
button (const char *label, const char *action, const char *tooltip)
{
  GtkWidget *b = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  gtk_widget_set_tooltip_text (b, tooltip);
  return b;
}

static void
em_start_view_dispose (GObject *object)
{
  EmStartView *self = EM_START_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (em_start_view_parent_class)->dispose (object);
}

static void
em_start_view_finalize (GObject *object)
{
  EmStartView *self = EM_START_VIEW (object);

  g_ptr_array_unref (self->rows);
  g_free (self->current);
  G_OBJECT_CLASS (em_start_view_parent_class)->finalize (object);
}

static void
em_start_view_class_init (EmStartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = em_start_view_dispose;
  object_class->finalize = em_start_view_finalize;
}

static void
em_start_view_init (EmStartView *self)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *title = gtk_label_new (_ ("Experiments"));
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *placeholder = gtk_label_new (_ ("No recent experiments: make a new one or open one"));
  GtkWidget *new_button;

  self->rows = g_ptr_array_new ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);

  gtk_widget_add_css_class (title, "title-2");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_box_append (GTK_BOX (content), title);

  self->message = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->message, TRUE);
  gtk_label_set_xalign (self->message, 0);
  gtk_label_set_selectable (self->message, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->message), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->message), FALSE);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->message));

  new_button = button (_ ("_New…"), "app.new-experiment",
                       _ ("Make a new experiment from a seed set and a pool"));
  gtk_widget_add_css_class (new_button, "suggested-action");
  gtk_box_append (GTK_BOX (buttons), new_button);
  gtk_box_append (GTK_BOX (buttons), button (_ ("_Open…"), "win.choose-experiment",
                                             _ ("Open an experiment folder (NAME.emissary)")));
  self->duplicate_button = button (_ ("_Duplicate…"), "win.duplicate-experiment",
                                   _ ("Copy the selected experiment to a new name"));
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->duplicate_button), "s", "");
  gtk_box_append (GTK_BOX (buttons), self->duplicate_button);
  gtk_box_append (GTK_BOX (content), buttons);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_SINGLE);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 24);
  gtk_widget_set_margin_bottom (placeholder, 24);
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_list_box_set_placeholder (self->list, placeholder);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Recent experiments"), -1);
  g_signal_connect (self->list, "row-activated", G_CALLBACK (on_row_activated), self);
  g_signal_connect (self->list, "row-selected", G_CALLBACK (on_row_selected), self);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->list));

  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  gtk_widget_set_margin_top (content, 24);
  gtk_widget_set_margin_bottom (content, 24);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 760);
  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (self), scrolled);
}

GtkWidget *
em_start_view_new (void)
{
  return g_object_new (EM_TYPE_START_VIEW, NULL);
}
