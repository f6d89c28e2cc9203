/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pictures of the main states of the real windows (labelling on the
 * light and the dark theme, the candidate catalogue, the learning
 * curve), written as PNG into the build folder
 * (BUILDDIR/tests/gui/screenshots/) for the AppStream metainfo.  Each
 * picture is also checked: the right size, and not blank. */
#include "em-config.h"

#include <glib/gstdio.h>

#include "gui-test-util.h"
#include "gui/em-application.h"
#include "gui/em-candidates-view.h"
#include "gui/em-history-view.h"
#include "gui/em-window.h"

static char *data_home;
static char *out_dir;

static gboolean
opened (gpointer data)
{
  return em_window_get_experiment (data) != NULL && em_window_get_selected_item (data) != NULL;
}

static gboolean
plot_shows_selected (gpointer data)
{
  EmWindow    *window = data;
  EmBatchItem *item = em_window_get_selected_item (window);

  return item != NULL
         && g_strcmp0 (em_spectrum_plot_get_spectrum_id (em_window_get_plot (window)),
                       em_batch_item_get_id (item))
                == 0;
}

/* Distinct colours in a sample of the picture: a blank or single-colour
 * window has very few. */
static guint
count_colours (GdkTexture *texture)
{
  int                 w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = g_new (guint32, (gsize)w * h);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);

  gdk_texture_download (texture, (guchar *)pixels, (gsize)w * 4);
  for (gsize i = 0; i < (gsize)w * h; i += 7)
    g_hash_table_add (seen, GUINT_TO_POINTER (pixels[i] | 1));
  return g_hash_table_size (seen);
}

static void
shoot (gboolean dark, const char *name)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  EmWindow        *window = g_object_new (EM_TYPE_WINDOW, NULL);
  g_autofree char *demo = em_application_dup_demo_path ();
  g_autoptr (GdkTexture) texture = NULL;
  EmDemoOptions    options;
  g_autofree char *file = g_strdup_printf ("%s%s.png", name, dark ? "-dark" : "");
  g_autofree char *path = g_build_filename (out_dir, file, NULL);

  adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                  : ADW_COLOR_SCHEME_FORCE_LIGHT);
  /* The real demo experiment, small enough to be made in seconds (the
   * first picture makes it, the second reopens it). */
  em_demo_options_init (&options);
  options.n_pool = 400;
  options.n_seed = 300;
  options.preset = "small";
  options.max_epochs = 5;
  options.batch_size = 100;
  em_window_set_demo_options (window, &options);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  em_window_open_experiment (window, demo);
  g_assert_true (gui_test_wait_for (opened, window, 300000));

  /* a batch a third of the way through, the H-alpha region in view */
  while (strstr (em_window_get_batch_summary (window), " 37 of ") == NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u",
                                em_window_get_selected (window) % 7 == 3 ? 1 : 0);
  g_assert_true (gui_test_wait_for (plot_shows_selected, window, 5000));
  em_spectrum_plot_set_x_range (em_window_get_plot (window), 6300, 6900);
  gui_test_spin (200);

  texture = gui_test_render (GTK_WIDGET (window));
  g_assert_cmpint (gdk_texture_get_width (texture), >=, 1000);
  g_assert_cmpint (gdk_texture_get_height (texture), >=, 700);
  g_assert_cmpuint (count_colours (texture), >, 50);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);
  gtk_window_destroy (GTK_WINDOW (window));
  gui_test_spin (20);
}

static gboolean
not_writing (gpointer data)
{
  return !em_window_is_writing (data);
}

static gboolean
not_training (gpointer data)
{
  return !em_window_is_training (data);
}

static gboolean
showing_sample (gpointer data)
{
  return em_window_is_showing_sample (data) && !em_window_is_sampling (data);
}

static gboolean
candidates_listed (gpointer data)
{
  return !em_candidates_view_is_busy (data);
}

static gboolean
candidates_ready (gpointer data)
{
  return !em_candidates_view_is_busy (data)
         && em_spectrum_plot_get_placeholder (em_candidates_view_get_plot (data)) == NULL;
}

static gpointer
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* not ours */
  gpointer    found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
        found = w;
    }
  return found;
}

static void
save (GtkWidget *widget, const char *file)
{
  g_autoptr (GdkTexture) texture = gui_test_render (widget);
  g_autofree char *path = g_build_filename (out_dir, file, NULL);

  g_assert_cmpint (gdk_texture_get_width (texture), >=, 900);
  g_assert_cmpint (gdk_texture_get_height (texture), >=, 600);
  g_assert_cmpuint (count_colours (texture), >, 50);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);
}

/* The whole batch labelled (the demo's network says what it thinks; the
 * oracle agrees with most, in the window's writer), then the next
 * iteration. */
static void
label_batch_and_train (EmWindow *window)
{
  GListModel *batch = em_window_get_batch (window);

  for (guint i = 0; i < g_list_model_get_n_items (batch); i++)
    {
      g_autoptr (EmBatchItem) item = g_list_model_get_item (batch, i);
      int k = em_batch_item_get_predicted (item);

      em_window_relabel (window, em_batch_item_get_id (item),
                         em_batch_item_get_classes (item)[k >= 0 && i % 5 ? k : 0]);
    }
  g_assert_true (gui_test_wait_for (not_writing, window, 60000));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  gui_test_spin (50);
  g_assert_true (gui_test_wait_for (not_training, window, 300000));
}

/* A precision sample of @n drawn and labelled in the grid. */
static void
label_sample (EmWindow *window, guint n)
{
  GListModel *batch;

  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "win.estimate-precision", "u", n));
  g_assert_true (gui_test_wait_for (showing_sample, window, 60000));
  batch = em_window_get_batch (window);
  for (guint i = 0; i < 2 * g_list_model_get_n_items (batch); i++)
    {
      EmBatchItem *item = em_window_get_selected_item (window);
      int          k = em_batch_item_get_predicted (item);

      if (em_batch_item_get_label (item) >= 0)
        break;
      gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u",
                                  (guint)(k >= 0 && i % 6 ? k : 0));
    }
  g_assert_true (gui_test_wait_for (not_writing, window, 60000));
}

/* The candidate catalogue with a candidate's spectrum, and the learning
 * curve after a second iteration and a labelled precision sample: the
 * workflow of the method on the demo experiment, through the actions. */
static void
test_candidates_and_history (void)
{
  AdwStyleManager  *style = adw_style_manager_get_default ();
  EmWindow         *window = g_object_new (EM_TYPE_WINDOW, NULL);
  g_autofree char  *demo = em_application_dup_demo_path ();
  EmCandidatesView *candidates;
  EmHistoryView    *history;
  EmDemoOptions     options;

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  em_demo_options_init (&options);
  options.n_pool = 400;
  options.n_seed = 300;
  options.preset = "small";
  options.max_epochs = 5;
  options.batch_size = 100;
  em_window_set_demo_options (window, &options);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  em_window_open_experiment (window, demo);
  g_assert_true (gui_test_wait_for (opened, window, 300000));

  /* three more iterations, each batch labelled; a precision sample
   * labelled after the second */
  for (guint it = 1; it <= 3; it++)
    {
      label_batch_and_train (window);
      if (it == 2)
        {
          label_sample (window, 20);
          g_assert_true (
              gtk_widget_activate_action (GTK_WIDGET (window), "win.show-query-batch", NULL));
        }
    }

  /* the candidates of the fourth iteration, one of them selected */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-candidates", NULL));
  candidates = find_toplevel (EM_TYPE_CANDIDATES_VIEW);
  g_assert_nonnull (candidates);
  gtk_window_set_default_size (GTK_WINDOW (candidates), 1200, 800);
  g_assert_true (gui_test_wait_for (candidates_listed, candidates, 60000));
  em_candidates_view_select (candidates, 2);
  g_assert_true (gui_test_wait_for (candidates_ready, candidates, 60000));
  g_assert_cmpstr (em_candidates_view_get_spectrum_note (candidates), ==, "");
  em_spectrum_plot_set_x_range (em_candidates_view_get_plot (candidates), 6300, 6900);
  gui_test_spin (200);
  save (GTK_WIDGET (candidates), "candidates.png");
  gtk_window_destroy (GTK_WINDOW (candidates));

  /* a precision sample of 30 of the latest candidates */
  label_sample (window, 30);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-history", NULL));
  history = find_toplevel (EM_TYPE_HISTORY_VIEW);
  g_assert_nonnull (history);
  gtk_window_set_default_size (GTK_WINDOW (history), 1000, 960);
  g_assert_cmpuint (em_learning_curve_get_n_estimates (em_history_view_get_chart (history)), ==, 2);
  g_assert_true (em_learning_curve_has_class_sizes (em_history_view_get_chart (history)));
  gui_test_spin (200);
  save (GTK_WIDGET (history), "iteration-history.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  gui_test_spin (200);
  save (GTK_WIDGET (history), "iteration-history-dark.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (history));
  gtk_window_destroy (GTK_WINDOW (window));
  gui_test_spin (20);
}

static void
test_labelling_light (void)
{
  shoot (FALSE, "labelling");
}

static void
test_labelling_dark (void)
{
  shoot (TRUE, "labelling");
}

int
main (int argc, char *argv[])
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autoptr (GtkCssProvider) css = NULL;
  int status;

  g_setenv ("GTK_A11Y", "test", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  /* before GTK: GLib caches the user folders on first use */
  data_home = g_dir_make_tmp ("emissary-shots-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CACHE_HOME", data_home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* What AdwApplication does with the resource base path's style.css */
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/emissary/Emissary/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  out_dir = g_build_filename (builddir != NULL ? builddir : ".", "gui", "screenshots", NULL);
  g_assert_no_errno (g_mkdir_with_parents (out_dir, 0755));

  g_test_add_func ("/screenshots/labelling-light", test_labelling_light);
  g_test_add_func ("/screenshots/labelling-dark", test_labelling_dark);
  g_test_add_func ("/screenshots/candidates-and-history", test_candidates_and_history);
  status = g_test_run ();

  gui_test_remove_tree (data_home);
  g_free (data_home);
  g_free (out_dir);
  return status;
}
