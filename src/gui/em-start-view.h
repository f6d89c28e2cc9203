/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define EM_TYPE_START_VIEW (em_start_view_get_type ())

G_DECLARE_FINAL_TYPE (EmStartView, em_start_view, EM, START_VIEW, GtkBox)

GtkWidget     *em_start_view_new (void);
void           em_start_view_set_settings (EmStartView *self, GSettings *settings);
void           em_start_view_reload (EmStartView *self);
void           em_start_view_set_current (EmStartView *self, const char *path);
gboolean       em_start_view_row_is_current (EmStartView *self, guint index);
void           em_start_view_set_message (EmStartView *self, const char *message);
const char    *em_start_view_get_message (EmStartView *self);
gboolean       em_start_view_is_loading (EmStartView *self);
guint          em_start_view_get_n_rows (EmStartView *self);
GtkListBoxRow *em_start_view_get_row (EmStartView *self, guint index);
const char    *em_start_view_get_row_path (EmStartView *self, guint index);
char          *em_start_view_dup_row_text (EmStartView *self, guint index);

G_END_DECLS
