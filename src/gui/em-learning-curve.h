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
/* @reports: a GPtrArray of EmEstimateReport (em_estimate_report_all);
 * drawn: the precision of all candidates of every iteration that had a
 * labelled sample.  NULL clears them. */
void       em_learning_curve_set_estimates  (EmLearningCurve *self,
                                             GPtrArray       *reports);
/* @points: a GArray of EmTruthPoint (em_simulate_evaluate_predictions),
 * matched to the iterations by number; NULL clears them.  Call after
 * em_learning_curve_set_iterations, which clears them too. */
void       em_learning_curve_set_truth      (EmLearningCurve *self,
                                             GArray          *points);
gboolean   em_learning_curve_has_truth      (EmLearningCurve *self);
/* Class names (network order) for the legend of the per-class panel,
 * drawn when some iteration stored its training set per class. */
void       em_learning_curve_set_classes    (EmLearningCurve    *self,
                                             const char *const  *names);
gboolean   em_learning_curve_has_class_sizes (EmLearningCurve *self);
guint      em_learning_curve_get_n_points   (EmLearningCurve *self);
guint      em_learning_curve_get_n_estimates (EmLearningCurve *self);
void       em_learning_curve_draw           (EmLearningCurve *self,
                                             cairo_t         *cr,
                                             int              width,
                                             int              height);

G_END_DECLS
