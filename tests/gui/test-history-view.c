/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The iteration history of a real experiment (the demo, small network,
 * one epoch): two iterations run through the window, then win.show-history
 * opens the history window; its table holds one row per stored iteration
 * with the stored numbers and the precision estimate of a labelled
 * sample on the iteration it was drawn from and the training set per class, the learning curve
 * draws (not blank, the per-class panel included) on the
 * light and the dark theme, and a picture of it goes into the build
 * folder (BUILDDIR/tests/gui/screenshots/history*.png). */
#include "em-config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/em-estimate.h"
#include "gui-test-util.h"
#include "gui/em-application.h"
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
not_training (gpointer data)
{
  return !em_window_is_training (data);
}

static gboolean
not_writing (gpointer data)
{
  return !em_window_is_writing (data);
}

/* Distinct colours in a sample of the picture: a blank one has one. */
static guint
count_colours (GdkTexture *texture)
{
  int                 w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = g_new (guint32, (gsize)w * h);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);

  gdk_texture_download (texture, (guchar *)pixels, (gsize)w * 4);
  for (gsize i = 0; i < (gsize)w * h; i += 3)
    g_hash_table_add (seen, GUINT_TO_POINTER (pixels[i] | 1));
  return g_hash_table_size (seen);
}

static EmHistoryView *
find_history_view (void)
{
  GListModel    *toplevels = gtk_window_get_toplevels (); /* not ours */
  EmHistoryView *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);

      if (EM_IS_HISTORY_VIEW (w))
        found = EM_HISTORY_VIEW (w);
    }
  return found;
}

static void
shoot (GtkWidget *widget, const char *name)
{
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *path = NULL;

  g_assert_true (gui_test_wait_frame (widget));
  /* the first frame of a new window: the paintable needs a drawn one */
  texture = gui_test_render (widget);
  path = g_build_filename (out_dir, name, NULL);

  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, gtk_widget_get_width (widget));
  /* axes, text, grid and four series colours at least */
  g_assert_cmpuint (count_colours (texture), >, 20);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("%s", path);
}

static void
test_history (void)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  EmWindow        *window = g_object_new (EM_TYPE_WINDOW, NULL);
  g_autofree char *demo = em_application_dup_demo_path ();
  EmHistoryView   *view;
  EmLearningCurve *chart;
  EmDemoOptions    options;
  g_autoptr (GError) error = NULL;
  g_autoptr (EmExperiment) ro = NULL;
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (EmEstimateReport) report = NULL;
  g_autoptr (GString) unnamed = g_string_new (NULL);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  em_demo_options_init (&options);
  options.n_pool = 200;
  options.n_seed = 120;
  options.preset = "small";
  options.max_epochs = 1;
  options.batch_size = 12;
  em_window_set_demo_options (window, &options);
  gtk_window_present (GTK_WINDOW (window));
  /* no experiment yet: nothing to show */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-history", NULL);
  g_assert_null (find_history_view ());
  em_window_open_experiment (window, demo);
  g_assert_true (gui_test_wait_for (opened, window, 300000));

  /* label three of the batch, then the second iteration */
  for (guint i = 0; i < 3; i++)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u", i % 2);
  g_assert_true (gui_test_wait_for (not_writing, window, 60000));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  gui_test_spin (50);
  g_assert_true (gui_test_wait_for (not_training, window, 300000));

  /* "Estimate precision" on the second iteration's candidates: a sample
   * of ten, the oracle says every other one is an emission star */
  {
    EmExperiment *exp = em_window_get_experiment (window);
    g_auto (GStrv) ids = NULL;

    g_assert_cmpint (em_estimate_draw_sample (exp, 10, &error), >=, 1);
    g_assert_no_error (error);
    ids = em_estimate_get_sample_ids (exp, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_strv_length (ids), ==, 10);
    for (guint i = 0; ids[i] != NULL; i++)
      g_assert_true (em_experiment_add_label (exp, ids[i], i % 2 ? "emission" : "absorption",
                                              EM_LABEL_SOURCE_ORACLE, 1.0, NULL, &error));
    g_assert_no_error (error);
  }

  g_assert_null (find_history_view ());
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-history", NULL));
  view = find_history_view ();
  g_assert_nonnull (view);
  gtk_window_set_default_size (GTK_WINDOW (view), 900, 900);

  /* the table shows what the database holds */
  ro = em_experiment_open_read_only (em_window_get_experiment_path (window), &error);
  g_assert_no_error (error);
  stored = em_experiment_get_iterations (ro, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 2);
  g_assert_cmpuint (em_history_view_get_n_rows (view), ==, 2);
  for (guint i = 0; i < stored->len; i++)
    {
      const EmIterationInfo *info = g_ptr_array_index (stored, i);
      g_autofree char *number = em_history_view_dup_cell (view, i, EM_HISTORY_COLUMN_ITERATION);
      g_autofree char *train = em_history_view_dup_cell (view, i, EM_HISTORY_COLUMN_TRAIN_SIZE);
      g_autofree char *balanced
          = em_history_view_dup_cell (view, i, EM_HISTORY_COLUMN_TRAIN_BALANCED);
      g_autofree char *epochs = em_history_view_dup_cell (view, i, EM_HISTORY_COLUMN_EPOCHS);
      g_autofree char *cands = em_history_view_dup_cell (view, i, EM_HISTORY_COLUMN_CANDIDATES);
      g_autofree char *loss = em_history_view_dup_cell (view, i, EM_HISTORY_COLUMN_LOSS);
      g_autofree char *secs = em_history_view_dup_cell (view, i, EM_HISTORY_COLUMN_SECONDS_TRAIN);
      g_autofree char *strategy = em_history_view_dup_cell (view, i, EM_HISTORY_COLUMN_STRATEGY);

      g_assert_cmpuint (info->number, ==, i);
      g_assert_cmpuint (strtoul (number, NULL, 10), ==, info->number);
      g_assert_cmpuint (strtoul (train, NULL, 10), ==, info->train_size);
      g_assert_cmpuint (strtoul (balanced, NULL, 10), ==, info->train_size_balanced);
      g_assert_cmpuint (strtoul (epochs, NULL, 10), ==, info->epochs);
      g_assert_cmpuint (info->epochs, ==, 1);
      g_assert_cmpuint (strtoul (cands, NULL, 10), ==, info->n_candidates);
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (loss, NULL), info->loss, 1e-4);
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (secs, NULL), info->seconds_train, 0.01);
      g_assert_cmpstr (strategy, ==, info->strategy);

      /* the training set per class, as stored (before SMOTE) */
      {
        g_autofree char *per_class
            = em_history_view_dup_cell (view, i, EM_HISTORY_COLUMN_TRAIN_PER_CLASS);
        g_autoptr (GString) expected = g_string_new (NULL);
        guint sum = 0;

        g_assert_nonnull (info->class_sizes);
        for (guint c = 0; c < info->n_classes; c++)
          {
            g_string_append_printf (expected, "%s%s %u", c > 0 ? " · " : "",
                                    em_experiment_get_class (ro, c), info->class_sizes[c]);
            sum += info->class_sizes[c];
          }
        g_assert_cmpuint (sum, ==, info->train_size);
        g_assert_cmpstr (per_class, ==, expected->str);
      }
    }
  g_assert_null (em_history_view_dup_cell (view, 2, EM_HISTORY_COLUMN_ITERATION));

  /* the estimate is on the second row only, as em-estimate reports it */
  report = em_estimate_report (ro, &error);
  g_assert_no_error (error);
  g_assert_cmpint (report->iteration, ==, 1);
  g_assert_cmpuint (report->rows[0].n_labelled, ==, 10);
  {
    g_autofree char *none = em_history_view_dup_cell (view, 0, EM_HISTORY_COLUMN_PRECISION);
    g_autofree char *precision = em_history_view_dup_cell (view, 1, EM_HISTORY_COLUMN_PRECISION);
    g_autofree char *interval = em_history_view_dup_cell (view, 1, EM_HISTORY_COLUMN_INTERVAL);
    g_autofree char *lower = em_history_view_dup_cell (view, 1, EM_HISTORY_COLUMN_LOWER);
    g_autofree char *expected = g_strdup_printf ("%.3f – %.3f", report->rows[0].wilson_lower,
                                                 report->rows[0].wilson_upper);

    g_assert_cmpstr (none, ==, "");
    g_assert_cmpfloat_with_epsilon (g_strtod (precision, NULL), report->rows[0].precision, 1e-3);
    g_assert_cmpfloat_with_epsilon (report->rows[0].precision, 0.5, 1e-12);
    g_assert_nonnull (strstr (precision, "n = 10"));
    g_assert_cmpstr (interval, ==, expected);
    g_assert_cmpfloat_with_epsilon (g_strtod (lower, NULL), report->rows[0].t_lower, 1e-3);
  }
  /* the labels of the first batch are in the second training set */
  g_assert_cmpuint (((EmIterationInfo *)g_ptr_array_index (stored, 1))->train_size, ==,
                    ((EmIterationInfo *)g_ptr_array_index (stored, 0))->train_size + 3);

  chart = em_history_view_get_chart (view);
  g_assert_cmpuint (em_learning_curve_get_n_points (chart), ==, 2);
  g_assert_true (em_learning_curve_has_class_sizes (chart));
  g_assert_cmpuint (em_learning_curve_get_n_estimates (chart), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (
                        gtk_column_view_get_columns (em_history_view_get_table (view)))),
                    ==, EM_HISTORY_N_COLUMNS);
  g_assert_true (gui_test_every_control_named (GTK_WIDGET (view), unnamed));
  g_assert_cmpstr (unnamed->str, ==, "");

  /* the demo's truth: precision and recall of the predictions drawn */
  {
    g_autofree char *parent = g_path_get_dirname (em_window_get_experiment_path (window));
    g_autofree char *truth = g_build_filename (parent, "demo-survey", "truth.csv", NULL);

    g_assert_false (em_learning_curve_has_truth (chart));
    g_assert_false (em_history_view_set_truth (view, "/nonexistent/truth.csv", &error));
    g_assert_nonnull (strstr (error->message, "/nonexistent/truth.csv"));
    g_clear_error (&error);
    g_assert_false (em_learning_curve_has_truth (chart));
    g_assert_true (em_history_view_set_truth (view, truth, &error));
    g_assert_no_error (error);
    g_assert_true (em_learning_curve_has_truth (chart));
  }

  shoot (GTK_WIDGET (chart), "learning-curve.png");
  shoot (GTK_WIDGET (view), "history.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  gui_test_spin (100);
  shoot (GTK_WIDGET (chart), "learning-curve-dark.png");
  shoot (GTK_WIDGET (view), "history-dark.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);

  /* a missing experiment is an error naming it, not a crash */
  g_assert_false (em_history_view_load (view, "/nonexistent/emissary-experiment", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  gtk_window_destroy (GTK_WINDOW (view));
  gtk_window_destroy (GTK_WINDOW (window));
  gui_test_spin (50);
}

/* The chart without iterations: draws its placeholder text, nothing
 * else, without error (drawn straight into an image surface). */
static void
test_empty_chart (void)
{
  GtkWidget       *chart = g_object_ref_sink (em_learning_curve_new ());
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 400, 320);
  cairo_t         *cr = cairo_create (surface);
  const guint32   *pixels;
  guint            drawn = 0;

  em_learning_curve_set_iterations (EM_LEARNING_CURVE (chart), NULL);
  g_assert_cmpuint (em_learning_curve_get_n_points (EM_LEARNING_CURVE (chart)), ==, 0);
  em_learning_curve_draw (EM_LEARNING_CURVE (chart), cr, 400, 320);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_flush (surface);
  pixels = (const guint32 *)cairo_image_surface_get_data (surface);
  for (gsize i = 0; i < 400 * 320; i++)
    drawn += pixels[i] != 0;
  /* the text, in the middle only */
  g_assert_cmpuint (drawn, >, 50);
  g_assert_cmpuint (pixels[0], ==, 0);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  g_object_unref (chart);
}

/* Iterations of a migrated experiment: the first stored no per-class
 * sizes (schema version 1), the second did.  The per-class panel is
 * drawn, with a bar for the second only: the chart grows by one panel. */
static void
test_class_sizes_chart (void)
{
  GtkWidget *chart = g_object_ref_sink (em_learning_curve_new ());
  g_autoptr (GPtrArray) iterations
      = g_ptr_array_new_with_free_func ((GDestroyNotify)em_iteration_info_free);
  const char *const names[] = { "absorption", "emission", "double-peak", NULL };
  cairo_surface_t  *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 500, 700);
  cairo_t          *cr = cairo_create (surface);
  int               min_before, nat_before, min_after, nat_after;

  for (guint i = 0; i < 2; i++)
    {
      EmIterationInfo *info = g_new0 (EmIterationInfo, 1);

      info->number = i;
      info->train_size = 100 + 10 * i;
      info->train_size_balanced = 180 + 20 * i;
      info->n_candidates = 50;
      info->n_classes = 3;
      if (i == 1)
        {
          info->class_sizes = g_new (guint, 3);
          info->class_sizes[0] = 60;
          info->class_sizes[1] = 35;
          info->class_sizes[2] = 15;
        }
      g_ptr_array_add (iterations, info);
    }
  em_learning_curve_set_iterations (EM_LEARNING_CURVE (chart), iterations);
  g_assert_true (em_learning_curve_has_class_sizes (EM_LEARNING_CURVE (chart)));
  gtk_widget_measure (chart, GTK_ORIENTATION_VERTICAL, -1, &min_after, &nat_after, NULL, NULL);
  em_learning_curve_set_classes (EM_LEARNING_CURVE (chart), names);
  em_learning_curve_draw (EM_LEARNING_CURVE (chart), cr, 500, 700);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);

  /* without per-class sizes: one panel less */
  g_clear_pointer (&((EmIterationInfo *)iterations->pdata[1])->class_sizes, g_free);
  em_learning_curve_set_iterations (EM_LEARNING_CURVE (chart), iterations);
  g_assert_false (em_learning_curve_has_class_sizes (EM_LEARNING_CURVE (chart)));
  gtk_widget_measure (chart, GTK_ORIENTATION_VERTICAL, -1, &min_before, &nat_before, NULL, NULL);
  g_assert_cmpint (nat_after, >, nat_before);
  em_learning_curve_draw (EM_LEARNING_CURVE (chart), cr, 500, 700);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  g_object_unref (chart);
}

int
main (int argc, char *argv[])
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  int         status;

  g_setenv ("GTK_A11Y", "test", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  /* before GTK: GLib caches the user folders on first use */
  data_home = g_dir_make_tmp ("emissary-history-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CACHE_HOME", data_home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  out_dir = g_build_filename (builddir != NULL ? builddir : ".", "gui", "screenshots", NULL);
  g_assert_no_errno (g_mkdir_with_parents (out_dir, 0755));

  g_test_add_func ("/history/empty-chart", test_empty_chart);
  g_test_add_func ("/history/class-sizes-chart", test_class_sizes_chart);
  g_test_add_func ("/history/two-iterations", test_history);
  status = g_test_run ();

  gui_test_remove_tree (data_home);
  g_free (data_home);
  g_free (out_dir);
  return status;
}
