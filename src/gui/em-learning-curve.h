/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EM_TYPE_LEARNING_CURVE (em_learning_curve_get_type ())

G_DECLARE_FINAL_TYPE (EmLearningCurve, em_learning_curve, EM, LEARNING_CURVE, GtkWidget)

GtkWidget *em_learning_curve_new            (void);
/* @iterations: a GPtrArray of EmIterationInfo (em_experiment_get_iterations),
 * copied; NULL clears the chart. */
void       em_learning_curve_set_iterations (EmLearningCurve *self,
                                             GPtrArray       *iterations);
guint      em_learning_curve_get_n_points   (EmLearningCurve *self);
void       em_learning_curve_draw           (EmLearningCurve *self,
                                             cairo_t         *cr,
                                             int              width,
                                             int              height);

G_END_DECLS
