/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "gui/em-plot-ticks.h"

#include <math.h>

double
em_plot_nice_step (double span,
                   int    max_ticks)
{
  double raw = span / MAX (max_ticks, 1);
  double mag = pow (10.0, floor (log10 (raw)));
  double r = raw / mag;

  if (r <= 1.0)
    return mag;
  if (r <= 2.0)
    return 2.0 * mag;
  if (r <= 5.0)
    return 5.0 * mag;
  return 10.0 * mag;
}
