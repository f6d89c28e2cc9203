/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define EM_TYPE_PREFERENCES_WINDOW (em_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (EmPreferencesWindow,
                      em_preferences_window,
                      EM,
                      PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

EmPreferencesWindow *em_preferences_window_new (GSettings *settings, GtkWindow *parent);

G_END_DECLS
