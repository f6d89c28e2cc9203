/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "gui/em-candidates-view.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>

#include "app/em-pool.h"
#include "gui/em-tasks.h"
#include "vo/em-samp-messages.h"
#include "vo/em-simbad.h"
#include "vo/em-votable.h"

/* ---- one row ------------------------------------------------------------ */

/* A candidate with what the view adds to it: the SIMBAD status once
 * cross-matched.  Private to the view: cells and sorters read the fields. */
#define EM_TYPE_CANDIDATE_ROW (em_candidate_row_get_type ())
G_DECLARE_FINAL_TYPE (EmCandidateRow, em_candidate_row, EM, CANDIDATE_ROW, GObject)

struct _EmCandidateRow
{
  GObject      parent_instance;
  EmCandidate *c;
  char        *class_name;  /* predicted class, or the label's when not predicted */
  double       probability; /* of the predicted class; NAN if none */
  char        *simbad;      /* NULL before a cross-match */
};

G_DEFINE_FINAL_TYPE (EmCandidateRow, em_candidate_row, G_TYPE_OBJECT)

static void
em_candidate_row_finalize (GObject *object)
{
  EmCandidateRow *self = EM_CANDIDATE_ROW (object);

  g_clear_pointer (&self->c, em_candidate_free);
  g_free (self->class_name);
  g_free (self->simbad);
  G_OBJECT_CLASS (em_candidate_row_parent_class)->finalize (object);
}

static void
em_candidate_row_class_init (EmCandidateRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = em_candidate_row_finalize;
}

static void
em_candidate_row_init (EmCandidateRow *self)
{
  self->probability = NAN;
}

static const char *
row_source (EmCandidateRow *row)
{
  if (row->c->label == NULL)
    return _ ("network");
  switch (row->c->label_source)
    {
    case EM_LABEL_SOURCE_SEED:
      return _ ("seed");
    case EM_LABEL_SOURCE_IMPORT:
      return _ ("import");
    case EM_LABEL_SOURCE_ORACLE:
    default:
      return _ ("oracle");
    }
}

static const char *
simbad_text (const char *klass)
{
  if (klass == NULL)
    return "";
  if (g_str_equal (klass, "emission"))
    return _ ("known emission-line object");
  if (g_str_equal (klass, "emission-candidate"))
    return _ ("known emission-line candidate");
  if (g_str_equal (klass, "other"))
    return _ ("other known object");
  if (g_str_equal (klass, "none"))
    return _ ("unknown");
  return _ ("no position");
}

/* ---- the view ----------------------------------------------------------- */

typedef enum
{
  COL_ID,
  COL_DESIGNATION,
  COL_RA,
  COL_DEC,
  COL_CLASS,
  COL_PROBABILITY,
  COL_LABEL,
  COL_SOURCE,
  COL_SIMBAD,
  N_COLUMNS
} Column;

static const char *const column_keys[N_COLUMNS]
    = { "id", "designation", "ra", "dec", "class", "probability", "label", "source", "simbad" };

struct _EmCandidatesView
{
  AdwWindow parent_instance;

  char         *dir;
  EmExperiment *exp;  /* own read-only handle; used in one task at a time */
  EmPool       *pool; /* thread-safe reads */
  GStrv         classes;
  GCancellable *cancellable;
  gboolean      busy;
  char         *simbad_url;
  double        simbad_radius;
  char         *status;
  EmSampClient *samp;
  char         *table_id; /* SAMP table id of the catalogue as last sent */

  GListStore         *store;
  GtkFilterListModel *filtered;
  GtkSortListModel   *sorted;
  GtkSingleSelection *selection;
  GtkCustomFilter    *filter;
  int                 class_filter;
  char               *search;

  GtkColumnView       *column_view;
  GtkColumnViewColumn *columns[N_COLUMNS];
  GtkSearchEntry      *search_entry;
  GtkDropDown         *class_dropdown;
  GtkLabel            *status_label;
  GtkProgressBar      *progress;
  GtkButton           *cancel_button;
  GtkDropDown         *relabel_dropdown;
  EmSpectrumPlot      *plot;
  GtkLabel            *spectrum_note; /* why only the pool's window is shown */
  char                *hips_survey;   /* what Aladin shows around a candidate */
};

G_DEFINE_FINAL_TYPE (EmCandidatesView, em_candidates_view, ADW_TYPE_WINDOW)

static void
set_status (EmCandidatesView *self, const char *text)
{
  g_free (self->status);
  self->status = g_strdup (text);
  gtk_label_set_text (self->status_label, text);
}

static void
set_busy (EmCandidatesView *self, gboolean busy)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->progress), busy);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), busy);
  gtk_progress_bar_set_fraction (self->progress, 0.0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "candidates.export", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "candidates.crossmatch", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "candidates.cancel", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "candidates.refresh", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "candidates.send-topcat",
                                 !busy && self->samp != NULL
                                     && em_samp_client_get_connected (self->samp));
  {
    EmCandidateRow *row
        = self->selection != NULL ? gtk_single_selection_get_selected_item (self->selection) : NULL;

    gtk_widget_action_set_enabled (GTK_WIDGET (self), "candidates.show-in-aladin",
                                   row != NULL && isfinite (row->c->ra) && isfinite (row->c->dec)
                                       && self->samp != NULL
                                       && em_samp_client_get_connected (self->samp));
  }
}

/* ---- loading ------------------------------------------------------------ */

typedef struct
{
  EmExperiment *exp;
  EmPool       *pool;
  GStrv         classes;
  GPtrArray    *rows;
} LoadResult;

static void
load_result_free (LoadResult *r)
{
  g_clear_pointer (&r->exp, em_experiment_close);
  g_clear_pointer (&r->pool, em_pool_unref);
  g_strfreev (r->classes);
  g_clear_pointer (&r->rows, g_ptr_array_unref);
  g_free (r);
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *dir = task_data;
  LoadResult *r = g_new0 (LoadResult, 1);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GStrvBuilder) classes = g_strv_builder_new ();
  GError *error = NULL;
  guint   n_classes;

  EmCandidatesView *self = source;
  EmExperiment     *exp = self->exp; /* a refresh: the handle opened before */

  if (exp == NULL)
    {
      r->exp = em_experiment_open_read_only (dir, &error);
      if (r->exp != NULL)
        r->pool = em_pool_open (em_experiment_get_pool_path (r->exp), &error);
      exp = r->pool != NULL ? r->exp : NULL;
    }
  if (exp != NULL)
    list = em_candidates_list (exp, &error);
  if (list == NULL)
    {
      load_result_free (r);
      g_task_return_error (task, error);
      return;
    }
  n_classes = em_experiment_get_n_classes (exp);
  for (guint k = 0; k < n_classes; k++)
    g_strv_builder_add (classes, em_experiment_get_class (exp, k));
  r->classes = g_strv_builder_end (classes);
  r->rows = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < list->len; i++)
    {
      EmCandidateRow *row = g_object_new (EM_TYPE_CANDIDATE_ROW, NULL);
      EmCandidate    *c = list->pdata[i];
      int             k = c->predicted_class;

      list->pdata[i] = NULL; /* the row owns it now */
      row->c = c;
      if (k >= 0 && (guint)k < n_classes)
        {
          row->class_name = g_strdup (r->classes[k]);
          if (c->probabilities != NULL)
            row->probability = c->probabilities[k];
        }
      else if (c->label != NULL)
        row->class_name = g_strdup (c->label);
      g_ptr_array_add (r->rows, row);
    }
  g_ptr_array_set_free_func (list, (GDestroyNotify)em_candidate_free);
  g_task_return_pointer (task, r, (GDestroyNotify)load_result_free);
}

static void
on_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmCandidatesView *self = EM_CANDIDATES_VIEW (source);
  g_autoptr (GError) error = NULL;
  LoadResult *r = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr (GtkStringList) names = NULL;
  g_autofree char *text = NULL;

  set_busy (self, FALSE);
  if (r == NULL)
    {
      text = g_strdup_printf (_ ("Cannot list the candidates of “%s”: %s"), self->dir,
                              error->message);
      set_status (self, text);
      return;
    }
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       r->rows->pdata, r->rows->len);
  text = g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "%u candidate", "%u candidates", r->rows->len), r->rows->len);
  set_status (self, text);
  if (self->exp != NULL)
    {
      /* a refresh: the class scheme is the experiment's, unchanged */
      load_result_free (r);
      return;
    }
  self->exp = g_steal_pointer (&r->exp);
  self->pool = g_steal_pointer (&r->pool);
  self->classes = g_steal_pointer (&r->classes);
  names = gtk_string_list_new (NULL);
  gtk_string_list_append (names, _ ("All classes"));
  for (guint k = 0; self->classes[k] != NULL; k++)
    gtk_string_list_append (names, self->classes[k]);
  gtk_drop_down_set_model (self->class_dropdown, G_LIST_MODEL (names));
  {
    g_autoptr (GtkStringList) labels = gtk_string_list_new ((const char *const *)self->classes);

    gtk_drop_down_set_model (self->relabel_dropdown, G_LIST_MODEL (labels));
  }
  load_result_free (r);
}

/* Lists the candidates again (after labels or an iteration). */
static void
action_refresh (GtkWidget *widget, const char *name, GVariant *parameter)
{
  EmCandidatesView *self = EM_CANDIDATES_VIEW (widget);
  g_autoptr (GTask) task = NULL;

  if (self->busy || self->exp == NULL)
    return;
  /* after a cancelled cross-match */
  g_cancellable_reset (self->cancellable);
  set_busy (self, TRUE);
  gtk_progress_bar_pulse (self->progress);
  set_status (self, _ ("Listing the candidates…"));
  task = g_task_new (self, self->cancellable, on_loaded, NULL);
  g_task_set_task_data (task, g_strdup (self->dir), g_free);
  g_task_run_in_thread (task, load_thread);
}

/* ---- filtering and sorting ---------------------------------------------- */

static gboolean
row_matches (gpointer item, gpointer user_data)
{
  EmCandidatesView *self = user_data;
  EmCandidateRow   *row = item;

  if (self->class_filter >= 0
      && (self->classes == NULL || row->class_name == NULL
          || g_strcmp0 (row->class_name, self->classes[self->class_filter]) != 0))
    return FALSE;
  if (self->search != NULL && self->search[0] != '\0')
    {
      g_autofree char *id = g_utf8_casefold (row->c->spectrum_id, -1);
      g_autofree char *des
          = row->c->designation != NULL ? g_utf8_casefold (row->c->designation, -1) : NULL;

      return strstr (id, self->search) != NULL || (des != NULL && strstr (des, self->search));
    }
  return TRUE;
}

static void
refilter (EmCandidatesView *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
on_search_changed (GtkSearchEntry *entry, EmCandidatesView *self)
{
  g_free (self->search);
  self->search = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (entry)), -1);
  refilter (self);
}

static void
on_class_selected (GObject *dropdown, GParamSpec *pspec, EmCandidatesView *self)
{
  guint selected = gtk_drop_down_get_selected (self->class_dropdown);

  self->class_filter
      = selected == GTK_INVALID_LIST_POSITION || selected == 0 ? -1 : (int)selected - 1;
  refilter (self);
}

static int
compare_doubles (double a, double b)
{
  /* unknown values last */
  if (isnan (a) || isnan (b))
    return isnan (a) - isnan (b);
  return (a > b) - (a < b);
}

static int
compare_rows (gconstpointer a, gconstpointer b, gpointer data)
{
  const EmCandidateRow *x = a, *y = b;
  int                   r = 0;

  switch (GPOINTER_TO_INT (data))
    {
    case COL_ID:
      r = g_strcmp0 (x->c->spectrum_id, y->c->spectrum_id);
      break;
    case COL_DESIGNATION:
      r = g_strcmp0 (x->c->designation, y->c->designation);
      break;
    case COL_RA:
      r = compare_doubles (x->c->ra, y->c->ra);
      break;
    case COL_DEC:
      r = compare_doubles (x->c->dec, y->c->dec);
      break;
    case COL_CLASS:
      r = g_strcmp0 (x->class_name, y->class_name);
      break;
    case COL_PROBABILITY:
      r = compare_doubles (x->probability, y->probability);
      break;
    case COL_LABEL:
      r = g_strcmp0 (x->c->label, y->c->label);
      break;
    case COL_SOURCE:
      r = g_strcmp0 (row_source ((EmCandidateRow *)x), row_source ((EmCandidateRow *)y));
      break;
    case COL_SIMBAD:
      r = g_strcmp0 (x->simbad, y->simbad);
      break;
    default:
      break;
    }
  return r < 0 ? GTK_ORDERING_SMALLER : r > 0 ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

/* ---- cells ---------------------------------------------------------------- */

static void
cell_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_list_item_set_child (item, label);
}

static void
cell_bind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  EmCandidateRow  *row = gtk_list_item_get_item (item);
  GtkLabel        *label = GTK_LABEL (gtk_list_item_get_child (item));
  g_autofree char *text = NULL;

  switch (GPOINTER_TO_INT (data))
    {
    case COL_ID:
      gtk_label_set_text (label, row->c->spectrum_id);
      return;
    case COL_DESIGNATION:
      gtk_label_set_text (label, row->c->designation != NULL ? row->c->designation : "");
      return;
    case COL_RA:
      text = isfinite (row->c->ra) ? g_strdup_printf ("%.5f", row->c->ra) : g_strdup ("");
      break;
    case COL_DEC:
      text = isfinite (row->c->dec) ? g_strdup_printf ("%+.5f", row->c->dec) : g_strdup ("");
      break;
    case COL_CLASS:
      gtk_label_set_text (label, row->class_name != NULL ? row->class_name : "");
      return;
    case COL_PROBABILITY:
      text = isfinite (row->probability) ? g_strdup_printf ("%.3f", row->probability)
                                         : g_strdup ("");
      break;
    case COL_LABEL:
      gtk_label_set_text (label, row->c->label != NULL ? row->c->label : "");
      return;
    case COL_SOURCE:
      gtk_label_set_text (label, row_source (row));
      return;
    case COL_SIMBAD:
      gtk_label_set_text (label, simbad_text (row->simbad));
      return;
    default:
      return;
    }
  gtk_label_set_text (label, text);
}

/* ---- the selected spectrum ---------------------------------------------- */

/* The selected candidate's spectrum as the labelling view shows it: the
 * whole spectrum from its source file (the pool row records it, relative
 * to the pool's root) with the pool's preprocessed Hα window over it.
 * When the file cannot be read, the window alone and a note why. */
typedef struct
{
  gint64      row;
  char       *id;
  float      *fluxes;
  guint       n;
  char       *source_path;
  EmSpectrum *spectrum;
  char       *failure; /* why the source file could not be read */
} SpectrumJob;

static void
spectrum_job_free (SpectrumJob *job)
{
  g_free (job->id);
  g_free (job->fluxes);
  g_free (job->source_path);
  g_clear_pointer (&job->spectrum, em_spectrum_free);
  g_free (job->failure);
  g_free (job);
}

static void
spectrum_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  EmCandidatesView *self = source;
  SpectrumJob      *job = task_data;
  GError           *error = NULL;
  g_autoptr (EmPoolRow) row = NULL;

  job->n = em_pool_get_n_fluxes (self->pool);
  job->fluxes = g_new (float, MAX (job->n, 1));
  if (!em_pool_read_fluxes (self->pool, (guint64)job->row, 1, job->fluxes, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  row = em_pool_get_row (self->pool, (guint64)job->row, &error);
  if (row == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  job->source_path = g_strdup (row->source_path);
  job->spectrum = em_tasks_read_spectrum (row->source_path, &error);
  if (job->spectrum == NULL)
    {
      job->failure = g_strdup (error->message);
      g_clear_error (&error);
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_spectrum_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmCandidatesView *self = EM_CANDIDATES_VIEW (source);
  SpectrumJob      *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  EmCandidateRow *row;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        em_spectrum_plot_set_placeholder (self->plot, error->message);
      return;
    }
  /* a later selection wins */
  row = gtk_single_selection_get_selected_item (self->selection);
  if (row == NULL || g_strcmp0 (row->c->spectrum_id, job->id) != 0)
    return;
  em_spectrum_plot_set_placeholder (self->plot, NULL);
  em_spectrum_plot_set_spectrum (self->plot, job->spectrum);
  em_spectrum_plot_set_window (self->plot, job->fluxes, job->n, 6519.0, 6732.0);
  if (job->spectrum == NULL)
    {
      /* Translators: under the candidate's plot when its source file
       * cannot be read; %s is the reason (it names the file) */
      g_autofree char *text = g_strdup_printf (
          _ ("Only the pool's Hα window is shown: %s"), job->failure);

      gtk_label_set_text (self->spectrum_note, text);
      em_spectrum_plot_set_x_range (self->plot, 6519.0, 6732.0);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->spectrum_note), job->spectrum == NULL);
}

static void
on_selection_changed (GtkSingleSelection *selection, GParamSpec *pspec, EmCandidatesView *self)
{
  EmCandidateRow *row = gtk_single_selection_get_selected_item (selection);
  SpectrumJob    *job;
  g_autoptr (GTask) task = NULL;

  set_busy (self, self->busy); /* Show in Aladin follows the selection */
  em_spectrum_plot_set_spectrum (self->plot, NULL);
  em_spectrum_plot_set_window (self->plot, NULL, 0, 6519.0, 6732.0);
  gtk_widget_set_visible (GTK_WIDGET (self->spectrum_note), FALSE);
  if (row == NULL || self->pool == NULL || row->c->row < 0)
    {
      em_spectrum_plot_set_placeholder (self->plot, row == NULL ? _ ("No candidate selected")
                                                                : _ ("Not in the pool"));
      return;
    }
  em_spectrum_plot_set_placeholder (self->plot, _ ("Reading the spectrum…"));
  job = g_new0 (SpectrumJob, 1);
  job->row = row->c->row;
  job->id = g_strdup (row->c->spectrum_id);
  task = g_task_new (self, self->cancellable, on_spectrum_read, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify)spectrum_job_free);
  g_task_run_in_thread (task, spectrum_thread);
}

/* The selected candidate in Aladin: the HiPS survey of the settings
 * loaded around it by script (Aladin only), and coord.pointAt.sky to
 * every client that takes positions. */
static void
action_show_in_aladin (GtkWidget *widget, const char *name, GVariant *parameter)
{
  EmCandidatesView *self = EM_CANDIDATES_VIEW (widget);
  EmCandidateRow   *row = gtk_single_selection_get_selected_item (self->selection);
  g_autofree char  *script = NULL;

  if (row == NULL || self->samp == NULL || !isfinite (row->c->ra) || !isfinite (row->c->dec))
    return;
  script = em_samp_aladin_hips_script (self->hips_survey, row->c->ra, row->c->dec);
  if (script != NULL)
    em_samp_client_notify_async (self->samp, NULL, em_samp_msg_script_aladin_send (script),
                                 self->cancellable, NULL, NULL);
  else if (self->hips_survey != NULL && self->hips_survey[0] != '\0')
    {
      /* Translators: %s is the HiPS identifier of the preferences */
      g_autofree char *text = g_strdup_printf (
          _ ("“%s” is no HiPS identifier Aladin can load (see Preferences)"), self->hips_survey);

      set_status (self, text);
    }
  em_samp_client_notify_async (self->samp, NULL,
                               em_samp_msg_coord_point_at_sky (row->c->ra, row->c->dec),
                               self->cancellable, NULL, NULL);
}

/* ---- export ------------------------------------------------------------- */

static void send_table (EmCandidatesView *self, const char *path);

typedef struct
{
  char              *path;
  EmCandidatesFormat format;
  gboolean           send; /* then table.load.votable over SAMP */
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_free (job->path);
  g_free (job);
}

static void
export_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  EmCandidatesView *self = source;
  ExportJob        *job = task_data;
  GError           *error = NULL;
  gint64            n = em_candidates_write (self->exp, job->path, job->format, &error);

  if (n < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, n);
}

static void
on_exported (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmCandidatesView *self = EM_CANDIDATES_VIEW (source);
  ExportJob        *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  gint64           n = g_task_propagate_int (G_TASK (result), &error);
  g_autofree char *text = NULL;

  set_busy (self, FALSE);
  if (error == NULL && job->send)
    {
      send_table (self, job->path);
      return;
    }
  if (error != NULL)
    text = g_strdup_printf (_ ("Export to “%s” failed: %s"), job->path, error->message);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%lld candidate written to “%s”",
                                         "%lld candidates written to “%s”", (gulong) n),
                            (long long) n, job->path);
  set_status (self, text);
}

static void
on_samp_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmCandidatesView *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (em_samp_client_send_finish (EM_SAMP_CLIENT (source), result, NULL, &error))
    set_status (self, _ ("Candidates sent to TOPCAT"));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      text = g_strdup_printf (_ ("Sending the candidates over SAMP failed: %s"), error->message);
      set_status (self, text);
    }
  g_object_unref (self);
}

static void
send_table (EmCandidatesView *self, const char *path)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  g_autofree char *url = em_samp_file_url (path);
  guint            n = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  if (self->samp == NULL)
    return;
  /* the exported rows are em_candidates_list's: ids in the store's order */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (EmCandidateRow) row = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      g_ptr_array_add (ids, row->c->spectrum_id);
    }
  g_ptr_array_add (ids, NULL);
  g_clear_pointer (&self->table_id, g_free);
  set_status (self, _ ("Sending the candidates to TOPCAT…"));
  em_samp_client_send_table_async (self->samp, NULL, url, _ ("Emissary candidates"),
                                   (const char *const *)ids->pdata, &self->table_id, 60,
                                   self->cancellable, on_samp_sent, g_object_ref (self));
}

static void
start_export (EmCandidatesView *self, const char *path, EmCandidatesFormat format, gboolean send)
{
  ExportJob *job;
  g_autoptr (GTask) task = NULL;

  if (self->busy || self->exp == NULL)
    return;
  job = g_new0 (ExportJob, 1);
  job->path = g_strdup (path);
  job->format = format;
  job->send = send;
  g_cancellable_reset (self->cancellable);
  set_busy (self, TRUE);
  gtk_progress_bar_pulse (self->progress);
  set_status (self, _ ("Exporting…"));
  task = g_task_new (self, NULL, on_exported, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify)export_job_free);
  g_task_run_in_thread (task, export_thread);
}

void
em_candidates_view_export (EmCandidatesView *self, const char *path, EmCandidatesFormat format)
{
  g_return_if_fail (EM_IS_CANDIDATES_VIEW (self));
  g_return_if_fail (path != NULL);
  start_export (self, path, format, FALSE);
}

/* A VOTable in the user cache folder (TOPCAT may read it later), then
 * table.load.votable to every subscriber. */
static void
action_send_topcat (GtkWidget *widget, const char *name, GVariant *parameter)
{
  EmCandidatesView *self = EM_CANDIDATES_VIEW (widget);
  g_autofree char  *dir = g_build_filename (g_get_user_cache_dir (), "emissary", NULL);
  g_autofree char  *file = g_strdup_printf ("candidates-%p.xml", (void *)self);
  g_autofree char  *path = g_build_filename (dir, file, NULL);

  if (self->samp == NULL || self->busy)
    return;
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_autofree char *text = g_strdup_printf (_ ("Cannot create %s: %s"), dir, g_strerror (errno));

      set_status (self, text);
      return;
    }
  start_export (self, path, EM_CANDIDATES_FORMAT_VOTABLE, TRUE);
}

static void
on_export_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  EmCandidatesView  *self = g_object_get_data (G_OBJECT (dialog), "view");
  EmCandidatesFormat format = GPOINTER_TO_INT (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        em_candidates_view_export (self, path, format);
    }
  g_object_unref (dialog);
}

static void
action_export (GtkWidget *widget, const char *name, GVariant *parameter)
{
  EmCandidatesView     *self = EM_CANDIDATES_VIEW (widget);
  const char           *kind = g_variant_get_string (parameter, NULL);
  EmCandidatesFormat    format;
  GtkFileChooserNative *dialog;
  g_autofree char      *suggested = NULL;

  if (!em_candidates_format_from_string (kind, &format))
    return;
  /* GtkFileDialog is GTK 4.10; Debian 12 has 4.8 */
  dialog = gtk_file_chooser_native_new (_ ("Export Candidates"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Export"), _ ("_Cancel"));
  suggested = g_strdup_printf ("candidates.%s", format == EM_CANDIDATES_FORMAT_VOTABLE ? "vot"
                                                : format == EM_CANDIDATES_FORMAT_CSV   ? "csv"
                                                                                       : "fits");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_object_set_data (G_OBJECT (dialog), "view", self);
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_chosen), GINT_TO_POINTER (format));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ---- SIMBAD cross-match ------------------------------------------------- */

typedef struct
{
  EmCandidatesView *view; /* strong */
  gsize             done, total;
} XmProgress;

static gboolean
xm_progress_idle (gpointer data)
{
  XmProgress *p = data;

  if (p->view->busy && p->total > 0)
    gtk_progress_bar_set_fraction (p->view->progress, (double)p->done / p->total);
  g_object_unref (p->view);
  g_free (p);
  return G_SOURCE_REMOVE;
}

static void
xm_progress (gsize done, gsize total, gpointer user_data)
{
  XmProgress *p = g_new0 (XmProgress, 1);

  p->view = g_object_ref (user_data);
  p->done = done;
  p->total = total;
  g_idle_add (xm_progress_idle, p);
}

typedef struct
{
  GHashTable    *classes; /* spectrum id → simbad_class */
  EmSimbadCounts counts;
} XmResult;

static void
xm_result_free (XmResult *r)
{
  g_hash_table_unref (r->classes);
  g_free (r);
}

static void
crossmatch_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  EmCandidatesView *self = source;
  g_autofree char  *tmp_dir = NULL;
  g_autofree char  *path = NULL;
  g_autoptr (EmVotable) catalogue = NULL;
  g_autoptr (EmVotable) matched = NULL;
  g_autoptr (EmSimbadClient) client = NULL;
  XmResult *r;
  GError   *error = NULL;
  int       id_col, class_col;

  /* The catalogue as exported: em_simbad_crossmatch finds its position
   * columns by their UCDs. */
  tmp_dir = g_dir_make_tmp ("emissary-xmatch-XXXXXX", &error);
  if (tmp_dir == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  path = g_build_filename (tmp_dir, "candidates.vot", NULL);
  if (em_candidates_write (self->exp, path, EM_CANDIDATES_FORMAT_VOTABLE, &error) >= 0)
    catalogue = em_votable_read_file (path, &error);
  g_unlink (path);
  g_rmdir (tmp_dir);
  if (catalogue == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  client = em_simbad_client_new (self->simbad_url, NULL);
  r = g_new0 (XmResult, 1);
  matched = em_simbad_crossmatch (client, catalogue, self->simbad_radius, 0, xm_progress, self,
                                  &r->counts, cancellable, &error);
  if (matched == NULL)
    {
      g_free (r);
      g_task_return_error (task, error);
      return;
    }
  id_col = em_votable_find_field (matched, "id");
  if (id_col < 0)
    id_col = em_votable_find_field (matched, "spectrum_id");
  class_col = em_votable_find_field (matched, "simbad_class");
  if (id_col < 0 || class_col < 0)
    {
      g_free (r);
      g_task_return_new_error (task, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_MALFORMED,
                               "cross-match result from %s has no %s column", self->simbad_url,
                               id_col < 0 ? "id" : "simbad_class");
      return;
    }
  r->classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (gsize i = 0; i < matched->n_rows; i++)
    {
      const char *id = em_votable_get_string (matched, i, id_col);
      const char *klass = em_votable_get_string (matched, i, class_col);

      if (id != NULL)
        g_hash_table_replace (r->classes, g_strdup (id), g_strdup (klass != NULL ? klass : ""));
    }
  g_task_return_pointer (task, r, (GDestroyNotify)xm_result_free);
}

static void
on_crossmatched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmCandidatesView *self = EM_CANDIDATES_VIEW (source);
  g_autoptr (GError) error = NULL;
  XmResult        *r = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *text = NULL;
  guint            n;

  set_busy (self, FALSE);
  if (r == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        text = g_strdup (_ ("Cross-match cancelled"));
      else
        text = g_strdup_printf (_ ("Cross-match with %s failed: %s"), self->simbad_url,
                                error->message);
      set_status (self, text);
      return;
    }
  n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (EmCandidateRow) row = g_list_model_get_item (G_LIST_MODEL (self->store), i);
      const char *klass = g_hash_table_lookup (r->classes, row->c->spectrum_id);

      /* a row relabelled as a non-target since listing is not in the
       * catalogue any more: not cross-matched */
      if (klass == NULL)
        continue;
      g_free (row->simbad);
      row->simbad = g_strdup (klass[0] != '\0' ? klass : "no-position");
    }
  /* the same items again: the cells are bound anew, sorter and filter rerun */
  {
    g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

    for (guint i = 0; i < n; i++)
      g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->store), i));
    g_list_store_splice (self->store, 0, n, items->pdata, items->len);
  }
  text = g_strdup_printf (_ ("SIMBAD: %zu known emission-line objects, %zu emission-line "
                             "candidates, %zu other known objects, %zu new (no SIMBAD object "
                             "within %.1f″), %zu without position"),
                          r->counts.emission, r->counts.emission_candidate, r->counts.other,
                          r->counts.none, self->simbad_radius, r->counts.no_position);
  set_status (self, text);
  xm_result_free (r);
}

static void
action_crossmatch (GtkWidget *widget, const char *name, GVariant *parameter)
{
  EmCandidatesView *self = EM_CANDIDATES_VIEW (widget);
  g_autoptr (GTask) task = NULL;

  if (self->busy || self->exp == NULL)
    return;
  g_cancellable_reset (self->cancellable);
  set_busy (self, TRUE);
  set_status (self, _ ("Cross-matching with SIMBAD…"));
  task = g_task_new (self, self->cancellable, on_crossmatched, NULL);
  g_task_run_in_thread (task, crossmatch_thread);
}

static guint relabel_signal;

/* The oracle's label for the selected candidate: the window writes it
 * (its ordered writer, on its read-write handle); the row shows it now. */
static void
action_relabel (GtkWidget *widget, const char *name, GVariant *parameter)
{
  EmCandidatesView *self = EM_CANDIDATES_VIEW (widget);
  EmCandidateRow   *row = gtk_single_selection_get_selected_item (self->selection);
  guint             k = gtk_drop_down_get_selected (self->relabel_dropdown);
  guint             position;
  g_autofree char  *text = NULL;

  if (row == NULL || self->classes == NULL || k >= g_strv_length (self->classes))
    return;
  g_signal_emit (self, relabel_signal, 0, row->c->spectrum_id, self->classes[k]);
  g_free (row->c->label);
  row->c->label = g_strdup (self->classes[k]);
  row->c->label_source = EM_LABEL_SOURCE_ORACLE;
  /* rebind the row's cells */
  if (g_list_store_find (self->store, row, &position))
    {
      g_object_ref (row);
      g_list_store_splice (self->store, position, 1, (gpointer *)&row, 1);
      g_object_unref (row);
    }
  text = g_strdup_printf (_ ("%s labelled %s"), row->c->spectrum_id, self->classes[k]);
  set_status (self, text);
}

static void
action_cancel (GtkWidget *widget, const char *name, GVariant *parameter)
{
  g_cancellable_cancel (EM_CANDIDATES_VIEW (widget)->cancellable);
}

/* ---- construction ------------------------------------------------------- */

static void
add_column (EmCandidatesView *self, Column col, const char *title, gboolean expand)
{
  GtkListItemFactory  *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup), GINT_TO_POINTER (col));
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), GINT_TO_POINTER (col));
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_sorter (
      column, GTK_SORTER (gtk_custom_sorter_new (compare_rows, GINT_TO_POINTER (col), NULL)));
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_append_column (self->column_view, column);
  self->columns[col] = column;
  g_object_unref (column);
}

static GtkWidget *
button (const char *label, const char *action, const char *target, const char *tooltip)
{
  GtkWidget *b = label != NULL ? gtk_button_new_with_mnemonic (label) : gtk_button_new ();

  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  if (target != NULL)
    gtk_actionable_set_action_target (GTK_ACTIONABLE (b), "s", target);
  gtk_widget_set_tooltip_text (b, tooltip);
  return b;
}

static void
em_candidates_view_init (EmCandidatesView *self)
{
  GtkWidget *toolbar_view = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *footer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *export_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkSorter *sorter;

  self->cancellable = g_cancellable_new ();
  self->class_filter = -1;
  self->simbad_radius = EM_SIMBAD_DEFAULT_RADIUS_ARCSEC;
  self->simbad_url = g_strdup (EM_SIMBAD_DEFAULT_URL);
  gtk_window_set_title (GTK_WINDOW (self), _ ("Candidates"));
  gtk_window_set_default_size (GTK_WINDOW (self), 1000, 700);

  /* header: export, TOPCAT-free actions, cross-match */
  gtk_widget_add_css_class (export_box, "linked");
  gtk_box_append (GTK_BOX (export_box), button (_ ("_VOTable"), "candidates.export", "votable",
                                                _ ("Export the candidates as a VOTable")));
  gtk_box_append (GTK_BOX (export_box), button (_ ("_CSV"), "candidates.export", "csv",
                                                _ ("Export the candidates as CSV")));
  gtk_box_append (GTK_BOX (export_box), button (_ ("_FITS"), "candidates.export", "fits",
                                                _ ("Export the candidates as a FITS table")));
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), export_box);
  {
    GtkWidget *refresh = button (NULL, "candidates.refresh", NULL,
                                 _ ("List the candidates again (after labels or an iteration)"));

    gtk_button_set_icon_name (GTK_BUTTON (refresh), "view-refresh-symbolic");
    gtk_accessible_update_property (GTK_ACCESSIBLE (refresh), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    _ ("Refresh"), -1);
    adw_header_bar_pack_start (ADW_HEADER_BAR (header), refresh);
  }
  adw_header_bar_pack_end (ADW_HEADER_BAR (header),
                           button (_ ("Send to _TOPCAT"), "candidates.send-topcat", NULL,
                                   _ ("Send the candidates to TOPCAT (and every SAMP table "
                                      "viewer)")));
  adw_header_bar_pack_end (ADW_HEADER_BAR (header),
                           button (_ ("Cross-match with _SIMBAD"), "candidates.crossmatch", NULL,
                                   _ ("Look every candidate up in SIMBAD: known emission-line "
                                      "objects versus new ones")));
  adw_header_bar_pack_end (ADW_HEADER_BAR (header),
                           button (_ ("Estimate _Precision…"), "candidates.estimate-precision",
                                   NULL,
                                   _ ("Label a random sample of the candidates in the main "
                                      "window to estimate their precision")));
  gtk_box_append (GTK_BOX (toolbar_view), header);

  /* search and class filter */
  self->search_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->search_entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Search candidates by id or designation"), -1);
  g_object_set (self->search_entry, "placeholder-text", _ ("Search id or designation"), NULL);
  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  self->class_dropdown = GTK_DROP_DOWN (
      gtk_drop_down_new_from_strings ((const char *const[]){ _ ("All classes"), NULL }));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->class_dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Show candidates of class"),
                                  -1);
  g_signal_connect (self->class_dropdown, "notify::selected", G_CALLBACK (on_class_selected), self);
  gtk_widget_set_margin_start (bar, 6);
  gtk_widget_set_margin_end (bar, 6);
  gtk_widget_set_margin_top (bar, 6);
  gtk_widget_set_margin_bottom (bar, 6);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->search_entry));
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->class_dropdown));
  self->relabel_dropdown = GTK_DROP_DOWN (gtk_drop_down_new (NULL, NULL));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->relabel_dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Class for the selected candidate"), -1);
  gtk_widget_set_margin_start (GTK_WIDGET (self->relabel_dropdown), 18);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->relabel_dropdown));
  gtk_box_append (GTK_BOX (bar), button (_ ("_Relabel"), "candidates.relabel", NULL,
                                         _ ("Give the selected candidate this label (oracle)")));
  gtk_box_append (GTK_BOX (bar),
                  button (_ ("Show in A_ladin"), "candidates.show-in-aladin", NULL,
                          _ ("Point Aladin at the selected candidate with the HiPS survey of "
                             "the preferences")));
  gtk_box_append (GTK_BOX (toolbar_view), bar);

  /* the table: store → filter → sort (the column view's sorter) → selection */
  self->store = g_list_store_new (EM_TYPE_CANDIDATE_ROW);
  self->filter = gtk_custom_filter_new (row_matches, self, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->store)),
                                              GTK_FILTER (g_object_ref (self->filter)));
  self->column_view = GTK_COLUMN_VIEW (gtk_column_view_new (NULL));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->column_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Candidates"), -1);
  add_column (self, COL_ID, _ ("Id"), TRUE);
  add_column (self, COL_DESIGNATION, _ ("Designation"), TRUE);
  add_column (self, COL_RA, _ ("RA (°)"), FALSE);
  add_column (self, COL_DEC, _ ("Dec (°)"), FALSE);
  add_column (self, COL_CLASS, _ ("Class"), FALSE);
  add_column (self, COL_PROBABILITY, _ ("Probability"), FALSE);
  add_column (self, COL_LABEL, _ ("Label"), FALSE);
  add_column (self, COL_SOURCE, _ ("Source"), FALSE);
  add_column (self, COL_SIMBAD, _ ("SIMBAD"), TRUE);
  sorter = gtk_column_view_get_sorter (self->column_view);
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->filtered)),
                                          g_object_ref (sorter));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->sorted)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (on_selection_changed),
                    self);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->column_view));
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_paned_set_start_child (GTK_PANED (paned), scrolled);

  self->plot = EM_SPECTRUM_PLOT (em_spectrum_plot_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->plot), -1, 200);
  em_spectrum_plot_set_placeholder (self->plot, _ ("No candidate selected"));
  self->spectrum_note = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->spectrum_note, 0.0f);
  gtk_label_set_wrap (self->spectrum_note, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->spectrum_note), "warning");
  gtk_widget_set_margin_start (GTK_WIDGET (self->spectrum_note), 6);
  gtk_widget_set_visible (GTK_WIDGET (self->spectrum_note), FALSE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->plot), TRUE);
  {
    GtkWidget *plot_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

    gtk_box_append (GTK_BOX (plot_box), GTK_WIDGET (self->plot));
    gtk_box_append (GTK_BOX (plot_box), GTK_WIDGET (self->spectrum_note));
    gtk_paned_set_end_child (GTK_PANED (paned), plot_box);
  }
  gtk_paned_set_position (GTK_PANED (paned), 400);
  gtk_widget_set_vexpand (paned, TRUE);
  gtk_box_append (GTK_BOX (toolbar_view), paned);

  /* status, progress, cancel */
  self->status_label = GTK_LABEL (gtk_label_new (_ ("Listing the candidates…")));
  gtk_label_set_xalign (self->status_label, 0.0f);
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->status_label), TRUE);
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->progress), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Progress"), -1);
  self->cancel_button = GTK_BUTTON (
      button (_ ("C_ancel"), "candidates.cancel", NULL, _ ("Stop the running operation")));
  gtk_widget_set_margin_start (footer, 6);
  gtk_widget_set_margin_end (footer, 6);
  gtk_widget_set_margin_top (footer, 6);
  gtk_widget_set_margin_bottom (footer, 6);
  gtk_box_append (GTK_BOX (footer), GTK_WIDGET (self->status_label));
  gtk_box_append (GTK_BOX (footer), GTK_WIDGET (self->progress));
  gtk_box_append (GTK_BOX (footer), GTK_WIDGET (self->cancel_button));
  gtk_box_append (GTK_BOX (toolbar_view), footer);

  adw_window_set_content (ADW_WINDOW (self), toolbar_view);
  set_busy (self, FALSE);
}

static guint estimate_signal;

static void
action_estimate_precision (GtkWidget *widget, const char *name, GVariant *parameter)
{
  g_signal_emit (widget, estimate_signal, 0);
}

static void
em_candidates_view_dispose (GObject *object)
{
  EmCandidatesView *self = EM_CANDIDATES_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->selection);
  g_clear_object (&self->sorted);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->store);
  if (self->samp != NULL)
    g_signal_handlers_disconnect_by_data (self->samp, self);
  g_clear_object (&self->samp);
  G_OBJECT_CLASS (em_candidates_view_parent_class)->dispose (object);
}

static void
em_candidates_view_finalize (GObject *object)
{
  EmCandidatesView *self = EM_CANDIDATES_VIEW (object);

  /* tasks hold a reference to the view: none runs any more */
  g_clear_pointer (&self->exp, em_experiment_close);
  g_clear_pointer (&self->pool, em_pool_unref);
  g_strfreev (self->classes);
  g_clear_object (&self->cancellable);
  g_free (self->dir);
  g_free (self->simbad_url);
  g_free (self->status);
  g_free (self->table_id);
  g_free (self->search);
  g_free (self->hips_survey);
  G_OBJECT_CLASS (em_candidates_view_parent_class)->finalize (object);
}

static void
em_candidates_view_class_init (EmCandidatesViewClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = em_candidates_view_dispose;
  object_class->finalize = em_candidates_view_finalize;
  gtk_widget_class_install_action (widget_class, "candidates.export", "s", action_export);
  gtk_widget_class_install_action (widget_class, "candidates.crossmatch", NULL, action_crossmatch);
  gtk_widget_class_install_action (widget_class, "candidates.cancel", NULL, action_cancel);
  gtk_widget_class_install_action (widget_class, "candidates.relabel", NULL, action_relabel);
  gtk_widget_class_install_action (widget_class, "candidates.refresh", NULL, action_refresh);
  /* (spectrum id, class name): the oracle relabelled a candidate */
  relabel_signal = g_signal_new ("relabel", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  gtk_widget_class_install_action (widget_class, "candidates.send-topcat", NULL,
                                   action_send_topcat);
  gtk_widget_class_install_action (widget_class, "candidates.show-in-aladin", NULL,
                                   action_show_in_aladin);
  gtk_widget_class_install_action (widget_class, "candidates.estimate-precision", NULL,
                                   action_estimate_precision);
  /* the oracle asked for a precision sample (the main window draws and
   * shows it) */
  estimate_signal = g_signal_new ("estimate-precision", G_TYPE_FROM_CLASS (klass),
                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

EmCandidatesView *
em_candidates_view_new (const char *experiment_dir)
{
  EmCandidatesView *self;
  g_autoptr (GTask) task = NULL;

  g_return_val_if_fail (experiment_dir != NULL, NULL);
  self = g_object_new (EM_TYPE_CANDIDATES_VIEW, NULL);
  self->dir = g_strdup (experiment_dir);
  set_busy (self, TRUE);
  gtk_progress_bar_pulse (self->progress);
  task = g_task_new (self, self->cancellable, on_loaded, NULL);
  g_task_set_task_data (task, g_strdup (experiment_dir), g_free);
  g_task_run_in_thread (task, load_thread);
  return self;
}

void
em_candidates_view_set_simbad (EmCandidatesView *self, const char *url, double radius_arcsec)
{
  g_return_if_fail (EM_IS_CANDIDATES_VIEW (self));
  g_free (self->simbad_url);
  self->simbad_url = g_strdup (url != NULL ? url : EM_SIMBAD_DEFAULT_URL);
  self->simbad_radius = radius_arcsec > 0 ? radius_arcsec : EM_SIMBAD_DEFAULT_RADIUS_ARCSEC;
}

static void
on_samp_connected (GObject *client, GParamSpec *pspec, EmCandidatesView *self)
{
  set_busy (self, self->busy);
}

void
em_candidates_view_set_samp (EmCandidatesView *self, EmSampClient *client)
{
  g_return_if_fail (EM_IS_CANDIDATES_VIEW (self));
  if (self->samp != NULL)
    g_signal_handlers_disconnect_by_data (self->samp, self);
  g_set_object (&self->samp, client);
  if (client != NULL)
    g_signal_connect (client, "notify::connected", G_CALLBACK (on_samp_connected), self);
  set_busy (self, self->busy);
}

/* The HiPS survey "Show in Aladin" loads (NULL or "": position only). */
void
em_candidates_view_set_hips_survey (EmCandidatesView *self, const char *hips_id)
{
  g_return_if_fail (EM_IS_CANDIDATES_VIEW (self));
  g_free (self->hips_survey);
  self->hips_survey = g_strdup (hips_id);
}

/* The note under the plot when only the pool's window could be shown
 * ("" while the full spectrum is). */
const char *
em_candidates_view_get_spectrum_note (EmCandidatesView *self)
{
  g_return_val_if_fail (EM_IS_CANDIDATES_VIEW (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->spectrum_note))
             ? gtk_label_get_text (self->spectrum_note)
             : "";
}

const char *
em_candidates_view_get_table_id (EmCandidatesView *self)
{
  g_return_val_if_fail (EM_IS_CANDIDATES_VIEW (self), NULL);
  return self->table_id;
}

gboolean
em_candidates_view_is_busy (EmCandidatesView *self)
{
  g_return_val_if_fail (EM_IS_CANDIDATES_VIEW (self), FALSE);
  return self->busy;
}

GListModel *
em_candidates_view_get_visible (EmCandidatesView *self)
{
  g_return_val_if_fail (EM_IS_CANDIDATES_VIEW (self), NULL);
  return G_LIST_MODEL (self->sorted);
}

guint
em_candidates_view_get_n_all (EmCandidatesView *self)
{
  g_return_val_if_fail (EM_IS_CANDIDATES_VIEW (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->store));
}

static EmCandidateRow *
visible_row (EmCandidatesView *self, guint position)
{
  EmCandidateRow *row = g_list_model_get_item (G_LIST_MODEL (self->sorted), position);

  /* the store keeps the row alive */
  if (row != NULL)
    g_object_unref (row);
  return row;
}

const char *
em_candidates_view_get_row_id (EmCandidatesView *self, guint position)
{
  EmCandidateRow *row;

  g_return_val_if_fail (EM_IS_CANDIDATES_VIEW (self), NULL);
  row = visible_row (self, position);
  return row != NULL ? row->c->spectrum_id : NULL;
}

const char *
em_candidates_view_get_row_simbad (EmCandidatesView *self, guint position)
{
  EmCandidateRow *row;

  g_return_val_if_fail (EM_IS_CANDIDATES_VIEW (self), NULL);
  row = visible_row (self, position);
  return row != NULL ? row->simbad : NULL;
}

void
em_candidates_view_select (EmCandidatesView *self, guint position)
{
  g_return_if_fail (EM_IS_CANDIDATES_VIEW (self));
  gtk_single_selection_set_selected (self->selection, position);
}

void
em_candidates_view_relabel (EmCandidatesView *self, guint klass)
{
  g_return_if_fail (EM_IS_CANDIDATES_VIEW (self));
  gtk_drop_down_set_selected (self->relabel_dropdown, klass);
  gtk_widget_activate_action (GTK_WIDGET (self), "candidates.relabel", NULL);
}

void
em_candidates_view_set_search (EmCandidatesView *self, const char *text)
{
  g_return_if_fail (EM_IS_CANDIDATES_VIEW (self));
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  /* not waiting for the entry's search delay */
  on_search_changed (self->search_entry, self);
}

void
em_candidates_view_set_class_filter (EmCandidatesView *self, int klass)
{
  g_return_if_fail (EM_IS_CANDIDATES_VIEW (self));
  gtk_drop_down_set_selected (self->class_dropdown, klass < 0 ? 0 : (guint)klass + 1);
}

void
em_candidates_view_sort_by (EmCandidatesView *self, const char *column, GtkSortType order)
{
  g_return_if_fail (EM_IS_CANDIDATES_VIEW (self));
  for (guint i = 0; i < N_COLUMNS; i++)
    if (g_strcmp0 (column, column_keys[i]) == 0)
      gtk_column_view_sort_by_column (self->column_view, self->columns[i], order);
}

const char *
em_candidates_view_get_status (EmCandidatesView *self)
{
  g_return_val_if_fail (EM_IS_CANDIDATES_VIEW (self), NULL);
  return self->status;
}

EmSpectrumPlot *
em_candidates_view_get_plot (EmCandidatesView *self)
{
  g_return_val_if_fail (EM_IS_CANDIDATES_VIEW (self), NULL);
  return self->plot;
}
