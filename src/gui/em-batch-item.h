/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define EM_TYPE_BATCH_ITEM (em_batch_item_get_type ())

G_DECLARE_FINAL_TYPE (EmBatchItem, em_batch_item, EM, BATCH_ITEM, GObject)

/* One spectrum of a query batch as the grid and the labelling view need
 * it: the network's 140-point window, its prediction and query score, and
 * the oracle's label (-1 while unlabelled).  The class names are shared
 * by all the items of a batch. */
EmBatchItem       *em_batch_item_new (const char        *id,
                                      gint64             row,
                                      const float       *window,
                                      gsize              n_window,
                                      const char *const *classes,
                                      const double      *probabilities,
                                      double             score);
const char        *em_batch_item_get_id (EmBatchItem *self);
gint64             em_batch_item_get_row (EmBatchItem *self);
const float       *em_batch_item_get_window (EmBatchItem *self, gsize *n_window);
const char *const *em_batch_item_get_classes (EmBatchItem *self);
guint              em_batch_item_get_n_classes (EmBatchItem *self);
double             em_batch_item_get_probability (EmBatchItem *self, guint klass);
int                em_batch_item_get_predicted (EmBatchItem *self);
double             em_batch_item_get_score (EmBatchItem *self);
int                em_batch_item_get_label (EmBatchItem *self);
void               em_batch_item_set_label (EmBatchItem *self, int label);
const char        *em_batch_item_get_source_path (EmBatchItem *self);
void               em_batch_item_set_source_path (EmBatchItem *self, const char *path);

void        em_batch_item_set_metadata (EmBatchItem *self,
                                        const char  *designation,
                                        double       ra,
                                        double       dec,
                                        double       snr,
                                        const char  *survey_class);
const char *em_batch_item_get_designation (EmBatchItem *self);
double      em_batch_item_get_ra (EmBatchItem *self);
double      em_batch_item_get_dec (EmBatchItem *self);
double      em_batch_item_get_snr (EmBatchItem *self);
const char *em_batch_item_get_survey_class (EmBatchItem *self);

G_END_DECLS
