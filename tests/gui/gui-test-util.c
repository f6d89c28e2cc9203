/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <time.h>

#include "gui-test-util.h"
#include "spectra/em-demo.h"
#include "spectra/em-preprocess.h"
#include "spectra/em-spectrum-read.h"

/* @n items with H-alpha-like windows: absorption dips, emission peaks and
 * double peaks, probabilities that favour the drawn shape and the entropy
 * of those probabilities as the score.  Deterministic for @seed. */
GListStore *
gui_test_make_batch (guint n, const char *const *classes, guint64 seed)
{
  GListStore *store = g_list_store_new (EM_TYPE_BATCH_ITEM);
  g_autoptr (GRand) rand = g_rand_new_with_seed ((guint32)seed);
  guint n_classes = g_strv_length ((char **)classes);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (EmBatchItem) item = NULL;
      g_autofree char   *id = g_strdup_printf ("spec-55859-F5902_sp01-%03u", i + 1);
      g_autofree double *p = g_new0 (double, n_classes);
      float              win[140];
      guint              shape = g_rand_int_range (rand, 0, 3);
      double             sum = 0, entropy = 0, lo = INFINITY, hi = -INFINITY;

      for (guint k = 0; k < 140; k++)
        {
          double x = (k - 70.0) / 6.0;
          double v = 1.0 + 0.05 * g_rand_double_range (rand, -1, 1);

          if (shape == 0)
            v -= 0.6 * exp (-x * x / 2);
          else if (shape == 1)
            v += 1.5 * exp (-x * x / 2);
          else
            v += exp (-(x - 1.2) * (x - 1.2) / 0.5) + exp (-(x + 1.2) * (x + 1.2) / 0.5);
          win[k] = (float)v;
          lo = MIN (lo, v);
          hi = MAX (hi, v);
        }
      for (guint k = 0; k < 140; k++)
        win[k] = (float)(2 * (win[k] - lo) / (hi - lo) - 1);
      for (guint k = 0; k < n_classes; k++)
        {
          p[k] = g_rand_double_range (rand, 0.05, 0.4) + (k == shape ? 0.6 : 0.0);
          sum += p[k];
        }
      for (guint k = 0; k < n_classes; k++)
        {
          p[k] /= sum;
          entropy -= p[k] * log (p[k]);
        }
      item = em_batch_item_new (id, i, win, 140, classes, p, entropy);
      em_batch_item_set_metadata (item, "J055338.82+281806.4", 88.411750 + i * 0.01, 28.301778,
                                  20.0 + i, "STAR");
      g_list_store_append (store, item);
    }
  return store;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* A batch of the first @n spectra of a demo survey written into @dir by
 * the spectra layer: real files read by the real reader, windows by the
 * real preprocessing.  The probabilities are the test's own (no network
 * here): they favour "emission" for the truth's emission stars, so that
 * the picture is plausible. */
GListStore *
gui_test_make_demo_batch (const char *dir, guint n, const char *const *classes)
{
  GListStore      *store = g_list_store_new (EM_TYPE_BATCH_ITEM);
  g_autofree char *pool = g_build_filename (dir, "pool", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  EmPreprocessParams params;
  const char        *name;

  g_assert_true (em_demo_write (dir, MAX (n, 50), 30, 1, &error));
  g_assert_no_error (error);
  d = g_dir_open (pool, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  em_preprocess_params_init (&params);

  for (guint i = 0; i < names->len && g_list_model_get_n_items (G_LIST_MODEL (store)) < n; i++)
    {
      g_autofree char *path = g_build_filename (pool, g_ptr_array_index (names, i), NULL);
      g_autoptr (EmSpectrum) s = em_spectrum_read (path, &error);
      g_autoptr (EmBatchItem) item = NULL;
      double p[3], sum = 0, entropy = 0;
      float  win[140];

      g_assert_no_error (error);
      g_assert_cmpuint (params.grid.n, ==, 140);
      if (!em_preprocess (s, &params, win, NULL))
        continue; /* a dead fibre: no window, not queried */
      for (guint k = 0; k < 3; k++)
        {
          p[k] = g_rand_double_range (rand, 0.05, 1.0);
          sum += p[k];
        }
      for (guint k = 0; k < 3; k++)
        {
          p[k] /= sum;
          entropy -= p[k] * log (p[k]);
        }
      item = em_batch_item_new (s->id, i, win, 140, classes, p, entropy);
      em_batch_item_set_metadata (item, s->designation, s->ra, s->dec, s->snr, s->survey_class);
      em_batch_item_set_source_path (item, path);
      g_list_store_append (store, item);
    }
  return store;
}

void
gui_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

gboolean
gui_test_wait_for (gboolean (*condition) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  return TRUE;
}

static void
on_flag (gpointer instance, gboolean *flag)
{
  *flag = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *)data;
}

/* Waits until @widget's window has painted a frame (after anything queued
 * before the call). */
gboolean
gui_test_wait_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean       painted = FALSE;
  gulong         handler;
  gboolean       ok;

  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_flag), &painted);
  gtk_widget_queue_draw (widget);
  ok = gui_test_wait_for (flag_set, &painted, 5000);
  g_signal_handler_disconnect (clock, handler);
  return ok;
}

/* What the widget shows, through a software renderer so that it works the
 * same under Xvfb as on a desktop.  A widget paintable holds the widget's
 * last drawn frame, so one frame is drawn first. */
GdkTexture *
gui_test_render (GtkWidget *widget)
{
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderer) renderer = gsk_cairo_renderer_new ();
  g_autoptr (GskRenderNode) node = NULL;
  int         w, h;
  GdkTexture *texture;

  g_assert_true (gui_test_wait_frame (widget));
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  g_assert_true (gsk_renderer_realize (renderer, NULL, NULL));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gsk_renderer_unrealize (renderer);
  return texture;
}

static gboolean
has_name (GtkWidget *widget)
{
  GtkWidget *child;

  if (gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    return TRUE;
  if (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget),
                                        GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return TRUE;
  /* a button with a text label is named by it */
  if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) != NULL
      && gtk_button_get_icon_name (GTK_BUTTON (widget)) == NULL)
    return TRUE;
  if (GTK_IS_MENU_BUTTON (widget) && gtk_menu_button_get_label (GTK_MENU_BUTTON (widget)) != NULL)
    return TRUE;
  child = GTK_IS_BUTTON (widget) ? gtk_button_get_child (GTK_BUTTON (widget)) : NULL;
  return child != NULL && GTK_IS_LABEL (child);
}

/* Every button, toggle, switch and menu button under @root must have an
 * accessible name; the unnamed ones are listed in @unnamed. */
gboolean
gui_test_every_control_named (GtkWidget *root, GString *unnamed)
{
  gboolean ok = TRUE;

  if ((GTK_IS_BUTTON (root) || GTK_IS_MENU_BUTTON (root) || GTK_IS_SWITCH (root)
       || GTK_IS_CHECK_BUTTON (root) || GTK_IS_DROP_DOWN (root))
      && gtk_widget_get_visible (root) && !has_name (root))
    {
      g_string_append_printf (unnamed, "%s (%s) ", G_OBJECT_TYPE_NAME (root),
                              gtk_widget_get_name (root));
      ok = FALSE;
    }
  /* a menu button's (or drop-down's) inner toggle is named through the
   * menu button (drop-down); its popover's controls are checked */
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    if (!((GTK_IS_MENU_BUTTON (root) || GTK_IS_DROP_DOWN (root)) && GTK_IS_TOGGLE_BUTTON (c)))
      ok = gui_test_every_control_named (c, unnamed) && ok;
  return ok;
}

/* Removes @path and everything under it. */
void
gui_test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          gui_test_remove_tree (child);
        }
    }
  g_remove (path);
}

/* CPU time of the calling thread, ms. */
double
gui_test_thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A private session bus so that the application registers as it does on a
 * desktop (CI machines have none of their own), then GTK.  The bus is
 * started first, while the process has one thread: GTestDBus forks a
 * watcher that runs the exit handlers when the test ends, and a child
 * forked while another thread held ASan's allocator lock hung in
 * LeakSanitizer's exit check, holding the test's output open (a timeout
 * after every test passed).  g_test_dbus_up() unsets DISPLAY, which GTK
 * needs: put back.  Without dbus-daemon GtkApplication warns and goes on
 * without the bus, which the tests do not need, so only criticals stay
 * fatal then.  Returns the bus (stop it with g_test_dbus_stop() at the
 * end; it is kept, as libadwaita's portal proxy holds its connection for
 * the life of the process) or NULL. */
GTestDBus *
gui_test_init (int *argc, char ***argv)
{
  g_autofree char *dbus_daemon = g_find_program_in_path ("dbus-daemon");
  GTestDBus       *bus = NULL;

  if (dbus_daemon != NULL)
    {
      g_autofree char *display = g_strdup (g_getenv ("DISPLAY"));

      bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_test_dbus_up (bus);
      if (display != NULL)
        g_setenv ("DISPLAY", display, TRUE);
    }
  gtk_test_init (argc, argv, NULL);
  if (bus == NULL)
    g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  return bus;
}
