/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The spectrum plot: what it draws (read back from the pixels of an image
 * surface) and how zoom, pan, the y lock and normalisation behave. */
#include "em-config.h"

#include <math.h>

#include "gui/em-loss-curve.h"
#include "gui/em-spectrum-plot.h"

#define W 400
#define H 240

/* A LAMOST-like spectrum: 4000 pixels on 3700–9100 Å, flat at @level. */
static EmSpectrum *
flat_spectrum (gsize n, float level)
{
  EmSpectrum *s = em_spectrum_new (n);

  s->id = g_strdup ("spec-test");
  for (gsize i = 0; i < n; i++)
    {
      s->wave[i] = 3700.0 + 5400.0 * i / (double)(n - 1);
      s->flux[i] = level;
      s->ivar[i] = 1.0f;
    }
  return s;
}

static cairo_surface_t *
render (EmSpectrumPlot *plot)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
  cairo_t         *cr = cairo_create (surface);

  em_spectrum_plot_draw (plot, cr, W, H);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

/* Pixels in rows [y0, y1) whose colour is the spectrum's blue line (the
 * axes, grid and labels are grey). */
static int
count_line_pixels (cairo_surface_t *surface, int y0, int y1)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int           stride = cairo_image_surface_get_stride (surface);
  int           count = 0;

  for (int y = MAX (y0, 0); y < MIN (y1, H); y++)
    for (int x = 70; x < W - 16; x++)
      {
        guint32 px = *(const guint32 *)(data + y * stride + 4 * x);
        int     a = px >> 24, r = (px >> 16) & 0xff, b = px & 0xff;

        if (a > 60 && b > r + 60)
          count++;
      }
  return count;
}

static void
test_peak_never_dropped (void)
{
  GtkWidget *plot = g_object_ref_sink (em_spectrum_plot_new ());
  g_autoptr (EmSpectrum) s = flat_spectrum (4000, 1.0f);
  cairo_surface_t *surface;
  double           y0, y1;
  int              top_rows;

  /* Without the spike the top of the plot is empty... */
  s->flux[2345] = 1.0f;
  em_spectrum_plot_set_spectrum (EM_SPECTRUM_PLOT (plot), s);
  surface = render (EM_SPECTRUM_PLOT (plot));
  /* (a flat spectrum gets a ±10 % range: its line sits mid-height) */
  g_assert_cmpint (count_line_pixels (surface, 10, 60), ==, 0);
  cairo_surface_destroy (surface);

  /* ...with a one-pixel spike among 4000 pixels on ~320 columns it is
   * drawn to its full height (12 pixels per column: subsampling would
   * miss it 11 times in 12). */
  s->flux[2345] = 10.0f;
  em_spectrum_plot_set_spectrum (EM_SPECTRUM_PLOT (plot), s);
  em_spectrum_plot_get_y_range (EM_SPECTRUM_PLOT (plot), &y0, &y1);
  g_assert_cmpfloat (y1, >=, 10.0);
  surface = render (EM_SPECTRUM_PLOT (plot));
  /* the top 5 % of the plot height holds the peak (10 of 0.55…10.45) */
  top_rows = (int)((H - 50) * 0.08);
  g_assert_cmpint (count_line_pixels (surface, 10, 10 + top_rows + 2), >, 0);
  cairo_surface_destroy (surface);
  g_object_unref (plot);
}

static void
test_masked_shaded (void)
{
  GtkWidget *plot = g_object_ref_sink (em_spectrum_plot_new ());
  g_autoptr (EmSpectrum) s = flat_spectrum (4000, 1.0f);
  cairo_surface_t *surface;
  const guint8    *data;
  int              stride, x;
  guint32          px;

  for (gsize i = 1900; i < 2100; i++)
    s->mask[i] = 1;
  em_spectrum_plot_set_spectrum (EM_SPECTRUM_PLOT (plot), s);
  surface = render (EM_SPECTRUM_PLOT (plot));
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  /* the masked run sits in the middle of the x axis; sample near the top
   * where no line or grid is */
  x = 64 + (W - 64 - 14) / 2;
  px = *(const guint32 *)(data + 14 * stride + 4 * x);
  g_assert_cmpint ((px >> 24) & 0xff, >, 0);
  g_assert_cmpint ((px >> 16) & 0xff, >, (px & 0xff) + 10); /* reddish */
  px = *(const guint32 *)(data + 14 * stride + 4 * 90);
  g_assert_cmpint ((px >> 16) & 0xff, <=, (px & 0xff) + 10); /* not at the blue end */
  cairo_surface_destroy (surface);
  g_object_unref (plot);
}

static void
test_zoom_and_pan (void)
{
  GtkWidget *plot = g_object_ref_sink (em_spectrum_plot_new ());
  g_autoptr (EmSpectrum) s = flat_spectrum (4000, 1.0f);
  double x0, x1;

  em_spectrum_plot_set_spectrum (EM_SPECTRUM_PLOT (plot), s);
  em_spectrum_plot_get_x_range (EM_SPECTRUM_PLOT (plot), &x0, &x1);
  g_assert_cmpfloat_with_epsilon (x0, 3700.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (x1, 9100.0, 1e-9);

  em_spectrum_plot_zoom (EM_SPECTRUM_PLOT (plot), 2.0, 6564.61);
  em_spectrum_plot_get_x_range (EM_SPECTRUM_PLOT (plot), &x0, &x1);
  g_assert_cmpfloat_with_epsilon (x1 - x0, 2700.0, 1e-6);
  /* the zoom centre stays where it was on screen */
  g_assert_cmpfloat_with_epsilon ((6564.61 - x0) / (x1 - x0), (6564.61 - 3700) / 5400.0, 1e-9);

  /* panning stops at the end of the spectrum without shrinking the view */
  for (int k = 0; k < 20; k++)
    em_spectrum_plot_pan (EM_SPECTRUM_PLOT (plot), 0.5);
  em_spectrum_plot_get_x_range (EM_SPECTRUM_PLOT (plot), &x0, &x1);
  g_assert_cmpfloat_with_epsilon (x1, 9100.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (x1 - x0, 2700.0, 1e-6);

  /* zooming in has a limit of a few pixels, never an empty range */
  for (int k = 0; k < 100; k++)
    em_spectrum_plot_zoom (EM_SPECTRUM_PLOT (plot), 4.0, 8000.0);
  em_spectrum_plot_get_x_range (EM_SPECTRUM_PLOT (plot), &x0, &x1);
  g_assert_cmpfloat (x1 - x0, >=, 4 * 5400.0 / 3999 - 1e-9);

  /* the keyboard actions reach the same code */
  g_assert_true (gtk_widget_activate_action (plot, "plot.reset-zoom", NULL));
  g_assert_true (gtk_widget_activate_action (plot, "plot.zoom-in", NULL));
  em_spectrum_plot_get_x_range (EM_SPECTRUM_PLOT (plot), &x0, &x1);
  g_assert_cmpfloat_with_epsilon (x1 - x0, 5400.0 / 1.25, 1e-6);

  /* a zoomed view survives stepping to another spectrum covering it */
  em_spectrum_plot_set_x_range (EM_SPECTRUM_PLOT (plot), 6500, 6700);
  em_spectrum_plot_set_spectrum (EM_SPECTRUM_PLOT (plot), s);
  em_spectrum_plot_get_x_range (EM_SPECTRUM_PLOT (plot), &x0, &x1);
  g_assert_cmpfloat_with_epsilon (x0, 6500.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (x1, 6700.0, 1e-9);
  g_object_unref (plot);
}

static void
test_y_lock_and_normalise (void)
{
  GtkWidget *plot = g_object_ref_sink (em_spectrum_plot_new ());
  g_autoptr (EmSpectrum) a = flat_spectrum (4000, 1.0f);
  g_autoptr (EmSpectrum) b = flat_spectrum (4000, 1000.0f);
  double y0, y1, l0, l1;

  a->flux[100] = 3.0f;
  b->flux[100] = 3000.0f;
  em_spectrum_plot_set_spectrum (EM_SPECTRUM_PLOT (plot), a);
  em_spectrum_plot_get_y_range (EM_SPECTRUM_PLOT (plot), &l0, &l1);
  g_assert_cmpfloat (l0, <, 1.0);
  g_assert_cmpfloat (l1, >, 3.0);
  g_assert_cmpfloat (l1, <, 4.0);

  g_object_set (plot, "y-locked", TRUE, NULL);
  em_spectrum_plot_set_spectrum (EM_SPECTRUM_PLOT (plot), b);
  em_spectrum_plot_get_y_range (EM_SPECTRUM_PLOT (plot), &y0, &y1);
  g_assert_cmpfloat (y0, ==, l0);
  g_assert_cmpfloat (y1, ==, l1);

  g_object_set (plot, "y-locked", FALSE, NULL);
  em_spectrum_plot_get_y_range (EM_SPECTRUM_PLOT (plot), &y0, &y1);
  g_assert_cmpfloat (y1, >, 3000.0);

  /* normalised by the median, b looks like a */
  g_object_set (plot, "normalised", TRUE, NULL);
  em_spectrum_plot_get_y_range (EM_SPECTRUM_PLOT (plot), &y0, &y1);
  g_assert_cmpfloat_with_epsilon (y0, l0, 1e-6);
  g_assert_cmpfloat_with_epsilon (y1, l1, 1e-6);

  /* a masked cosmic ray does not set the automatic range */
  b->flux[200] = 1e6f;
  b->mask[200] = 1;
  em_spectrum_plot_set_spectrum (EM_SPECTRUM_PLOT (plot), b);
  em_spectrum_plot_get_y_range (EM_SPECTRUM_PLOT (plot), &y0, &y1);
  g_assert_cmpfloat (y1, <, 4.0);
  g_object_unref (plot);
}

static void
test_bad_input (void)
{
  GtkWidget *plot = g_object_ref_sink (em_spectrum_plot_new ());
  g_autoptr (EmSpectrum) s = flat_spectrum (50, NAN);
  cairo_surface_t *surface;
  const float      window[3] = { -1, 1, 0 };

  /* all-NaN spectrum, a window, an empty spectrum: drawn without a crash
   * and with a finite range */
  em_spectrum_plot_set_spectrum (EM_SPECTRUM_PLOT (plot), s);
  em_spectrum_plot_set_window (EM_SPECTRUM_PLOT (plot), window, 3, 6519, 6732);
  surface = render (EM_SPECTRUM_PLOT (plot));
  cairo_surface_destroy (surface);
  em_spectrum_plot_set_spectrum (EM_SPECTRUM_PLOT (plot), NULL);
  surface = render (EM_SPECTRUM_PLOT (plot));
  cairo_surface_destroy (surface);
  em_spectrum_plot_set_x_range (EM_SPECTRUM_PLOT (plot), NAN, 5);
  em_spectrum_plot_zoom (EM_SPECTRUM_PLOT (plot), 0.0, 5000);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (plot), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Spectrum plot");
  g_object_unref (plot);
}

static void
test_loss_curve (void)
{
  GtkWidget *curve = g_object_ref_sink (em_loss_curve_new ());
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 120, 36);
  cairo_t *cr = cairo_create (surface);
  const guint8 *data;
  int stride, top_right = 0, top_left = 0;

  em_loss_curve_add (EM_LOSS_CURVE (curve), 1.0);
  em_loss_curve_add (EM_LOSS_CURVE (curve), NAN); /* skipped */
  em_loss_curve_add (EM_LOSS_CURVE (curve), 0.5);
  em_loss_curve_add (EM_LOSS_CURVE (curve), 0.1);
  g_assert_cmpuint (em_loss_curve_get_n (EM_LOSS_CURVE (curve)), ==, 3);
  em_loss_curve_draw (EM_LOSS_CURVE (curve), cr, 120, 36);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  /* a falling loss: drawn high on the left, low on the right */
  for (int y = 0; y < 8; y++)
    {
      top_left += data[y * stride + 4 * 3 + 3] > 100;
      top_right += data[y * stride + 4 * 116 + 3] > 100;
    }
  g_assert_cmpint (top_left, >, 0);
  g_assert_cmpint (top_right, ==, 0);
  em_loss_curve_clear (EM_LOSS_CURVE (curve));
  g_assert_cmpuint (em_loss_curve_get_n (EM_LOSS_CURVE (curve)), ==, 0);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  g_object_unref (curve);
}

int
main (int argc, char *argv[])
{
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/spectrum-plot/peak-never-dropped", test_peak_never_dropped);
  g_test_add_func ("/spectrum-plot/masked-shaded", test_masked_shaded);
  g_test_add_func ("/spectrum-plot/zoom-and-pan", test_zoom_and_pan);
  g_test_add_func ("/spectrum-plot/y-lock-and-normalise", test_y_lock_and_normalise);
  g_test_add_func ("/spectrum-plot/bad-input", test_bad_input);
  g_test_add_func ("/spectrum-plot/loss-curve", test_loss_curve);
  return g_test_run ();
}
