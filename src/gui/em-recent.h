/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The recent experiments in the application's settings: the folders in
 * `recent-experiments` (most recent first, at most EM_RECENT_MAX) and,
 * in `recent-experiments-opened`, when each was last opened (Unix time;
 * absent: never, e.g. a copy just made).  Every function takes NULL
 * settings (no schema installed) and then does nothing. */

#define EM_RECENT_MAX 10

/* @path opened now: first in the list. */
void em_recent_note_opened (GSettings *settings, const char *path);
/* @path first in the list without an opening time (a new copy). */
void em_recent_add (GSettings *settings, const char *path);
void em_recent_forget (GSettings *settings, const char *path);
/* @path renamed to @new_path: same place and time; last-experiment too. */
void em_recent_rename (GSettings *settings, const char *path, const char *new_path);
/* When @path was opened last, 0 when never (or unknown). */
gint64 em_recent_get_opened (GSettings *settings, const char *path);

G_END_DECLS
