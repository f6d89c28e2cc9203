/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EM_TYPE_LOSS_CURVE (em_loss_curve_get_type ())

G_DECLARE_FINAL_TYPE (EmLossCurve, em_loss_curve, EM, LOSS_CURVE, GtkWidget)

GtkWidget *em_loss_curve_new (void);
void       em_loss_curve_clear (EmLossCurve *self);
void       em_loss_curve_add (EmLossCurve *self, double loss);
guint      em_loss_curve_get_n (EmLossCurve *self);
void       em_loss_curve_draw (EmLossCurve *self, cairo_t *cr, int width, int height);

G_END_DECLS
