/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The candidate catalogue window on a real small demo experiment after
 * its first iteration, opened through the main window's action: its rows
 * are em_candidates_list's, sorting and filtering change the visible rows,
 * export writes a VOTable that parses, and the SIMBAD cross-match against
 * the replay server of the VO tests fills the SIMBAD column and the
 * summary.  Selecting a candidate shows its whole spectrum (or the pool's
 * window and a note when its file is gone); with a hub, "Show in Aladin"
 * sends the HiPS script. */
#include "em-config.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#ifdef EM_TEST_SAMP
#include "../integration/samp-fixture.h"
#include "vo/em-samp-messages.h"
#include "vo/em-xmlrpc.h"
#endif
#include "app/em-pool.h"
#include "gui-test-util.h"
#include "gui/em-application.h"
#include "gui/em-candidates-view.h"
#include "gui/em-window.h"
#include "vo/em-votable.h"

static char *tmp_dir;
static GPid  server_pid;
static int   server_port;

static void
start_server (void)
{
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "vo", "simbad-replay.py", NULL);
  g_autofree char *objects
      = g_test_build_filename (G_TEST_DIST, "data", "simbad", "replay-objects.tsv", NULL);
  g_autofree char *log_path = g_build_filename (tmp_dir, "requests.log", NULL);
  g_autofree char *port_file = g_build_filename (tmp_dir, "port", NULL);
  g_autoptr (GError) error = NULL;

  if (python == NULL)
    return;
  {
    const char *argv[] = { python,   script,        "--objects", objects, "--log",
                           log_path, "--port-file", port_file,   NULL };

    g_assert_true (g_spawn_async (NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                  &server_pid, &error));
    g_assert_no_error (error);
  }
  for (int i = 0; i < 200 && server_port == 0; i++)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (port_file, &text, NULL, NULL))
        server_port = atoi (text);
      else
        g_usleep (50000);
    }
  g_assert_cmpint (server_port, >, 0);
}

static gboolean
opened (gpointer data)
{
  return em_window_get_experiment (data) != NULL && em_window_get_selected_item (data) != NULL;
}

static gboolean
view_idle (gpointer data)
{
  return !em_candidates_view_is_busy (data);
}

static gboolean
not_writing (gpointer data)
{
  return !em_window_is_writing (data);
}

static gboolean
plot_drawn (gpointer data)
{
  return em_spectrum_plot_get_placeholder (em_candidates_view_get_plot (data)) == NULL;
}

static EmCandidatesView *
find_view (void)
{
  GListModel       *toplevels = gtk_window_get_toplevels (); /* transfer none */
  EmCandidatesView *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);

      if (EM_IS_CANDIDATES_VIEW (w))
        found = EM_CANDIDATES_VIEW (w);
    }
  return found;
}

#ifdef EM_TEST_SAMP
static void
on_message (EmSampClient *client,
            const char   *sender,
            const char   *mtype,
            GVariant     *params,
            gboolean      is_call,
            GVariant    **loaded)
{
  if (g_str_equal (mtype, "table.load.votable") && *loaded == NULL)
    *loaded = g_variant_ref (params);
}

static void
on_script (EmSampClient *client,
           const char   *sender,
           const char   *mtype,
           GVariant     *params,
           gboolean      is_call,
           char        **script)
{
  if (g_str_equal (mtype, "script.aladin.send") && *script == NULL)
    *script = g_strdup (em_samp_map_get_string (params, "script"));
}

static gboolean
got_script (gpointer data)
{
  return *(char **)data != NULL;
}

static gboolean
got_table (gpointer data)
{
  return *(GVariant **)data != NULL;
}

static gboolean
sees_listener (gpointer data)
{
  return em_samp_client_find_peer (data, "Listener") != NULL;
}

/* "Send to TOPCAT" through a real JSAMP hub to a client standing in for
 * TOPCAT: the VOTable it is told to load holds the @n candidates. */
static void
check_send_topcat (EmCandidatesView *view, guint n, const EmCandidate *c)
{
  g_autofree char *script = NULL;
  SampHub         *hub = samp_hub_start ("jsamp");
  g_autoptr (EmSampClient) emissary = em_samp_client_new ("Emissary");
  g_autoptr (EmSampClient) listener = em_samp_client_new ("Listener");
  g_autoptr (GVariant) loaded = NULL;
  g_autoptr (EmVotable) table = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  em_samp_client_subscribe (listener, "table.load.votable");
  em_samp_client_subscribe (listener, "script.aladin.send");
  g_signal_connect (listener, "message-received", G_CALLBACK (on_message), &loaded);
  g_signal_connect (listener, "message-received", G_CALLBACK (on_script), &script);
  samp_connect (listener);
  samp_connect (emissary);
  g_assert_true (samp_wait (sees_listener, emissary, 20));
  em_candidates_view_set_samp (view, emissary);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "candidates.send-topcat", NULL));
  g_assert_true (samp_wait (got_table, &loaded, 20));
  path = g_filename_from_uri (em_samp_map_get_string (loaded, "url"), NULL, &error);
  g_assert_no_error (error);
  table = em_votable_read_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (table->n_rows, ==, n);
  g_assert_cmpstr (em_samp_map_get_string (loaded, "name"), ==, "Emissary candidates");
  g_unlink (path);

  /* Show in Aladin: the HiPS survey of the preferences around the
   * selected candidate, by an Aladin script */
  {
    g_autofree char *expected = em_samp_aladin_hips_script ("CDS/P/2MASS/color", c->ra, c->dec);

    g_assert_cmpstr (em_candidates_view_get_row_id (view, 0), ==, c->spectrum_id);
    em_candidates_view_set_hips_survey (view, "CDS/P/2MASS/color");
    em_candidates_view_select (view, 0);
    g_assert_true (
        gtk_widget_activate_action (GTK_WIDGET (view), "candidates.show-in-aladin", NULL));
    g_assert_true (samp_wait (got_script, &script, 20));
    g_assert_nonnull (expected);
    g_assert_cmpstr (script, ==, expected);
  }
  em_candidates_view_set_samp (view, NULL);
  g_signal_handlers_disconnect_by_data (listener, &loaded);
  g_signal_handlers_disconnect_by_data (listener, &script);
  samp_hub_free (hub);
}
#endif

static guint
count_containing (GPtrArray *list, const char *needle)
{
  guint n = 0;

  for (guint i = 0; i < list->len; i++)
    {
      const EmCandidate *c = list->pdata[i];

      if (strstr (c->spectrum_id, needle) != NULL
          || (c->designation != NULL && strstr (c->designation, needle) != NULL))
        n++;
    }
  return n;
}

static void
test_candidates_view (void)
{
  EmWindow        *window = g_object_new (EM_TYPE_WINDOW, NULL);
  g_autofree char *demo = em_application_dup_demo_path ();
  g_autofree char *vot = g_build_filename (tmp_dir, "candidates.vot", NULL);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (EmVotable) table = NULL;
  g_autoptr (GError) error = NULL;
  EmCandidatesView  *view;
  EmExperiment      *exp;
  GListModel        *visible;
  EmDemoOptions      options;
  const EmCandidate *first, *last;
  int                klass = -1;
  guint              n_klass = 0;

  em_demo_options_init (&options);
  options.n_pool = 200;
  options.n_seed = 120;
  options.preset = NULL;
  options.max_epochs = 1;
  options.batch_size = 12;
  em_window_set_demo_options (window, &options);
  gtk_window_present (GTK_WINDOW (window));
  em_window_open_experiment (window, demo);
  g_assert_true (gui_test_wait_for (opened, window, 300000));
  exp = em_window_get_experiment (window);

  /* through the window's action */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-candidates", NULL));
  view = find_view ();
  g_assert_nonnull (view);
  g_assert_true (gui_test_wait_for (view_idle, view, 60000));
  {
    g_autoptr (GString) unnamed = g_string_new (NULL);

    gboolean named = gui_test_every_control_named (GTK_WIDGET (view), unnamed);

    g_assert_cmpstr (unnamed->str, ==, "");
    g_assert_true (named);
  }

  /* the rows are em_candidates_list's, in its order (by id) */
  list = em_candidates_list (exp, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, >, 1);
  visible = em_candidates_view_get_visible (view);
  g_assert_cmpuint (em_candidates_view_get_n_all (view), ==, list->len);
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, list->len);
  for (guint i = 0; i < list->len; i++)
    g_assert_cmpstr (em_candidates_view_get_row_id (view, i), ==,
                     ((EmCandidate *)list->pdata[i])->spectrum_id);

  /* sorting by id, descending, reverses the rows */
  first = list->pdata[0];
  last = list->pdata[list->len - 1];
  em_candidates_view_sort_by (view, "id", GTK_SORT_DESCENDING);
  g_assert_cmpstr (em_candidates_view_get_row_id (view, 0), ==, last->spectrum_id);
  g_assert_cmpstr (em_candidates_view_get_row_id (view, list->len - 1), ==, first->spectrum_id);
  em_candidates_view_sort_by (view, "id", GTK_SORT_ASCENDING);
  g_assert_cmpstr (em_candidates_view_get_row_id (view, 0), ==, first->spectrum_id);

  /* the search keeps the rows whose id or designation contains the text */
  em_candidates_view_set_search (view, last->spectrum_id);
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==,
                    count_containing (list, last->spectrum_id));
  g_assert_cmpuint (g_list_model_get_n_items (visible), <, list->len);
  em_candidates_view_set_search (view, "no such candidate");
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 0);
  em_candidates_view_set_search (view, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, list->len);

  /* the class filter: the predicted class (or the label) */
  for (guint i = 0; i < list->len; i++)
    {
      const EmCandidate *c = list->pdata[i];
      int                k
          = c->predicted_class >= 0 ? c->predicted_class : em_experiment_find_class (exp, c->label);

      if (klass < 0)
        klass = k;
      if (k == klass)
        n_klass++;
    }
  em_candidates_view_set_class_filter (view, klass);
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, n_klass);
  for (guint k = 0; k < em_experiment_get_n_classes (exp); k++)
    if (!em_experiment_class_is_target (exp, k) && (int)k != klass)
      {
        em_candidates_view_set_class_filter (view, k);
        g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 0);
        break;
      }
  em_candidates_view_set_class_filter (view, -1);
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, list->len);

  /* selecting a row draws its spectrum (read in a worker thread): the
   * whole spectrum from its source file, as the labelling view shows it,
   * not only the pool's Hα window */
  em_candidates_view_select (view, 0);
  g_assert_true (gui_test_wait_for (plot_drawn, view, 10000));
  {
    EmSpectrumPlot *plot = em_candidates_view_get_plot (view);
    double          x0, x1;

    g_assert_cmpstr (em_spectrum_plot_get_spectrum_id (plot), ==,
                     ((EmCandidate *)list->pdata[0])->spectrum_id);
    em_spectrum_plot_get_x_range (plot, &x0, &x1);
    g_assert_cmpfloat (x0, <, 6400.0);
    g_assert_cmpfloat (x1, >, 6900.0);
    g_assert_cmpstr (em_candidates_view_get_spectrum_note (view), ==, "");
  }
  /* a source file gone: the pool's window, and a note naming the file */
  {
    const EmCandidate *c = list->pdata[1];
    g_autoptr (EmPool) pool = em_pool_open (em_experiment_get_pool_path (exp), &error);
    g_autoptr (EmPoolRow) row = NULL;
    g_autofree char *hidden = NULL;
    double           x0, x1;

    g_assert_no_error (error);
    row = em_pool_get_row (pool, (guint64)c->row, &error);
    g_assert_no_error (error);
    hidden = g_strconcat (row->source_path, ".hidden", NULL);
    g_assert_no_errno (g_rename (row->source_path, hidden));
    em_candidates_view_select (view, 1);
    g_assert_true (gui_test_wait_for (plot_drawn, view, 10000));
    g_assert_null (em_spectrum_plot_get_spectrum_id (em_candidates_view_get_plot (view)));
    g_assert_nonnull (strstr (em_candidates_view_get_spectrum_note (view), row->source_path));
    em_spectrum_plot_get_x_range (em_candidates_view_get_plot (view), &x0, &x1);
    g_assert_cmpfloat (x0, >=, 6500.0);
    g_assert_cmpfloat (x1, <=, 6750.0);
    g_assert_no_errno (g_rename (hidden, row->source_path));
    /* back to a readable one: the note goes */
    em_candidates_view_select (view, 0);
    g_assert_true (gui_test_wait_for (plot_drawn, view, 10000));
    g_assert_cmpstr (em_candidates_view_get_spectrum_note (view), ==, "");
    g_assert_cmpstr (em_spectrum_plot_get_spectrum_id (em_candidates_view_get_plot (view)), ==,
                     ((EmCandidate *)list->pdata[0])->spectrum_id);
  }

  /* the oracle relabels the selected candidate through the window's writer */
  {
    g_autofree char *id = g_strdup (em_candidates_view_get_row_id (view, 0));
    g_autoptr (EmExperiment) ro = NULL;
    g_autofree char *label = NULL;
    guint            k = 0;

    while (em_experiment_class_is_target (exp, k))
      k++;
    em_candidates_view_relabel (view, k);
    g_assert_true (gui_test_wait_for (not_writing, window, 10000));
    ro = em_experiment_open_read_only (em_window_get_experiment_path (window), &error);
    g_assert_no_error (error);
    label = em_experiment_get_label (ro, id, NULL);
    g_assert_cmpstr (label, ==, em_experiment_get_class (exp, k));
    g_assert_nonnull (strstr (em_candidates_view_get_status (view), "labelled"));
  }

  /* export: a VOTable that parses, one row a candidate */
  em_candidates_view_export (view, vot, EM_CANDIDATES_FORMAT_VOTABLE);
  g_assert_true (em_candidates_view_is_busy (view));
  g_assert_true (gui_test_wait_for (view_idle, view, 60000));
  table = em_votable_read_file (vot, &error);
  g_assert_no_error (error);
  /* the relabelled candidate (now a non-target) is no candidate any more */
  g_assert_cmpuint (table->n_rows, ==, list->len - 1);
  g_assert_nonnull (strstr (em_candidates_view_get_status (view), "written"));

  /* the SIMBAD cross-match against the replay server */
  if (server_port != 0)
    {
      g_autofree char *url
          = g_strdup_printf ("http://127.0.0.1:%d/ok/simbad/sim-tap/sync", server_port);

      em_candidates_view_set_simbad (view, url, 3.0);
      g_assert_null (em_candidates_view_get_row_simbad (view, 0));
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "candidates.crossmatch", NULL));
      g_assert_true (em_candidates_view_is_busy (view));
      g_assert_true (gui_test_wait_for (view_idle, view, 60000));
      g_assert_true (g_str_has_prefix (em_candidates_view_get_status (view), "SIMBAD: "));
      guint matched = 0;

      for (guint i = 0; i < list->len; i++)
        matched += em_candidates_view_get_row_simbad (view, i) != NULL;
      /* all but the relabelled one, which left the catalogue */
      g_assert_cmpuint (matched, ==, list->len - 1);
      g_test_message ("%u candidates; %s", list->len, em_candidates_view_get_status (view));

      /* a stalled service: cancelling ends the cross-match at once */
      {
        g_autofree char *stall
            = g_strdup_printf ("http://127.0.0.1:%d/stall/simbad/sim-tap/sync", server_port);
        gint64 t0;

        em_candidates_view_set_simbad (view, stall, 3.0);
        g_assert_true (
            gtk_widget_activate_action (GTK_WIDGET (view), "candidates.crossmatch", NULL));
        gui_test_spin (300);
        g_assert_true (em_candidates_view_is_busy (view));
        t0 = g_get_monotonic_time ();
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "candidates.cancel", NULL));
        g_assert_true (gui_test_wait_for (view_idle, view, 10000));
        g_test_message ("cross-match cancelled in %.0f ms",
                        (g_get_monotonic_time () - t0) / 1000.0);
        g_assert_cmpstr (em_candidates_view_get_status (view), ==, "Cross-match cancelled");
      }
    }
  else
    g_test_message ("python3 missing: the SIMBAD cross-match is not tested");

  /* refresh: listed again, the relabelled candidate is gone */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "candidates.refresh", NULL));
  g_assert_true (gui_test_wait_for (view_idle, view, 60000));
  g_test_message ("after refresh: %s", em_candidates_view_get_status (view));
  g_assert_cmpuint (em_candidates_view_get_n_all (view), ==, list->len - 1);
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, list->len - 1);

#ifdef EM_TEST_SAMP
  /* the relabelled first one is gone: the second is the first row */
  check_send_topcat (view, list->len - 1, list->pdata[1]);
#else
  g_test_message ("no JSAMP hub: \"Send to TOPCAT\" is not tested");
#endif

  gtk_window_destroy (GTK_WINDOW (view));
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
  tmp_dir = g_dir_make_tmp ("emissary-gui-cand-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", tmp_dir, TRUE);
  g_setenv ("XDG_CACHE_HOME", tmp_dir, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  start_server ();
  g_test_add_func ("/candidates-view/list-sort-filter-export-crossmatch", test_candidates_view);
  status = g_test_run ();
  if (server_pid != 0)
    {
      kill (server_pid, SIGTERM);
      waitpid (server_pid, NULL, 0);
      g_spawn_close_pid (server_pid);
    }
  gui_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
