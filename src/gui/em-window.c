/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The labelling workstation: the query batch as thumbnails, the selected
 * spectrum in the large plot with its metadata, and the labelling
 * actions (win.label(k), win.undo, win.skip, …) that keys, buttons and
 * tests all go through. */
#include "em-config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "app/em-estimate.h"
#include "app/em-experiment-folder.h"
#include "app/em-experiment.h"
#include "app/em-labels.h"
#include "gui/em-batch-grid.h"
#include "gui/em-batch-item.h"
#include "gui/em-history-view.h"
#include "gui/em-loss-curve.h"
#include "gui/em-recent.h"
#include "gui/em-spectrum-plot.h"
#include "gui/em-start-view.h"
#include "gui/em-tasks.h"
#include "gui/em-thumbnail.h"
#include "gui/em-window.h"

#include "gui/em-candidates-view.h"
#include "spectra/em-spectrum-read.h"
#include "vo/em-samp-client.h"
#include "vo/em-samp-messages.h"
#include "vo/em-simbad.h"
#include "vo/em-votable.h"

/* Seconds a SAMP peer may take to answer a call. */
#define SAMP_TIMEOUT 20

/* Wait this long after the selection settles before asking SIMBAD, so
 * that stepping quickly through a batch sends no queries for spectra
 * that were only passed by. */
#define SIMBAD_DELAY_MS 300

#define MAX_CLASS_KEYS 9

/* The sample size "Estimate Precision" offers first. */
#define DEFAULT_SAMPLE_SIZE 50

/* Rows of the metadata panel. */
enum
{
  META_ID,
  META_DESIGNATION,
  META_SEXAGESIMAL,
  META_DEGREES,
  META_SNR,
  META_SURVEY_CLASS,
  META_PROBABILITIES,
  N_META
};

/* What an undo restores. */
typedef struct
{
  guint position;
  int   previous;
} UndoStep;

struct _EmWindow
{
  AdwApplicationWindow parent_instance;

  /* template children */
  AdwWindowTitle  *window_title;
  GtkStack        *main_stack;
  AdwStatusPage   *status_page;
  EmStartView     *start_view;
  GtkLabel        *batch_label;
  EmBatchGrid     *batch_grid;
  EmSpectrumPlot  *plot;
  GtkBox          *label_box;
  GtkWidget       *skip_button;
  GtkGrid         *metadata_grid;
  GtkWidget       *simbad_box;
  GtkSpinner      *simbad_spinner;
  GtkListBox      *simbad_list;
  GtkLabel        *simbad_status;
  AdwToastOverlay *toasts;
  GtkMenuButton   *samp_button;
  GtkLabel        *samp_status;
  GtkListBox      *samp_peers;
  GtkProgressBar  *open_progress;
  GtkWidget       *train_button;
  GtkRevealer     *train_revealer;
  EmLossCurve     *loss_curve;
  GtkLabel        *train_label;
  GtkProgressBar  *train_progress;

  GtkLabel  *meta_values[N_META];
  GPtrArray *class_buttons;

  char       *experiment_path;
  GListModel *batch;
  guint       iteration;
  char      **classes;
  GArray     *undo_steps;

  /* Spectra of the batch read so far (id → EmSpectrum; ~70 kB each, so
   * a batch of 100 fits easily), reads under way, and read failures
   * (id → message). */
  GHashTable   *spectra;
  GHashTable   *loading;
  GHashTable   *load_errors;
  GCancellable *cancellable;

  EmSimbadClient *simbad;
  double          simbad_radius;
  GCancellable   *simbad_cancellable;
  guint           simbad_timeout;
  char           *simbad_done_for; /* id whose objects are listed */

  GSettings *settings; /* the application's, NULL without a schema */

  /* The open experiment; closed only in finalize, when no task can still
   * be using it (each task holds a reference to the window). */
  EmExperiment *exp;
  EmDemoOptions demo;
  gboolean      demo_set;
  GCancellable *open_cancellable;
  GCancellable *train_cancellable;
  gboolean      training;
  gint64        train_phase_start;
  char         *train_phase;
  int           last_epoch;
  /* Label writes, in order, one at a time, off the main thread. */
  GThreadPool  *writer;
  gint          pending_writes;
  gint64        shown_at; /* when the selected spectrum was shown */
  EmSampClient *samp;
  GCancellable *samp_cancellable;
  char         *batch_table_id; /* the batch as last sent by SAMP */
  char         *batch_table_url;
  gboolean      follow_selection;
  gboolean      normalised;
  gboolean      y_locked;

  /* The precision sample, shown in the grid in place of the query batch
   * (kept here to switch back); self->exp is written by one thread at a
   * time: the label writer or the task drawing a sample. */
  GMutex            exp_lock;
  GListModel       *query_batch;
  guint             query_iteration;
  gboolean          showing_sample;
  gboolean          sampling; /* a sample task is running */
  int               sample_number;
  EmEstimateReport *estimate; /* of the latest sample, as last computed */
  gboolean          estimate_announced;
  GtkWidget        *sample_bar;
  GtkLabel         *estimate_label;
  char             *hips_survey; /* what Aladin shows around a spectrum */
  char         *last_toast; /* for tests */
};

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

static void update_train_actions (EmWindow *self);
static void update_sample_actions (EmWindow *self);

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

static void
update_title (EmWindow *self)
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

/* ---- the batch -------------------------------------------------------- */

static EmBatchItem *
get_item (EmWindow *self, guint position)
{
  if (self->batch == NULL || position >= g_list_model_get_n_items (self->batch))
    return NULL;
  /* the store keeps a reference; the caller only borrows */
  g_autoptr (EmBatchItem) item = g_list_model_get_item (self->batch, position);
  return item;
}

static guint
count_labelled (EmWindow *self)
{
  guint n = self->batch != NULL ? g_list_model_get_n_items (self->batch) : 0;
  guint labelled = 0;

  for (guint i = 0; i < n; i++)
    if (em_batch_item_get_label (get_item (self, i)) >= 0)
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
      if (em_batch_item_get_label (get_item (self, p)) < 0)
        return p;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
update_batch_label (EmWindow *self)
{
  guint            n = self->batch != NULL ? g_list_model_get_n_items (self->batch) : 0;
  guint            labelled = count_labelled (self);
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
  update_train_actions (self);
  update_sample_actions (self);
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

/* ---- SIMBAD ----------------------------------------------------------- */

static void
simbad_clear (EmWindow *self)
{
  GtkWidget *row;

  while ((row = gtk_widget_get_first_child (GTK_WIDGET (self->simbad_list))) != NULL)
    gtk_list_box_remove (self->simbad_list, row);
}

static GtkWidget *
simbad_row (const EmSimbadObject *o)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *name = gtk_label_new (o->main_id);
  GtkWidget *detail;
  GtkWidget *link;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *escaped = g_uri_escape_string (o->main_id, NULL, FALSE);
  g_autofree char *uri
      = g_strdup_printf ("https://simbad.cds.unistra.fr/simbad/sim-id?Ident=%s", escaped);
  g_autofree char *a11y = NULL;

  g_string_append (text, o->otype != NULL ? o->otype : "?");
  if (o->otype_description != NULL && o->otype_description[0] != '\0')
    g_string_append_printf (text, " (%s)", o->otype_description);
  if (o->sp_type != NULL && o->sp_type[0] != '\0')
    g_string_append_printf (text, " · %s", o->sp_type);
  if (isfinite (o->separation))
    /* Translators: angular separation in arcseconds */
    g_string_append_printf (text, _ (" · %.1f″"), o->separation);
  detail = gtk_label_new (text->str);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_selectable (GTK_LABEL (name), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (texts), name);
  gtk_box_append (GTK_BOX (texts), detail);

  link = gtk_link_button_new (uri);
  gtk_button_set_icon_name (GTK_BUTTON (link), "web-browser-symbolic");
  /* Translators: %s is a SIMBAD identifier */
  a11y = g_strdup_printf (_ ("Open %s in SIMBAD"), o->main_id);
  gtk_widget_set_tooltip_text (link, a11y);
  gtk_accessible_update_property (GTK_ACCESSIBLE (link), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  gtk_widget_set_valign (link, GTK_ALIGN_CENTER);

  gtk_box_append (GTK_BOX (box), texts);
  gtk_box_append (GTK_BOX (box), link);
  return box;
}

typedef struct
{
  EmWindow *window;
  char     *id;
} SimbadQuery;

static void
on_simbad_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SimbadQuery *q = user_data;
  EmWindow    *self = q->window;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) objects
      = em_simbad_cone_search_finish ((EmSimbadClient *)source, result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    goto out;
  gtk_spinner_stop (self->simbad_spinner);
  simbad_clear (self);
  g_free (self->simbad_done_for);
  self->simbad_done_for = g_strdup (q->id);
  if (objects == NULL)
    {
      /* A calm line where the list would be; labelling goes on. */
      g_autofree char *text = g_strdup_printf (_ ("SIMBAD could not be asked: %s"), error->message);

      gtk_label_set_text (self->simbad_status, text);
      goto out;
    }
  for (guint i = 0; i < objects->len; i++)
    gtk_list_box_append (self->simbad_list, simbad_row (g_ptr_array_index (objects, i)));
  if (objects->len == 0)
    {
      /* Translators: %.1f is the cone radius in arcseconds */
      g_autofree char *text
          = g_strdup_printf (_ ("Nothing in SIMBAD within %.1f″"), self->simbad_radius);
      gtk_label_set_text (self->simbad_status, text);
    }
  else
    {
      /* Translators: number of SIMBAD objects found, cone radius in arcseconds */
      g_autofree char *text
          = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u object within %.1f″",
                                          "%u objects within %.1f″", objects->len),
                             objects->len, self->simbad_radius);
      gtk_label_set_text (self->simbad_status, text);
    }
out:
  g_object_unref (q->window);
  g_free (q->id);
  g_free (q);
}

static gboolean
simbad_ask (gpointer user_data)
{
  EmWindow    *self = user_data;
  EmBatchItem *item = em_window_get_selected_item (self);
  SimbadQuery *q;

  self->simbad_timeout = 0;
  if (item == NULL || self->simbad == NULL)
    return G_SOURCE_REMOVE;
  q = g_new0 (SimbadQuery, 1);
  q->window = g_object_ref (self);
  q->id = g_strdup (em_batch_item_get_id (item));
  em_simbad_cone_search_async (self->simbad, em_batch_item_get_ra (item),
                               em_batch_item_get_dec (item), self->simbad_radius,
                               self->simbad_cancellable, on_simbad_done, q);
  return G_SOURCE_REMOVE;
}

static void
simbad_schedule (EmWindow *self, EmBatchItem *item)
{
  if (self->simbad == NULL)
    return;
  if (item != NULL && g_strcmp0 (self->simbad_done_for, em_batch_item_get_id (item)) == 0)
    return;
  g_cancellable_cancel (self->simbad_cancellable);
  g_clear_object (&self->simbad_cancellable);
  self->simbad_cancellable = g_cancellable_new ();
  self->samp_cancellable = g_cancellable_new ();
  g_clear_handle_id (&self->simbad_timeout, g_source_remove);
  g_clear_pointer (&self->simbad_done_for, g_free);
  simbad_clear (self);
  gtk_spinner_stop (self->simbad_spinner);
  if (item == NULL)
    {
      gtk_label_set_text (self->simbad_status, "");
      return;
    }
  if (!isfinite (em_batch_item_get_ra (item)) || !isfinite (em_batch_item_get_dec (item)))
    {
      gtk_label_set_text (self->simbad_status, _ ("No coordinates: nothing to ask SIMBAD"));
      return;
    }
  gtk_label_set_text (self->simbad_status, _ ("Asking SIMBAD…"));
  gtk_spinner_start (self->simbad_spinner);
  self->simbad_timeout = g_timeout_add (SIMBAD_DELAY_MS, simbad_ask, self);
}

/* Where the SIMBAD panel asks (NULL: hide it), and the cone radius in
 * arcseconds.  Responses are cached on disk (the user cache folder). */
void
em_window_set_simbad (EmWindow *self, const char *url, double radius_arcsec)
{
  g_autoptr (EmSimbadCache) cache = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (EM_IS_WINDOW (self));

  g_clear_pointer (&self->simbad, em_simbad_client_unref);
  g_clear_pointer (&self->simbad_done_for, g_free);
  self->simbad_radius = radius_arcsec > 0 ? radius_arcsec : EM_SIMBAD_DEFAULT_RADIUS_ARCSEC;
  if (url != NULL)
    {
      cache = em_simbad_cache_open (NULL, &error);
      if (cache == NULL)
        g_message ("SIMBAD answers will not be cached: %s", error->message);
      self->simbad = em_simbad_client_new (url, cache);
    }
  gtk_widget_set_visible (self->simbad_box, self->simbad != NULL);
  simbad_schedule (self, em_window_get_selected_item (self));
}

/* The SIMBAD panel's state, for tests: the status line and the main ids
 * listed (NULL-terminated, free with g_strfreev). */
const char *
em_window_get_simbad_status (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return gtk_label_get_text (self->simbad_status);
}

gboolean
em_window_is_asking_simbad (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), FALSE);
  return self->simbad_timeout != 0 || gtk_spinner_get_spinning (self->simbad_spinner);
}

char **
em_window_dup_simbad_ids (EmWindow *self)
{
  g_autoptr (GStrvBuilder) ids = g_strv_builder_new ();

  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->simbad_list)); row;
       row = gtk_widget_get_next_sibling (row))
    {
      /* row → box → texts → name */
      GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));
      GtkWidget *name = gtk_widget_get_first_child (gtk_widget_get_first_child (box));

      g_strv_builder_add (ids, gtk_label_get_text (GTK_LABEL (name)));
    }
  return g_strv_builder_end (ids);
}

/* ---- SAMP ------------------------------------------------------------- */

static void
toast (EmWindow *self, const char *text)
{
  AdwToast *t = adw_toast_new (text);

  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  adw_toast_set_timeout (t, 4);
  adw_toast_overlay_add_toast (self->toasts, t);
}

static GtkWidget *
peer_row (gpointer item, gpointer user_data)
{
  EmSampPeer *peer = item;
  const char *name = em_samp_peer_get_name (peer);
  GtkWidget  *label = gtk_label_new (name != NULL ? name : em_samp_peer_get_id (peer));

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_start (label, 8);
  gtk_widget_set_margin_end (label, 8);
  gtk_widget_set_margin_top (label, 4);
  gtk_widget_set_margin_bottom (label, 4);
  return label;
}

static void
samp_update (EmWindow *self)
{
  gboolean     connected = self->samp != NULL && em_samp_client_get_connected (self->samp);
  EmBatchItem *item = em_window_get_selected_item (self);
  gboolean     has_position = item != NULL && isfinite (em_batch_item_get_ra (item))
                          && isfinite (em_batch_item_get_dec (item));
  guint n_peers = connected ? g_list_model_get_n_items (em_samp_client_get_peers (self->samp)) : 0;
  g_autofree char *text = NULL;

  if (self->samp == NULL)
    text = g_strdup (_ ("SAMP is off"));
  else if (!connected)
    text = g_strdup (_ ("No SAMP hub: start TOPCAT or Aladin, Emissary connects by itself"));
  else
    /* Translators: SAMP status with the number of other clients */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Connected to the SAMP hub, %u client",
                                         "Connected to the SAMP hub, %u clients", n_peers),
                            n_peers);
  gtk_label_set_text (self->samp_status, text);
  gtk_menu_button_set_icon_name (self->samp_button, connected ? "network-transmit-receive-symbolic"
                                                              : "network-offline-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->samp_button), text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-in-aladin",
                                 connected && has_position);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send-spectrum",
                                 connected && item != NULL
                                     && em_batch_item_get_source_path (item) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send-batch",
                                 connected && self->batch != NULL
                                     && g_list_model_get_n_items (self->batch) > 0);
}

static void
on_samp_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (EmWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!em_samp_client_send_finish (EM_SAMP_CLIENT (source), result, NULL, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    toast (self, error->message);
}

static void
on_samp_notified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_auto (GStrv) ids = NULL;
  g_autoptr (GError) error = NULL;

  /* Following the selection is best effort: nobody listening is fine. */
  ids = em_samp_client_notify_finish (EM_SAMP_CLIENT (source), result, &error);
  if (ids == NULL && error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("SAMP notification: %s", error->message);
}

static void
on_rows_selected (EmSampClient *client,
                  const char   *table_id,
                  GStrv         ids,
                  const char   *sender_id,
                  EmWindow     *self)
{
  guint n;

  if (self->batch == NULL || ids == NULL || ids[0] == NULL
      || g_strcmp0 (table_id, self->batch_table_id) != 0)
    return;
  n = g_list_model_get_n_items (self->batch);
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (em_batch_item_get_id (get_item (self, i)), ids[0]) == 0)
      {
        em_batch_grid_set_selected (self->batch_grid, i);
        return;
      }
}

/* TOPCAT's "activate row" highlights it: select it here too. */
static void
on_row_highlighted (EmSampClient *client,
                    const char   *table_id,
                    const char   *id,
                    const char   *sender_id,
                    EmWindow     *self)
{
  const char *ids[] = { id, NULL };

  on_rows_selected (client, table_id, (GStrv)ids, sender_id, self);
}

static void
samp_follow (EmWindow *self, EmBatchItem *item)
{
  guint position = em_batch_grid_get_selected (self->batch_grid);

  if (!self->follow_selection || self->samp == NULL || item == NULL
      || !em_samp_client_get_connected (self->samp))
    return;
  if (isfinite (em_batch_item_get_ra (item)) && isfinite (em_batch_item_get_dec (item)))
    em_samp_client_notify_async (
        self->samp, NULL,
        em_samp_msg_coord_point_at_sky (em_batch_item_get_ra (item), em_batch_item_get_dec (item)),
        self->samp_cancellable, on_samp_notified, NULL);
  if (self->batch_table_id != NULL && position != GTK_INVALID_LIST_POSITION)
    em_samp_client_notify_async (
        self->samp, NULL,
        em_samp_msg_table_highlight_row (self->batch_table_id, self->batch_table_url, position),
        self->samp_cancellable, on_samp_notified, NULL);
}

/* The SAMP client windows send through (NULL: none); the application owns
 * one for all its windows. */
void
em_window_set_samp (EmWindow *self, EmSampClient *client)
{
  g_return_if_fail (EM_IS_WINDOW (self));

  if (self->samp != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->samp, self);
      g_signal_handlers_disconnect_by_data (em_samp_client_get_peers (self->samp), self);
    }
  g_set_object (&self->samp, client);
  gtk_list_box_bind_model (self->samp_peers, client ? em_samp_client_get_peers (client) : NULL,
                           peer_row, NULL, NULL);
  if (client != NULL)
    {
      g_signal_connect_swapped (client, "notify::connected", G_CALLBACK (samp_update), self);
      g_signal_connect_swapped (em_samp_client_get_peers (client), "items-changed",
                                G_CALLBACK (samp_update), self);
      g_signal_connect (client, "rows-selected", G_CALLBACK (on_rows_selected), self);
      g_signal_connect (client, "row-highlighted", G_CALLBACK (on_row_highlighted), self);
    }
  samp_update (self);
}

static void
action_show_in_aladin (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow    *self = EM_WINDOW (widget);
  EmBatchItem *item = em_window_get_selected_item (self);

  if (item == NULL || self->samp == NULL)
    return;
  /* Aladin loads the HiPS survey of the preferences around it (an
   * Aladin script: only Aladin subscribes), then every client that
   * takes positions points there. */
  {
    g_autofree char *script = em_samp_aladin_hips_script (
        self->hips_survey, em_batch_item_get_ra (item), em_batch_item_get_dec (item));

    if (script != NULL)
      em_samp_client_notify_async (self->samp, NULL, em_samp_msg_script_aladin_send (script),
                                   self->samp_cancellable, on_samp_notified, NULL);
    else if (self->hips_survey != NULL && self->hips_survey[0] != '\0')
      {
        /* Translators: %s is the HiPS identifier of the preferences */
        g_autofree char *text = g_strdup_printf (
            _ ("“%s” is no HiPS identifier Aladin can load (see Preferences)"), self->hips_survey);

        toast (self, text);
      }
  }
  em_samp_client_send_async (
      self->samp, NULL,
      em_samp_msg_coord_point_at_sky (em_batch_item_get_ra (item), em_batch_item_get_dec (item)),
      SAMP_TIMEOUT, self->samp_cancellable, on_samp_sent, g_object_ref (self));
}

static void
action_send_spectrum (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow        *self = EM_WINDOW (widget);
  EmBatchItem     *item = em_window_get_selected_item (self);
  const char      *path;
  g_autofree char *url = NULL;

  if (item == NULL || self->samp == NULL || (path = em_batch_item_get_source_path (item)) == NULL)
    return;
  url = em_samp_file_url (path);
  em_samp_client_send_async (
      self->samp, NULL,
      em_samp_msg_spectrum_load_ssa (url, em_batch_item_get_id (item), em_batch_item_get_id (item),
                                     em_samp_spectrum_format_for (path), NULL),
      SAMP_TIMEOUT, self->samp_cancellable, on_samp_sent, g_object_ref (self));
}

/* The batch as a VOTable (one row per spectrum, in grid order, so that
 * row i is position i). */
static EmVotable *
batch_votable (EmWindow *self)
{
  EmVotable *t = em_votable_new ("emissary_batch");
  guint      n = g_list_model_get_n_items (self->batch);
  guint      c_id, c_desig, c_ra, c_pred, c_prob, c_score, c_label;

  c_id = em_votable_add_field (t, "id", EM_VOTABLE_CHAR, "*", NULL, "meta.id;meta.main", NULL,
                               "Spectrum id");
  c_desig = em_votable_add_field (t, "designation", EM_VOTABLE_CHAR, "*", NULL, "meta.id", NULL,
                                  "Survey designation");
  c_ra = em_votable_add_radec_fields (t, "ra", "dec");
  c_pred = em_votable_add_field (t, "predicted_class", EM_VOTABLE_CHAR, "*", NULL,
                                 "meta.code.class", NULL, "Class predicted by the network");
  c_prob = em_votable_add_field (t, "probability", EM_VOTABLE_DOUBLE, NULL, NULL,
                                 "stat.probability", NULL, "Probability of the predicted class");
  c_score = em_votable_add_field (t, "score", EM_VOTABLE_DOUBLE, NULL, NULL, "stat.value", NULL,
                                  "Query score (higher: asked first)");
  c_label = em_votable_add_field (t, "label", EM_VOTABLE_CHAR, "*", NULL, "meta.code.class", NULL,
                                  "Label given by the oracle");
  for (guint i = 0; i < n; i++)
    {
      EmBatchItem *item = get_item (self, i);
      gsize        row = em_votable_add_row (t);
      int          predicted = em_batch_item_get_predicted (item);
      int          label = em_batch_item_get_label (item);

      em_votable_set_string (t, row, c_id, em_batch_item_get_id (item));
      if (em_batch_item_get_designation (item) != NULL)
        em_votable_set_string (t, row, c_desig, em_batch_item_get_designation (item));
      em_votable_set_double (t, row, c_ra, em_batch_item_get_ra (item));
      em_votable_set_double (t, row, c_ra + 1, em_batch_item_get_dec (item));
      if (predicted >= 0)
        {
          em_votable_set_string (t, row, c_pred, em_batch_item_get_classes (item)[predicted]);
          em_votable_set_double (t, row, c_prob,
                                 em_batch_item_get_probability (item, (guint)predicted));
        }
      em_votable_set_double (t, row, c_score, em_batch_item_get_score (item));
      if (label >= 0)
        em_votable_set_string (t, row, c_label, em_batch_item_get_classes (item)[label]);
    }
  return t;
}

static void
action_send_batch (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow *self = EM_WINDOW (widget);
  g_autoptr (EmVotable) table = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "emissary", NULL);
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  guint            n;

  if (self->batch == NULL || self->samp == NULL)
    return;
  n = g_list_model_get_n_items (self->batch);
  table = batch_votable (self);
  /* One file per window and iteration: TOPCAT may read it later. */
  file = g_strdup_printf ("batch-%p-%u.xml", (void *)self, self->iteration);
  path = g_build_filename (dir, file, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0 || !em_votable_write_file (table, path, &error))
    {
      g_autofree char *text = g_strdup_printf (_ ("Cannot write %s: %s"), path,
                                               error ? error->message : g_strerror (errno));
      toast (self, text);
      return;
    }
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ids, (gpointer)em_batch_item_get_id (get_item (self, i)));
  g_ptr_array_add (ids, NULL);

  g_clear_pointer (&self->batch_table_id, g_free);
  g_free (self->batch_table_url);
  self->batch_table_url = em_samp_file_url (path);
  /* Translators: table name in TOPCAT; %u is the iteration */
  name = g_strdup_printf (_ ("Emissary batch %u"), self->iteration);
  em_samp_client_send_table_async (self->samp, NULL, self->batch_table_url, name,
                                   (const char *const *)ids->pdata, &self->batch_table_id,
                                   SAMP_TIMEOUT, self->samp_cancellable, on_samp_sent,
                                   g_object_ref (self));
}

/* The SAMP table id of the batch as last sent, NULL before. */
const char *
em_window_get_batch_table_id (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return self->batch_table_id;
}

static void
show_item (EmWindow *self, EmBatchItem *item)
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
  simbad_schedule (self, item);
  samp_follow (self, item);
  samp_update (self);

  /* The selected one first, then what labelling or stepping shows next,
   * so that the next spectrum is in memory before it is asked for. */
  request_spectrum (self, item);
  if (position != GTK_INVALID_LIST_POSITION)
    {
      request_spectrum (self, get_item (self, next_unlabelled (self, position, FALSE)));
      request_spectrum (self, get_item (self, position + 1));
      if (position > 0)
        request_spectrum (self, get_item (self, position - 1));
    }
}

static void
on_selected_changed (EmWindow *self)
{
  show_item (self, get_item (self, em_batch_grid_get_selected (self->batch_grid)));
  update_batch_label (self);
}

static void
on_class_button_clicked (GtkButton *button, EmWindow *self)
{
  guint k = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "em-class"));

  gtk_widget_activate_action (GTK_WIDGET (self), "win.label", "u", k);
}

static void
rebuild_class_buttons (EmWindow *self)
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
static void
show_batch (EmWindow *self, GListModel *items, guint iteration, const char *const *classes)
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
  rebuild_class_buttons (self);

  em_batch_grid_set_model (self->batch_grid, items);
  first = next_unlabelled (self, items != NULL ? g_list_model_get_n_items (items) - 1 : 0, TRUE);
  if (first == GTK_INVALID_LIST_POSITION)
    first = 0;
  em_batch_grid_set_selected (self->batch_grid, first);
  on_selected_changed (self);
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
  show_batch (self, items, iteration, classes);
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
  return get_item (self, em_batch_grid_get_selected (self->batch_grid));
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

/* ---- labels to the database ------------------------------------------ */

typedef enum
{
  WRITE_LABEL,
  WRITE_UNDO,
  WRITE_IMPORT, /* labels from a CSV file (path) */
  WRITE_EXPORT, /* the labelled set to a file (path) */
} WriteKind;

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

static void show_estimate (EmWindow *self, EmEstimateReport *report);
static void import_done (EmWindow *self, WriteJob *job);
static void export_done (EmWindow *self, WriteJob *job);

static gboolean
write_done (gpointer data)
{
  WriteJob *job = data;
  EmWindow *self = job->window;

  g_atomic_int_dec_and_test (&self->pending_writes);
  if (job->report != NULL && self->showing_sample && self->main_stack != NULL)
    show_estimate (self, g_steal_pointer (&job->report));
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
      EmBatchItem *item = get_item (self, job->position);

      if (item != NULL && job->kind == WRITE_LABEL
          && g_strcmp0 (em_batch_item_get_id (item), job->id) == 0)
        em_batch_item_set_label (item, job->previous);
      toast (self, text);
      update_batch_label (self);
    }
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
  g_main_context_invoke (NULL, write_done, job);
}

static void
queue_write (EmWindow   *self,
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
  queue_write (self, WRITE_LABEL, spectrum_id, class_name, G_MAXUINT, -1);
}

/* Whether label writes are still under way (tests, and training waits). */
gboolean
em_window_is_writing (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), FALSE);
  return g_atomic_int_get (&self->pending_writes) > 0;
}

/* ---- the precision sample --------------------------------------------- */

static void
update_sample_actions (EmWindow *self)
{
  gboolean idle = self->exp != NULL && !self->sampling;

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
static void
show_estimate (EmWindow *self, EmEstimateReport *report)
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
  update_sample_actions (self);
}

typedef enum
{
  SAMPLE_DRAW,   /* draw a new sample, then show it */
  SAMPLE_RESUME, /* show the latest sample */
  SAMPLE_PROBE,  /* only evaluate the latest sample */
} SampleMode;

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
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->main_stack != NULL)
        {
          g_autofree char *text = g_strdup_printf (_ ("No precision sample: %s"), error->message);
          toast (self, text);
          update_sample_actions (self);
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
      update_sample_actions (self);
      return;
    }

  {
    /* the scheme of the window's batch, which may be a copy of ours */
    g_auto (GStrv) classes = g_strdupv (self->classes);

    self->showing_sample = TRUE;
    self->sample_number = job->sample;
    self->estimate_announced = FALSE;
    show_batch (self, G_LIST_MODEL (job->store), job->iteration, (const char *const *)classes);
  }
  gtk_widget_set_visible (self->sample_bar, TRUE);
  show_estimate (self, g_steal_pointer (&job->report));
  update_batch_label (self);
  gtk_window_present (GTK_WINDOW (self));
}

typedef struct
{
  EmWindow  *window; /* a reference */
  SampleMode mode;
  guint      n;
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

  if (self->main_stack == NULL) /* the window went */
    {
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
  g_task_run_in_thread (task, sample_thread);
  g_object_unref (r->window);
  g_free (r);
  return G_SOURCE_REMOVE;
}

static void
start_sample_task (EmWindow *self, SampleMode mode, guint n)
{
  SampleRequest *r;

  if (self->exp == NULL || self->sampling)
    return;
  self->sampling = TRUE;
  update_sample_actions (self);
  r = g_new0 (SampleRequest, 1);
  r->window = g_object_ref (self);
  r->mode = mode;
  r->n = n;
  g_timeout_add (10, run_sample_task, r);
}

static void
on_sample_size_response (AdwMessageDialog *dialog, const char *response, EmWindow *self)
{
  GtkSpinButton *spin = g_object_get_data (G_OBJECT (dialog), "em-sample-size");

  if (g_str_equal (response, "draw"))
    start_sample_task (self, SAMPLE_DRAW, (guint)gtk_spin_button_get_value_as_int (spin));
  else if (g_str_equal (response, "resume"))
    start_sample_task (self, SAMPLE_RESUME, 0);
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
    start_sample_task (self, SAMPLE_DRAW, n);
}

static void
action_resume_precision_sample (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  start_sample_task (EM_WINDOW (widget), SAMPLE_RESUME, 0);
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
        EmBatchItem *item = get_item (self, i);

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
static void
on_estimate_requested (EmWindow *self)
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

static void
on_hips_survey_changed (GSettings *settings, const char *key, EmWindow *self)
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

/* ---- training --------------------------------------------------------- */

static void
update_train_actions (EmWindow *self)
{
  guint    n = self->batch != NULL ? g_list_model_get_n_items (self->batch) : 0;
  gboolean complete = n > 0 && count_labelled (self) == n;

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
  gtk_revealer_set_reveal_child (self->train_revealer, FALSE);
  if (!em_tasks_iterate_finish (result, &batch, &iteration, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, _ ("Training cancelled: the experiment is as it was"));
      else
        {
          g_autofree char *text = g_strdup_printf (_ ("Training failed: %s"), error->message);
          toast (self, text);
        }
      update_train_actions (self);
      return;
    }
  em_window_set_batch (self, G_LIST_MODEL (batch), iteration, (const char *const *)self->classes);
  {
    /* Translators: after an iteration: its number and the new batch size */
    g_autofree char *text
        = g_strdup_printf (_ ("Iteration %u: a new batch of %u spectra"), iteration,
                           g_list_model_get_n_items (G_LIST_MODEL (batch)));
    toast (self, text);
  }
  update_train_actions (self);
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
  g_signal_connect_object (view, "estimate-precision", G_CALLBACK (on_estimate_requested), self,
                           G_CONNECT_SWAPPED);
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
  self->last_epoch = -1;
  g_clear_pointer (&self->train_phase, g_free);
  em_loss_curve_clear (self->loss_curve);
  gtk_progress_bar_set_fraction (self->train_progress, 0.0);
  gtk_label_set_text (self->train_label, _ ("Gathering the labelled spectra…"));
  gtk_revealer_set_reveal_child (self->train_revealer, TRUE);
  update_train_actions (self);
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

/* ---- actions ---------------------------------------------------------- */

static void
action_label (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow    *self = EM_WINDOW (widget);
  guint        k = g_variant_get_uint32 (parameter);
  guint        position = em_batch_grid_get_selected (self->batch_grid);
  EmBatchItem *item = get_item (self, position);
  UndoStep     step;
  guint        next;

  if (item == NULL || k >= em_batch_item_get_n_classes (item) || self->classes == NULL
      || k >= g_strv_length (self->classes))
    return;
  step.position = position;
  step.previous = em_batch_item_get_label (item);
  g_array_append_val (self->undo_steps, step);
  em_batch_item_set_label (item, (int)k);
  queue_write (self, WRITE_LABEL, em_batch_item_get_id (item), self->classes[k], position,
               step.previous);

  next = next_unlabelled (self, position, FALSE);
  if (next != GTK_INVALID_LIST_POSITION)
    em_batch_grid_set_selected (self->batch_grid, next);
  update_batch_label (self);
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
  item = get_item (self, step.position);
  queue_write (self, WRITE_UNDO, NULL, NULL, step.position, -1);
  if (item != NULL)
    {
      em_batch_item_set_label (item, step.previous);
      em_batch_grid_set_selected (self->batch_grid, step.position);
    }
  update_batch_label (self);
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
  g_signal_connect_object (view, "estimate-precision", G_CALLBACK (on_estimate_requested), self,
                           G_CONNECT_SWAPPED);
  gtk_window_set_transient_for (GTK_WINDOW (view), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (view));
}

static void
action_zoom_halpha (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  em_spectrum_plot_set_x_range (EM_WINDOW (widget)->plot, 6519.0, 6732.0);
}

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
      update_title (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPERIMENT_PATH]);
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
  update_train_actions (self);
  /* an unfinished precision sample is offered for resuming */
  start_sample_task (self, SAMPLE_PROBE, 0);
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
  update_title (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPERIMENT_PATH]);

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

/* Closes the open experiment (or stops one opening) so that it can be
 * renamed, deleted or replaced; refused with a toast while this window
 * trains or saves labels, which need it. */
static gboolean
release_experiment (EmWindow *self)
{
  if (self->training || em_window_is_writing (self))
    {
      toast (self, _ ("Wait until training and saving labels are done (or cancel the training)"));
      return FALSE;
    }
  g_cancellable_cancel (self->open_cancellable);
  g_clear_object (&self->open_cancellable);
  if (self->exp == NULL && self->experiment_path == NULL)
    return TRUE;
  g_clear_object (&self->batch);
  em_batch_grid_set_model (self->batch_grid, NULL);
  g_clear_pointer (&self->classes, g_strfreev);
  g_array_set_size (self->undo_steps, 0);
  g_hash_table_remove_all (self->spectra);
  g_hash_table_remove_all (self->load_errors);
  rebuild_class_buttons (self);
  show_item (self, NULL);
  g_clear_pointer (&self->exp, em_experiment_close);
  g_clear_pointer (&self->experiment_path, g_free);
  em_start_view_set_current (self->start_view, NULL);
  update_title (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPERIMENT_PATH]);
  update_batch_label (self);
  return TRUE;
}

/* Closes the experiment open in this window and shows the recent ones;
 * FALSE (and a toast) while the window trains or saves labels. */
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

/* The text of the latest toast (tests). */
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

      toast (self, text);
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
    toast (self, _ ("No experiment is open: pick one in the list"));
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
      toast (self, text);
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
  toast (self, text);
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
    toast (self, error->message);
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
    job->batch_ids[i] = g_strdup (em_batch_item_get_id (get_item (self, i)));
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
      toast (self, text);
      return;
    }
  /* Labels of the batch shown may have changed; the window's undo
   * steps no longer match the latest labels in the database. */
  for (guint i = 0; i < n && job->batch_labels != NULL; i++)
    {
      EmBatchItem *item = get_item (self, i);

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
  update_batch_label (self);

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
  toast (self, text);
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
  toast (self, text);
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

static void
em_window_dispose (GObject *object)
{
  EmWindow *self = EM_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->open_cancellable);
  g_cancellable_cancel (self->train_cancellable);
  /* Labels given must reach the database: wait for the writes queued. */
  if (self->writer != NULL)
    g_thread_pool_free (g_steal_pointer (&self->writer), FALSE, TRUE);
  g_cancellable_cancel (self->simbad_cancellable);
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

  gtk_widget_class_install_action (widget_class, "win.label", "u", action_label);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, action_undo);
  gtk_widget_class_install_action (widget_class, "win.skip", NULL, action_skip);
  gtk_widget_class_install_action (widget_class, "win.step", "i", action_step);
  gtk_widget_class_install_action (widget_class, "win.zoom-reset", NULL, action_zoom_reset);
  gtk_widget_class_install_action (widget_class, "win.show-history", NULL, action_show_history);
  gtk_widget_class_install_action (widget_class, "win.zoom-halpha", NULL, action_zoom_halpha);
  gtk_widget_class_install_property_action (widget_class, "win.normalised", "normalised");
  gtk_widget_class_install_property_action (widget_class, "win.lock-y", "y-locked");
  gtk_widget_class_install_property_action (widget_class, "win.follow-selection",
                                            "follow-selection");
  gtk_widget_class_install_action (widget_class, "win.show-in-aladin", NULL, action_show_in_aladin);
  gtk_widget_class_install_action (widget_class, "win.send-spectrum", NULL, action_send_spectrum);
  gtk_widget_class_install_action (widget_class, "win.send-batch", NULL, action_send_batch);
  gtk_widget_class_install_action (widget_class, "win.train", NULL, action_train);
  gtk_widget_class_install_action (widget_class, "win.show-candidates", NULL,
                                   action_show_candidates);
  gtk_widget_class_install_action (widget_class, "win.cancel-training", NULL,
                                   action_cancel_training);
  gtk_widget_class_install_action (widget_class, "win.estimate-precision", "u",
                                   action_estimate_precision);
  gtk_widget_class_install_action (widget_class, "win.resume-precision-sample", NULL,
                                   action_resume_precision_sample);
  gtk_widget_class_install_action (widget_class, "win.show-query-batch", NULL,
                                   action_show_query_batch);
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
  gtk_widget_class_install_action (widget_class, "win.import-labels", NULL, action_import_labels);
  gtk_widget_class_install_action (widget_class, "win.import-labels-from", "s",
                                   action_import_labels_from);
  gtk_widget_class_install_action (widget_class, "win.export-labelled", NULL,
                                   action_export_labelled);
  gtk_widget_class_install_action (widget_class, "win.export-labelled-to", "s",
                                   action_export_labelled_to);

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
  g_signal_connect_swapped (self->batch_grid, "notify::selected", G_CALLBACK (on_selected_changed),
                            self);

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
  update_batch_label (self);
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
      on_hips_survey_changed (settings, "hips-survey", self);
      g_signal_connect_object (settings, "changed::hips-survey",
                               G_CALLBACK (on_hips_survey_changed), self, 0);
      g_settings_bind (settings, "follow-selection", self, "follow-selection",
                       G_SETTINGS_BIND_DEFAULT);
      gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (settings, "window-width"),
                                   g_settings_get_int (settings, "window-height"));
      if (g_settings_get_boolean (settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }
  return self;
}
