/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "gui/em-tasks.h"
#include "vo/em-samp-client.h"

G_BEGIN_DECLS

#define EM_TYPE_APPLICATION (em_application_get_type ())

G_DECLARE_FINAL_TYPE (EmApplication, em_application, EM, APPLICATION, AdwApplication)

EmApplication *em_application_new (void);
GSettings     *em_application_get_settings (EmApplication *self);
EmSampClient  *em_application_get_samp (EmApplication *self);
void           em_application_set_demo_options (EmApplication *self, const EmDemoOptions *options);
char          *em_application_dup_demo_path (void);
char          *em_application_dup_startup_path (EmApplication *self);

G_END_DECLS
