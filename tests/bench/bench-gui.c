/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GUI drawing benchmarks, one JSON line per measurement:
 *
 *   plot-redraw     the large plot of a 4,000-pixel spectrum, whole and
 *                   zoomed, drawn into a 1000×400 image (what the widget's
 *                   snapshot does)
 *   thumbnails-draw the 100 thumbnails of a batch drawn one after another
 *   grid-frame      a real window whose grid shows all 100 thumbnails:
 *                   from the frame clock's before-paint to after-paint of a
 *                   frame in which every thumbnail was invalidated
 *                   (snapshot + Cairo render)
 *
 * Each line gives the wall-clock median, 95th percentile and maximum and
 * the median of the thread's CPU time: on a machine shared with other
 * work the CPU time is what the drawing itself costs.
 *
 * Built on demand and run under Xvfb with a large enough screen:
 *   ninja -C build tests/gui/bench-gui
 *   GSK_RENDERER=cairo xvfb-run -a -s "-screen 0 2200x1400x24" build/tests/gui/bench-gui */
#include "em-config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../gui/gui-test-util.h"
#include "gui/em-batch-grid.h"
#include "gui/em-spectrum-plot.h"
#include "gui/em-thumbnail.h"

static const char *const classes[] = { "absorption", "emission", "double-peak", NULL };

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

static double cpu_ms[256];
static guint  n_cpu;

static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
report (const char *name, const char *extra, double *ms, guint n)
{
  double cpu = NAN;

  qsort (ms, n, sizeof (double), compare_double);
  if (n_cpu > 0)
    {
      qsort (cpu_ms, n_cpu, sizeof (double), compare_double);
      cpu = cpu_ms[n_cpu / 2];
    }
  printf ("{\"bench\":\"%s\",%s\"n\":%u,\"median_ms\":%.3f,\"p95_ms\":%.3f,\"max_ms\":%.3f,"
          "\"min_ms\":%.3f,\"cpu_median_ms\":%.3f}\n",
          name, extra, n, ms[n / 2], ms[(guint)(n * 0.95)], ms[n - 1], ms[0], cpu);
  fflush (stdout);
  n_cpu = 0;
}

static void
bench_plot (void)
{
  GtkWidget *plot = g_object_ref_sink (em_spectrum_plot_new ());
  g_autoptr (EmSpectrum) s = em_spectrum_new (4000);
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1000, 400);
  float            win[140];
  double           ms[200];
  guint n_runs = g_getenv ("BENCH_N") ? (guint)atoi (g_getenv ("BENCH_N")) : G_N_ELEMENTS (ms);

  for (gsize i = 0; i < s->n_pixels; i++)
    {
      double w = 3700.0 + 5400.0 * i / 3999.0;

      s->wave[i] = w;
      s->flux[i] = (float)(500 + 100 * sin (w / 300) + g_rand_double_range (rand, -30, 30)
                           - 200 * exp (-pow ((w - 6564.6) / 6, 2)));
      s->mask[i] = (i % 397) == 0;
    }
  for (guint k = 0; k < 140; k++)
    win[k] = (float)sin (k / 10.0);
  em_spectrum_plot_set_spectrum (EM_SPECTRUM_PLOT (plot), s);
  em_spectrum_plot_set_window (EM_SPECTRUM_PLOT (plot), win, 140, 6519, 6732);

  for (int zoomed = 0; zoomed < 2; zoomed++)
    {
      if (zoomed)
        em_spectrum_plot_set_x_range (EM_SPECTRUM_PLOT (plot), 6400, 6800);
      for (guint r = 0; r < n_runs; r++)
        {
          cairo_t *cr = cairo_create (surface);
          gint64   t0;
          double   c0;

          cairo_set_operator (cr, CAIRO_OPERATOR_CLEAR);
          cairo_paint (cr);
          cairo_set_operator (cr, CAIRO_OPERATOR_OVER);
          c0 = thread_cpu_ms ();
          t0 = g_get_monotonic_time ();
          em_spectrum_plot_draw (EM_SPECTRUM_PLOT (plot), cr, 1000, 400);
          cairo_surface_flush (surface);
          ms[r] = (g_get_monotonic_time () - t0) / 1000.0;
          cpu_ms[n_cpu++] = thread_cpu_ms () - c0;
          cairo_destroy (cr);
        }
      report (zoomed ? "plot-redraw-zoomed" : "plot-redraw",
              "\"pixels\":4000,\"width\":1000,\"height\":400,", ms, n_runs);
    }
  cairo_surface_destroy (surface);
  g_object_unref (plot);
}

static void
bench_thumbnails (GListModel *batch)
{
  g_autoptr (GPtrArray) thumbs = g_ptr_array_new_with_free_func (g_object_unref);
  cairo_surface_t *surface
      = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, EM_THUMBNAIL_WIDTH, EM_THUMBNAIL_HEIGHT);
  double ms[50];

  for (guint i = 0; i < g_list_model_get_n_items (batch); i++)
    {
      g_autoptr (EmBatchItem) item = g_list_model_get_item (batch, i);
      GtkWidget *t = g_object_ref_sink (em_thumbnail_new ());

      em_thumbnail_set_item (EM_THUMBNAIL (t), item);
      g_ptr_array_add (thumbs, t);
    }
  for (guint r = 0; r < G_N_ELEMENTS (ms); r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      double c0 = thread_cpu_ms ();

      for (guint i = 0; i < thumbs->len; i++)
        {
          cairo_t *cr = cairo_create (surface);

          em_thumbnail_draw (g_ptr_array_index (thumbs, i), cr, EM_THUMBNAIL_WIDTH,
                             EM_THUMBNAIL_HEIGHT);
          cairo_destroy (cr);
        }
      cairo_surface_flush (surface);
      ms[r] = (g_get_monotonic_time () - t0) / 1000.0;
      cpu_ms[n_cpu++] = thread_cpu_ms () - c0;
    }
  report ("thumbnails-draw", "\"thumbnails\":100,", ms, G_N_ELEMENTS (ms));
  cairo_surface_destroy (surface);
}

typedef struct
{
  gint64  layout_done;
  double *ms;
  guint   n;
  guint   wanted;
} FrameTimes;

static double layout_cpu;

static void
on_layout (GdkFrameClock *clock, FrameTimes *t)
{
  t->layout_done = g_get_monotonic_time ();
  layout_cpu = thread_cpu_ms ();
}

static void
on_after_paint (GdkFrameClock *clock, FrameTimes *t)
{
  if (t->layout_done != 0 && t->n < t->wanted)
    {
      t->ms[t->n++] = (g_get_monotonic_time () - t->layout_done) / 1000.0;
      cpu_ms[n_cpu++] = thread_cpu_ms () - layout_cpu;
    }
  t->layout_done = 0;
}

static guint
invalidate_thumbnails (GtkWidget *root)
{
  guint n = 0;

  if (EM_IS_THUMBNAIL (root))
    {
      gtk_widget_queue_draw (root);
      return 1;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    n += invalidate_thumbnails (c);
  return n;
}

static void
bench_grid (GListModel *batch)
{
  GtkWidget     *window = gtk_window_new ();
  GtkWidget     *grid = em_batch_grid_new ();
  GdkFrameClock *clock;
  double         ms[30];
  FrameTimes     t = { 0, ms, 0, G_N_ELEMENTS (ms) };
  guint          visible = 0;
  char           extra[64];

  em_batch_grid_set_model (EM_BATCH_GRID (grid), batch);
  gtk_window_set_child (GTK_WINDOW (window), grid);
  /* 10 columns of 10 rows: every thumbnail on screen */
  gtk_window_set_default_size (GTK_WINDOW (window), 10 * (EM_THUMBNAIL_WIDTH + 12) + 20,
                               10 * (EM_THUMBNAIL_HEIGHT + 12) + 20);
  gtk_window_present (GTK_WINDOW (window));
  gui_test_spin (500);
  gui_test_wait_frame (window);

  clock = gtk_widget_get_frame_clock (window);
  g_signal_connect (clock, "before-paint", G_CALLBACK (on_layout), &t);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &t);
  while (t.n < t.wanted)
    {
      visible = invalidate_thumbnails (window);
      gui_test_wait_frame (window);
    }
  g_signal_handlers_disconnect_by_data (clock, &t);
  g_snprintf (extra, sizeof extra, "\"thumbnails_on_screen\":%u,\"renderer\":\"%s\",", visible,
              G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))));
  report ("grid-frame", extra, ms, G_N_ELEMENTS (ms));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char *argv[])
{
  g_autoptr (GListStore) batch = NULL;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();
  batch = gui_test_make_batch (100, classes, 5);
  bench_plot ();
  bench_thumbnails (G_LIST_MODEL (batch));
  bench_grid (G_LIST_MODEL (batch));
  return 0;
}
