/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "app/em-experiment.h"
#include "app/em-progress.h"

G_BEGIN_DECLS


/* Phases as announced in the progress messages ("PHASE: …"):
 *   "load: …"   reading the training spectra
 *   "smote: …"  balancing the training set
 *   "train: epoch E/N loss L accuracy A"
 *   "score: R rows/s"  predicting the pool (fraction of rows done)
 *   "commit"    writing the iteration */

typedef struct
{
  const char *strategy;    /* NULL = experiment's */
  guint       batch_size;  /* 0 = experiment's */
  guint       max_epochs;  /* 0 = experiment's */
  gboolean    warm_start;  /* start from the latest checkpoint */
  gboolean    no_smote;    /* train on the unbalanced set */
  guint       n_threads;   /* 0 = all cores */
} EmIterateOptions;

/* One iteration of the method: gathers the labelled set (seed + oracle +
 * imports), balances it with SMOTE (k = 5), trains a fresh network (or
 * warm-starts), scores the unlabelled pool and stores the query batch (the
 * top-B unlabelled spectra by the strategy) and the predicted candidates.
 * Runnable from a worker thread.  Nothing is visible until the last step
 * commits the iteration in one transaction, so a cancellation (returns
 * FALSE with G_IO_ERROR_CANCELLED) or a crash leaves the experiment as it
 * was.  On success *@iteration (if not NULL) is the new iteration's number. */
gboolean     em_loop_iterate             (EmExperiment            *exp,
                                          const EmIterateOptions  *options,
                                          EmProgressFunc           progress,
                                          gpointer                 user_data,
                                          GCancellable            *cancellable,
                                          guint                   *iteration,
                                          GError                 **error);

/* em_loop_iterate in a GTask worker thread.  @progress is called from the
 * worker thread (hop to the main context before touching widgets).  @exp
 * must stay open until @callback runs; labels may be added through it
 * meanwhile (they join the next iteration). */
void         em_loop_iterate_async       (EmExperiment            *exp,
                                          const EmIterateOptions  *options,
                                          EmProgressFunc           progress,
                                          gpointer                 progress_data,
                                          GCancellable            *cancellable,
                                          GAsyncReadyCallback      callback,
                                          gpointer                 user_data);
/* Returns the new iteration's number in *@iteration (if not NULL). */
gboolean     em_loop_iterate_finish      (EmExperiment            *exp,
                                          GAsyncResult            *result,
                                          guint                   *iteration,
                                          GError                 **error);

G_END_DECLS
