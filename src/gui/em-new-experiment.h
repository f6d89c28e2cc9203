/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "gui/em-application.h"

G_BEGIN_DECLS

#define EM_TYPE_NEW_EXPERIMENT (em_new_experiment_get_type ())

G_DECLARE_FINAL_TYPE (EmNewExperiment, em_new_experiment, EM, NEW_EXPERIMENT, AdwWindow)

/* The "New Experiment" dialog (app.new-experiment), modal to @parent.
 * Its actions: assistant.create, assistant.cancel (cancels the work in
 * progress, else closes).  The setters do what the file choosers and
 * rows do, for scripts and tests. */
EmNewExperiment *em_new_experiment_new (EmApplication *application, GtkWindow *parent);

void em_new_experiment_set_name (EmNewExperiment *self, const char *name);
void em_new_experiment_set_folder (EmNewExperiment *self, const char *folder);
void em_new_experiment_set_seed_csv (EmNewExperiment *self, const char *path);
void
em_new_experiment_set_seed_fits (EmNewExperiment *self, const char *folder, const char *labels_csv);
void em_new_experiment_set_pool (EmNewExperiment *self, const char *path);
void em_new_experiment_set_survey (EmNewExperiment *self, const char *folder);
void em_new_experiment_set_classes (EmNewExperiment *self, const char *classes);
void em_new_experiment_set_preset (EmNewExperiment *self, const char *preset);
void em_new_experiment_set_batch_size (EmNewExperiment *self, guint batch_size);
void em_new_experiment_set_max_epochs (EmNewExperiment *self, guint max_epochs);

/* FOLDER/NAME.emissary, the folder that Create makes (free it). */
char    *em_new_experiment_dup_path (EmNewExperiment *self);
gboolean em_new_experiment_is_busy (EmNewExperiment *self);
/* The error shown in the dialog, or NULL. */
const char *em_new_experiment_get_error (EmNewExperiment *self);
/* After a Create that skipped files: the report shown, or NULL. */
const char *em_new_experiment_get_report (EmNewExperiment *self);

G_END_DECLS
