/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "Estimate Precision" through the real windows on a small demo
 * experiment: win.estimate-precision asks the sample size, draws the
 * sample in a worker thread and shows it in the labelling grid in place
 * of the query batch; the oracle labels it with the window's actions
 * (the ordered label writer), the estimate under the header follows each
 * label and, once the sample is labelled, equals em_estimate_report's and
 * reaches the history window.  The way back to the query batch, the
 * request from the candidates and history windows, and resuming an
 * unfinished sample after the experiment is reopened are tested too. */
#include "em-config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "app/em-candidates.h"
#include "app/em-estimate.h"
#include "gui-test-util.h"
#include "gui/em-application.h"
#include "gui/em-candidates-view.h"
#include "gui/em-history-view.h"
#include "gui/em-window.h"

static char *data_home;

static gboolean
opened (gpointer data)
{
  return em_window_get_experiment (data) != NULL && em_window_get_selected_item (data) != NULL
         && !em_window_is_sampling (data);
}

static gboolean
showing_sample (gpointer data)
{
  return em_window_is_showing_sample (data) && !em_window_is_sampling (data);
}

static gboolean
not_writing (gpointer data)
{
  return !em_window_is_writing (data);
}

static gboolean
view_idle (gpointer data)
{
  return !em_candidates_view_is_busy (data);
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

/* The spin button of the sample-size dialog. */
static GtkSpinButton *
find_spin (GtkWidget *root)
{
  if (GTK_IS_SPIN_BUTTON (root))
    return GTK_SPIN_BUTTON (root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkSpinButton *spin = find_spin (c);

      if (spin != NULL)
        return spin;
    }
  return NULL;
}

static EmEstimateReport *
stored_report (EmWindow *window)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmExperiment) ro
      = em_experiment_open_read_only (em_window_get_experiment_path (window), &error);
  EmEstimateReport *report;

  g_assert_no_error (error);
  report = em_estimate_report (ro, &error);
  g_assert_no_error (error);
  return report;
}

static void
assert_same_row (const EmEstimateRow *a, const EmEstimateRow *b)
{
  g_assert_cmpuint (a->n_sampled, ==, b->n_sampled);
  g_assert_cmpuint (a->n_labelled, ==, b->n_labelled);
  g_assert_cmpuint (a->n_correct, ==, b->n_correct);
  g_assert_true (a->precision == b->precision || (isnan (a->precision) && isnan (b->precision)));
  g_assert_true (a->t_lower == b->t_lower || (isnan (a->t_lower) && isnan (b->t_lower)));
  g_assert_true (a->wilson_lower == b->wilson_lower
                 || (isnan (a->wilson_lower) && isnan (b->wilson_lower)));
  g_assert_true (a->wilson_upper == b->wilson_upper
                 || (isnan (a->wilson_upper) && isnan (b->wilson_upper)));
  g_assert_true (a->clopper_pearson_lower == b->clopper_pearson_lower
                 || (isnan (a->clopper_pearson_lower) && isnan (b->clopper_pearson_lower)));
}

/* What the window shows equals what em-estimate reports from the database. */
static void
assert_estimate_is_stored (EmWindow *window)
{
  g_autoptr (EmEstimateReport) stored = stored_report (window);
  const EmEstimateReport *shown = em_window_get_estimate (window);

  g_assert_nonnull (shown);
  g_assert_cmpint (shown->sample, ==, stored->sample);
  g_assert_cmpint (shown->iteration, ==, stored->iteration);
  g_assert_cmpuint (shown->n_rows, ==, stored->n_rows);
  for (guint r = 0; r < stored->n_rows; r++)
    assert_same_row (&shown->rows[r], &stored->rows[r]);
}

static guint
count_labelled (GListModel *items)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr (EmBatchItem) item = g_list_model_get_item (items, i);

      n += em_batch_item_get_label (item) >= 0;
    }
  return n;
}

static void
test_estimate (void)
{
  EmWindow        *window = g_object_new (EM_TYPE_WINDOW, NULL);
  g_autofree char *demo = em_application_dup_demo_path ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) ids = NULL;
  AdwMessageDialog *dialog;
  EmDemoOptions     options;
  EmHistoryView    *history;
  EmCandidatesView *candidates;
  GListModel       *grid;
  guint             n, k_emission;
  char             *query_summary;
  g_autofree char  *query_first = NULL;

  em_demo_options_init (&options);
  options.n_pool = 200;
  options.n_seed = 120;
  options.preset = "small";
  options.max_epochs = 1;
  options.batch_size = 12;
  em_window_set_demo_options (window, &options);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  em_window_open_experiment (window, demo);
  g_assert_true (gui_test_wait_for (opened, window, 300000));
  g_assert_false (em_window_is_showing_sample (window));
  /* nothing drawn yet: nothing to resume */
  g_assert_true (em_window_get_estimate (window) == NULL
                 || em_window_get_estimate (window)->sample < 0);
  query_summary = g_strdup (em_window_get_batch_summary (window));
  {
    g_autoptr (EmBatchItem) first = g_list_model_get_item (em_window_get_batch (window), 0);

    query_first = g_strdup (em_batch_item_get_id (first));
  }
  g_assert_true (g_str_has_prefix (query_summary, "Iteration 0 · "));

  /* the history window's button asks the main window */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-history", NULL));
  history = find_toplevel (EM_TYPE_HISTORY_VIEW);
  g_assert_nonnull (history);
  g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (history), "history.estimate-precision", NULL));
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (find_spin (GTK_WIDGET (dialog))), ==, 50);
  g_assert_false (adw_message_dialog_has_response (dialog, "resume"));
  adw_message_dialog_response (dialog, "cancel");
  gui_test_spin (50);
  g_assert_false (em_window_is_sampling (window));
  g_assert_false (em_window_is_showing_sample (window));

  /* the candidates window's button: the same dialog; a sample of 8 */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-candidates", NULL));
  candidates = find_toplevel (EM_TYPE_CANDIDATES_VIEW);
  g_assert_nonnull (candidates);
  g_assert_true (gui_test_wait_for (view_idle, candidates, 60000));
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (candidates), "candidates.estimate-precision", NULL));
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  {
    g_autoptr (GString) unnamed = g_string_new (NULL);

    g_assert_true (gui_test_every_control_named (GTK_WIDGET (dialog), unnamed));
    g_assert_cmpstr (unnamed->str, ==, "");
  }
  gtk_spin_button_set_value (find_spin (GTK_WIDGET (dialog)), 8);
  adw_message_dialog_response (dialog, "draw");
  g_assert_true (gui_test_wait_for (showing_sample, window, 60000));

  /* the grid holds the sample as drawn, the header says so */
  {
    g_autoptr (EmExperiment) ro
        = em_experiment_open_read_only (em_window_get_experiment_path (window), &error);
    g_autoptr (GPtrArray) list = NULL;

    g_assert_no_error (error);
    ids = em_estimate_get_sample_ids (ro, &error);
    g_assert_no_error (error);
    list = em_candidates_list (ro, &error);
    g_assert_no_error (error);
    n = g_strv_length (ids);
    g_assert_cmpuint (n, ==, MIN (8, list->len));
    g_assert_cmpuint (n, >=, 2);
    k_emission = (guint)em_experiment_find_class (ro, "emission");
  }
  grid = em_window_get_batch (window);
  g_assert_cmpuint (g_list_model_get_n_items (grid), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (EmBatchItem) item = g_list_model_get_item (grid, i);

      g_assert_cmpstr (em_batch_item_get_id (item), ==, ids[i]);
    }
  {
    g_autofree char *expected = g_strdup_printf (
        "Precision sample 1 of iteration 0 · %u of %u labelled", count_labelled (grid), n);

    g_assert_cmpstr (em_window_get_batch_summary (window), ==, expected);
  }
  g_assert_nonnull (strstr (em_window_get_estimate_text (window), "All candidates: "));
  assert_estimate_is_stored (window);

  /* label two: the estimate follows (through the window's writer) */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u", k_emission);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u", 0);
  g_assert_true (gui_test_wait_for (not_writing, window, 60000));
  gui_test_spin (20);
  assert_estimate_is_stored (window);
  g_assert_cmpuint (em_window_get_estimate (window)->rows[0].n_labelled, ==, count_labelled (grid));

  /* back to the query batch (a spectrum of both shows the label given
   * in the sample) and to the sample again (resumed) */
  {
    /* the sample's items go with it: copies of their ids */
    g_autoptr (GHashTable) labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    GListModel *query;

    for (guint i = 0; i < n; i++)
      {
        g_autoptr (EmBatchItem) item = g_list_model_get_item (grid, i);

        g_hash_table_insert (labels, g_strdup (em_batch_item_get_id (item)),
                             GINT_TO_POINTER (em_batch_item_get_label (item)));
      }
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-query-batch", NULL));
    g_assert_false (em_window_is_showing_sample (window));
    g_assert_true (g_str_has_prefix (em_window_get_batch_summary (window), "Iteration 0 · "));
    query = em_window_get_batch (window);
    g_assert_cmpuint (g_list_model_get_n_items (query), ==, 12);
    for (guint i = 0; i < 12; i++)
      {
        g_autoptr (EmBatchItem) item = g_list_model_get_item (query, i);
        gpointer label;

        if (i == 0)
          g_assert_cmpstr (em_batch_item_get_id (item), ==, query_first);
        if (g_hash_table_lookup_extended (labels, em_batch_item_get_id (item), NULL, &label)
            && GPOINTER_TO_INT (label) >= 0)
          g_assert_cmpint (em_batch_item_get_label (item), ==, GPOINTER_TO_INT (label));
        else
          g_assert_cmpint (em_batch_item_get_label (item), <, 0);
      }
  }
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "win.resume-precision-sample", NULL));
  g_assert_true (gui_test_wait_for (showing_sample, window, 60000));
  grid = em_window_get_batch (window);
  g_assert_cmpuint (g_list_model_get_n_items (grid), ==, n);
  g_assert_cmpuint (count_labelled (grid), ==, em_window_get_estimate (window)->rows[0].n_labelled);

  /* label the rest: every other one an emission star */
  for (guint i = 0; count_labelled (grid) < n && i < 2 * n; i++)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u", i % 2 ? 0 : k_emission);
  g_assert_cmpuint (count_labelled (grid), ==, n);
  g_assert_true (gui_test_wait_for (not_writing, window, 60000));
  gui_test_spin (20);
  assert_estimate_is_stored (window);
  {
    const EmEstimateRow *all = &em_window_get_estimate (window)->rows[0];
    g_autofree char     *p = g_strdup_printf ("precision %.3f (%u of %u)", all->precision,
                                              all->n_correct, all->n_labelled);
    g_autofree char     *cp
        = g_strdup_printf ("Clopper–Pearson lower limit %.3f", all->clopper_pearson_lower);

    g_assert_cmpuint (all->n_labelled, ==, n);
    g_assert_nonnull (strstr (em_window_get_estimate_text (window), p));
    g_assert_nonnull (strstr (em_window_get_estimate_text (window), cp));
    g_test_message ("%s", em_window_get_estimate_text (window));
    /* a picture of the labelled sample, for a look (not for the metainfo) */
    {
      const char      *builddir = g_getenv ("G_TEST_BUILDDIR");
      g_autofree char *dir
          = g_build_filename (builddir != NULL ? builddir : ".", "gui", "screenshots", NULL);
      g_autofree char *path = g_build_filename (dir, "estimate.png", NULL);
      g_autoptr (GdkTexture) texture = NULL;

      g_assert_no_errno (g_mkdir_with_parents (dir, 0755));
      texture = gui_test_render (GTK_WIDGET (window));
      g_assert_true (gdk_texture_save_to_png (texture, path));
    }

    /* the history window (reloaded) shows it on the iteration sampled */
    {
      g_autofree char *precision
          = em_history_view_dup_cell (history, 0, EM_HISTORY_COLUMN_PRECISION);
      g_autofree char *lower = em_history_view_dup_cell (history, 0, EM_HISTORY_COLUMN_LOWER);

      g_assert_cmpfloat_with_epsilon (g_strtod (precision, NULL), all->precision, 1e-3);
      if (isfinite (all->t_lower))
        g_assert_cmpfloat_with_epsilon (g_strtod (lower, NULL), all->t_lower, 1e-3);
      g_assert_cmpuint (em_learning_curve_get_n_estimates (em_history_view_get_chart (history)), ==,
                        1);
    }
  }

  /* a second sample, left unfinished; the experiment reopened offers it */
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "win.estimate-precision", "u", 3));
  g_assert_true (gui_test_wait_for (showing_sample, window, 60000));
  g_assert_cmpint (em_window_get_estimate (window)->sample, ==, 2);
  grid = em_window_get_batch (window);
  n = g_list_model_get_n_items (grid);
  g_assert_cmpuint (n, ==, 3);
  if (count_labelled (grid) == n)
    {
      /* all three labelled already (by the first sample): nothing to resume */
      g_test_message ("the second sample was labelled before; resuming not exercised");
    }
  gtk_window_destroy (GTK_WINDOW (candidates));
  gtk_window_destroy (GTK_WINDOW (history));
  gtk_window_destroy (GTK_WINDOW (window));
  gui_test_spin (50);

  window = g_object_new (EM_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (window));
  em_window_open_experiment (window, demo);
  g_assert_true (gui_test_wait_for (opened, window, 300000));
  g_assert_false (em_window_is_showing_sample (window));
  g_assert_nonnull (em_window_get_estimate (window));
  g_assert_cmpint (em_window_get_estimate (window)->sample, ==, 2);
  dialog = NULL;
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "win.estimate-precision", "u", 0));
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  {
    const EmEstimateRow *all = &em_window_get_estimate (window)->rows[0];

    /* "Resume" is offered exactly when the sample is unfinished */
    g_assert_cmpint (adw_message_dialog_has_response (dialog, "resume"), ==,
                     all->n_labelled < all->n_sampled);
    g_test_message ("reopened: sample 2 has %u of %u labelled", all->n_labelled, all->n_sampled);
    if (all->n_labelled < all->n_sampled)
      adw_message_dialog_response (dialog, "resume");
    else
      {
        adw_message_dialog_response (dialog, "cancel");
        gtk_widget_activate_action (GTK_WIDGET (window), "win.resume-precision-sample", NULL);
      }
  }
  g_assert_true (gui_test_wait_for (showing_sample, window, 60000));
  grid = em_window_get_batch (window);
  g_assert_cmpuint (g_list_model_get_n_items (grid), ==, 3);
  g_assert_true (g_str_has_prefix (em_window_get_batch_summary (window),
                                   "Precision sample 2 of iteration 0 · "));
  assert_estimate_is_stored (window);
  /* undo works on the sample too */
  {
    guint before = count_labelled (grid);

    if (before < 3)
      {
        gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u", 0);
        g_assert_cmpuint (count_labelled (grid), ==, before + 1);
        gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
        g_assert_cmpuint (count_labelled (grid), ==, before);
        g_assert_true (gui_test_wait_for (not_writing, window, 60000));
        gui_test_spin (20);
        assert_estimate_is_stored (window);
        g_assert_cmpuint (em_window_get_estimate (window)->rows[0].n_labelled, ==, before);
      }
  }

  gtk_window_destroy (GTK_WINDOW (window));
  gui_test_spin (50);
  g_free (query_summary);
}

int
main (int argc, char *argv[])
{
  int status;

  g_setenv ("GTK_A11Y", "test", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  /* before GTK: GLib caches the user folders on first use */
  data_home = g_dir_make_tmp ("emissary-estimate-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CACHE_HOME", data_home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/estimate-window/sample-label-estimate-resume", test_estimate);
  status = g_test_run ();

  gui_test_remove_tree (data_home);
  g_free (data_home);
  return status;
}
