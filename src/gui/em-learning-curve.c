/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The learning curve of an experiment: one point per completed iteration,
 * in three panels sharing the iteration axis (number of candidates, size
 * of the training set before and after SMOTE, time spent training and
 * scoring), so that one sees whether the candidates settle as labels come
 * in and what each iteration costs.  When the oracle labelled a random
 * sample of the candidates (em-estimate), a fourth panel shows the
 * estimated precision of each such iteration with its Wilson interval as
 * an error bar and the method's one-sided lower limit as a tick.  Given a
 * truth file (simulated experiments), a panel shows the precision and
 * recall of each iteration's predictions against it.  Where the
 * iterations stored their training set per class (schema version 2), a
 * panel stacks the labelled spectra of each class, so one sees which
 * class the oracle's labels went to. */
#include "em-config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "app/em-estimate.h"
#include "app/em-experiment.h"
#include "app/em-simulate.h"
#include "gui/em-learning-curve.h"
#include "gui/em-plot-ticks.h"

typedef struct
{
  guint  iteration;
  double candidates;
  double train_size;
  double train_balanced;
  double seconds_train;
  double seconds_total;
  double truth_precision; /* NAN without a truth file */
  double truth_recall;
} Point;

typedef struct
{
  guint  iteration;
  guint  n_labelled;
  double precision;
  double wilson_lower;
  double wilson_upper;
  double t_lower;
} Estimate;

struct _EmLearningCurve
{
  GtkWidget parent_instance;

  GArray  *points;    /* Point, oldest first */
  GArray  *estimates; /* Estimate, by iteration */
  gboolean has_truth;
  /* Labelled spectra per class before SMOTE: n_classes per point, in
   * point order, G_MAXUINT where an iteration stored none. */
  GArray  *class_sizes;
  guint    n_classes;
  gboolean has_class_sizes;
  GStrv    class_names;
};

G_DEFINE_FINAL_TYPE (EmLearningCurve, em_learning_curve, GTK_TYPE_WIDGET)

static void
update_accessible (EmLearningCurve *self)
{
  g_autofree char *text = NULL;

  if (self->points->len == 0)
    text = g_strdup (_ ("No iteration yet"));
  else
    {
      const Point *last = &g_array_index (self->points, Point, self->points->len - 1);

      /* Translators: accessible description of the learning curve */
      text = g_strdup_printf (_ ("%u iterations; the latest: %.0f candidates, %.0f labelled "
                                 "spectra, %.1f s"),
                              self->points->len, last->candidates, last->train_size,
                              last->seconds_total);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

void
em_learning_curve_set_iterations (EmLearningCurve *self, GPtrArray *iterations)
{
  g_return_if_fail (EM_IS_LEARNING_CURVE (self));
  g_array_set_size (self->points, 0);
  g_array_set_size (self->class_sizes, 0);
  self->has_truth = FALSE;
  self->has_class_sizes = FALSE;
  self->n_classes = 0;
  for (guint i = 0; iterations != NULL && i < iterations->len; i++)
    self->n_classes
        = MAX (self->n_classes, ((EmIterationInfo *)g_ptr_array_index (iterations, i))->n_classes);
  for (guint i = 0; iterations != NULL && i < iterations->len; i++)
    {
      const EmIterationInfo *info = g_ptr_array_index (iterations, i);

      for (guint c = 0; c < self->n_classes; c++)
        {
          guint v
              = info->class_sizes != NULL && c < info->n_classes ? info->class_sizes[c] : G_MAXUINT;

          g_array_append_val (self->class_sizes, v);
        }
      self->has_class_sizes |= info->class_sizes != NULL;
      Point p = { info->number,
                  info->n_candidates,
                  info->train_size,
                  info->train_size_balanced,
                  info->seconds_train,
                  info->seconds_train + info->seconds_score,
                  NAN,
                  NAN };

      g_array_append_val (self->points, p);
    }
  update_accessible (self);
  /* the per-class panel may come or go */
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
em_learning_curve_set_truth (EmLearningCurve *self, GArray *points)
{
  g_return_if_fail (EM_IS_LEARNING_CURVE (self));
  self->has_truth = FALSE;
  for (guint i = 0; i < self->points->len; i++)
    {
      Point *p = &g_array_index (self->points, Point, i);

      p->truth_precision = p->truth_recall = NAN;
      for (guint k = 0; points != NULL && k < points->len; k++)
        {
          const EmTruthPoint *t = &g_array_index (points, EmTruthPoint, k);

          if (t->iteration == p->iteration)
            {
              p->truth_precision = t->precision;
              p->truth_recall = t->recall;
              self->has_truth = TRUE;
            }
        }
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

gboolean
em_learning_curve_has_truth (EmLearningCurve *self)
{
  g_return_val_if_fail (EM_IS_LEARNING_CURVE (self), FALSE);
  return self->has_truth;
}

void
em_learning_curve_set_estimates (EmLearningCurve *self, GPtrArray *reports)
{
  g_return_if_fail (EM_IS_LEARNING_CURVE (self));
  g_array_set_size (self->estimates, 0);
  for (guint i = 0; reports != NULL && i < reports->len; i++)
    {
      const EmEstimateReport *r = g_ptr_array_index (reports, i);
      const EmEstimateRow    *all;
      Estimate                e;

      /* a sample nobody labelled yet says nothing */
      if (r->iteration < 0 || r->n_rows == 0 || r->rows[0].n_labelled == 0)
        continue;
      all = &r->rows[0];
      e = (Estimate){ r->iteration,      all->n_labelled,   all->precision,
                      all->wilson_lower, all->wilson_upper, all->t_lower };
      /* a later sample of the same iteration replaces the earlier one */
      if (self->estimates->len > 0
          && g_array_index (self->estimates, Estimate, self->estimates->len - 1).iteration
                 == e.iteration)
        g_array_index (self->estimates, Estimate, self->estimates->len - 1) = e;
      else
        g_array_append_val (self->estimates, e);
    }
  /* a panel more or less */
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* Names of the classes, in network order, for the per-class legend. */
void
em_learning_curve_set_classes (EmLearningCurve *self, const char *const *names)
{
  g_return_if_fail (EM_IS_LEARNING_CURVE (self));
  g_strfreev (self->class_names);
  self->class_names = g_strdupv ((char **)names);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
em_learning_curve_has_class_sizes (EmLearningCurve *self)
{
  g_return_val_if_fail (EM_IS_LEARNING_CURVE (self), FALSE);
  return self->has_class_sizes;
}

guint
em_learning_curve_get_n_estimates (EmLearningCurve *self)
{
  g_return_val_if_fail (EM_IS_LEARNING_CURVE (self), 0);
  return self->estimates->len;
}

guint
em_learning_curve_get_n_points (EmLearningCurve *self)
{
  g_return_val_if_fail (EM_IS_LEARNING_CURVE (self), 0);
  return self->points->len;
}

static void
series_colour (gboolean dark, guint index, GdkRGBA *c)
{
  /* Two palettes with enough contrast against the light and the dark
   * window background (GNOME's palette: blue, orange, green, purple, red). */
  static const GdkRGBA light[] = { { 0.11, 0.44, 0.85, 1 },
                                   { 0.90, 0.38, 0.00, 1 },
                                   { 0.15, 0.64, 0.41, 1 },
                                   { 0.57, 0.25, 0.67, 1 },
                                   { 0.75, 0.11, 0.16, 1 } };
  static const GdkRGBA darkp[] = { { 0.38, 0.62, 0.95, 1 },
                                   { 1.00, 0.64, 0.28, 1 },
                                   { 0.34, 0.89, 0.54, 1 },
                                   { 0.75, 0.54, 0.88, 1 },
                                   { 0.96, 0.38, 0.32, 1 } };

  *c = (dark ? darkp : light)[index % G_N_ELEMENTS (light)];
}

static void
show_text (EmLearningCurve *self,
           cairo_t         *cr,
           double           x,
           double           y,
           double           xalign,
           double           yalign,
           const char      *text)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int tw, th;

  pango_layout_get_pixel_size (layout, &tw, &th);
  cairo_move_to (cr, x - xalign * tw, y - yalign * th);
  pango_cairo_show_layout (cr, layout);
}

typedef struct
{
  const char *name;
  gsize       offset; /* of the double in Point */
} Series;

static double
point_value (const Point *p, gsize offset)
{
  return *(const double *)((const char *)p + offset);
}

/* Returns the top of the panel's value axis. */
static double
draw_panel (EmLearningCurve *self,
            cairo_t         *cr,
            const GdkRGBA   *fg,
            gboolean         dark,
            double           x0,
            double           y0,
            double           w,
            double           h,
            const char      *title,
            const Series    *series,
            guint            n_series,
            guint            first_colour,
            guint            it_lo,
            guint            it_hi,
            gboolean         x_labels,
            double           fixed_hi,
            gboolean         lines)
{
  double hi = 0.0, step;
  guint  n = self->points->len;
  char   buf[32];

  for (guint s = 0; s < n_series; s++)
    for (guint i = 0; i < n; i++)
      {
        double v = point_value (&g_array_index (self->points, Point, i), series[s].offset);

        if (isfinite (v))
          hi = MAX (hi, v);
      }
  if (hi <= 0.0)
    hi = 1.0;
  if (fixed_hi > 0.0)
    hi = fixed_hi;
  step = em_plot_nice_step (hi, fixed_hi > 0.0 ? 2 : 3);
  hi = ceil (hi / step) * step;

  /* frame and grid */
  cairo_set_line_width (cr, 1.0);
  for (double t = 0.0; t <= hi + step * 1e-6; t += step)
    {
      double y = round (y0 + h - h * t / hi) + 0.5;

      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, t == 0.0 ? 0.5 : 0.12);
      cairo_move_to (cr, x0, y);
      cairo_line_to (cr, x0 + w, y);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.8);
      g_snprintf (buf, sizeof buf, "%g", t);
      show_text (self, cr, x0 - 4, y, 1.0, 0.5, buf);
    }
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.5);
  cairo_move_to (cr, round (x0) + 0.5, y0);
  cairo_line_to (cr, round (x0) + 0.5, y0 + h);
  cairo_stroke (cr);
  for (guint it = it_lo; it <= it_hi; it++)
    {
      double x = x0 + (it_hi == it_lo ? w / 2 : w * (it - it_lo) / (double)(it_hi - it_lo));
      guint  every = MAX (1, (it_hi - it_lo) / 10 + 1);

      if ((it - it_lo) % every != 0)
        continue;
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.5);
      cairo_move_to (cr, round (x) + 0.5, y0 + h);
      cairo_line_to (cr, round (x) + 0.5, y0 + h + 4);
      cairo_stroke (cr);
      if (x_labels)
        {
          cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.8);
          g_snprintf (buf, sizeof buf, "%u", it);
          show_text (self, cr, x, y0 + h + 5, 0.5, 0.0, buf);
        }
    }

  /* title and legend above the panel */
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.9);
  show_text (self, cr, x0, y0 - 2, 0.0, 1.0, title);
  {
    double lx = x0 + w;

    for (guint s = n_series; s-- > 0;)
      {
        g_autoptr (PangoLayout) layout
            = gtk_widget_create_pango_layout (GTK_WIDGET (self), series[s].name);
        GdkRGBA c;
        int     tw, th;

        pango_layout_get_pixel_size (layout, &tw, &th);
        lx -= tw;
        cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.9);
        cairo_move_to (cr, lx, y0 - 2 - th);
        pango_cairo_show_layout (cr, layout);
        series_colour (dark, first_colour + s, &c);
        gdk_cairo_set_source_rgba (cr, &c);
        cairo_rectangle (cr, lx - 16, y0 - 2 - th / 2.0 - 2, 12, 4);
        cairo_fill (cr);
        lx -= 28;
      }
  }

  /* the series: lines with a dot per iteration */
  for (guint s = 0; lines && s < n_series; s++)
    {
      GdkRGBA c;

      series_colour (dark, first_colour + s, &c);
      gdk_cairo_set_source_rgba (cr, &c);
      cairo_set_line_width (cr, 2.0);
      for (guint i = 0; i < n; i++)
        {
          const Point *p = &g_array_index (self->points, Point, i);
          double       x
              = x0
                + (it_hi == it_lo ? w / 2 : w * (p->iteration - it_lo) / (double)(it_hi - it_lo));
          double y = y0 + h - h * point_value (p, series[s].offset) / hi;

          /* a gap where a value is unknown */
          if (!isfinite (y))
            cairo_new_sub_path (cr);
          else if (!cairo_has_current_point (cr))
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      cairo_stroke (cr);
      for (guint i = 0; i < n; i++)
        {
          const Point *p = &g_array_index (self->points, Point, i);
          double       x
              = x0
                + (it_hi == it_lo ? w / 2 : w * (p->iteration - it_lo) / (double)(it_hi - it_lo));
          double y = y0 + h - h * point_value (p, series[s].offset) / hi;

          if (!isfinite (y))
            continue;
          cairo_arc (cr, x, y, 3.0, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
  return hi;
}

/* One stacked bar per iteration that stored its training set per class
 * (the class colours of the legend, bottom up in network order). */
static void
draw_class_sizes (EmLearningCurve *self,
                  cairo_t         *cr,
                  gboolean         dark,
                  double           x0,
                  double           y0,
                  double           w,
                  double           h,
                  double           hi,
                  guint            it_lo,
                  guint            it_hi)
{
  guint  n = self->points->len;
  double bar = MIN (24.0, MAX (3.0, 0.6 * w / MAX (n, 1)));

  for (guint i = 0; i < n; i++)
    {
      const Point *p = &g_array_index (self->points, Point, i);
      double       x
          = x0 + (it_hi == it_lo ? w / 2 : w * (p->iteration - it_lo) / (double)(it_hi - it_lo));
      double base = 0.0;

      /* inside the frame: the axis labels stay readable */
      x = CLAMP (x, x0 + bar / 2 + 1, x0 + w - bar / 2);
      for (guint c = 0; c < self->n_classes; c++)
        {
          guint   v = g_array_index (self->class_sizes, guint, i * self->n_classes + c);
          GdkRGBA col;
          double  ya, yb;

          if (v == G_MAXUINT)
            break;
          ya = y0 + h - h * base / hi;
          yb = y0 + h - h * (base + v) / hi;
          series_colour (dark, c, &col);
          gdk_cairo_set_source_rgba (cr, &col);
          cairo_rectangle (cr, x - bar / 2, yb, bar, ya - yb);
          cairo_fill (cr);
          base += v;
        }
    }
}

static double
iteration_x (double x0, double w, guint it, guint it_lo, guint it_hi)
{
  return x0 + (it_hi == it_lo ? w / 2 : w * (it - it_lo) / (double)(it_hi - it_lo));
}

static void
draw_estimates (EmLearningCurve *self,
                cairo_t         *cr,
                gboolean         dark,
                double           x0,
                double           y0,
                double           w,
                double           h,
                guint            it_lo,
                guint            it_hi)
{
  GdkRGBA c;

  for (guint i = 0; i < self->estimates->len; i++)
    {
      const Estimate *e = &g_array_index (self->estimates, Estimate, i);
      double          x = iteration_x (x0, w, e->iteration, it_lo, it_hi);

      if (e->iteration < it_lo || e->iteration > it_hi)
        continue;
      series_colour (dark, 0, &c);
      gdk_cairo_set_source_rgba (cr, &c);
      cairo_set_line_width (cr, 1.5);
      if (isfinite (e->wilson_lower) && isfinite (e->wilson_upper))
        {
          double ylo = y0 + h * (1.0 - e->wilson_lower), yhi = y0 + h * (1.0 - e->wilson_upper);

          cairo_move_to (cr, x, ylo);
          cairo_line_to (cr, x, yhi);
          cairo_move_to (cr, x - 5, ylo);
          cairo_line_to (cr, x + 5, ylo);
          cairo_move_to (cr, x - 5, yhi);
          cairo_line_to (cr, x + 5, yhi);
          cairo_stroke (cr);
        }
      if (isfinite (e->precision))
        {
          cairo_arc (cr, x, y0 + h * (1.0 - e->precision), 3.5, 0, 2 * G_PI);
          cairo_fill (cr);
        }
      if (isfinite (e->t_lower))
        {
          double y = y0 + h * (1.0 - CLAMP (e->t_lower, 0.0, 1.0));

          series_colour (dark, 1, &c);
          gdk_cairo_set_source_rgba (cr, &c);
          cairo_set_line_width (cr, 2.5);
          cairo_move_to (cr, x - 8, y);
          cairo_line_to (cr, x + 8, y);
          cairo_stroke (cr);
        }
    }
}

void
em_learning_curve_draw (EmLearningCurve *self, cairo_t *cr, int width, int height)
{
  const Series candidates[] = { { _ ("candidates"), G_STRUCT_OFFSET (Point, candidates) } };
  const Series train[] = { { _ ("labelled"), G_STRUCT_OFFSET (Point, train_size) },
                           { _ ("after SMOTE"), G_STRUCT_OFFSET (Point, train_balanced) } };
  const Series seconds[]
      = { { _ ("training"), G_STRUCT_OFFSET (Point, seconds_train) },
          { _ ("training and scoring"), G_STRUCT_OFFSET (Point, seconds_total) } };
  const Series truth[] = { { _ ("precision"), G_STRUCT_OFFSET (Point, truth_precision) },
                           { _ ("recall"), G_STRUCT_OFFSET (Point, truth_recall) } };
  /* Not printf formats, whatever xgettext guesses from "95 % l…". */
  const Series precision[] = {
    /* xgettext:no-c-format */
    { _ ("precision, Wilson 95 % interval"), 0 },
    /* xgettext:no-c-format */
    { _ ("one-sided 95 % lower limit"), 0 },
  };
  GdkRGBA  fg;
  guint    n_panels = 3 + (self->estimates->len > 0) + self->has_truth + self->has_class_sizes;
  double   y;
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  double   left = 56, right = 16, top = 24, gap = 30, bottom = 40;
  double   ph, pw;
  guint    it_lo, it_hi;

#if GTK_CHECK_VERSION(4, 10, 0)
  gtk_widget_get_color (GTK_WIDGET (self), &fg);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
#endif
  pw = width - left - right;
  ph = (height - top - bottom - gap * (n_panels - 1)) / n_panels;
  if (pw < 20 || ph < 10)
    return;
  if (self->points->len == 0)
    {
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
      show_text (self, cr, width / 2.0, height / 2.0, 0.5, 0.5, _ ("No iteration yet"));
      return;
    }
  it_lo = g_array_index (self->points, Point, 0).iteration;
  it_hi = g_array_index (self->points, Point, self->points->len - 1).iteration;

  y = top;
  draw_panel (self, cr, &fg, dark, left, y, pw, ph, _ ("Candidates"), candidates,
              G_N_ELEMENTS (candidates), 0, it_lo, it_hi, FALSE, 0.0, TRUE);
  y += ph + gap;
  if (self->has_truth)
    {
      draw_panel (self, cr, &fg, dark, left, y, pw, ph, _ ("Predictions against the truth"), truth,
                  G_N_ELEMENTS (truth), 2, it_lo, it_hi, FALSE, 1.0, TRUE);
      y += ph + gap;
    }
  if (self->estimates->len > 0)
    {
      /* the estimate in colour 0, the lower limit's tick in colour 1 */
      draw_panel (self, cr, &fg, dark, left, y, pw, ph, _ ("Estimated precision"), precision, 2, 0,
                  it_lo, it_hi, FALSE, 1.0, FALSE);
      draw_estimates (self, cr, dark, left, y, pw, ph, it_lo, it_hi);
      y += ph + gap;
    }
  draw_panel (self, cr, &fg, dark, left, y, pw, ph, _ ("Training set"), train, G_N_ELEMENTS (train),
              1, it_lo, it_hi, FALSE, 0.0, TRUE);
  y += ph + gap;
  if (self->has_class_sizes)
    {
      /* the legend: one entry per class, in its bar colour; the scale:
       * the largest labelled set (a stack sums to it) */
      g_autofree Series *classes = g_new0 (Series, MAX (self->n_classes, 1));
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      double largest = 0.0, hi;

      for (guint c = 0; c < self->n_classes; c++)
        {
          if (self->class_names != NULL && c < g_strv_length (self->class_names))
            g_ptr_array_add (names, g_strdup (self->class_names[c]));
          else
            /* Translators: legend of a class without a known name */
            g_ptr_array_add (names, g_strdup_printf (_ ("class %u"), c + 1));
          classes[c].name = g_ptr_array_index (names, c);
          classes[c].offset = G_STRUCT_OFFSET (Point, train_size);
        }
      for (guint i = 0; i < self->points->len; i++)
        largest = MAX (largest, g_array_index (self->points, Point, i).train_size);
      hi = draw_panel (self, cr, &fg, dark, left, y, pw, ph, _ ("Labelled per class"), classes,
                       self->n_classes, 0, it_lo, it_hi, FALSE, MAX (largest, 1.0), FALSE);
      draw_class_sizes (self, cr, dark, left, y, pw, ph, hi, it_lo, it_hi);
      y += ph + gap;
    }
  draw_panel (self, cr, &fg, dark, left, y, pw, ph, _ ("Time (s)"), seconds, G_N_ELEMENTS (seconds),
              3, it_lo, it_hi, TRUE, 0.0, TRUE);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
  show_text (self, cr, left + pw / 2, height - 2, 0.5, 1.0, _ ("Iteration"));
}

static void
em_learning_curve_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int      w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  em_learning_curve_draw (EM_LEARNING_CURVE (widget), cr, w, h);
  cairo_destroy (cr);
}

static void
em_learning_curve_measure (GtkWidget     *widget,
                           GtkOrientation orientation,
                           int            for_size,
                           int           *minimum,
                           int           *natural,
                           int           *minimum_baseline,
                           int           *natural_baseline)
{
  EmLearningCurve *self = EM_LEARNING_CURVE (widget);
  guint n_panels = 3 + (self->estimates->len > 0) + self->has_truth + self->has_class_sizes;

  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 80 * n_panels + 64;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 560 : 130 * n_panels + 64;
}

static void
em_learning_curve_finalize (GObject *object)
{
  g_array_unref (EM_LEARNING_CURVE (object)->points);
  g_array_unref (EM_LEARNING_CURVE (object)->estimates);
  g_array_unref (EM_LEARNING_CURVE (object)->class_sizes);
  g_strfreev (EM_LEARNING_CURVE (object)->class_names);
  G_OBJECT_CLASS (em_learning_curve_parent_class)->finalize (object);
}

static void
em_learning_curve_class_init (EmLearningCurveClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = em_learning_curve_finalize;
  widget_class->snapshot = em_learning_curve_snapshot;
  widget_class->measure = em_learning_curve_measure;
  gtk_widget_class_set_css_name (widget_class, "learningcurve");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
em_learning_curve_init (EmLearningCurve *self)
{
  self->points = g_array_new (FALSE, FALSE, sizeof (Point));
  self->estimates = g_array_new (FALSE, FALSE, sizeof (Estimate));
  self->class_sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Learning curve per iteration"), -1);
  update_accessible (self);
}

GtkWidget *
em_learning_curve_new (void)
{
  return g_object_new (EM_TYPE_LEARNING_CURVE, NULL);
}
