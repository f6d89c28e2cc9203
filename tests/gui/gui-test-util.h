/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the GUI tests: synthetic batches, main-loop spinning,
 * rendering a widget to a PNG. */
#pragma once

#include <adwaita.h>

#include "gui/em-batch-item.h"

G_BEGIN_DECLS

GListStore *gui_test_make_batch (guint n, const char *const *classes, guint64 seed);
GListStore *gui_test_make_demo_batch (const char *dir, guint n, const char *const *classes);
void        gui_test_remove_tree (const char *path);
double      gui_test_thread_cpu_ms (void);
void        gui_test_spin (guint ms);
gboolean    gui_test_wait_for (gboolean (*condition) (gpointer), gpointer data, guint timeout_ms);
gboolean    gui_test_wait_frame (GtkWidget *widget);
GdkTexture *gui_test_render (GtkWidget *widget);
gboolean    gui_test_every_control_named (GtkWidget *root, GString *unnamed);
GTestDBus  *gui_test_init (int *argc, char ***argv);

G_END_DECLS
