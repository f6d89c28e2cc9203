/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The large spectrum plot: the whole spectrum with zoom and pan, drawn
 * with Cairo as min/max per screen column so that a one-pixel peak among
 * thousands of pixels is never lost, axes with 1-2-5 ticks, Balmer line
 * markers, masked pixels shaded, and the network's 140-point window
 * overlaid. */
#include "em-config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gui/em-spectrum-plot.h"
#include "gui/em-plot-ticks.h"

#define MARGIN_LEFT 64.0
#define MARGIN_RIGHT 14.0
#define MARGIN_TOP 10.0
#define MARGIN_BOTTOM 40.0
#define ZOOM_STEP 1.25
#define MIN_SPAN_PIX 4.0 /* never zoom in closer than this many pixels */

struct _EmSpectrumPlot
{
  GtkWidget parent_instance;

  char   *id;
  char   *placeholder; /* shown without a spectrum */
  gsize   n;
  double *wave;
  float  *flux;  /* as read */
  float  *shown; /* flux, or flux / median when normalised */
  guint8 *mask;
  double  median; /* of unmasked finite flux; 0 when none */

  float *window; /* preprocessed [-1, 1] window, NULL if none */
  gsize  n_window;
  double window_start;
  double window_end;

  double   x0, x1;   /* visible wavelengths */
  double   y0, y1;   /* visible flux */
  gboolean x_zoomed; /* x range chosen by the user */
  gboolean y_manual; /* y range chosen by a rubber band */
  gboolean y_locked;
  gboolean normalised;

  /* interaction */
  double   pointer_x;
  gboolean rubber_band;
  double   rb_x, rb_y, rb_dx, rb_dy;
  double   pan_x0, pan_x1, pan_y0, pan_y1;
  double   pinch_x0, pinch_x1;
};

G_DEFINE_FINAL_TYPE (EmSpectrumPlot, em_spectrum_plot, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_NORMALISED,
  PROP_Y_LOCKED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gsize
lower_bound (const double *wave, gsize n, double x)
{
  gsize lo = 0, hi = n;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (wave[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static int
compare_float (gconstpointer a, gconstpointer b)
{
  float fa = *(const float *)a, fb = *(const float *)b;

  return (fa > fb) - (fa < fb);
}

static gboolean
usable (EmSpectrumPlot *self, gsize i)
{
  return self->mask[i] == 0 && isfinite (self->flux[i]);
}

static void
compute_median (EmSpectrumPlot *self)
{
  g_autofree float *tmp = g_new (float, MAX (self->n, 1));
  gsize             m = 0;

  for (gsize i = 0; i < self->n; i++)
    if (usable (self, i))
      tmp[m++] = self->flux[i];
  self->median = 0.0;
  if (m > 0)
    {
      qsort (tmp, m, sizeof (float), compare_float);
      self->median = tmp[m / 2];
    }
}

static void
update_shown (EmSpectrumPlot *self)
{
  /* A spectrum with a non-positive median (sky-subtracted noise, a dead
   * fibre) cannot be normalised meaningfully: show it as read. */
  double scale = self->normalised && self->median > 0.0 ? 1.0 / self->median : 1.0;

  for (gsize i = 0; i < self->n; i++)
    self->shown[i] = (float)(self->flux[i] * scale);
}

static void
data_y_range (EmSpectrumPlot *self, double x0, double x1, double *lo, double *hi)
{
  gsize  i = lower_bound (self->wave, self->n, x0);
  double mn = INFINITY, mx = -INFINITY;

  for (; i < self->n && self->wave[i] <= x1; i++)
    if (usable (self, i))
      {
        mn = MIN (mn, self->shown[i]);
        mx = MAX (mx, self->shown[i]);
      }
  *lo = mn;
  *hi = mx;
}

static void
auto_y (EmSpectrumPlot *self)
{
  double lo, hi, pad;

  if (self->y_locked || self->y_manual)
    return;
  data_y_range (self, self->x0, self->x1, &lo, &hi);
  if (!isfinite (lo) || !isfinite (hi))
    {
      lo = 0.0;
      hi = 1.0;
    }
  if (hi - lo < 1e-12)
    {
      double d = fabs (hi) > 0 ? fabs (hi) * 0.1 : 1.0;
      lo -= d;
      hi += d;
    }
  pad = (hi - lo) * 0.05;
  self->y0 = lo - pad;
  self->y1 = hi + pad;
}

static void
full_x (EmSpectrumPlot *self)
{
  if (self->n >= 2)
    {
      self->x0 = self->wave[0];
      self->x1 = self->wave[self->n - 1];
    }
  else
    {
      self->x0 = 3700.0;
      self->x1 = 9100.0;
    }
}

static void
update_accessible (EmSpectrumPlot *self)
{
  g_autofree char *text = NULL;

  if (self->n == 0)
    text = g_strdup (_ ("No spectrum"));
  else
    /* Translators: accessible description of the plot: id, shown range in Å */
    text = g_strdup_printf (_ ("Spectrum %s, %.0f to %.0f Å shown"), self->id ? self->id : "",
                            self->x0, self->x1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

static void
changed (EmSpectrumPlot *self)
{
  auto_y (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Replaces the plotted spectrum by a copy of @spectrum (NULL clears).
 * The x range is kept when the user has zoomed and the new spectrum
 * covers it, so stepping through a batch compares like with like; the
 * y range is kept when locked. */
void
em_spectrum_plot_set_spectrum (EmSpectrumPlot *self, const EmSpectrum *spectrum)
{
  gsize n = spectrum != NULL ? spectrum->n_pixels : 0;

  g_return_if_fail (EM_IS_SPECTRUM_PLOT (self));

  g_clear_pointer (&self->id, g_free);
  self->wave = g_renew (double, self->wave, MAX (n, 1));
  self->flux = g_renew (float, self->flux, MAX (n, 1));
  self->shown = g_renew (float, self->shown, MAX (n, 1));
  self->mask = g_renew (guint8, self->mask, MAX (n, 1));
  self->n = n;
  if (spectrum != NULL)
    {
      self->id = g_strdup (spectrum->id);
      memcpy (self->wave, spectrum->wave, n * sizeof (double));
      memcpy (self->flux, spectrum->flux, n * sizeof (float));
      memcpy (self->mask, spectrum->mask, n * sizeof (guint8));
    }
  compute_median (self);
  update_shown (self);

  if (!self->x_zoomed || n < 2 || self->x1 < self->wave[0] || self->x0 > self->wave[n - 1])
    {
      self->x_zoomed = FALSE;
      full_x (self);
    }
  self->y_manual = FALSE;
  changed (self);
}

/* The network's input: @n_values points in [-1, 1] uniformly on
 * [@wave_start, @wave_end].  Drawn scaled back onto the flux range the
 * spectrum has there, so its shape can be compared with the original. */
void
em_spectrum_plot_set_window (EmSpectrumPlot *self,
                             const float    *values,
                             gsize           n_values,
                             double          wave_start,
                             double          wave_end)
{
  g_return_if_fail (EM_IS_SPECTRUM_PLOT (self));

  g_clear_pointer (&self->window, g_free);
  self->n_window = 0;
  if (values != NULL && n_values >= 2)
    {
      self->window = g_memdup2 (values, n_values * sizeof (float));
      self->n_window = n_values;
      self->window_start = wave_start;
      self->window_end = wave_end;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
em_spectrum_plot_get_x_range (EmSpectrumPlot *self, double *x0, double *x1)
{
  g_return_if_fail (EM_IS_SPECTRUM_PLOT (self));
  if (x0)
    *x0 = self->x0;
  if (x1)
    *x1 = self->x1;
}

void
em_spectrum_plot_get_y_range (EmSpectrumPlot *self, double *y0, double *y1)
{
  g_return_if_fail (EM_IS_SPECTRUM_PLOT (self));
  if (y0)
    *y0 = self->y0;
  if (y1)
    *y1 = self->y1;
}

static double
min_span (EmSpectrumPlot *self)
{
  if (self->n >= 2)
    return MIN_SPAN_PIX * (self->wave[self->n - 1] - self->wave[0]) / (double)(self->n - 1);
  return 1.0;
}

void
em_spectrum_plot_set_x_range (EmSpectrumPlot *self, double x0, double x1)
{
  double lo, hi, span;

  g_return_if_fail (EM_IS_SPECTRUM_PLOT (self));
  if (!isfinite (x0) || !isfinite (x1))
    return;
  if (x1 < x0)
    {
      double t = x0;
      x0 = x1;
      x1 = t;
    }
  full_x (self);
  lo = self->x0;
  hi = self->x1;
  span = MAX (x1 - x0, min_span (self));
  span = MIN (span, hi - lo);
  /* Keep the view inside the spectrum: shift rather than shrink. */
  if (x0 < lo)
    x0 = lo;
  if (x0 + span > hi)
    x0 = hi - span;
  self->x0 = x0;
  self->x1 = x0 + span;
  self->x_zoomed = self->x0 > lo || self->x1 < hi;
  changed (self);
}

/* Zooms by @factor (> 1 zooms in) keeping @x_center (Å) in place. */
void
em_spectrum_plot_zoom (EmSpectrumPlot *self, double factor, double x_center)
{
  double a, b;

  g_return_if_fail (EM_IS_SPECTRUM_PLOT (self));
  if (!(factor > 0.0) || !isfinite (x_center))
    return;
  a = x_center - (x_center - self->x0) / factor;
  b = x_center + (self->x1 - x_center) / factor;
  em_spectrum_plot_set_x_range (self, a, b);
}

/* Moves the view by @fraction of its width (negative: to the blue). */
void
em_spectrum_plot_pan (EmSpectrumPlot *self, double fraction)
{
  double d;

  g_return_if_fail (EM_IS_SPECTRUM_PLOT (self));
  d = (self->x1 - self->x0) * fraction;
  em_spectrum_plot_set_x_range (self, self->x0 + d, self->x1 + d);
}

void
em_spectrum_plot_reset_zoom (EmSpectrumPlot *self)
{
  g_return_if_fail (EM_IS_SPECTRUM_PLOT (self));
  self->x_zoomed = FALSE;
  self->y_manual = FALSE;
  full_x (self);
  changed (self);
}

/* The text shown while there is no spectrum ("Loading …", an error). */
void
em_spectrum_plot_set_placeholder (EmSpectrumPlot *self, const char *text)
{
  g_return_if_fail (EM_IS_SPECTRUM_PLOT (self));
  g_free (self->placeholder);
  self->placeholder = g_strdup (text);
  if (self->n == 0)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
em_spectrum_plot_get_placeholder (EmSpectrumPlot *self)
{
  g_return_val_if_fail (EM_IS_SPECTRUM_PLOT (self), NULL);
  return self->placeholder;
}

/* The id of the spectrum shown, NULL when none. */
const char *
em_spectrum_plot_get_spectrum_id (EmSpectrumPlot *self)
{
  g_return_val_if_fail (EM_IS_SPECTRUM_PLOT (self), NULL);
  return self->n > 0 ? self->id : NULL;
}

/* ---- drawing ---------------------------------------------------------- */

typedef struct
{
  double fg[4];
  double grid[4];
  double line[4];
  double window[4];
  double mask[4];
  double marker[4];
  double band[4];
} Palette;

static void
get_palette (EmSpectrumPlot *self, Palette *p)
{
  GdkRGBA  fg;
  gboolean dark;

#if GTK_CHECK_VERSION(4, 10, 0)
  gtk_widget_get_color (GTK_WIDGET (self), &fg);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
#endif
  /* A light foreground means a dark theme; the data colours follow so
   * that they keep their contrast on both. */
  dark = (0.3 * fg.red + 0.59 * fg.green + 0.11 * fg.blue) > 0.5;
  p->fg[0] = fg.red, p->fg[1] = fg.green, p->fg[2] = fg.blue, p->fg[3] = fg.alpha;
  p->grid[0] = fg.red, p->grid[1] = fg.green, p->grid[2] = fg.blue, p->grid[3] = 0.12;
  if (dark)
    {
      p->line[0] = 0.60, p->line[1] = 0.78, p->line[2] = 1.00, p->line[3] = 1.0;
      p->window[0] = 1.00, p->window[1] = 0.64, p->window[2] = 0.28, p->window[3] = 0.95;
    }
  else
    {
      p->line[0] = 0.11, p->line[1] = 0.34, p->line[2] = 0.70, p->line[3] = 1.0;
      p->window[0] = 0.85, p->window[1] = 0.35, p->window[2] = 0.00, p->window[3] = 0.95;
    }
  p->mask[0] = 0.88, p->mask[1] = 0.11, p->mask[2] = 0.14, p->mask[3] = dark ? 0.28 : 0.16;
  p->marker[0] = 0.75, p->marker[1] = 0.11, p->marker[2] = 0.16, p->marker[3] = 0.9;
  if (dark)
    p->marker[0] = 1.0, p->marker[1] = 0.48, p->marker[2] = 0.50;
  p->band[0] = fg.red, p->band[1] = fg.green, p->band[2] = fg.blue, p->band[3] = 0.06;
}

static void
set_rgba (cairo_t *cr, const double *c)
{
  cairo_set_source_rgba (cr, c[0], c[1], c[2], c[3]);
}

static void
show_text (cairo_t     *cr,
           PangoLayout *layout,
           const char  *text,
           double       x,
           double       y,
           double       xalign,
           double       yalign)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - xalign * w, y - yalign * h);
  pango_cairo_show_layout (cr, layout);
}

static void
format_tick (char *buf, gsize size, double value, double step)
{
  int decimals = MAX (0, (int)-floor (log10 (step) + 1e-9));

  if (fabs (value) < step * 1e-6)
    value = 0.0;
  g_snprintf (buf, size, "%.*f", decimals, value);
}

static void
draw_axes (EmSpectrumPlot *self,
           cairo_t        *cr,
           PangoLayout    *layout,
           const Palette  *p,
           double          px0,
           double          py0,
           double          pw,
           double          ph)
{
  double sx = pw / (self->x1 - self->x0);
  double sy = ph / (self->y1 - self->y0);
  double step, v;
  char   buf[64];

  cairo_set_line_width (cr, 1.0);

  step = em_plot_nice_step (self->x1 - self->x0, MAX (2, (int)(pw / 90.0)));
  for (v = ceil (self->x0 / step) * step; v <= self->x1 + step * 1e-9; v += step)
    {
      double x = round (px0 + (v - self->x0) * sx) + 0.5;

      set_rgba (cr, p->grid);
      cairo_move_to (cr, x, py0);
      cairo_line_to (cr, x, py0 + ph);
      cairo_stroke (cr);
      set_rgba (cr, p->fg);
      cairo_move_to (cr, x, py0 + ph);
      cairo_line_to (cr, x, py0 + ph + 4);
      cairo_stroke (cr);
      format_tick (buf, sizeof buf, v, step);
      show_text (cr, layout, buf, x, py0 + ph + 5, 0.5, 0.0);
    }

  step = em_plot_nice_step (self->y1 - self->y0, MAX (2, (int)(ph / 40.0)));
  for (v = ceil (self->y0 / step) * step; v <= self->y1 + step * 1e-9; v += step)
    {
      double y = round (py0 + ph - (v - self->y0) * sy) + 0.5;

      set_rgba (cr, p->grid);
      cairo_move_to (cr, px0, y);
      cairo_line_to (cr, px0 + pw, y);
      cairo_stroke (cr);
      set_rgba (cr, p->fg);
      cairo_move_to (cr, px0 - 4, y);
      cairo_line_to (cr, px0, y);
      cairo_stroke (cr);
      format_tick (buf, sizeof buf, v, step);
      show_text (cr, layout, buf, px0 - 6, y, 1.0, 0.5);
    }

  set_rgba (cr, p->fg);
  cairo_rectangle (cr, px0 + 0.5, py0 + 0.5, pw - 1, ph - 1);
  cairo_stroke (cr);

  show_text (cr, layout, _ ("Wavelength (Å, vacuum)"), px0 + pw / 2, py0 + ph + 22, 0.5, 0.0);
  cairo_save (cr);
  cairo_translate (cr, 12, py0 + ph / 2);
  cairo_rotate (cr, -G_PI / 2);
  show_text (cr, layout,
             self->normalised && self->median > 0 ? _ ("Flux / median flux") : _ ("Flux"), 0, -6,
             0.5, 0.5);
  cairo_restore (cr);
}

/* Where more than one pixel falls into a screen column, the column gets
 * a one-pixel-wide bar from its minimum to its maximum, widened to reach
 * the previous column's last value so that the trace stays connected:
 * every peak stays visible whatever the spectrum's length, and the bars
 * are pixel-aligned rectangles, which Cairo fills without tessellating a
 * path (a stroked min/max path of 4,000 pixels took ~40 ms, the bars
 * take well under one).  Zoomed in, with fewer pixels than columns, the
 * pixels are joined by a stroked line. */
static void
draw_spectrum (EmSpectrumPlot *self, cairo_t *cr, double px0, double py0, double pw, double ph)
{
  double sx = pw / (self->x1 - self->x0);
  double sy = ph / (self->y1 - self->y0);
  gsize  i = lower_bound (self->wave, self->n, self->x0);
  gsize  end = lower_bound (self->wave, self->n, self->x1);

#define FY(f) (py0 + ph - ((f)-self->y0) * sy)

  /* One pixel beyond each edge so the line runs to the frame. */
  if (i > 0)
    i--;
  end = MIN (end + 1, self->n);

  if (end - i <= (gsize)(pw * 2))
    {
      gboolean pen_down = FALSE;

      cairo_set_line_width (cr, 1.0);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_BEVEL);
      /* The default antialiasing made this stroke ~5 ms; FAST ~1 ms. */
      cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
      for (; i < end; i++)
        {
          double f = self->shown[i];
          double x = px0 + (self->wave[i] - self->x0) * sx;

          if (!isfinite (f))
            {
              pen_down = FALSE;
              continue;
            }
          if (pen_down)
            cairo_line_to (cr, x, FY (f));
          else
            cairo_move_to (cr, x, FY (f));
          pen_down = TRUE;
        }
      cairo_stroke (cr);
    }
  else
    {
      long   col = G_MINLONG, prev_col = G_MINLONG;
      double mn = 0, mx = 0, last = 0, prev_last = 0;
      double top = py0 - 2, bottom = py0 + ph + 2;

#define FLUSH()                                                                                    \
  G_STMT_START                                                                                     \
  {                                                                                                \
    if (col != G_MINLONG)                                                                          \
      {                                                                                            \
        double lo = mn, hi = mx, y_hi, y_lo;                                                       \
        if (prev_col == col - 1)                                                                   \
          {                                                                                        \
            lo = MIN (lo, prev_last);                                                              \
            hi = MAX (hi, prev_last);                                                              \
          }                                                                                        \
        y_hi = CLAMP (floor (FY (hi)), top, bottom);                                               \
        y_lo = CLAMP (ceil (FY (lo)), top, bottom);                                                \
        cairo_rectangle (cr, floor (px0) + col, y_hi, 1.0, MAX (y_lo - y_hi, 1.0));                \
        prev_col = col;                                                                            \
        prev_last = last;                                                                          \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

      for (; i < end; i++)
        {
          double f = self->shown[i];
          long   c;

          if (!isfinite (f))
            {
              FLUSH ();
              col = prev_col = G_MINLONG;
              continue;
            }
          c = (long)floor ((self->wave[i] - self->x0) * sx);
          if (c != col)
            {
              FLUSH ();
              col = c;
              mn = mx = f;
            }
          mn = MIN (mn, f);
          mx = MAX (mx, f);
          last = f;
        }
      FLUSH ();
      cairo_fill (cr);
#undef FLUSH
    }
#undef FY
}

static void
draw_masked (EmSpectrumPlot *self,
             cairo_t        *cr,
             const Palette  *p,
             double          px0,
             double          py0,
             double          pw,
             double          ph)
{
  double sx = pw / (self->x1 - self->x0);
  gsize  i = lower_bound (self->wave, self->n, self->x0);
  gsize  end = MIN (lower_bound (self->wave, self->n, self->x1) + 1, self->n);
  double run_a = NAN, run_b = NAN;

  if (i > 0)
    i--;
  set_rgba (cr, p->mask);
  /* Runs of masked pixels become one band; bands closer than a column
   * merge, which keeps the number of rectangles bounded by the width. */
  for (; i < end; i++)
    {
      double half_l, half_r, a, b;

      if (self->mask[i] == 0 && isfinite (self->flux[i]))
        continue;
      half_l = i > 0 ? (self->wave[i] - self->wave[i - 1]) / 2 : 0;
      half_r = i + 1 < self->n ? (self->wave[i + 1] - self->wave[i]) / 2 : 0;
      a = px0 + (self->wave[i] - half_l - self->x0) * sx;
      b = px0 + (self->wave[i] + half_r - self->x0) * sx;
      if (isfinite (run_b) && a <= run_b + 1.0)
        run_b = b;
      else
        {
          if (isfinite (run_a))
            cairo_rectangle (cr, run_a, py0, MAX (run_b - run_a, 1.0), ph);
          run_a = a;
          run_b = b;
        }
    }
  if (isfinite (run_a))
    cairo_rectangle (cr, run_a, py0, MAX (run_b - run_a, 1.0), ph);
  cairo_fill (cr);
}

static void
draw_window (EmSpectrumPlot *self,
             cairo_t        *cr,
             const Palette  *p,
             double          px0,
             double          py0,
             double          pw,
             double          ph)
{
  double sx = pw / (self->x1 - self->x0);
  double sy = ph / (self->y1 - self->y0);
  double lo, hi, dx;

  if (self->window == NULL || self->n == 0)
    return;
  data_y_range (self, self->window_start, self->window_end, &lo, &hi);
  if (!isfinite (lo) || !isfinite (hi))
    return;

  /* The window's extent as a faint band, its shape as a line. */
  set_rgba (cr, p->band);
  cairo_rectangle (cr, px0 + (self->window_start - self->x0) * sx, py0,
                   (self->window_end - self->window_start) * sx, ph);
  cairo_fill (cr);

  dx = (self->window_end - self->window_start) / (double)(self->n_window - 1);
  set_rgba (cr, p->window);
  cairo_set_line_width (cr, 1.5);
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
  for (gsize k = 0; k < self->n_window; k++)
    {
      double v = CLAMP (self->window[k], -1.0f, 1.0f);
      double f = lo + (v + 1.0) / 2.0 * (hi - lo);
      double x = px0 + (self->window_start + k * dx - self->x0) * sx;
      double y = py0 + ph - (f - self->y0) * sy;

      if (k == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_stroke (cr);
}

static void
draw_markers (EmSpectrumPlot *self,
              cairo_t        *cr,
              PangoLayout    *layout,
              const Palette  *p,
              double          px0,
              double          py0,
              double          pw,
              double          ph)
{
  static const double dashes[] = { 4.0, 3.0 };
  const struct
  {
    double      wave;
    const char *name;
  } lines[] = {
    /* Translators: the Balmer lines; the Greek letters are the usual symbols */
    { EM_H_ALPHA_VACUUM, N_ ("Hα") },
    { EM_H_BETA_VACUUM, N_ ("Hβ") },
  };
  double sx = pw / (self->x1 - self->x0);

  cairo_save (cr);
  cairo_set_dash (cr, dashes, 2, 0);
  cairo_set_line_width (cr, 1.0);
  for (gsize k = 0; k < G_N_ELEMENTS (lines); k++)
    {
      double x;

      if (lines[k].wave < self->x0 || lines[k].wave > self->x1)
        continue;
      x = round (px0 + (lines[k].wave - self->x0) * sx) + 0.5;
      set_rgba (cr, p->marker);
      cairo_move_to (cr, x, py0);
      cairo_line_to (cr, x, py0 + ph);
      cairo_stroke (cr);
      show_text (cr, layout, _ (lines[k].name), x + 3, py0 + 2, 0.0, 0.0);
    }
  cairo_restore (cr);
}

/* Draws the plot at @width × @height into @cr.  Public so that the
 * benchmark and the tests can time and inspect exactly what the widget
 * shows. */
void
em_spectrum_plot_draw (EmSpectrumPlot *self, cairo_t *cr, int width, int height)
{
  g_autoptr (PangoLayout) layout = NULL;
  Palette p;
  double  px0 = MARGIN_LEFT, py0 = MARGIN_TOP;
  double  pw = width - MARGIN_LEFT - MARGIN_RIGHT;
  double  ph = height - MARGIN_TOP - MARGIN_BOTTOM;

  g_return_if_fail (EM_IS_SPECTRUM_PLOT (self));
  if (pw < 10 || ph < 10 || !(self->x1 > self->x0) || !(self->y1 > self->y0))
    return;

  get_palette (self, &p);
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);

  draw_axes (self, cr, layout, &p, px0, py0, pw, ph);

  cairo_save (cr);
  cairo_rectangle (cr, px0, py0, pw, ph);
  cairo_clip (cr);
  if (self->n > 0)
    {
      draw_masked (self, cr, &p, px0, py0, pw, ph);
      draw_window (self, cr, &p, px0, py0, pw, ph);
      set_rgba (cr, p.line);
      draw_spectrum (self, cr, px0, py0, pw, ph);
    }
  draw_markers (self, cr, layout, &p, px0, py0, pw, ph);

  if (self->rubber_band)
    {
      set_rgba (cr, p.band);
      cairo_rectangle (cr, self->rb_x, self->rb_y, self->rb_dx, self->rb_dy);
      cairo_fill_preserve (cr);
      set_rgba (cr, p.fg);
      cairo_stroke (cr);
    }
  cairo_restore (cr);

  if (self->n == 0)
    {
      set_rgba (cr, p.fg);
      pango_layout_set_width (layout, (int)(pw * PANGO_SCALE));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      show_text (cr, layout, self->placeholder ? self->placeholder : _ ("No spectrum selected"),
                 px0 + pw / 2, py0 + ph / 2, 0.5, 0.5);
    }
}

static void
em_spectrum_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int      width = gtk_widget_get_width (widget);
  int      height = gtk_widget_get_height (widget);
  cairo_t *cr;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  em_spectrum_plot_draw (EM_SPECTRUM_PLOT (widget), cr, width, height);
  cairo_destroy (cr);
}

static void
em_spectrum_plot_measure (GtkWidget     *widget,
                          GtkOrientation orientation,
                          int            for_size,
                          int           *minimum,
                          int           *natural,
                          int           *minimum_baseline,
                          int           *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = 240, *natural = 720;
  else
    *minimum = 160, *natural = 360;
}

/* ---- interaction ------------------------------------------------------ */

static double
widget_to_wave (EmSpectrumPlot *self, double x)
{
  double pw = gtk_widget_get_width (GTK_WIDGET (self)) - MARGIN_LEFT - MARGIN_RIGHT;

  if (pw <= 0)
    return (self->x0 + self->x1) / 2;
  return self->x0 + (x - MARGIN_LEFT) / pw * (self->x1 - self->x0);
}

static double
widget_to_flux (EmSpectrumPlot *self, double y)
{
  double ph = gtk_widget_get_height (GTK_WIDGET (self)) - MARGIN_TOP - MARGIN_BOTTOM;

  if (ph <= 0)
    return (self->y0 + self->y1) / 2;
  return self->y0 + (MARGIN_TOP + ph - y) / ph * (self->y1 - self->y0);
}

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, EmSpectrumPlot *self)
{
  self->pointer_x = x;
}

static gboolean
on_scroll (GtkEventControllerScroll *scroll, double dx, double dy, EmSpectrumPlot *self)
{
  GdkModifierType state
      = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (scroll));

  if (self->n == 0)
    return FALSE;
  /* Shift or a horizontal scroll pans; a vertical scroll zooms about the
   * pointer. */
  if ((state & GDK_SHIFT_MASK) || fabs (dx) > fabs (dy))
    em_spectrum_plot_pan (self, 0.1 * ((state & GDK_SHIFT_MASK) ? dy : dx));
  else
    em_spectrum_plot_zoom (self, pow (ZOOM_STEP, -dy), widget_to_wave (self, self->pointer_x));
  return TRUE;
}

static void
on_pinch_begin (GtkGesture *gesture, GdkEventSequence *sequence, EmSpectrumPlot *self)
{
  self->pinch_x0 = self->x0;
  self->pinch_x1 = self->x1;
}

static void
on_pinch_scale (GtkGestureZoom *gesture, double scale, EmSpectrumPlot *self)
{
  double cx, cy, center;

  if (!(scale > 0) || !gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &cx, &cy))
    return;
  center = self->pinch_x0
           + (cx - MARGIN_LEFT)
                 / MAX (1.0, gtk_widget_get_width (GTK_WIDGET (self)) - MARGIN_LEFT - MARGIN_RIGHT)
                 * (self->pinch_x1 - self->pinch_x0);
  em_spectrum_plot_set_x_range (self, center - (center - self->pinch_x0) / scale,
                                center + (self->pinch_x1 - center) / scale);
}

static void
on_rubber_begin (GtkGestureDrag *drag, double x, double y, EmSpectrumPlot *self)
{
  if (self->n == 0)
    {
      gtk_gesture_set_state (GTK_GESTURE (drag), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->rubber_band = TRUE;
  self->rb_x = x;
  self->rb_y = y;
  self->rb_dx = self->rb_dy = 0;
}

static void
on_rubber_update (GtkGestureDrag *drag, double dx, double dy, EmSpectrumPlot *self)
{
  self->rb_dx = dx;
  self->rb_dy = dy;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_rubber_end (GtkGestureDrag *drag, double dx, double dy, EmSpectrumPlot *self)
{
  self->rubber_band = FALSE;
  /* A click is not a zoom; a flat band zooms in wavelength only. */
  if (fabs (dx) >= 5)
    {
      double a = widget_to_wave (self, self->rb_x);
      double b = widget_to_wave (self, self->rb_x + dx);

      if (fabs (dy) >= 5 && !self->y_locked)
        {
          double f0 = widget_to_flux (self, self->rb_y);
          double f1 = widget_to_flux (self, self->rb_y + dy);

          self->y0 = MIN (f0, f1);
          self->y1 = MAX (f0, f1);
          self->y_manual = TRUE;
        }
      em_spectrum_plot_set_x_range (self, a, b);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_pan_begin (GtkGestureDrag *drag, double x, double y, EmSpectrumPlot *self)
{
  self->pan_x0 = self->x0;
  self->pan_x1 = self->x1;
  self->pan_y0 = self->y0;
  self->pan_y1 = self->y1;
}

static void
on_pan_update (GtkGestureDrag *drag, double dx, double dy, EmSpectrumPlot *self)
{
  double pw = MAX (1.0, gtk_widget_get_width (GTK_WIDGET (self)) - MARGIN_LEFT - MARGIN_RIGHT);
  double ph = MAX (1.0, gtk_widget_get_height (GTK_WIDGET (self)) - MARGIN_TOP - MARGIN_BOTTOM);
  double shift = -dx / pw * (self->pan_x1 - self->pan_x0);

  if (!self->y_locked && fabs (dy) > 0)
    {
      double fshift = dy / ph * (self->pan_y1 - self->pan_y0);

      self->y0 = self->pan_y0 + fshift;
      self->y1 = self->pan_y1 + fshift;
      self->y_manual = TRUE;
    }
  em_spectrum_plot_set_x_range (self, self->pan_x0 + shift, self->pan_x1 + shift);
}

static void
on_double_click (GtkGestureClick *click, int n_press, double x, double y, EmSpectrumPlot *self)
{
  if (n_press == 2)
    em_spectrum_plot_reset_zoom (self);
}

static void
action_zoom (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmSpectrumPlot *self = EM_SPECTRUM_PLOT (widget);
  double          factor = g_str_equal (action_name, "plot.zoom-in") ? ZOOM_STEP : 1.0 / ZOOM_STEP;

  em_spectrum_plot_zoom (self, factor, (self->x0 + self->x1) / 2);
}

static void
action_pan (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  em_spectrum_plot_pan (EM_SPECTRUM_PLOT (widget), g_variant_get_double (parameter));
}

static void
action_reset (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  em_spectrum_plot_reset_zoom (EM_SPECTRUM_PLOT (widget));
}

/* ---- GObject ---------------------------------------------------------- */

static void
em_spectrum_plot_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  EmSpectrumPlot *self = EM_SPECTRUM_PLOT (object);

  switch (prop_id)
    {
    case PROP_NORMALISED:
      g_value_set_boolean (value, self->normalised);
      break;
    case PROP_Y_LOCKED:
      g_value_set_boolean (value, self->y_locked);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
em_spectrum_plot_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  EmSpectrumPlot *self = EM_SPECTRUM_PLOT (object);
  gboolean        b = g_value_get_boolean (value);

  switch (prop_id)
    {
    case PROP_NORMALISED:
      if (b == self->normalised)
        return;
      self->normalised = b;
      update_shown (self);
      /* A locked range in one unit means nothing in the other. */
      if (self->y_locked)
        {
          self->y_locked = FALSE;
          g_object_notify_by_pspec (object, properties[PROP_Y_LOCKED]);
        }
      self->y_manual = FALSE;
      changed (self);
      break;
    case PROP_Y_LOCKED:
      if (b == self->y_locked)
        return;
      self->y_locked = b;
      if (!b)
        {
          self->y_manual = FALSE;
          changed (self);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
}

static void
em_spectrum_plot_finalize (GObject *object)
{
  EmSpectrumPlot *self = EM_SPECTRUM_PLOT (object);

  g_free (self->id);
  g_free (self->placeholder);
  g_free (self->wave);
  g_free (self->flux);
  g_free (self->shown);
  g_free (self->mask);
  g_free (self->window);
  G_OBJECT_CLASS (em_spectrum_plot_parent_class)->finalize (object);
}

static void
em_spectrum_plot_class_init (EmSpectrumPlotClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = em_spectrum_plot_finalize;
  object_class->get_property = em_spectrum_plot_get_property;
  object_class->set_property = em_spectrum_plot_set_property;
  widget_class->snapshot = em_spectrum_plot_snapshot;
  widget_class->measure = em_spectrum_plot_measure;

  properties[PROP_NORMALISED]
      = g_param_spec_boolean ("normalised", NULL, NULL, FALSE,
                              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_Y_LOCKED]
      = g_param_spec_boolean ("y-locked", NULL, NULL, FALSE,
                              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "plot.zoom-in", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "plot.zoom-out", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "plot.pan", "d", action_pan);
  gtk_widget_class_install_action (widget_class, "plot.reset-zoom", NULL, action_reset);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "plot.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "plot.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "plot.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "plot.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "plot.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "plot.pan", "d", -0.1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "plot.pan", "d", 0.1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "plot.reset-zoom", NULL);

  gtk_widget_class_set_css_name (widget_class, "spectrumplot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
em_spectrum_plot_init (EmSpectrumPlot *self)
{
  GtkEventController *controller;
  GtkGesture         *gesture;

  self->wave = g_new0 (double, 1);
  self->flux = g_new0 (float, 1);
  self->shown = g_new0 (float, 1);
  self->mask = g_new0 (guint8, 1);
  full_x (self);
  self->y0 = 0.0;
  self->y1 = 1.0;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect (gesture, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (on_pinch_scale), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_rubber_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_rubber_update), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (on_rubber_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  /* Middle or right button drags pan (the primary one draws the band). */
  for (guint button = GDK_BUTTON_MIDDLE; button <= GDK_BUTTON_SECONDARY; button++)
    {
      gesture = gtk_gesture_drag_new ();
      gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), button);
      g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_pan_begin), self);
      g_signal_connect (gesture, "drag-update", G_CALLBACK (on_pan_update), self);
      gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
    }

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_double_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Spectrum plot"), -1);
  update_accessible (self);
}

GtkWidget *
em_spectrum_plot_new (void)
{
  return g_object_new (EM_TYPE_SPECTRUM_PLOT, NULL);
}
