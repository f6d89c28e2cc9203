/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

char      *em_about_dup_versions (void);
GtkWindow *em_about_window_new (GtkWindow *parent);

G_END_DECLS
