/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <math.h>

#include <glib/gstdio.h>
#include <string.h>

#include "vo/em-samp-lockfile.h"
#include "vo/em-samp-messages.h"
#include "vo/em-samp-peer.h"
#include "vo/em-xmlrpc.h"

/* As JSAMP writes it, with CRLF line ends and an '=' inside a value. */
static const char jsamp_lockfile[]
    = "# SAMP Standard Profile lockfile written Wed Nov 25 15:05:31 UTC 2026\r\n"
      "# Note contact URL hostname may be configured using jsamp.localhost property\r\n"
      "samp.secret=8725c0495cbb75fc\r\n"
      "samp.hub.xmlrpc.url=http://127.0.0.1:33717/xmlrpc\r\n"
      "samp.profile.version=1.3\r\n"
      "\r\n"
      "hub.impl=org.astrogrid.samp.hub.Hub$1\r\n"
      "x.query=a=b\r\n";

static void
test_parse_jsamp (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmSampHubInfo) info
      = em_samp_lockfile_parse (jsamp_lockfile, strlen (jsamp_lockfile), "test", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (info->secret, ==, "8725c0495cbb75fc");
  g_assert_cmpstr (info->xmlrpc_url, ==, "http://127.0.0.1:33717/xmlrpc");
  g_assert_cmpstr (info->profile_version, ==, "1.3");
  g_assert_cmpstr (g_hash_table_lookup (info->entries, "x.query"), ==, "a=b");
  g_assert_cmpstr (info->lockfile_url, ==, "test");
}

static void
test_parse_errors (void)
{
  static const struct
  {
    const char *text;
    const char *needle;
  } cases[] = {
    { "samp.hub.xmlrpc.url=http://h/x\nsamp.profile.version=1.3\n", "samp.secret" },
    { "samp.secret=s\nsamp.profile.version=1.3\n", "samp.hub.xmlrpc.url" },
    { "samp.secret=s\nsamp.hub.xmlrpc.url=http://h/x\n", "samp.profile.version" },
    { "samp.secret=s\nbroken line\nsamp.hub.xmlrpc.url=http://h/x\nsamp.profile.version=1.3\n",
      "line 2" },
    { "samp.secret=s\nsamp.secret=t\nsamp.hub.xmlrpc.url=http://h/x\nsamp.profile.version=1.3\n",
      "twice" },
    { "samp.secret=s\nsamp.hub.xmlrpc.url=ftp://h/x\nsamp.profile.version=1.3\n",
      "not an HTTP URL" },
    { "=v\n", "line 1" },
    { "samp.secret=\xff\n", "UTF-8" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (EmSampHubInfo) info
          = em_samp_lockfile_parse (cases[i].text, strlen (cases[i].text), "/tmp/lock", &error);
      g_assert_null (info);
      g_assert_nonnull (error);
      if (!strstr (error->message, cases[i].needle) || !strstr (error->message, "/tmp/lock"))
        g_error ("case %" G_GSIZE_FORMAT ": message “%s” lacks “%s” or the origin", i,
                 error->message, cases[i].needle);
    }
}

static void
test_locate (void)
{
  g_autofree char *dir = g_dir_make_tmp ("emissary-lock-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "lock", NULL);
  g_autofree char *url = g_filename_to_uri (path, NULL, NULL);
  g_autofree char *env = g_strconcat ("std-lockurl:", url, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (EmSampHubInfo) missing = NULL;
  g_autoptr (EmSampHubInfo) info = NULL;
  g_autoptr (GFile) file = NULL;
  g_autofree char *got = NULL;

  g_setenv ("SAMP_HUB", env, TRUE);
  got = em_samp_lockfile_url (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, url);
  file = em_samp_lockfile_get_file (got);
  g_assert_nonnull (file);

  missing = em_samp_hub_locate (&error);
  g_assert_null (missing);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, url));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, jsamp_lockfile, -1, NULL));
  info = em_samp_hub_locate (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->secret, ==, "8725c0495cbb75fc");

  g_setenv ("SAMP_HUB", "web-lockurl:http://x", TRUE);
  g_clear_pointer (&got, g_free);
  got = em_samp_lockfile_url (&error);
  g_assert_null (got);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  /* Without SAMP_HUB: ~/.samp */
  g_unsetenv ("SAMP_HUB");
  got = em_samp_lockfile_url (&error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (got, "file:///"));
  g_assert_true (g_str_has_suffix (got, "/.samp"));
  g_assert_null (em_samp_lockfile_get_file ("http://127.0.0.1/lock"));

  g_unlink (path);
  g_rmdir (dir);
}

/* Serves one HTTP request with the JSAMP lockfile, in a thread. */
static gpointer
serve_lockfile (gpointer data)
{
  GSocketListener *listener = data;
  g_autoptr (GSocketConnection) conn = g_socket_listener_accept (listener, NULL, NULL, NULL);
  g_autofree char *reply = g_strdup_printf (
      "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
      strlen (jsamp_lockfile), jsamp_lockfile);
  char buf[4096];

  if (conn == NULL)
    return NULL;
  /* The request fits one read; its content does not matter here. */
  g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf, sizeof buf, NULL,
                       NULL);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), reply,
                             strlen (reply), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  return NULL;
}

static void
test_locate_http (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (EmSampHubInfo) info = NULL;
  g_autofree char *env = NULL;
  GThread         *thread;

  g_assert_true (g_socket_listener_add_address (listener, addr, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, NULL));
  env = g_strdup_printf ("std-lockurl:http://127.0.0.1:%u/samp-lock",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_setenv ("SAMP_HUB", env, TRUE);
  thread = g_thread_new ("lockfile-server", serve_lockfile, listener);
  info = em_samp_hub_locate (&error);
  g_thread_join (thread);
  g_unsetenv ("SAMP_HUB");
  g_assert_no_error (error);
  g_assert_cmpstr (info->xmlrpc_url, ==, "http://127.0.0.1:33717/xmlrpc");
  g_assert_true (g_str_has_suffix (info->lockfile_url, "/samp-lock"));
}

static void
test_urls (void)
{
  g_autofree char *u = em_samp_file_url ("/tmp/a b/é.xml");

  g_assert_cmpstr (u, ==, "file:///tmp/a%20b/%C3%A9.xml");
  g_assert_true (em_samp_url_equal ("file:/tmp/x.xml", "file:///tmp/x.xml"));
  g_assert_true (em_samp_url_equal ("file://localhost/tmp/x.xml", "file:///tmp/x.xml"));
  g_assert_true (em_samp_url_equal ("file:///tmp/a%20b", "file:/tmp/a b"));
  g_assert_true (em_samp_url_equal ("file:///tmp/./x", "file:///tmp/x"));
  g_assert_false (em_samp_url_equal ("file://otherhost/tmp/x.xml", "file:///tmp/x.xml"));
  g_assert_false (em_samp_url_equal ("file:///tmp/y.xml", "file:///tmp/x.xml"));
  g_assert_true (em_samp_url_equal ("http://h/x", "http://h/x"));
  g_assert_false (em_samp_url_equal ("http://h/x", NULL));
  g_assert_cmpstr (em_samp_spectrum_format_for ("a/B.FITS"), ==, "application/fits");
  g_assert_cmpstr (em_samp_spectrum_format_for ("b.vot"), ==, "application/x-votable+xml");
  g_assert_null (em_samp_spectrum_format_for ("c.txt"));
}

static void
test_messages (void)
{
  g_autoptr (GVariant) point
      = g_variant_ref_sink (em_samp_msg_coord_point_at_sky (83.63308, -5.39111));
  g_autoptr (GVariant) params = em_samp_message_get_params (point);
  const guint rows[] = { 0, 7, 12 };
  g_autoptr (GVariant) sel
      = g_variant_ref_sink (em_samp_msg_table_select_row_list ("t1", NULL, rows, 3));
  g_autoptr (GVariant) sp = NULL;
  g_autoptr (GVariant) spp = NULL;
  g_autoptr (GVariant) meta = NULL;
  g_autoptr (GVariant) selp = em_samp_message_get_params (sel);
  g_autoptr (GVariant) list = g_variant_lookup_value (selp, "row-list", G_VARIANT_TYPE ("av"));
  const char *pairs[] = { "ssa:Target.Name", "LAMOST J0001", "ssa:Access.Format", "ignored", NULL };

  g_assert_cmpstr (em_samp_message_get_mtype (point), ==, "coord.pointAt.sky");
  g_assert_cmpstr (em_samp_map_get_string (params, "ra"), ==, "83.63308000");
  g_assert_cmpstr (em_samp_map_get_string (params, "dec"), ==, "-5.39111000");
  g_assert_true (em_samp_value_is_valid (point));
  g_assert_cmpuint (g_variant_n_children (list), ==, 3);
  g_assert_true (em_samp_value_is_valid (sel));

  sp = g_variant_ref_sink (
      em_samp_msg_spectrum_load_ssa ("file:///s.fits", "s1", "S 1", "application/fits", pairs));
  spp = em_samp_message_get_params (sp);
  meta = g_variant_lookup_value (spp, "meta", G_VARIANT_TYPE_VARDICT);
  g_assert_cmpstr (em_samp_map_get_string (meta, "ssa:Access.Reference"), ==, "file:///s.fits");
  g_assert_cmpstr (em_samp_map_get_string (meta, "ssa:Access.Format"), ==, "application/fits");
  g_assert_cmpstr (em_samp_map_get_string (meta, "ssa:Target.Name"), ==, "LAMOST J0001");
  g_assert_cmpstr (em_samp_map_get_string (spp, "spectrum-id"), ==, "s1");
  g_assert_true (em_samp_value_is_valid (sp));
}

static void
test_peer_subscriptions (void)
{
  g_autoptr (EmSampPeer) peer = em_samp_peer_new ("c1");
  GVariantBuilder b;

  g_assert_true (em_samp_mtype_matches ("*", "table.load.votable"));
  g_assert_true (em_samp_mtype_matches ("table.*", "table.load.votable"));
  g_assert_false (em_samp_mtype_matches ("table.*", "tablex.load"));
  g_assert_false (em_samp_mtype_matches ("table.load.votable", "table.load.fits"));

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "table.load.*",
                         g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  g_variant_builder_add (&b, "{sv}", "coord.pointAt.sky",
                         g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  em_samp_peer_set_subscriptions (peer, g_variant_builder_end (&b));
  em_samp_peer_set_metadata (peer, em_samp_map_new_strings ("samp.name", "topcat", NULL));
  g_assert_cmpstr (em_samp_peer_get_name (peer), ==, "topcat");
  g_assert_cmpstr (em_samp_peer_get_subscriptions (peer)[0], ==, "coord.pointAt.sky");
  g_assert_true (em_samp_peer_is_subscribed (peer, "table.load.votable"));
  g_assert_false (em_samp_peer_is_subscribed (peer, "spectrum.load.ssa-generic"));
}

/* The Aladin script that loads the HiPS survey of the settings at a
 * candidate: sexagesimal target, '.' decimals in any locale, and ids that
 * could end the command refused. */
static void
test_aladin_hips_script (void)
{
  g_autofree char *crab = em_samp_aladin_hips_script ("CDS/P/DSS2/color", 83.633083, 22.0145);
  g_autofree char *south = em_samp_aladin_hips_script ("CDS/P/2MASS/color", 10.0, -5.5);
  g_autofree char *wrap = em_samp_aladin_hips_script ("P/DSS2/red", 359.99999999, 89.99999999);
  g_autoptr (GVariant) msg = NULL;

  g_assert_cmpstr (crab, ==, "get hips(CDS/P/DSS2/color) 05 34 31.94 +22 00 52.2");
  g_assert_cmpstr (south, ==, "get hips(CDS/P/2MASS/color) 00 40 00.00 -05 30 00.0");
  g_assert_cmpstr (wrap, ==, "get hips(P/DSS2/red) 23 59 59.99 +89 59 59.9");
  g_assert_null (em_samp_aladin_hips_script ("", 1, 1));
  g_assert_null (em_samp_aladin_hips_script (NULL, 1, 1));
  g_assert_null (em_samp_aladin_hips_script ("CDS/P/DSS2/color); quit", 1, 1));
  g_assert_null (em_samp_aladin_hips_script ("CDS/P/DSS2 color", 1, 1));
  g_assert_null (em_samp_aladin_hips_script ("CDS/P/DSS2/čolor", 1, 1));
  g_assert_null (em_samp_aladin_hips_script ("CDS/P/DSS2/color", NAN, 1));
  g_assert_null (em_samp_aladin_hips_script ("CDS/P/DSS2/color", 1, 95));
  msg = g_variant_ref_sink (em_samp_msg_script_aladin_send (crab));
  g_assert_cmpstr (em_samp_message_get_mtype (msg), ==, "script.aladin.send");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/samp/lockfile/jsamp", test_parse_jsamp);
  g_test_add_func ("/samp/lockfile/errors", test_parse_errors);
  g_test_add_func ("/samp/lockfile/locate", test_locate);
  g_test_add_func ("/samp/lockfile/locate-http", test_locate_http);
  g_test_add_func ("/samp/urls", test_urls);
  g_test_add_func ("/samp/messages", test_messages);
  g_test_add_func ("/samp/peer-subscriptions", test_peer_subscriptions);
  g_test_add_func ("/samp/aladin-hips-script", test_aladin_hips_script);
  return g_test_run ();
}
