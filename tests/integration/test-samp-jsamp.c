/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Two Emissary clients against JSAMP's hub: the live model of clients,
 * messages both ways with replies and errors, row selections mapped back
 * to ids, refused keys and secrets, and reconnection after the hub is
 * killed and restarted. */
#include "em-config.h"

#include <string.h>

#include "samp-fixture.h"
#include "vo/em-samp-messages.h"
#include "vo/em-xmlrpc-client.h"
#include "vo/em-xmlrpc.h"

typedef struct
{
  EmSampClient *alpha;
  EmSampClient *beta;
  double        ra, dec;
  guint         n_points;
  GStrv         selected;
  char         *highlighted;
  GVariant     *spectrum;
  GAsyncResult *result;
} Fixture;

static Fixture fx;

static void
on_point (EmSampClient *c, double ra, double dec, const char *sender)
{
  fx.ra = ra;
  fx.dec = dec;
  fx.n_points++;
}

static void
on_rows (EmSampClient *c, const char *table_id, GStrv ids, const char *sender)
{
  g_strfreev (fx.selected);
  fx.selected = g_strdupv (ids);
}

static void
on_highlight (EmSampClient *c, const char *table_id, const char *id, const char *sender)
{
  g_free (fx.highlighted);
  fx.highlighted = g_strdup (id);
}

static void
on_message (EmSampClient *c,
            const char   *sender,
            const char   *mtype,
            GVariant     *params,
            gboolean      is_call)
{
  if (strcmp (mtype, "spectrum.load.ssa-generic") == 0)
    {
      g_clear_pointer (&fx.spectrum, g_variant_unref);
      fx.spectrum = g_variant_ref (params);
    }
}

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
  g_assert_true (samp_wait (has_result, NULL, 30));
  return fx.result;
}

static gboolean
alpha_sees_beta (gpointer data)
{
  EmSampPeer *peer = em_samp_client_find_peer (fx.alpha, "BETA");
  return peer && em_samp_peer_is_subscribed (peer, "coord.pointAt.sky");
}

static gboolean
beta_sees_alpha (gpointer data)
{
  EmSampPeer *peer = em_samp_client_find_peer (fx.beta, "alpha");
  return peer && em_samp_peer_is_subscribed (peer, "spectrum.load.ssa-generic");
}

static gboolean
beta_gone (gpointer data)
{
  return em_samp_client_find_peer (fx.alpha, "beta") == NULL;
}

static gboolean
got_points (gpointer data)
{
  return fx.n_points >= GPOINTER_TO_UINT (data);
}

static gboolean
got_selection (gpointer data)
{
  return fx.selected != NULL && fx.highlighted != NULL;
}

static gboolean
is_connected (gpointer data)
{
  return em_samp_client_get_connected (data);
}

static gboolean
is_disconnected (gpointer data)
{
  return !em_samp_client_get_connected (data);
}

/* Sends @message (floating) from beta to @to; returns the error or NULL. */
static GError *
beta_send (const char *to, GVariant *message)
{
  GError     *error = NULL;
  const char *id = NULL;

  if (to)
    {
      EmSampPeer *peer = em_samp_client_find_peer (fx.beta, to);
      g_assert_nonnull (peer);
      id = em_samp_peer_get_id (peer);
    }
  em_samp_client_send_async (fx.beta, id, message, 20, NULL, store, NULL);
  em_samp_client_send_finish (fx.beta, wait_result (), NULL, &error);
  return error;
}

typedef struct
{
  char     *url;
  GVariant *params;
  GError   *error;
  GVariant *result;
  gboolean  done;
} RawCall;

static gpointer
raw_call_thread (gpointer data)
{
  RawCall *c = data;

  c->result
      = em_xmlrpc_call_sync (c->url, "samp.client.receiveNotification", c->params, 10, &c->error);
  g_atomic_int_set (&c->done, TRUE);
  return NULL;
}

static gboolean
raw_call_done (gpointer data)
{
  return g_atomic_int_get (&((RawCall *)data)->done);
}

static void
test_jsamp (void)
{
  SampHub          *hub = samp_hub_start ("jsamp");
  g_autofree char  *path = g_test_build_filename (G_TEST_DIST, "data", "samp-candidates.vot", NULL);
  g_autofree char  *url = em_samp_file_url (path);
  const char *const ids[] = { "101001", "101002", "101003", "101004", "101005", NULL };
  g_autofree char  *table_id = NULL;
  g_autofree char  *old_self = NULL;
  GError           *error;

  fx.alpha = em_samp_client_new ("Alpha");
  fx.beta = em_samp_client_new ("Beta");
  em_samp_client_subscribe (fx.alpha, "spectrum.load.ssa-generic");
  em_samp_client_set_ping_interval (fx.alpha, 1);
  em_samp_client_set_ping_interval (fx.beta, 1);
  g_signal_connect (fx.alpha, "point-at-sky", G_CALLBACK (on_point), NULL);
  g_signal_connect (fx.alpha, "rows-selected", G_CALLBACK (on_rows), NULL);
  g_signal_connect (fx.alpha, "row-highlighted", G_CALLBACK (on_highlight), NULL);
  g_signal_connect (fx.alpha, "message-received", G_CALLBACK (on_message), NULL);
  samp_connect (fx.alpha);
  samp_connect (fx.beta);
  g_assert_true (
      g_str_has_prefix (em_samp_client_get_callback_url (fx.alpha), "http://127.0.0.1:"));

  /* The live model: each sees the other through hub events. */
  g_assert_true (samp_wait (alpha_sees_beta, NULL, 10));
  g_assert_true (samp_wait (beta_sees_alpha, NULL, 10));

  /* coord.pointAt.sky as a call, by name, delivered with the values. */
  error = beta_send ("alpha", em_samp_msg_coord_point_at_sky (83.63308, 22.0145));
  g_assert_no_error (error);
  g_assert_true (samp_wait (got_points, GUINT_TO_POINTER (1), 10));
  g_assert_cmpfloat_with_epsilon (fx.ra, 83.63308, 1e-9);
  g_assert_cmpfloat_with_epsilon (fx.dec, 22.0145, 1e-9);

  /* A spectrum to every subscriber: only alpha subscribes. */
  {
    const char *meta[] = { "ssa:Target.Name", "LAMOST J053432+220052", NULL };
    g_autoptr (GVariant) m = NULL;
    error = beta_send (NULL, em_samp_msg_spectrum_load_ssa ("file:///tmp/s.fits", "s1", "s1",
                                                            "application/fits", meta));
    g_assert_no_error (error);
    g_assert_nonnull (fx.spectrum);
    m = g_variant_lookup_value (fx.spectrum, "meta", G_VARIANT_TYPE_VARDICT);
    g_assert_cmpstr (em_samp_map_get_string (m, "ssa:Target.Name"), ==, "LAMOST J053432+220052");
  }

  /* A call the recipient refuses: the error names it and carries its text. */
  error = beta_send ("alpha", em_samp_msg_table_highlight_row ("no-such-table", NULL, 0));
  g_assert_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_PEER);
  g_assert_nonnull (strstr (error->message, "Alpha"));
  g_assert_nonnull (strstr (error->message, "not a table sent by this client"));
  g_clear_error (&error);

  /* Nobody subscribes to this one. */
  error = beta_send (NULL, em_samp_message_new ("x.nobody.listens", NULL));
  g_assert_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_NO_RECIPIENT);
  g_clear_error (&error);

  /* A call cancelled before the answer comes reports the cancellation. */
  {
    g_autoptr (GCancellable) cancellable = g_cancellable_new ();
    g_autoptr (GVariant) r = NULL;
    EmSampPeer *peer = em_samp_client_find_peer (fx.beta, "alpha");

    em_samp_client_call_async (fx.beta, em_samp_peer_get_id (peer),
                               em_samp_message_new ("samp.app.ping", NULL), 20, cancellable, store,
                               NULL);
    g_cancellable_cancel (cancellable);
    r = em_samp_client_call_finish (fx.beta, wait_result (), &error);
    g_assert_null (r);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
  }

  /* Row selections for a table alpha sent map back to its ids: by
   * table-id (TOPCAT, Aladin) and by URL alone in another spelling. */
  table_id = em_samp_client_add_table (fx.alpha, url, ids);
  {
    const guint      rows[] = { 4, 1 };
    g_autofree char *other_spelling = g_strconcat ("file:", url + strlen ("file://"), NULL);
    error = beta_send ("alpha", em_samp_msg_table_select_row_list (table_id, NULL, rows, 2));
    g_assert_no_error (error);
    error = beta_send ("alpha", em_samp_msg_table_highlight_row (NULL, other_spelling, 2));
    g_assert_no_error (error);
  }
  g_assert_true (samp_wait (got_selection, NULL, 10));
  g_assert_cmpuint (g_strv_length (fx.selected), ==, 2);
  g_assert_cmpstr (fx.selected[0], ==, "101005");
  g_assert_cmpstr (fx.selected[1], ==, "101002");
  g_assert_cmpstr (fx.highlighted, ==, "101003");

  /* The hub refuses a wrong secret ... */
  {
    g_autoptr (GError) e = NULL;
    g_autoptr (GVariant) v
        = em_xmlrpc_call_sync (em_samp_client_get_hub_url (fx.alpha), "samp.hub.register",
                               g_variant_new ("(s)", "not-the-secret"), 10, &e);
    g_assert_null (v);
    g_assert_error (e, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_FAULT);
  }
  /* ... and alpha refuses callbacks without its private key. */
  {
    RawCall c = { 0 };
    c.url = (char *)em_samp_client_get_callback_url (fx.alpha);
    c.params = g_variant_ref_sink (
        g_variant_new ("(ss@a{sv})", "forged-key", "hub", em_samp_msg_coord_point_at_sky (1, 2)));
    g_thread_unref (g_thread_new ("raw-call", raw_call_thread, &c));
    g_assert_true (samp_wait (raw_call_done, &c, 15));
    g_assert_null (c.result);
    g_assert_error (c.error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_FAULT);
    g_assert_nonnull (strstr (c.error->message, "wrong private key"));
    g_assert_cmpuint (fx.n_points, ==, 1);
    g_clear_error (&c.error);
    g_variant_unref (c.params);
  }

  /* Hub killed (no goodbye, stale lockfile), then restarted: both
   * clients notice and come back on their own with new ids. */
  old_self = g_strdup (em_samp_client_get_self_id (fx.alpha));
  samp_hub_kill (hub);
  g_assert_true (samp_wait (is_disconnected, fx.alpha, 10));
  g_assert_cmpuint (g_list_model_get_n_items (em_samp_client_get_peers (fx.alpha)), ==, 0);
  samp_hub_restart (hub);
  g_assert_true (samp_wait (is_connected, fx.alpha, 20));
  g_assert_true (samp_wait (is_connected, fx.beta, 20));
  g_assert_true (samp_wait (beta_sees_alpha, NULL, 10));
  g_assert_true (samp_wait (alpha_sees_beta, NULL, 10));
  error = beta_send ("alpha", em_samp_msg_coord_point_at_sky (10.6847, 41.26875));
  g_assert_no_error (error);
  g_assert_true (samp_wait (got_points, GUINT_TO_POINTER (2), 10));
  g_assert_cmpfloat_with_epsilon (fx.ra, 10.6847, 1e-9);

  /* Unregistering shows in the other's model. */
  em_samp_client_disconnect_async (fx.beta, NULL, store, NULL);
  g_assert_true (em_samp_client_disconnect_finish (fx.beta, wait_result (), NULL));
  g_assert_true (samp_wait (beta_gone, NULL, 10));

  em_samp_client_disconnect_async (fx.alpha, NULL, store, NULL);
  g_assert_true (em_samp_client_disconnect_finish (fx.alpha, wait_result (), NULL));
  g_clear_object (&fx.result);
  g_clear_object (&fx.alpha);
  g_clear_object (&fx.beta);
  g_clear_pointer (&fx.selected, g_strfreev);
  g_clear_pointer (&fx.highlighted, g_free);
  g_clear_pointer (&fx.spectrum, g_variant_unref);
  samp_hub_free (hub);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/samp/jsamp", test_jsamp);
  return g_test_run ();
}
