/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Emissary against astropy's hub (bound to 127.0.0.1) and an astropy
 * client acting as TOPCAT would: the table arrives (the peer reads it
 * and reports its rows), rows it selects come back mapped to our ids,
 * a spectrum with SSA meta keys is accepted, a refusal carries the
 * peer's error text. */
#include "em-config.h"

#include <string.h>

#include "samp-fixture.h"
#include "vo/em-samp-messages.h"
#include "vo/em-xmlrpc.h"

typedef struct
{
  EmSampClient *client;
  GAsyncResult *result;
  GStrv         selected;
  char         *selected_table;
  char         *highlighted;
} Fixture;

static Fixture fx;

static void
store (GObject *source, GAsyncResult *result, gpointer user_data)
{
  fx.result = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return fx.result != NULL;
}

static GAsyncResult *
wait_result (void)
{
  g_clear_object (&fx.result);
  g_assert_true (samp_wait (has_result, NULL, 40));
  return fx.result;
}

static void
on_rows (EmSampClient *c, const char *table_id, GStrv ids, const char *sender)
{
  g_strfreev (fx.selected);
  fx.selected = g_strdupv (ids);
  g_free (fx.selected_table);
  fx.selected_table = g_strdup (table_id);
}

static void
on_highlight (EmSampClient *c, const char *table_id, const char *id, const char *sender)
{
  g_free (fx.highlighted);
  fx.highlighted = g_strdup (id);
}

static gboolean
sees_peer (gpointer data)
{
  EmSampPeer *peer = em_samp_client_find_peer (fx.client, "astropy-peer");
  return peer && em_samp_peer_is_subscribed (peer, "spectrum.load.ssa-generic");
}

static gboolean
got_rows (gpointer data)
{
  return fx.selected != NULL && fx.highlighted != NULL;
}

static void
test_astropy (void)
{
  SampHub         *hub = samp_hub_start ("astropy");
  g_autofree char *script
      = g_test_build_filename (G_TEST_DIST, "integration", "samp-astropy-peer.py", NULL);
  g_autofree char  *path = g_test_build_filename (G_TEST_DIST, "data", "samp-candidates.vot", NULL);
  g_autofree char  *url = em_samp_file_url (path);
  const char *const ids[] = { "101001", "101002", "101003", "101004", "101005", NULL };
  g_autoptr (GSubprocess) peer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) responses = NULL;
  g_autoptr (GVariant) response = NULL;
  g_autoptr (GVariant) result = NULL;
  g_autofree char *table_id = NULL;
  g_autofree char *peer_id = NULL;

  fx.client = em_samp_client_new ("Emissary");
  g_signal_connect (fx.client, "rows-selected", G_CALLBACK (on_rows), NULL);
  g_signal_connect (fx.client, "row-highlighted", G_CALLBACK (on_highlight), NULL);
  samp_connect (fx.client);

  peer = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, samp_python (), script, NULL);
  g_assert_no_error (error);
  g_assert_true (samp_wait (sees_peer, NULL, 30));
  /* A copy: the peer object goes when the peer leaves. */
  peer_id = g_strdup (em_samp_peer_get_id (em_samp_client_find_peer (fx.client, "ASTROPY-PEER")));

  /* The table: the peer reads it from the URL and reports what it read. */
  em_samp_client_send_table_async (fx.client, peer_id, url, "candidates", ids, &table_id, 30, NULL,
                                   store, NULL);
  g_assert_true (em_samp_client_send_finish (fx.client, wait_result (), &responses, &error));
  g_assert_no_error (error);
  response = g_variant_lookup_value (responses, peer_id, G_VARIANT_TYPE_VARDICT);
  g_assert_nonnull (response);
  result = g_variant_lookup_value (response, "samp.result", G_VARIANT_TYPE_VARDICT);
  g_assert_cmpstr (em_samp_map_get_string (result, "rows"), ==, "5");
  g_assert_cmpstr (em_samp_map_get_string (result, "ids"), ==,
                   "101001,101002,101003,101004,101005");

  /* It then selects rows 1 and 3 by table-id and highlights row 4 by
   * URL only (file:/ spelling): both come back as our ids. */
  g_assert_true (samp_wait (got_rows, NULL, 20));
  g_assert_cmpstr (fx.selected_table, ==, table_id);
  g_assert_cmpuint (g_strv_length (fx.selected), ==, 2);
  g_assert_cmpstr (fx.selected[0], ==, "101002");
  g_assert_cmpstr (fx.selected[1], ==, "101004");
  g_assert_cmpstr (fx.highlighted, ==, "101005");

  /* A spectrum to every subscriber: the peer checks the SSA meta keys. */
  {
    const char *meta[] = { "ssa:Target.Name", "LAMOST J053432+220052", NULL };
    g_autoptr (GVariant) r = NULL;
    em_samp_client_send_async (
        fx.client, NULL,
        em_samp_msg_spectrum_load_ssa (url, "101001", "101001", "application/x-votable+xml", meta),
        30, NULL, store, NULL);
    g_assert_true (em_samp_client_send_finish (fx.client, wait_result (), &r, &error));
    g_assert_no_error (error);
  }

  /* A refusal: the error names the peer and carries its text. */
  em_samp_client_call_async (
      fx.client, peer_id,
      em_samp_message_new ("x.fail", em_samp_map_new_strings ("what", "this", NULL)), 30, NULL,
      store, NULL);
  {
    g_autoptr (GVariant) r = em_samp_client_call_finish (fx.client, wait_result (), &error);
    g_assert_null (r);
    g_assert_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_PEER);
    g_assert_nonnull (strstr (error->message, "astropy-peer"));
    g_assert_nonnull (strstr (error->message, "astropy peer refuses this"));
    g_clear_error (&error);
  }

  em_samp_client_notify_async (fx.client, peer_id, em_samp_message_new ("stop.now", NULL), NULL,
                               store, NULL);
  {
    g_auto (GStrv) to = em_samp_client_notify_finish (fx.client, wait_result (), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (to[0], ==, peer_id);
  }
  g_subprocess_wait (peer, NULL, NULL);
  em_samp_client_disconnect_async (fx.client, NULL, store, NULL);
  g_assert_true (em_samp_client_disconnect_finish (fx.client, wait_result (), NULL));
  g_clear_object (&fx.result);
  g_clear_object (&fx.client);
  g_clear_pointer (&fx.selected, g_strfreev);
  g_clear_pointer (&fx.selected_table, g_free);
  g_clear_pointer (&fx.highlighted, g_free);
  samp_hub_free (hub);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/samp/astropy", test_astropy);
  return g_test_run ();
}
