/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EM_TYPE_BATCH_GRID (em_batch_grid_get_type ())

G_DECLARE_FINAL_TYPE (EmBatchGrid, em_batch_grid, EM, BATCH_GRID, GtkWidget)

GtkWidget  *em_batch_grid_new (void);
void        em_batch_grid_set_model (EmBatchGrid *self, GListModel *items);
GListModel *em_batch_grid_get_model (EmBatchGrid *self);
guint       em_batch_grid_get_selected (EmBatchGrid *self);
void        em_batch_grid_set_selected (EmBatchGrid *self, guint position);

G_END_DECLS
