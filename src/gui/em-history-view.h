/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "gui/em-learning-curve.h"

G_BEGIN_DECLS

#define EM_TYPE_HISTORY_VIEW (em_history_view_get_type ())

G_DECLARE_FINAL_TYPE (EmHistoryView, em_history_view, EM, HISTORY_VIEW, AdwWindow)

/* The columns of the history table, in display order. */
typedef enum
{
  EM_HISTORY_COLUMN_ITERATION,
  EM_HISTORY_COLUMN_STARTED,
  EM_HISTORY_COLUMN_STRATEGY,
  EM_HISTORY_COLUMN_TRAIN_SIZE,
  EM_HISTORY_COLUMN_TRAIN_PER_CLASS, /* "absorption 900 · emission 80 · …", "—" if not stored */
  EM_HISTORY_COLUMN_TRAIN_BALANCED,
  EM_HISTORY_COLUMN_EPOCHS,
  EM_HISTORY_COLUMN_LOSS,
  EM_HISTORY_COLUMN_ACCURACY,
  EM_HISTORY_COLUMN_SECONDS_TRAIN,
  EM_HISTORY_COLUMN_SECONDS_SCORE,
  EM_HISTORY_COLUMN_CANDIDATES,
  EM_HISTORY_COLUMN_PRECISION, /* of the iteration's latest labelled sample */
  EM_HISTORY_COLUMN_INTERVAL,  /* its Wilson 95 % interval */
  EM_HISTORY_COLUMN_LOWER,     /* the method's one-sided 95 % lower limit */
  EM_HISTORY_N_COLUMNS
} EmHistoryColumn;

EmHistoryView   *em_history_view_new          (void);
/* Reads the iterations and the precision estimates of the experiment in @dir (opened read-only, so a
 * running iteration in the main window is not disturbed). */
gboolean         em_history_view_load         (EmHistoryView  *self,
                                               const char     *dir,
                                               GError        **error);
/* Draws the precision and recall of each iteration's predictions against
 * @truth_csv (`id,label`) too; NULL removes them.  Call after _load. */
gboolean         em_history_view_set_truth    (EmHistoryView  *self,
                                               const char     *truth_csv,
                                               GError        **error);
guint            em_history_view_get_n_rows   (EmHistoryView  *self);
/* The text shown in a cell (free it); NULL when out of range. */
char            *em_history_view_dup_cell     (EmHistoryView  *self,
                                               guint           row,
                                               EmHistoryColumn column);
GtkColumnView   *em_history_view_get_table    (EmHistoryView  *self);
EmLearningCurve *em_history_view_get_chart    (EmHistoryView  *self);

G_END_DECLS
