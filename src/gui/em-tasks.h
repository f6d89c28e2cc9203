/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The window's long operations, each a GTask run in a worker thread on
 * the app/ layer: opening (or creating the demo) experiment with its
 * current query batch, one iteration of the loop, and label writes.
 * Progress reaches the caller on its own main context, coalesced to the
 * latest value, so a fast producer never floods the main loop. */

#include <gio/gio.h>

#include "app/em-experiment.h"
#include "spectra/em-spectrum.h"

G_BEGIN_DECLS

/* Runs @func on @context (NULL: the global default one) from a worker
 * thread: always queued, never run on the worker. */
void em_tasks_post (GMainContext *context, GSourceFunc func, gpointer data, GDestroyNotify notify);

/* Called on the caller's main context. */
typedef void (*EmTaskProgress) (double fraction, const char *message, gpointer user_data);

/* How the demo experiment is made on first start. */
typedef struct
{
  guint       n_pool;     /* simulated survey spectra (default 3000) */
  guint       n_seed;     /* labelled seed set (default 1500) */
  guint64     seed;       /* default 1 */
  const char *preset;     /* network; NULL = the method's reference CNN */
  guint       max_epochs; /* 0 = the experiment's default */
  guint       batch_size; /* 0 = 100 */
} EmDemoOptions;

void em_demo_options_init (EmDemoOptions *options);

/* Opens the experiment in @path; when it does not exist and @demo is not
 * NULL, first writes the demo survey next to it, ingests it into a pool
 * and creates the experiment.  An experiment without an iteration yet
 * gets its first one.  The result: the experiment, its current query
 * batch as a GListStore of EmBatchItem, and the batch's iteration. */
void em_tasks_open_async (const char          *path,
                          const EmDemoOptions *demo,
                          EmTaskProgress       progress,
                          gpointer             progress_data,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data);
EmExperiment *
em_tasks_open_finish (GAsyncResult *result, GListStore **batch, guint *iteration, GError **error);

/* One iteration of the loop on @exp (SMOTE, training, scoring, next
 * batch), then the new batch.  Cancelling leaves the experiment as it
 * was (the loop commits in one transaction at its end). */
void     em_tasks_iterate_async (EmExperiment       *exp,
                                 guint               n_threads,
                                 EmTaskProgress      progress,
                                 gpointer            progress_data,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data);
gboolean em_tasks_iterate_finish (GAsyncResult *result,
                                  GListStore  **batch,
                                  guint        *iteration,
                                  GError      **error);

/* The current query batch of @exp with each spectrum's window and
 * metadata read from the pool (blocking: for worker threads). */
GListStore *em_tasks_load_batch (EmExperiment *exp, guint *iteration, GError **error);
/* The latest precision sample of @exp the same way (blocking), with its
 * number and the iteration whose candidates it holds; an error when no
 * sample was drawn. */
GListStore *em_tasks_load_sample (EmExperiment *exp, int *sample, guint *iteration, GError **error);

/* em_spectrum_read for worker threads: when cfitsio is built without
 * reentrancy, every window's reads take turns through one lock. */
EmSpectrum *em_tasks_read_spectrum (const char *path, GError **error);

G_END_DECLS
