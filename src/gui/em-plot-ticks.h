/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The smallest "nice" tick step (1, 2 or 5 times a power of ten) that
 * puts at most @max_ticks intervals over @span; shared by every chart. */
double em_plot_nice_step (double span,
                          int    max_ticks);

G_END_DECLS
