/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window on a real experiment (a small demo made by the spectra, pool,
 * nn and app layers): first start creates it and runs its first
 * iteration; labels and undo reach the database; "Train and query next
 * batch" runs in a task while the main loop keeps ticking (no stall over
 * 50 ms) and the window stays usable; cancelling, or closing the window,
 * leaves the experiment as it was. */
#include "em-config.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "gui-test-util.h"

#include "gui/em-application.h"
#include "gui/em-window.h"

/* The main loop's budget between two ticks while training and scoring:
 * 50 ms of the main thread's CPU.  Under AddressSanitizer every
 * allocation and store costs several times more: the longest gap measured
 * there was 37-44 ms in most runs and once 66 ms (CI dry run), against
 * 8 ms in the same test's plain build; its budget is three times larger,
 * as its timeouts are (--timeout-multiplier 3). */
#if defined(__SANITIZE_ADDRESS__)
#define MAIN_LOOP_BUDGET_MS 150.0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAIN_LOOP_BUDGET_MS 150.0
#endif
#endif
#ifndef MAIN_LOOP_BUDGET_MS
#define MAIN_LOOP_BUDGET_MS 50.0
#endif

static char *data_home;

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

/* The weak pointer at @data was cleared: the object was finalized. */
static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static gboolean
not_writing (gpointer data)
{
  return !em_window_is_writing (data);
}

/* A 5 ms timer on the main context: the gaps between its ticks are how
 * long the main loop was kept from running.  Two measures: the wall-clock
 * gap, and the main thread's own CPU time within it, which is the part
 * the program is responsible for (on a machine shared with other work the
 * wall-clock gap also holds the time the thread waited for a core). */
typedef struct
{
  gint64  last;
  double  last_cpu;
  GArray *gaps;     /* double, ms */
  GArray *cpu_gaps; /* double, ms */
} Stalls;

static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static gboolean
stall_tick (gpointer data)
{
  Stalls *s = data;
  gint64  now = g_get_monotonic_time ();
  double  cpu = thread_cpu_ms ();
  double  gap;

  if (s->last != 0)
    {
      gap = (now - s->last) / 1000.0;
      g_array_append_val (s->gaps, gap);
      gap = cpu - s->last_cpu;
      g_array_append_val (s->cpu_gaps, gap);
    }
  s->last = now;
  s->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

static gboolean
not_loading (gpointer data)
{
  return !em_window_is_loading (data);
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

static char *
db_label (EmWindow *window, const char *id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmExperiment) ro
      = em_experiment_open_read_only (em_window_get_experiment_path (window), &error);

  g_assert_no_error (error);
  return em_experiment_get_label (ro, id, NULL);
}

static void
test_demo_label_train_cancel (void)
{
  EmWindow          *window = g_object_new (EM_TYPE_WINDOW, NULL);
  g_autofree char   *demo = em_application_dup_demo_path ();
  g_autofree char   *first_id = NULL;
  g_autofree char   *second_id = NULL;
  g_autofree char   *label = NULL;
  EmDemoOptions      options;
  EmExperimentCounts counts;
  Stalls             stalls = { 0, 0, g_array_new (FALSE, FALSE, sizeof (double)),
                                g_array_new (FALSE, FALSE, sizeof (double)) };
  guint              timer, n_iterations;
  double             p99, worst, cpu_worst;
  g_autoptr (GError) error = NULL;

  em_demo_options_init (&options);
  /* The method's reference CNN (34 MFLOP a spectrum), one epoch: heavy
   * enough that training and scoring take seconds, as they load the
   * machine for real. */
  options.n_pool = 200;
  options.n_seed = 120;
  options.preset = NULL;
  options.max_epochs = 1;
  options.batch_size = 12;
  em_window_set_demo_options (window, &options);
  gtk_window_present (GTK_WINDOW (window));

  /* first start: the demo is created, its first iteration runs */
  em_window_open_experiment (window, demo);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Emissary — Demo");
  g_assert_true (gui_test_wait_for (opened, window, 300000));
  g_assert_true (g_file_test (demo, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (em_window_get_selected (window), ==, 0);
  {
    g_autoptr (GString) unnamed = g_string_new (NULL);

    /* every control has an accessible name, the train button included */
    g_assert_true (gui_test_every_control_named (GTK_WIDGET (window), unnamed));
    g_assert_cmpstr (unnamed->str, ==, "");
  }

  /* label → the next spectrum drawn, with the real files and database:
   * wall clock (reported) and the main thread's CPU time (asserted: the
   * program's own share on a shared machine) */
  {
    double ms[5], cpu[5];

    for (guint i = 0; i < G_N_ELEMENTS (ms); i++)
      {
        gint64 t0;
        double c0;

        g_assert_true (gui_test_wait_for (not_loading, window, 10000));
        t0 = g_get_monotonic_time ();
        c0 = thread_cpu_ms ();
        gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u", 0);
        g_assert_true (plot_shows_selected (window));
        g_assert_true (gui_test_wait_frame (GTK_WIDGET (window)));
        ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
        cpu[i] = thread_cpu_ms () - c0;
      }
    qsort (ms, G_N_ELEMENTS (ms), sizeof (double), compare_double);
    qsort (cpu, G_N_ELEMENTS (cpu), sizeof (double), compare_double);
    g_test_message ("label to next spectrum drawn (demo experiment): wall median %.1f ms, worst "
                    "%.1f ms; main-thread CPU median %.1f ms, worst %.1f ms",
                    ms[2], ms[4], cpu[2], cpu[4]);
    g_assert_cmpfloat (cpu[2], <, 50.0);
    for (guint i = 0; i < G_N_ELEMENTS (ms); i++)
      gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
    g_assert_true (gui_test_wait_for (not_writing, window, 10000));
  }

  /* labels reach the database; undo takes the last one back */
  first_id = g_strdup (em_batch_item_get_id (em_window_get_selected_item (window)));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u", 1);
  second_id = g_strdup (em_batch_item_get_id (em_window_get_selected_item (window)));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u", 0);
  g_assert_true (gui_test_wait_for (not_writing, window, 10000));
  label = db_label (window, first_id);
  g_assert_cmpstr (label, ==, em_experiment_get_class (em_window_get_experiment (window), 1));
  g_clear_pointer (&label, g_free);
  label = db_label (window, second_id);
  g_assert_cmpstr (label, ==, em_experiment_get_class (em_window_get_experiment (window), 0));
  g_clear_pointer (&label, g_free);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
  g_assert_true (gui_test_wait_for (not_writing, window, 10000));
  label = db_label (window, second_id);
  g_assert_null (label);

  g_assert_true (em_experiment_get_counts (em_window_get_experiment (window), &counts, &error));
  g_assert_no_error (error);
  n_iterations = counts.iterations;

  /* train and query: the main loop keeps running; labelling goes on */
  timer = g_timeout_add (5, stall_tick, &stalls);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (em_window_is_training (window));
  gui_test_spin (30);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u", 2);
  g_assert_true (gui_test_wait_for (not_training, window, 300000));
  g_source_remove (timer);
  g_array_sort (stalls.gaps, compare_double);
  g_array_sort (stalls.cpu_gaps, compare_double);
  g_assert_cmpuint (stalls.gaps->len, >, 10);
  p99 = g_array_index (stalls.gaps, double, (guint)(stalls.gaps->len * 0.99));
  worst = g_array_index (stalls.gaps, double, stalls.gaps->len - 1);
  cpu_worst = g_array_index (stalls.cpu_gaps, double, stalls.cpu_gaps->len - 1);
  g_test_message ("main loop during training and scoring: %u ticks; wall-clock gap 99th "
                  "percentile %.1f ms, longest %.1f ms; main-thread CPU between ticks longest "
                  "%.1f ms",
                  stalls.gaps->len, p99, worst, cpu_worst);
  g_assert_cmpfloat (cpu_worst, <, MAIN_LOOP_BUDGET_MS);
  g_assert_true (em_experiment_get_counts (em_window_get_experiment (window), &counts, &error));
  g_assert_cmpuint (counts.iterations, ==, n_iterations + 1);
  g_assert_nonnull (em_window_get_selected_item (window));
  g_assert_cmpint (em_batch_item_get_label (em_window_get_selected_item (window)), ==, -1);

  /* cancel: nothing changes */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  gui_test_spin (200);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-training", NULL));
  g_assert_true (gui_test_wait_for (not_training, window, 120000));
  g_assert_true (em_experiment_get_counts (em_window_get_experiment (window), &counts, &error));
  g_assert_cmpuint (counts.iterations, ==, n_iterations + 1);

  /* closing the window while it trains: the training is cancelled, the
   * window goes, and the experiment is free for the next window at once */
  {
    gpointer gone = window;
    EmWindow *again;
    gint64 t0;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
    gui_test_spin (200);
    g_assert_true (em_window_is_training (window));
    g_object_add_weak_pointer (G_OBJECT (window), &gone);
    t0 = g_get_monotonic_time ();
    gtk_window_destroy (GTK_WINDOW (window));
    g_assert_true (gui_test_wait_for (is_gone, &gone, 120000));
    g_test_message ("window closed while training: finalized after %.0f ms",
                    (g_get_monotonic_time () - t0) / 1000.0);
    again = g_object_new (EM_TYPE_WINDOW, NULL);
    gtk_window_present (GTK_WINDOW (again));
    em_window_open_experiment (again, demo);
    g_assert_true (gui_test_wait_for (opened, again, 300000));
    g_assert_true (em_experiment_get_counts (em_window_get_experiment (again), &counts, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (counts.iterations, ==, n_iterations + 1);
    window = again;
  }

  g_array_unref (stalls.gaps);
  g_array_unref (stalls.cpu_gaps);
  gtk_window_destroy (GTK_WINDOW (window));
  gui_test_spin (50);
}

int
main (int argc, char *argv[])
{
  int status;

  g_setenv ("GTK_A11Y", "test", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  data_home = g_dir_make_tmp ("emissary-gui-exp-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CACHE_HOME", data_home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add_func ("/experiment-window/demo-label-train-cancel", test_demo_label_train_cancel);
  status = g_test_run ();
  gui_test_remove_tree (data_home);
  g_free (data_home);
  return status;
}
