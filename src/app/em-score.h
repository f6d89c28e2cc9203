/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "app/em-pool.h"
#include "app/em-progress.h"
#include "nn/nn.h"

G_BEGIN_DECLS

/* Inputs (set before em_pool_score, after em_score_result_init) and
 * outputs of scoring a pool. */
typedef struct
{
  /* in */
  gboolean      keep_probs;     /* keep probs/scores of every row in memory */
  const guint8 *exclude;        /* optional, n_rows flags: rows never in the top
                                 * (e.g. already labelled); NULL = none */
  guint         mc_samples;     /* BALD: stochastic forward passes (0 = 20) */

  /* out */
  guint64  n_rows;
  guint    n_classes;
  guint    n_top;               /* <= top_b: fewer when the pool is smaller */
  guint64 *top_rows;            /* n_top row indices, best first */
  char   **top_ids;             /* n_top ids, NULL-terminated */
  double  *top_scores;          /* n_top query scores */
  float   *probs;               /* n_rows × n_classes (keep_probs), else NULL */
  float   *scores;              /* n_rows query scores (keep_probs), else NULL */
  double   seconds;
} EmScoreResult;

void     em_score_result_init  (EmScoreResult *result);
void     em_score_result_clear (EmScoreResult *result);

/* Streams every row of @pool through @model in large batches (a reader
 * thread fills the next batch while the network runs on the current one;
 * memory stays bounded whatever the pool size), scores each row with
 * @strategy, keeps the @top_b best (ties: lower row first) and, when
 * @output_path is not NULL, writes per-row class probabilities and the score
 * (CSV when the name ends in .csv, else a FITS binary table: ROW, ID,
 * PROB nE, SCORE, with the class names in the header).  The model's input
 * length must equal the pool's grid length. */
gboolean em_pool_score (EmPool           *pool,
                        NnModel          *model,
                        NnQueryStrategy   strategy,
                        const char       *output_path,
                        guint             top_b,
                        EmScoreResult    *result,
                        EmProgressFunc    progress,
                        gpointer          user_data,
                        GCancellable     *cancellable,
                        GError          **error);

G_END_DECLS
