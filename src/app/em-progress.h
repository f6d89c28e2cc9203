/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Progress of a long operation (ingest, scoring, training, cross-match).
 * @fraction is in [0, 1] (or negative when unknown); @message is a short
 * human-readable status such as "1234/5000 files · 1100 files/s · ETA 0:03".
 * Called from the thread that runs the operation, at most a few times per
 * second: a GUI must hop to its main context before touching widgets. */
typedef void (*EmProgressFunc) (double      fraction,
                                const char *message,
                                gpointer    user_data);

G_END_DECLS
