/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small training-loss curve, one point per epoch, shown while the
 * network trains: enough to see it converge or stall at a glance. */
#include "em-config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gui/em-loss-curve.h"

struct _EmLossCurve
{
  GtkWidget parent_instance;

  GArray *losses; /* double, one per epoch */
};

G_DEFINE_FINAL_TYPE (EmLossCurve, em_loss_curve, GTK_TYPE_WIDGET)

static void
update_accessible (EmLossCurve *self)
{
  g_autofree char *text = NULL;

  if (self->losses->len == 0)
    text = g_strdup (_ ("No training yet"));
  else
    /* Translators: accessible description of the loss curve */
    text = g_strdup_printf (_ ("%u epochs, last loss %.4f"), self->losses->len,
                            g_array_index (self->losses, double, self->losses->len - 1));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

void
em_loss_curve_clear (EmLossCurve *self)
{
  g_return_if_fail (EM_IS_LOSS_CURVE (self));
  g_array_set_size (self->losses, 0);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Appends the loss of the next epoch (non-finite values are skipped). */
void
em_loss_curve_add (EmLossCurve *self, double loss)
{
  g_return_if_fail (EM_IS_LOSS_CURVE (self));
  if (!isfinite (loss))
    return;
  g_array_append_val (self->losses, loss);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
em_loss_curve_get_n (EmLossCurve *self)
{
  g_return_val_if_fail (EM_IS_LOSS_CURVE (self), 0);
  return self->losses->len;
}

void
em_loss_curve_draw (EmLossCurve *self, cairo_t *cr, int width, int height)
{
  GdkRGBA fg;
  double  lo = INFINITY, hi = -INFINITY;
  guint   n = self->losses->len;

#if GTK_CHECK_VERSION(4, 10, 0)
  gtk_widget_get_color (GTK_WIDGET (self), &fg);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
#endif
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.25);
  cairo_set_line_width (cr, 1.0);
  cairo_move_to (cr, 0.5, 0);
  cairo_line_to (cr, 0.5, height - 0.5);
  cairo_line_to (cr, width, height - 0.5);
  cairo_stroke (cr);
  if (n < 2)
    return;
  for (guint i = 0; i < n; i++)
    {
      lo = MIN (lo, g_array_index (self->losses, double, i));
      hi = MAX (hi, g_array_index (self->losses, double, i));
    }
  if (hi - lo < 1e-12)
    hi = lo + 1.0;
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.9);
  cairo_set_line_width (cr, 1.5);
  for (guint i = 0; i < n; i++)
    {
      double x = 2 + (width - 4) * i / (double)(n - 1);
      double y
          = 2 + (height - 4) * (1.0 - (g_array_index (self->losses, double, i) - lo) / (hi - lo));

      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_stroke (cr);
}

static void
em_loss_curve_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int      w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  em_loss_curve_draw (EM_LOSS_CURVE (widget), cr, w, h);
  cairo_destroy (cr);
}

static void
em_loss_curve_measure (GtkWidget     *widget,
                       GtkOrientation orientation,
                       int            for_size,
                       int           *minimum,
                       int           *natural,
                       int           *minimum_baseline,
                       int           *natural_baseline)
{
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 120 : 36;
}

static void
em_loss_curve_finalize (GObject *object)
{
  g_array_unref (EM_LOSS_CURVE (object)->losses);
  G_OBJECT_CLASS (em_loss_curve_parent_class)->finalize (object);
}

static void
em_loss_curve_class_init (EmLossCurveClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = em_loss_curve_finalize;
  widget_class->snapshot = em_loss_curve_snapshot;
  widget_class->measure = em_loss_curve_measure;
  gtk_widget_class_set_css_name (widget_class, "losscurve");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
em_loss_curve_init (EmLossCurve *self)
{
  self->losses = g_array_new (FALSE, FALSE, sizeof (double));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Training loss per epoch"), -1);
  update_accessible (self);
}

GtkWidget *
em_loss_curve_new (void)
{
  return g_object_new (EM_TYPE_LOSS_CURVE, NULL);
}
