/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gui/em-batch-item.h"

G_BEGIN_DECLS

#define EM_TYPE_THUMBNAIL (em_thumbnail_get_type ())

G_DECLARE_FINAL_TYPE (EmThumbnail, em_thumbnail, EM, THUMBNAIL, GtkWidget)

#define EM_THUMBNAIL_WIDTH 168
#define EM_THUMBNAIL_HEIGHT 116

GtkWidget   *em_thumbnail_new (void);
void         em_thumbnail_set_item (EmThumbnail *self, EmBatchItem *item);
EmBatchItem *em_thumbnail_get_item (EmThumbnail *self);
void         em_thumbnail_draw (EmThumbnail *self, cairo_t *cr, double width, double height);
void         em_thumbnail_class_color (int klass, gboolean dark, GdkRGBA *color);

G_END_DECLS
