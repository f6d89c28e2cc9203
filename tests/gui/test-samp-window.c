/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The labelling window and the Virtual Observatory: a real JSAMP hub and
 * a second SAMP client standing in for Aladin and TOPCAT (subscribed to
 * what they accept).  Show in Aladin, send the batch, send the spectrum,
 * follow the selection, and rows selected over there select here. */
#include "em-config.h"

#include "../integration/samp-fixture.h"
#include "gui-test-util.h"
#include "gui/em-window.h"
#include "vo/em-samp-messages.h"
#include "vo/em-votable.h"
#include "vo/em-xmlrpc.h"

static const char *const classes[] = { "absorption", "emission", "double-peak", NULL };

typedef struct
{
  char     *mtype;
  GVariant *params;
} Received;

static void
received_free (Received *r)
{
  g_free (r->mtype);
  g_variant_unref (r->params);
  g_free (r);
}

static void
on_message (EmSampClient *client,
            const char   *sender,
            const char   *mtype,
            GVariant     *params,
            gboolean      is_call,
            GPtrArray    *log)
{
  Received *r = g_new0 (Received, 1);

  r->mtype = g_strdup (mtype);
  r->params = g_variant_ref (params);
  g_ptr_array_add (log, r);
}

typedef struct
{
  GPtrArray  *log;
  const char *mtype;
  guint       after;
} Wanted;

static gboolean
has_message (gpointer data)
{
  Wanted *w = data;

  for (guint i = w->after; i < w->log->len; i++)
    if (g_str_equal (((Received *)w->log->pdata[i])->mtype, w->mtype))
      return TRUE;
  return FALSE;
}

/* The first @mtype received after index @after. */
static Received *
wait_message (GPtrArray *log, const char *mtype, guint after)
{
  Wanted w = { log, mtype, after };

  g_assert_true (samp_wait (has_message, &w, 20));
  for (guint i = after; i < log->len; i++)
    if (g_str_equal (((Received *)log->pdata[i])->mtype, mtype))
      return log->pdata[i];
  return NULL;
}

static gboolean
sees_listener (gpointer data)
{
  EmSampClient *client = data;

  return em_samp_client_find_peer (client, "Listener") != NULL;
}

static gboolean
selected_is_3 (gpointer data)
{
  return em_window_get_selected (data) == 3;
}

static void
test_round_trip (void)
{
  SampHub *hub;
  g_autoptr (EmSampClient) emissary = NULL;
  g_autoptr (EmSampClient) listener = NULL;
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func ((GDestroyNotify)received_free);
  g_autofree char *dir = g_dir_make_tmp ("emissary-samp-demo-XXXXXX", NULL);
  g_autoptr (GListStore) batch = NULL;
  g_autoptr (EmVotable) table = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *table_id = NULL;
  EmWindow        *window;
  EmBatchItem     *item;
  Received        *r;
  guint            mark;
  const guint      rows[] = { 3 };

  g_autofree char *java = g_find_program_in_path ("java");

  if (java == NULL || !g_file_test ("/usr/share/java/jsamp.jar", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("JSAMP (java, /usr/share/java/jsamp.jar) is needed for a real hub");
      return;
    }
  hub = samp_hub_start ("jsamp");

  listener = em_samp_client_new ("Listener");
  em_samp_client_subscribe (listener, "table.load.votable");
  em_samp_client_subscribe (listener, "spectrum.load.ssa-generic");
  em_samp_client_subscribe (listener, "script.aladin.send");
  g_signal_connect (listener, "message-received", G_CALLBACK (on_message), log);
  samp_connect (listener);
  emissary = em_samp_client_new ("Emissary");
  samp_connect (emissary);
  g_assert_true (samp_wait (sees_listener, emissary, 20));

  batch = gui_test_make_demo_batch (dir, 6, classes);
  window = g_object_new (EM_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (window));
  em_window_set_batch (window, G_LIST_MODEL (batch), 2, classes);
  em_window_set_samp (window, emissary);
  em_window_set_hips_survey (window, "CDS/P/DSS2/color");
  item = em_window_get_selected_item (window);

  /* Show in Aladin: coord.pointAt.sky with the spectrum's position */
  mark = log->len;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-in-aladin", NULL));
  r = wait_message (log, "coord.pointAt.sky", mark);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (em_samp_map_get_string (r->params, "ra"), NULL),
                                  em_batch_item_get_ra (item), 1e-6);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (em_samp_map_get_string (r->params, "dec"), NULL),
                                  em_batch_item_get_dec (item), 1e-6);
  /* and Aladin loads the HiPS survey of the preferences around it */
  {
    g_autofree char *expected = em_samp_aladin_hips_script (
        "CDS/P/DSS2/color", em_batch_item_get_ra (item), em_batch_item_get_dec (item));

    r = wait_message (log, "script.aladin.send", mark);
    g_assert_cmpstr (em_samp_map_get_string (r->params, "script"), ==, expected);
  }

  /* Send batch to TOPCAT: a VOTable of the batch, row i = position i */
  mark = log->len;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.send-batch", NULL));
  r = wait_message (log, "table.load.votable", mark);
  path = g_filename_from_uri (em_samp_map_get_string (r->params, "url"), NULL, &error);
  g_assert_no_error (error);
  table = em_votable_read_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (table->n_rows, ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr (EmBatchItem) it = g_list_model_get_item (G_LIST_MODEL (batch), i);

      g_assert_cmpstr (em_votable_get_string (table, i, em_votable_find_field (table, "id")), ==,
                       em_batch_item_get_id (it));
    }
  table_id = g_strdup (em_samp_map_get_string (r->params, "table-id"));
  g_assert_nonnull (table_id);

  /* rows selected in TOPCAT select the spectrum here */
  em_samp_client_notify_async (listener, em_samp_client_get_self_id (emissary),
                               em_samp_msg_table_select_row_list (table_id, NULL, rows, 1), NULL,
                               NULL, NULL);
  g_assert_true (samp_wait (selected_is_3, window, 20));
  item = em_window_get_selected_item (window);

  /* Send spectrum: the file of the selected spectrum */
  mark = log->len;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.send-spectrum", NULL));
  r = wait_message (log, "spectrum.load.ssa-generic", mark);
  {
    g_autofree char *file
        = g_filename_from_uri (em_samp_map_get_string (r->params, "url"), NULL, NULL);
    g_assert_cmpstr (file, ==, em_batch_item_get_source_path (item));
  }

  /* following the selection: each step points Aladin and highlights the
   * row in TOPCAT */
  g_object_set (window, "follow-selection", TRUE, NULL);
  mark = log->len;
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step", "i", 1);
  r = wait_message (log, "table.highlight.row", mark);
  g_assert_cmpstr (em_samp_map_get_string (r->params, "row"), ==, "4");
  wait_message (log, "coord.pointAt.sky", mark);

  gtk_window_destroy (GTK_WINDOW (window));
  gui_test_spin (50);
  gui_test_remove_tree (dir);
  samp_hub_free (hub);
}

int
main (int argc, char *argv[])
{
  g_setenv ("GTK_A11Y", "test", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add_func ("/samp-window/round-trip", test_round_trip);
  return g_test_run ();
}
