/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SIMBAD panel of the labelling window against the replay server of
 * the VO tests (tests/vo/simbad-replay.py): objects near the selected
 * spectrum, an empty cone, and a failing service shown as a calm line. */
#include "em-config.h"

#include <signal.h>
#include <sys/wait.h>

#include "gui-test-util.h"
#include "gui/em-window.h"

static const char *const classes[] = { "absorption", "emission", "double-peak", NULL };
static GPid              server_pid;
static int               server_port;
static char             *tmp_dir;

static char *
server_url (const char *mode)
{
  return g_strdup_printf ("http://127.0.0.1:%d/%s/simbad/sim-tap/sync", server_port, mode);
}

static gboolean
start_server (void)
{
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "vo", "simbad-replay.py", NULL);
  g_autofree char *objects
      = g_test_build_filename (G_TEST_DIST, "data", "simbad", "replay-objects.tsv", NULL);
  g_autofree char *log_path = NULL;
  g_autofree char *port_file = NULL;
  g_autoptr (GError) error = NULL;

  if (python == NULL)
    return FALSE;
  log_path = g_build_filename (tmp_dir, "requests.log", NULL);
  port_file = g_build_filename (tmp_dir, "port", NULL);
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
  return TRUE;
}

static gboolean
simbad_answered (gpointer data)
{
  return !em_window_is_asking_simbad (data);
}

static EmBatchItem *
item_at (double ra, double dec, guint i)
{
  g_autofree char *id = g_strdup_printf ("spec-test-%u", i);
  const float      win[3] = { 0, 1, 0 };
  const double     p[3] = { 0.2, 0.5, 0.3 };
  EmBatchItem     *item = em_batch_item_new (id, i, win, 3, classes, p, 1.0);

  em_batch_item_set_metadata (item, NULL, ra, dec, NAN, NULL);
  return item;
}

static void
test_cone_and_errors (void)
{
  EmWindow *window = g_object_new (EM_TYPE_WINDOW, NULL);
  g_autoptr (GListStore) batch = g_list_store_new (EM_TYPE_BATCH_ITEM);
  g_autoptr (EmBatchItem) crab = item_at (83.6330763, 22.0144933, 0);
  g_autoptr (EmBatchItem) south = item_at (10.0, -80.0, 1);
  g_autoptr (EmBatchItem) nowhere = item_at (NAN, NAN, 2);
  g_autofree char *ok = server_url ("ok");
  g_autofree char *failing = server_url ("http500");
  g_auto (GStrv) ids = NULL;

  if (server_port == 0)
    {
      g_test_skip ("python3 is needed for the SIMBAD replay server");
      gtk_window_destroy (GTK_WINDOW (window));
      return;
    }
  g_list_store_append (batch, crab);
  g_list_store_append (batch, south);
  g_list_store_append (batch, nowhere);
  gtk_window_present (GTK_WINDOW (window));
  em_window_set_simbad (window, ok, 3.0);
  em_window_set_batch (window, G_LIST_MODEL (batch), 1, classes);

  /* the Crab pulsar and its nebula are within 3″ of each other */
  g_assert_true (gui_test_wait_for (simbad_answered, window, 20000));
  ids = em_window_dup_simbad_ids (window);
  g_assert_true (g_strv_contains ((const char *const *)ids, "V* CM Tau"));
  g_assert_cmpstr (em_window_get_simbad_status (window), ==, "2 objects within 3.0″");

  /* nothing there */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step", "i", 1);
  g_assert_true (gui_test_wait_for (simbad_answered, window, 20000));
  g_clear_pointer (&ids, g_strfreev);
  ids = em_window_dup_simbad_ids (window);
  g_assert_cmpuint (g_strv_length (ids), ==, 0);
  g_assert_cmpstr (em_window_get_simbad_status (window), ==, "Nothing in SIMBAD within 3.0″");

  /* no coordinates: nothing asked */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step", "i", 1);
  g_assert_false (em_window_is_asking_simbad (window));
  g_assert_cmpstr (em_window_get_simbad_status (window), ==,
                   "No coordinates: nothing to ask SIMBAD");

  /* a failing service: one calm line, the window goes on */
  em_window_set_simbad (window, failing, 3.0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step", "i", -2);
  g_assert_true (gui_test_wait_for (simbad_answered, window, 60000));
  g_assert_true (
      g_str_has_prefix (em_window_get_simbad_status (window), "SIMBAD could not be asked: "));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u", 1);
  g_assert_cmpint (em_batch_item_get_label (crab), ==, 1);

  /* stepping on before the answer cancels the question cleanly */
  em_window_set_simbad (window, ok, 3.0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step", "i", -1);
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
  tmp_dir = g_dir_make_tmp ("emissary-gui-simbad-XXXXXX", NULL);
  /* the SIMBAD answer cache goes to the user cache folder */
  g_setenv ("XDG_CACHE_HOME", tmp_dir, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  start_server ();

  g_test_add_func ("/simbad-panel/cone-and-errors", test_cone_and_errors);
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
