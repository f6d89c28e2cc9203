/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "app/em-loop.h"

G_BEGIN_DECLS

/* One line of `emissary-cli simulate`: the state after an iteration. */
typedef struct
{
  guint   iteration;
  guint   train_size;      /* labelled spectra the network was trained on */
  guint   train_size_balanced; /* after SMOTE: the samples of one epoch */
  guint   epochs;          /* epochs run (early stopping may end sooner) */
  guint   candidates;
  guint   true_positives;  /* candidates whose true label is a target */
  guint   truth_targets;   /* pool spectra whose true label is a target */
  double  precision;       /* of the candidates against the truth */
  double  recall;
  double  seconds;         /* wall time of the iteration (train + score) */
  double  cpu_seconds;     /* CPU time of the process (all threads) in it */
} EmSimulateStep;

typedef void (*EmSimulateStepFunc) (const EmSimulateStep *step,
                                    gpointer              user_data);

/* Runs the method with a simulated oracle that answers from @truth_csv
 * (`id,label`; a label outside the class scheme maps to the first
 * non-target class).  If no iteration ran yet, first trains on the seed set
 * alone (iteration 0); then @iterations times: the oracle labels the current
 * query batch, and the loop iterates.  @step_func is called after every
 * iteration. */
gboolean   em_simulate_run   (EmExperiment            *exp,
                              const char              *truth_csv,
                              guint                    iterations,
                              const EmIterateOptions  *options,
                              EmSimulateStepFunc       step_func,
                              gpointer                 step_data,
                              EmProgressFunc           progress,
                              gpointer                 progress_data,
                              GCancellable            *cancellable,
                              GError                 **error);

/* The network's predictions of one iteration against a truth file. */
typedef struct
{
  guint   iteration;
  guint   predicted;       /* spectra predicted as a target class */
  guint   true_positives;  /* of which truly a target */
  guint   truth_targets;   /* pool spectra whose true label is a target */
  double  precision;       /* NAN when nothing was predicted */
  double  recall;          /* NAN when the pool holds no true target */
} EmTruthPoint;

/* Precision and recall of every completed iteration's predicted targets
 * (the network's predictions as stored; labels do not count) against
 * @truth_csv (`id,label`, as for em_simulate_run): a GArray of
 * EmTruthPoint, oldest first.  Works on a read-only experiment. */
GArray    *em_simulate_evaluate_predictions (EmExperiment  *exp,
                                             const char    *truth_csv,
                                             GError       **error);

G_END_DECLS
