/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <math.h>

#include "app/em-estimate.h"
#include "app/em-ingest.h"
#include "app/em-loop.h"
#include "app/em-pool.h"
#include "gui/em-batch-item.h"
#include "gui/em-tasks.h"
#include "spectra/em-demo.h"
#include "spectra/em-spectrum-read.h"

/* ---- progress from a worker to the caller's context ------------------- */

/* Not g_main_context_invoke(): that runs @func at once, on the worker,
 * whenever the worker can take the context because no thread owns it (a
 * test iterating the context by hand, between two iterations). */
void
em_tasks_post (GMainContext *context, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, context);
  g_source_unref (source);
}

typedef struct
{
  GMainContext  *context;
  EmTaskProgress callback;
  gpointer       data;
  GMutex         lock;
  double         fraction;
  char          *message;
  gboolean       scheduled;
  double         base; /* the part of the whole this phase maps onto */
  double         scale;
} Hop;

static Hop *
hop_new (EmTaskProgress callback, gpointer data)
{
  Hop *hop = g_atomic_rc_box_new0 (Hop);

  hop->context = g_main_context_ref_thread_default ();
  hop->callback = callback;
  hop->data = data;
  hop->scale = 1.0;
  g_mutex_init (&hop->lock);
  return hop;
}

static void
hop_clear (gpointer data)
{
  Hop *hop = data;

  g_main_context_unref (hop->context);
  g_free (hop->message);
  g_mutex_clear (&hop->lock);
}

static void
hop_unref (Hop *hop)
{
  g_atomic_rc_box_release_full (hop, hop_clear);
}

static gboolean
hop_dispatch (gpointer data)
{
  Hop             *hop = data;
  g_autofree char *message = NULL;
  double           fraction;

  g_mutex_lock (&hop->lock);
  fraction = hop->fraction;
  message = g_steal_pointer (&hop->message);
  hop->scheduled = FALSE;
  g_mutex_unlock (&hop->lock);
  if (hop->callback != NULL)
    hop->callback (fraction, message, hop->data);
  return G_SOURCE_REMOVE;
}

/* EmProgressFunc for the app/ layer, in the worker thread: keeps only the
 * latest value and schedules one dispatch at a time. */
static void
hop_progress (double fraction, const char *message, gpointer user_data)
{
  Hop     *hop = user_data;
  gboolean schedule;

  g_mutex_lock (&hop->lock);
  hop->fraction = fraction >= 0 ? hop->base + hop->scale * fraction : -1.0;
  g_free (hop->message);
  hop->message = g_strdup (message);
  schedule = !hop->scheduled;
  hop->scheduled = TRUE;
  g_mutex_unlock (&hop->lock);
  if (schedule)
    em_tasks_post (hop->context, hop_dispatch, g_atomic_rc_box_acquire (hop),
                   (GDestroyNotify)hop_unref);
}

static void
hop_phase (Hop *hop, double base, double scale)
{
  g_mutex_lock (&hop->lock);
  hop->base = base;
  hop->scale = scale;
  g_mutex_unlock (&hop->lock);
}

/* ---- reading spectra -------------------------------------------------- */

static GMutex read_lock;

EmSpectrum *
em_tasks_read_spectrum (const char *path, GError **error)
{
  gboolean    serial = !em_spectrum_read_is_thread_safe ();
  EmSpectrum *spectrum;

  if (serial)
    g_mutex_lock (&read_lock);
  spectrum = em_spectrum_read (path, error);
  if (serial)
    g_mutex_unlock (&read_lock);
  return spectrum;
}

/* ---- the batch -------------------------------------------------------- */

/* @qb's spectra as batch items, with each one's window and metadata read
 * from the pool (a row not known to @qb is looked up by id). */
static GListStore *
store_from_batch (EmExperiment *exp, EmQueryBatch *qb, GError **error)
{
  g_autoptr (EmPool) pool = NULL;
  g_autoptr (GListStore) store = g_list_store_new (EM_TYPE_BATCH_ITEM);
  g_autoptr (GPtrArray) classes = g_ptr_array_new ();
  g_autofree float  *fluxes = NULL;
  g_autofree double *probs = NULL;
  guint              n_classes = em_experiment_get_n_classes (exp), n_fluxes;

  pool = em_pool_open (em_experiment_get_pool_path (exp), error);
  if (pool == NULL)
    return NULL;
  n_fluxes = em_pool_get_n_fluxes (pool);
  fluxes = g_new (float, MAX (n_fluxes, 1));
  probs = g_new (double, MAX (n_classes, 1));
  for (guint k = 0; k < n_classes; k++)
    g_ptr_array_add (classes, (gpointer)em_experiment_get_class (exp, k));
  g_ptr_array_add (classes, NULL);

  for (guint i = 0; i < qb->n_items; i++)
    {
      const EmQueryItem *q = &qb->items[i];
      g_autoptr (EmPoolRow) row = NULL;
      g_autoptr (EmBatchItem) item = NULL;
      gint64 r = q->row;

      if (r < 0)
        {
          GError *local = NULL;

          r = em_pool_find_id (pool, q->spectrum_id, &local);
          if (r < 0)
            {
              if (local != NULL)
                g_propagate_error (error, local);
              else
                g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND,
                             _ ("Spectrum %s is not in the pool %s"), q->spectrum_id,
                             em_experiment_get_pool_path (exp));
              return NULL;
            }
        }
      if (!em_pool_read_fluxes (pool, (guint64)r, 1, fluxes, error))
        return NULL;
      row = em_pool_get_row (pool, (guint64)r, error);
      if (row == NULL)
        return NULL;
      for (guint k = 0; k < n_classes; k++)
        probs[k] = q->probabilities != NULL ? q->probabilities[k] : NAN;
      item = em_batch_item_new (q->spectrum_id, r, fluxes, n_fluxes,
                                (const char *const *)classes->pdata,
                                q->probabilities != NULL ? probs : NULL, q->score);
      em_batch_item_set_metadata (item, row->designation, isfinite (q->ra) ? q->ra : row->ra,
                                  isfinite (q->dec) ? q->dec : row->dec, row->snr,
                                  row->survey_class);
      em_batch_item_set_source_path (item, row->source_path);
      if (q->label != NULL)
        em_batch_item_set_label (item, em_experiment_find_class (exp, q->label));
      g_list_store_append (store, item);
    }
  return g_steal_pointer (&store);
}

GListStore *
em_tasks_load_batch (EmExperiment *exp, guint *iteration, GError **error)
{
  g_autoptr (EmQueryBatch) qb = NULL;
  GListStore *store;
  GError     *local = NULL;

  qb = em_experiment_get_query_batch (exp, &local);
  if (qb == NULL)
    {
      if (local != NULL)
        {
          g_propagate_error (error, local);
          return NULL;
        }
      if (iteration != NULL)
        *iteration = 0;
      return g_list_store_new (EM_TYPE_BATCH_ITEM); /* no iteration yet */
    }
  store = store_from_batch (exp, qb, error);
  if (store != NULL && iteration != NULL)
    *iteration = qb->iteration;
  return store;
}

GListStore *
em_tasks_load_sample (EmExperiment *exp, int *sample, guint *iteration, GError **error)
{
  g_autoptr (EmQueryBatch) qb = NULL;
  GListStore *store;
  GError     *local = NULL;

  qb = em_estimate_get_sample_batch (exp, sample, &local);
  if (qb == NULL)
    {
      if (local != NULL)
        g_propagate_error (error, local);
      else
        g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND,
                     _ ("No precision sample was drawn in “%s” yet"), em_experiment_get_dir (exp));
      return NULL;
    }
  store = store_from_batch (exp, qb, error);
  if (store != NULL && iteration != NULL)
    *iteration = qb->iteration;
  return store;
}

typedef struct
{
  GListStore *batch;
  guint       iteration;
} BatchResult;

static void
batch_result_free (BatchResult *r)
{
  g_clear_object (&r->batch);
  g_free (r);
}

/* ---- opening ---------------------------------------------------------- */

void
em_demo_options_init (EmDemoOptions *options)
{
  memset (options, 0, sizeof *options);
  options->n_pool = 3000;
  options->n_seed = 1500;
  options->seed = 1;
  /* The method's network, but at most 10 epochs per iteration in the
   * demo experiment (the cap is stored in it): the first start then
   * takes minutes on two cores, not a quarter of an hour.  Experiments
   * the user creates keep the method's 30 with early stopping. */
  options->max_epochs = 10;
}

typedef struct
{
  char         *path;
  gboolean      make_demo;
  EmDemoOptions demo;
  char         *preset;
  Hop          *hop;
  EmExperiment *exp; /* result */
  BatchResult  *result;
} OpenData;

static void
open_data_free (OpenData *d)
{
  g_free (d->path);
  g_free (d->preset);
  if (d->hop != NULL)
    hop_unref (d->hop);
  g_clear_pointer (&d->exp, em_experiment_close);
  if (d->result != NULL)
    batch_result_free (d->result);
  g_free (d);
}

/* The demo survey and its pool live beside the experiment folder:
 * DIR/demo-survey/ and DIR/demo-pool.fits. */
static gboolean
create_demo (OpenData *d, GCancellable *cancellable, GError **error)
{
  g_autofree char   *parent = g_path_get_dirname (d->path);
  g_autofree char   *survey = g_build_filename (parent, "demo-survey", NULL);
  g_autofree char   *pool_dir = g_build_filename (survey, "pool", NULL);
  g_autofree char   *pool = g_build_filename (parent, "demo-pool.fits", NULL);
  g_autofree char   *seed_csv = g_build_filename (survey, "seed.csv", NULL);
  const char        *sources[] = { pool_dir, NULL };
  EmIngestSummary    summary = { 0 };
  gboolean           ingested;
  EmIngestOptions    ingest;
  EmExperimentConfig config = { 0 };
  EmExperiment      *exp;

  if (g_mkdir_with_parents (parent, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _ ("Cannot create %s: %s"),
                   parent, g_strerror (saved));
      return FALSE;
    }
  hop_progress (0.0, _ ("Writing the demo survey"), d->hop);
  if (!g_file_test (seed_csv, G_FILE_TEST_EXISTS)
      && !em_demo_write (survey, d->demo.n_pool, d->demo.n_seed, d->demo.seed, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  /* Ingest is resumable: after an interrupted first start it goes on. */
  hop_phase (d->hop, 0.05, 0.15);
  em_ingest_options_init (&ingest);
  ingested
      = em_ingest_run (pool, sources, &ingest, hop_progress, d->hop, cancellable, &summary, error);
  em_ingest_summary_clear (&summary);
  if (!ingested)
    return FALSE;

  hop_phase (d->hop, 0.2, 0.0);
  hop_progress (0.0, _ ("Creating the experiment"), d->hop);
  config.seed_set_path = seed_csv;
  config.pool_path = pool;
  config.batch_size = d->demo.batch_size;
  config.preset = d->preset;
  config.max_epochs = d->demo.max_epochs;
  config.seed = d->demo.seed;
  exp = em_experiment_create (d->path, &config, error);
  if (exp == NULL)
    return FALSE;
  d->exp = exp;
  return TRUE;
}

static void
open_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  OpenData        *d = task_data;
  GError          *error = NULL;
  EmIterateOptions options = { 0 };
  BatchResult     *r;

  if (!g_file_test (d->path, G_FILE_TEST_IS_DIR) && d->make_demo)
    {
      if (!create_demo (d, cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  else
    {
      hop_progress (-1.0, _ ("Opening the experiment"), d->hop);
      d->exp = em_experiment_open (d->path, &error);
      if (d->exp == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }

  r = g_new0 (BatchResult, 1);
  d->result = r;
  r->batch = em_tasks_load_batch (d->exp, &r->iteration, &error);
  if (r->batch == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* A new experiment has no query batch yet: its first iteration (the
   * network trained on the seed set) makes one. */
  if (g_list_model_get_n_items (G_LIST_MODEL (r->batch)) == 0)
    {
      hop_phase (d->hop, d->make_demo ? 0.2 : 0.0, d->make_demo ? 0.8 : 1.0);
      if (!em_loop_iterate (d->exp, &options, hop_progress, d->hop, cancellable, NULL, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      g_clear_object (&r->batch);
      r->batch = em_tasks_load_batch (d->exp, &r->iteration, &error);
      if (r->batch == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  g_task_return_boolean (task, TRUE);
}

void
em_tasks_open_async (const char          *path,
                     const EmDemoOptions *demo,
                     EmTaskProgress       progress,
                     gpointer             progress_data,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  OpenData *d = g_new0 (OpenData, 1);

  d->path = g_strdup (path);
  d->make_demo = demo != NULL;
  if (demo != NULL)
    {
      d->demo = *demo;
      d->preset = g_strdup (demo->preset);
    }
  d->hop = hop_new (progress, progress_data);
  g_task_set_source_tag (task, em_tasks_open_async);
  g_task_set_task_data (task, d, (GDestroyNotify)open_data_free);
  g_task_run_in_thread (task, open_thread);
}

EmExperiment *
em_tasks_open_finish (GAsyncResult *result, GListStore **batch, guint *iteration, GError **error)
{
  OpenData *d = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  /* Nothing more will be reported. */
  d->hop->callback = NULL;
  if (batch != NULL)
    *batch = g_steal_pointer (&d->result->batch);
  if (iteration != NULL)
    *iteration = d->result->iteration;
  return g_steal_pointer (&d->exp);
}

/* ---- iterating -------------------------------------------------------- */

typedef struct
{
  EmExperiment *exp; /* borrowed: the window keeps it open meanwhile */
  guint         n_threads;
  Hop          *hop;
} IterateData;

static void
iterate_data_free (IterateData *d)
{
  hop_unref (d->hop);
  g_free (d);
}

static void
iterate_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  IterateData     *d = task_data;
  EmIterateOptions options = { 0 };
  GError          *error = NULL;
  BatchResult     *r;

  options.n_threads = d->n_threads;
  if (!em_loop_iterate (d->exp, &options, hop_progress, d->hop, cancellable, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  r = g_new0 (BatchResult, 1);
  r->batch = em_tasks_load_batch (d->exp, &r->iteration, &error);
  if (r->batch == NULL)
    {
      batch_result_free (r);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, r, (GDestroyNotify)batch_result_free);
}

void
em_tasks_iterate_async (EmExperiment       *exp,
                        guint               n_threads,
                        EmTaskProgress      progress,
                        gpointer            progress_data,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  IterateData *d = g_new0 (IterateData, 1);

  d->exp = exp;
  d->n_threads = n_threads;
  d->hop = hop_new (progress, progress_data);
  g_task_set_source_tag (task, em_tasks_iterate_async);
  g_task_set_task_data (task, d, (GDestroyNotify)iterate_data_free);
  g_task_run_in_thread (task, iterate_thread);
}

gboolean
em_tasks_iterate_finish (GAsyncResult *result, GListStore **batch, guint *iteration, GError **error)
{
  IterateData *d = g_task_get_task_data (G_TASK (result));
  BatchResult *r = g_task_propagate_pointer (G_TASK (result), error);

  d->hop->callback = NULL;
  if (r == NULL)
    return FALSE;
  if (batch != NULL)
    *batch = g_steal_pointer (&r->batch);
  if (iteration != NULL)
    *iteration = r->iteration;
  batch_result_free (r);
  return TRUE;
}
