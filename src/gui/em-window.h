/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/em-estimate.h"
#include "app/em-experiment.h"
#include "gui/em-application.h"
#include "gui/em-batch-item.h"
#include "gui/em-spectrum-plot.h"
#include "gui/em-start-view.h"
#include "gui/em-tasks.h"
#include "vo/em-samp-client.h"

G_BEGIN_DECLS

#define EM_TYPE_WINDOW (em_window_get_type ())

G_DECLARE_FINAL_TYPE (EmWindow, em_window, EM, WINDOW, AdwApplicationWindow)

EmWindow       *em_window_new (EmApplication *application);
void            em_window_open_experiment (EmWindow *self, const char *path);
const char     *em_window_get_experiment_path (EmWindow *self);
char           *em_window_dup_experiment_name (EmWindow *self);
void            em_window_set_batch (EmWindow          *self,
                                     GListModel        *items,
                                     guint              iteration,
                                     const char *const *classes);
EmBatchItem    *em_window_get_selected_item (EmWindow *self);
GListModel     *em_window_get_batch (EmWindow *self);
gboolean        em_window_is_loading (EmWindow *self);
guint           em_window_get_selected (EmWindow *self);
const char     *em_window_get_batch_summary (EmWindow *self);
void            em_window_set_simbad (EmWindow *self, const char *url, double radius_arcsec);
const char     *em_window_get_simbad_status (EmWindow *self);
gboolean        em_window_is_asking_simbad (EmWindow *self);
char          **em_window_dup_simbad_ids (EmWindow *self);
void            em_window_set_samp (EmWindow *self, EmSampClient *client);
const char     *em_window_get_batch_table_id (EmWindow *self);
void            em_window_set_demo_options (EmWindow *self, const EmDemoOptions *options);
EmExperiment   *em_window_get_experiment (EmWindow *self);
gboolean        em_window_is_training (EmWindow *self);
gboolean        em_window_is_writing (EmWindow *self);
gboolean        em_window_is_busy (EmWindow *self);
EmSpectrumPlot *em_window_get_plot (EmWindow *self);
void            em_window_relabel (EmWindow *self, const char *spectrum_id, const char *class_name);
void            em_window_set_hips_survey (EmWindow *self, const char *hips_id);
gboolean        em_window_is_showing_sample (EmWindow *self);
gboolean        em_window_is_sampling (EmWindow *self);
const EmEstimateReport *em_window_get_estimate (EmWindow *self);
const char             *em_window_get_estimate_text (EmWindow *self);
gboolean        em_window_close_experiment (EmWindow *self);
EmStartView    *em_window_get_start_view (EmWindow *self);
gboolean        em_window_is_showing_start (EmWindow *self);
const char     *em_window_get_last_toast (EmWindow *self);

G_END_DECLS
