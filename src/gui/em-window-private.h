/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the parts of EmWindow share (em-window.c, em-window-*.c); no
 * other file includes this. */
#pragma once

#include "app/em-estimate.h"
#include "app/em-experiment.h"
#include "gui/em-batch-grid.h"
#include "gui/em-batch-item.h"
#include "gui/em-loss-curve.h"
#include "gui/em-spectrum-plot.h"
#include "gui/em-start-view.h"
#include "gui/em-window.h"
#include "vo/em-samp-client.h"
#include "vo/em-simbad.h"

G_BEGIN_DECLS

/* Class keys 1…9 label as the first nine classes. */
#define MAX_CLASS_KEYS 9

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
  gboolean          sampling;       /* a sample task is asked for or running */
  gboolean          sample_running; /* its thread has self->exp: keep it open */
  guint             exp_generation; /* bumped when self->exp is released */
  int               sample_number;
  EmEstimateReport *estimate; /* of the latest sample, as last computed */
  gboolean          estimate_announced;
  GtkWidget        *sample_bar;
  GtkLabel         *estimate_label;
  char             *hips_survey; /* what Aladin shows around a spectrum */
  char         *last_toast; /* for tests */
};

/* What a job of the label writer (em-window-writer.c) does. */
typedef enum
{
  WRITE_LABEL,
  WRITE_UNDO,
  WRITE_IMPORT, /* labels from a CSV file (path) */
  WRITE_EXPORT, /* the labelled set to a file (path) */
} WriteKind;

/* What a sample task (em-window-sample.c) does. */
typedef enum
{
  SAMPLE_DRAW,   /* draw a new sample, then show it */
  SAMPLE_RESUME, /* show the latest sample */
  SAMPLE_PROBE,  /* only evaluate the latest sample */
} SampleMode;

/* em-window.c */
void _em_window_update_title (EmWindow *self);
void _em_window_notify_experiment_path (EmWindow *self);
void _em_window_toast (EmWindow *self, const char *text);

/* em-window-batch.c: the batch shown and the labelling actions */
EmBatchItem *_em_window_get_item (EmWindow *self, guint position);
guint        _em_window_count_labelled (EmWindow *self);
void         _em_window_update_batch_label (EmWindow *self);
void         _em_window_show_item (EmWindow *self, EmBatchItem *item);
void         _em_window_on_selected_changed (EmWindow *self);
void         _em_window_rebuild_class_buttons (EmWindow *self);
void         _em_window_show_batch (EmWindow          *self,
                                    GListModel        *items,
                                    guint              iteration,
                                    const char *const *classes);
void         _em_window_class_init_batch (GtkWidgetClass *widget_class);

/* em-window-vo.c: SIMBAD and SAMP */
void _em_window_simbad_schedule (EmWindow *self, EmBatchItem *item);
void _em_window_samp_follow (EmWindow *self, EmBatchItem *item);
void _em_window_samp_update (EmWindow *self);
void _em_window_class_init_vo (GtkWidgetClass *widget_class);

/* em-window-writer.c: labels to the database, labels as files */
void _em_window_queue_write (EmWindow   *self,
                             WriteKind   kind,
                             const char *id,
                             const char *klass,
                             guint       position,
                             int         previous);
void _em_window_class_init_writer (GtkWidgetClass *widget_class);

/* em-window-sample.c: the precision sample */
void _em_window_update_sample_actions (EmWindow *self);
void _em_window_show_estimate (EmWindow *self, EmEstimateReport *report);
void _em_window_start_sample_task (EmWindow *self, SampleMode mode, guint n);
void _em_window_on_estimate_requested (EmWindow *self);
void _em_window_on_hips_survey_changed (GSettings *settings, const char *key, EmWindow *self);
void _em_window_class_init_sample (GtkWidgetClass *widget_class);

/* em-window-training.c */
void _em_window_update_train_actions (EmWindow *self);
void _em_window_class_init_training (GtkWidgetClass *widget_class);

/* em-window-experiments.c: opening, the start page, managing experiments */
void _em_window_class_init_experiments (GtkWidgetClass *widget_class);

G_END_DECLS
