/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An EmProgressFunc for the command line, on stderr: on a terminal a
 * redrawn bar "[#####.....]  45% MESSAGE"; otherwise a plain line every
 * few seconds (logs, pipes).  @user_data is an EmCliProgress. */
typedef struct
{
  gboolean tty;
  gint64   last;
  gboolean drawn;
} EmCliProgress;

void em_cli_progress_init   (EmCliProgress *progress);
void em_cli_progress_update (double         fraction,
                             const char    *message,
                             gpointer       user_data);
/* Ends the bar's line (terminal only). */
void em_cli_progress_finish (EmCliProgress *progress);

G_END_DECLS
