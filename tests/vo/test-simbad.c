/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SIMBAD TAP client against tests/vo/simbad-replay.py, a local server
 * that answers in SIMBAD TAP's format and logs every request it gets. */
#include "em-config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <fitsio.h>

#include "app/em-experiment.h"
#include "spectra/em-demo.h"
#include "spectra/em-preprocess.h"
#include "spectra/em-spectrum-read.h"
#include "vo/em-simbad.h"

static GPid  server_pid;
static int   server_port;
static char *tmp_dir;
static char *log_path;

static char *
url_for (const char *mode)
{
  return g_strdup_printf ("http://127.0.0.1:%d/%s/simbad/sim-tap/sync", server_port, mode);
}

/* A client without cache and without rate limit, short timeouts. */
static EmSimbadClient *
client_for (const char *mode)
{
  g_autofree char *url = url_for (mode);
  EmSimbadClient  *client = em_simbad_client_new (url, NULL);

  em_simbad_client_set_min_interval (client, 0);
  em_simbad_client_set_timeout (client, 5, 2);
  em_simbad_client_set_backoff (client, 0.1, 5, 4);
  return client;
}

static gsize
log_size (void)
{
  GStatBuf st;

  return g_stat (log_path, &st) == 0 ? (gsize)st.st_size : 0;
}

/* The request lines the server logged after byte @offset. */
static GStrv
log_since (gsize offset)
{
  g_autofree char *text = NULL;
  gsize            len = 0;
  GStrv            lines;

  g_assert_true (g_file_get_contents (log_path, &text, &len, NULL));
  g_assert_cmpuint (len, >=, offset);
  lines = g_strsplit (g_strchomp (text + offset), "\n", -1);
  if (lines[0] && *lines[0] == '\0')
    {
      g_strfreev (lines);
      return g_new0 (char *, 1);
    }
  return lines;
}

static void
assert_well_formed_request (const char *line)
{
  if (!strstr (line, "\"problems\": []"))
    g_error ("the server found problems in the request: %s", line);
  g_assert_nonnull (strstr (line, "\"REQUEST\": \"doQuery\""));
  g_assert_nonnull (strstr (line, "\"LANG\": \"ADQL\""));
  g_assert_nonnull (strstr (line, "\"FORMAT\": \"votable\""));
}

static void
test_classify (void)
{
  static const struct
  {
    const char   *otype;
    EmSimbadClass klass;
  } cases[] = {
    { "Em*", EM_SIMBAD_CLASS_EMISSION },
    { "EmLine*", EM_SIMBAD_CLASS_EMISSION },
    { "Be*", EM_SIMBAD_CLASS_EMISSION },
    { " Be* ", EM_SIMBAD_CLASS_EMISSION },
    { "Ae*", EM_SIMBAD_CLASS_EMISSION },
    { "HerbigAe/Be*", EM_SIMBAD_CLASS_EMISSION },
    { "TT*", EM_SIMBAD_CLASS_EMISSION },
    { "TTauri*", EM_SIMBAD_CLASS_EMISSION },
    { "Or*", EM_SIMBAD_CLASS_EMISSION },
    { "Sy*", EM_SIMBAD_CLASS_EMISSION },
    { "Symbiotic*", EM_SIMBAD_CLASS_EMISSION },
    { "PN", EM_SIMBAD_CLASS_EMISSION },
    { "PlanetaryNeb", EM_SIMBAD_CLASS_EMISSION },
    { "WR*", EM_SIMBAD_CLASS_EMISSION },
    { "CV*", EM_SIMBAD_CLASS_EMISSION },
    { "No*", EM_SIMBAD_CLASS_EMISSION },
    { "HH", EM_SIMBAD_CLASS_EMISSION },
    { "Be?", EM_SIMBAD_CLASS_EMISSION_CANDIDATE },
    { "TT?", EM_SIMBAD_CLASS_EMISSION_CANDIDATE },
    { "PN?", EM_SIMBAD_CLASS_EMISSION_CANDIDATE },
    { "Be*_Candidate", EM_SIMBAD_CLASS_EMISSION_CANDIDATE },
    { "HerbigAe/Be*_Candidate", EM_SIMBAD_CLASS_EMISSION_CANDIDATE },
    /* Seyfert galaxies are not symbiotic stars. */
    { "Sy1", EM_SIMBAD_CLASS_OTHER },
    { "SyG", EM_SIMBAD_CLASS_OTHER },
    { "*", EM_SIMBAD_CLASS_OTHER },
    { "Psr", EM_SIMBAD_CLASS_OTHER },
    { "?", EM_SIMBAD_CLASS_OTHER },
    { "", EM_SIMBAD_CLASS_OTHER },
    { NULL, EM_SIMBAD_CLASS_OTHER },
    { "_Candidate", EM_SIMBAD_CLASS_OTHER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("otype %s", cases[i].otype ? cases[i].otype : "(null)");
      g_assert_cmpint (em_simbad_classify_otype (cases[i].otype), ==, cases[i].klass);
    }
  g_assert_cmpstr (em_simbad_class_to_string (EM_SIMBAD_CLASS_EMISSION_CANDIDATE), ==,
                   "emission-candidate");
}

/* A cone search on the Crab pulsar's position, in one serialisation. */
static void
check_cone_hits (const char *mode)
{
  g_autoptr (EmSimbadClient) client = client_for (mode);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) objects = NULL;
  g_auto (GStrv) lines = NULL;
  gsize           offset = log_size ();
  EmSimbadObject *o;

  g_test_message ("mode %s", mode);
  objects = em_simbad_cone_search (client, 83.6330763, 22.0144933, 3.0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, 2);
  o = g_ptr_array_index (objects, 0);
  g_assert_cmpstr (o->main_id, ==, "V* CM Tau");
  g_assert_cmpstr (o->otype, ==, "Psr");
  g_assert_cmpstr (o->otype_description, ==, "Pulsar");
  g_assert_cmpint (o->klass, ==, EM_SIMBAD_CLASS_OTHER);
  g_assert_cmpfloat_with_epsilon (o->ra, 83.6330763, 1e-9);
  g_assert_cmpfloat_with_epsilon (o->separation, 0.0, 1e-3);
  g_assert_null (o->sp_type);
  g_assert_true (isnan (o->v_mag));
  o = g_ptr_array_index (objects, 1);
  g_assert_cmpstr (o->main_id, ==, "M   1");
  g_assert_cmpfloat_with_epsilon (o->separation, 0.0336, 1e-3);
  g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 2);

  lines = log_since (offset);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  assert_well_formed_request (lines[0]);
  g_assert_nonnull (strstr (lines[0], "application/x-www-form-urlencoded"));
  g_assert_nonnull (strstr (lines[0], "FROM basic\\nLEFT JOIN otypedef ON otypedef.otype = "
                                      "basic.otype\\nLEFT JOIN flux ON flux.oidref = basic.oid "
                                      "AND flux.filter = 'V'\\n"));
  g_assert_nonnull (strstr (lines[0], "WHERE CONTAINS(POINT('ICRS', basic.ra, basic.dec), "
                                      "CIRCLE('ICRS', 83.6330763000, 22.0144933000, "
                                      "0.0008333333)) = 1\\nORDER BY separation ASC"));
  assert_well_formed_request (lines[1]);
  g_assert_nonnull (strstr (lines[1], "FROM ident\\nWHERE ident.oidref IN ("));
}

static void
test_cone_hits (void)
{
  check_cone_hits ("ok");
}

static void
test_serialisations (void)
{
  check_cone_hits ("td");
  check_cone_hits ("binary2");
}

/* A moved endpoint: the POST follows the 301. */
static void
test_moved (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("moved");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) objects = NULL;
  g_auto (GStrv) lines = NULL;
  gsize offset = log_size ();

  objects = em_simbad_cone_search (client, 200.0, -45.0, 3.0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, 0);
  lines = log_since (offset);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_nonnull (strstr (lines[0], "\"mode\": \"moved\""));
  g_assert_nonnull (strstr (lines[1], "\"mode\": \"ok\""));
  assert_well_formed_request (lines[1]);
  g_assert_nonnull (strstr (lines[1], "CIRCLE('ICRS', 200.0000000000, -45.0000000000"));
}

static void
test_cone_identifiers (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("ok");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) objects
      = em_simbad_cone_search (client, 14.1772, 60.7167, 3.0, NULL, &error);
  EmSimbadObject *o;

  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, 1);
  o = g_ptr_array_index (objects, 0);
  g_assert_cmpstr (o->main_id, ==, "* gam Cas");
  g_assert_cmpint (o->klass, ==, EM_SIMBAD_CLASS_EMISSION);
  g_assert_cmpstr (o->otype_description, ==, "Be Star");
  g_assert_cmpstr (o->sp_type, ==, "B0.5IVpe");
  g_assert_cmpfloat (o->v_mag, ==, 2.39);
  g_assert_cmpuint (g_strv_length (o->identifiers), ==, 3);
  g_assert_true (g_strv_contains ((const char *const *)o->identifiers, "HD 5394"));
  g_assert_false (g_strv_contains ((const char *const *)o->identifiers, "* gam Cas"));
}

static void
test_cone_many (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("ok");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) objects
      = em_simbad_cone_search (client, 83.6330833, 22.0145, 120.0, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, >, 30);
  for (guint i = 0; i < objects->len; i++)
    {
      EmSimbadObject *o = g_ptr_array_index (objects, i);

      g_assert_cmpfloat (o->separation, <=, 120.0);
      if (i > 0)
        g_assert_cmpfloat (((EmSimbadObject *)g_ptr_array_index (objects, i - 1))->separation, <=,
                           o->separation);
      g_assert_nonnull (o->main_id);
    }
}

static void
test_cone_no_hit (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("ok");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) objects = em_simbad_cone_search (client, 200.0, -45.0, 3.0, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, 0);
  /* No object, no identifier query. */
  g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 1);
}

static void
test_invalid_arguments (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("ok");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) objects = em_simbad_cone_search (client, 400.0, 0, 3, NULL, &error);
  g_autoptr (EmSimbadObject) o = NULL;

  g_assert_null (objects);
  g_assert_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_INVALID);
  g_clear_error (&error);
  objects = em_simbad_cone_search (client, 10, 10, -1, NULL, &error);
  g_assert_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_INVALID);
  g_clear_error (&error);
  o = em_simbad_lookup_id (client, "   ", NULL, &error);
  g_assert_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_INVALID);
  g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 0);
}

static void
test_lookup (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("ok");
  g_autoptr (GError) error = NULL;
  g_autoptr (EmSimbadObject) o = em_simbad_lookup_id (client, " hd31293 ", NULL, &error);
  g_autoptr (EmSimbadObject) none = NULL;
  g_auto (GStrv) lines = NULL;
  gsize offset;

  g_assert_no_error (error);
  g_assert_cmpstr (o->main_id, ==, "V* AB Aur");
  g_assert_cmpstr (o->otype, ==, "Ae*");
  g_assert_cmpint (o->klass, ==, EM_SIMBAD_CLASS_EMISSION);
  g_assert_true (isnan (o->separation));
  g_assert_true (g_strv_contains ((const char *const *)o->identifiers, "HIP 22910"));

  offset = log_size ();
  none = em_simbad_lookup_id (client, "O'Brien's star", NULL, &error);
  g_assert_null (none);
  g_assert_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "O'Brien's star"));
  lines = log_since (offset);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  assert_well_formed_request (lines[0]);
  /* The quote is doubled in the ADQL literal. */
  g_assert_nonnull (strstr (lines[0], "WHERE ident.id = 'O''Brien''s star'"));
}

static void
expect_error (const char *mode, int code, const char *fragment)
{
  g_autoptr (EmSimbadClient) client = client_for (mode);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) objects = NULL;

  em_simbad_client_set_timeout (client, 1, 1);
  objects = em_simbad_cone_search (client, 83.6330763, 22.0144933, 3.0, NULL, &error);
  g_assert_null (objects);
  g_test_message ("%s: %s", mode, error ? error->message : "no error");
  g_assert_error (error, EM_SIMBAD_ERROR, code);
  if (fragment && !strstr (error->message, fragment))
    g_error ("“%s” lacks “%s”", error->message, fragment);
}

static void
test_tap_error (void)
{
  expect_error ("taperror", EM_SIMBAD_ERROR_TAP,
                "Incorrect ADQL query: Encountered \"FROMM\" at line 1, column 10.");
  expect_error ("taperror", EM_SIMBAD_ERROR_TAP, "HTTP 400");
  expect_error ("taperror200", EM_SIMBAD_ERROR_TAP, "Query timeout: the query took too long");
}

static void
test_http_errors (void)
{
  expect_error ("http500", EM_SIMBAD_ERROR_HTTP, "HTTP 500");
  expect_error ("http500", EM_SIMBAD_ERROR_HTTP, "/http500/simbad/sim-tap/sync");
  expect_error ("html", EM_SIMBAD_ERROR_MALFORMED, "unreadable");
}

static void
test_recorded_answers (void)
{
  /* A real SIMBAD VOTable of another query: readable, wrong columns. */
  expect_error ("recorded", EM_SIMBAD_ERROR_MALFORMED, "without the columns asked for");
  /* A real SIMBAD VOTable cut off after the TABLE start tag. */
  expect_error ("recorded-error", EM_SIMBAD_ERROR_MALFORMED, "unreadable");
}

static void
test_truncated (void)
{
  expect_error ("truncated", EM_SIMBAD_ERROR_MALFORMED, "truncated");
}

static void
test_timeout (void)
{
  gint64 start = g_get_monotonic_time ();

  expect_error ("stall", EM_SIMBAD_ERROR_TIMEOUT, "within 1 s");
  /* The server stalls for 60 s; generous bound for loaded CI machines. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static void
test_offline (void)
{
  g_autoptr (GSocket) socket
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  g_autoptr (EmSimbadClient) client = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) objects = NULL;

  /* A port that was free a moment ago and on which nothing listens. */
  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/sim-tap/sync",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);
  client = em_simbad_client_new (url, NULL);
  objects = em_simbad_cone_search (client, 10, 10, 3, NULL, &error);
  g_assert_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_OFFLINE);
  g_assert_nonnull (strstr (error->message, url));
}

static void
test_retry_after (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("ratelimit");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) objects = NULL;
  gsize  offset = log_size ();
  gint64 start = g_get_monotonic_time ();
  g_auto (GStrv) lines = NULL;

  /* Each distinct query first gets 429 with Retry-After: 1. */
  objects = em_simbad_cone_search (client, 14.1772, 60.7167, 3.0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, 1);
  g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 4);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
  lines = log_since (offset);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);

  /* Without retries allowed the 429 is reported with what SIMBAD asked. */
  g_clear_pointer (&objects, g_ptr_array_unref);
  em_simbad_client_set_backoff (client, 0.1, 5, 0);
  objects = em_simbad_cone_search (client, 83.6330763, 22.0144933, 3.0, NULL, &error);
  g_assert_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "HTTP 429"));
  g_assert_nonnull (strstr (error->message, "retry after 1 s"));
}

static void
test_backoff_503 (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("busy503");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) objects = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  em_simbad_client_set_backoff (client, 0.2, 5, 4);
  objects = em_simbad_cone_search (client, 200.0, -45.0, 3.0, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, 0);
  g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 3);
  /* 0.2 s then 0.4 s: exponential. */
  g_assert_cmpint (elapsed, >=, 600000);
  g_assert_cmpint (elapsed, <, 10 * G_USEC_PER_SEC);
}

static void
test_rate_limit (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("ok");
  gint64 start = g_get_monotonic_time ();

  em_simbad_client_set_min_interval (client, 0.2);
  for (int i = 0; i < 5; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) objects
          = em_simbad_cone_search (client, 200.0 + i, -45.0, 3.0, NULL, &error);

      g_assert_no_error (error);
    }
  /* Five requests, at least 0.2 s apart. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 800000);
}

typedef struct
{
  GMainLoop *loop;
  GPtrArray *objects;
  GError    *error;
  guint      ticks;
} AsyncState;

static void
on_cone_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncState *state = user_data;
  state->objects = em_simbad_cone_search_finish (NULL, result, &state->error);
  g_main_loop_quit (state->loop);
}

static gboolean
tick (gpointer user_data)
{
  ((AsyncState *)user_data)->ticks++;
  return G_SOURCE_CONTINUE;
}

static gboolean
cancel_now (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_async_and_cancel (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("ok");
  g_autoptr (EmSimbadClient) stalled = client_for ("stall");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  AsyncState state = { g_main_loop_new (NULL, FALSE), NULL, NULL, 0 };
  guint      ticker = g_timeout_add (20, tick, &state);
  gint64     start;

  /* Async: the main loop keeps running while the request is made. */
  em_simbad_cone_search_async (client, 83.6330763, 22.0144933, 3.0, NULL, on_cone_done, &state);
  g_main_loop_run (state.loop);
  g_assert_no_error (state.error);
  g_assert_cmpuint (state.objects->len, ==, 2);
  g_clear_pointer (&state.objects, g_ptr_array_unref);

  /* Cancel a request the server never answers. */
  em_simbad_client_set_timeout (stalled, 30, 5);
  state.ticks = 0;
  start = g_get_monotonic_time ();
  em_simbad_cone_search_async (stalled, 83.6330763, 22.0144933, 3.0, cancellable, on_cone_done,
                               &state);
  g_timeout_add (300, cancel_now, cancellable);
  g_main_loop_run (state.loop);
  g_assert_null (state.objects);
  g_assert_error (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Well before the 30 s timeout (bound generous for loaded machines). */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  /* The main loop was never blocked while waiting. */
  g_assert_cmpuint (state.ticks, >=, 5);
  g_clear_error (&state.error);
  g_source_remove (ticker);
  g_main_loop_unref (state.loop);
}

static void
test_cache_restart (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "cache", "simbad.sqlite", NULL);
  g_autofree char *url = url_for ("ok");
  g_autoptr (GError) error = NULL;
  gsize offset;

  {
    g_autoptr (EmSimbadCache) cache = em_simbad_cache_open (path, &error);
    g_autoptr (EmSimbadClient) client = NULL;
    g_autoptr (GPtrArray) objects = NULL;

    g_assert_no_error (error);
    client = em_simbad_client_new (url, cache);
    em_simbad_client_set_min_interval (client, 0);
    objects = em_simbad_cone_search (client, 14.1772, 60.7167, 3.0, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 2);
  }

  /* "Restart": a new cache object and client on the same file. */
  offset = log_size ();
  {
    g_autoptr (EmSimbadCache) cache = em_simbad_cache_open (path, &error);
    g_autoptr (EmSimbadClient) client = em_simbad_client_new (url, cache);
    g_autoptr (GPtrArray) objects = NULL;
    g_auto (GStrv) lines = NULL;
    EmSimbadObject *o;

    objects = em_simbad_cone_search (client, 14.1772, 60.7167, 3.0, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 0);
    lines = log_since (offset);
    g_assert_cmpuint (g_strv_length (lines), ==, 0);
    o = g_ptr_array_index (objects, 0);
    g_assert_cmpstr (o->main_id, ==, "* gam Cas");
    g_assert_true (g_strv_contains ((const char *const *)o->identifiers, "HR 264"));

    /* Past the age limit the entry is fetched again. */
    em_simbad_cache_set_max_age (cache, 0);
    g_clear_pointer (&objects, g_ptr_array_unref);
    objects = em_simbad_cone_search (client, 14.1772, 60.7167, 3.0, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 2);
    /* Everything in the cache is now past the age limit. */
    g_assert_cmpint (em_simbad_cache_prune (cache, &error), >=, 2);
    g_assert_no_error (error);
  }

  /* Errors are never cached. */
  {
    g_autoptr (EmSimbadCache) cache = em_simbad_cache_open (path, &error);
    g_autofree char *bad_url = url_for ("taperror200");
    g_autoptr (EmSimbadClient) client = em_simbad_client_new (bad_url, cache);
    g_autoptr (GPtrArray) objects = NULL;

    em_simbad_client_set_min_interval (client, 0);
    for (int i = 0; i < 2; i++)
      {
        objects = em_simbad_cone_search (client, 14.1772, 60.7167, 3.0, NULL, &error);
        g_assert_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_TAP);
        g_clear_error (&error);
      }
    g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 2);
  }
}

/* A catalogue of @n rows: every 10th on a replay object (the transcribed
 * emission-line stars among them), the others far from any, one without
 * a position. */
static EmVotable *
make_catalogue (gsize n, gsize *n_emission)
{
  static const double emission[][2] = {
    { 14.1772154, 60.7167403 }, { 84.4111896, 21.1425447 },  { 73.9410208, 30.5511583 },
    { 65.4975996, 19.5351328 }, { 291.1378083, 50.2414222 }, { 316.7570417, 42.2359722 },
  };
  EmVotable *t = em_votable_new ("candidates");
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);

  *n_emission = 0;
  em_votable_add_field (t, "id", EM_VOTABLE_CHAR, NULL, NULL, "meta.id;meta.main", NULL, NULL);
  em_votable_add_radec_fields (t, "ra", "dec");
  for (gsize i = 0; i < n; i++)
    {
      gsize            row = em_votable_add_row (t);
      g_autofree char *id = g_strdup_printf ("spec-%05" G_GSIZE_FORMAT, i);
      double           ra, dec;

      if (i % 10 == 0)
        {
          gsize k = (i / 10) % G_N_ELEMENTS (emission);

          /* Within an arcsecond of the star. */
          ra = emission[k][0] + 0.5 / 3600.0;
          dec = emission[k][1] - 0.5 / 3600.0;
          (*n_emission)++;
        }
      else
        {
          /* Southern sky: no replay object there. */
          ra = g_rand_double_range (rand, 0, 360);
          dec = g_rand_double_range (rand, -89, -10);
        }
      em_votable_set_string (t, row, 0, id);
      if (i != 7)
        {
          em_votable_set_double (t, row, 1, ra);
          em_votable_set_double (t, row, 2, dec);
        }
    }
  return t;
}

static void
progress_cb (gsize done, gsize total, gpointer user_data)
{
  GArray *calls = user_data;

  g_array_append_val (calls, done);
}

static void
test_crossmatch (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("ok");
  gsize n_emission = 0;
  g_autoptr (EmVotable) catalogue = make_catalogue (2500, &n_emission);
  g_autoptr (EmVotable) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) calls = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_auto (GStrv) lines = NULL;
  EmSimbadCounts counts;
  gsize          offset = log_size ();
  int            cls, main_id, sep;

  out = em_simbad_crossmatch (client, catalogue, 3.0, 1000, progress_cb, calls, &counts, NULL,
                              &error);
  g_assert_no_error (error);
  g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 3);
  g_assert_cmpuint (counts.total, ==, 2500);
  g_assert_cmpuint (counts.no_position, ==, 1);
  g_assert_cmpuint (counts.emission, ==, n_emission);
  g_assert_cmpuint (counts.other + counts.emission_candidate, ==, 0);
  g_assert_cmpuint (counts.none, ==, 2500 - 1 - n_emission);
  g_assert_cmpuint (calls->len, ==, 4);
  g_assert_cmpuint (g_array_index (calls, gsize, 3), ==, 2499);

  g_assert_cmpuint (out->n_rows, ==, 2500);
  cls = em_votable_find_field (out, "simbad_class");
  main_id = em_votable_find_field (out, "simbad_main_id");
  sep = em_votable_find_field (out, "simbad_sep");
  g_assert_cmpint (cls, >, 2);
  g_assert_cmpstr (em_votable_get_string (out, 0, 0), ==, "spec-00000");
  g_assert_cmpstr (em_votable_get_string (out, 0, (guint)main_id), ==, "* gam Cas");
  g_assert_cmpstr (em_votable_get_string (out, 0, (guint)cls), ==, "emission");
  /* 0.5″ east (scaled by cos δ) and 0.5″ south of γ Cas. */
  g_assert_cmpfloat_with_epsilon (em_votable_get_double (out, 0, (guint)sep),
                                  0.5 * sqrt (1 + pow (cos (60.7167403 * G_PI / 180), 2)), 1e-6);
  g_assert_cmpstr (em_votable_get_string (out, 50, (guint)main_id), ==, "NGC  7027");
  g_assert_cmpstr (em_votable_get_string (out, 1, (guint)cls), ==, "none");
  g_assert_true (em_votable_is_null (out, 1, (guint)main_id));
  g_assert_true (em_votable_is_null (out, 7, (guint)cls));

  lines = log_since (offset);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      assert_well_formed_request (lines[i]);
      g_assert_nonnull (strstr (lines[i], "\"content_type\": \"multipart/form-data\""));
      g_assert_nonnull (strstr (lines[i], "\"UPLOAD\": \"cands,param:cands\""));
      g_assert_nonnull (strstr (lines[i], "\"upload_type\": \"application/x-votable+xml\""));
      g_assert_nonnull (strstr (lines[i], "FROM TAP_UPLOAD.cands AS cands\\nJOIN basic ON 1 = "
                                          "CONTAINS(POINT('ICRS', basic.ra, basic.dec), "
                                          "CIRCLE('ICRS', cands.ra, cands.dec, 0.0008333333))"));
    }
  g_assert_nonnull (strstr (lines[0], "\"upload_rows\": 1000"));
  g_assert_nonnull (strstr (lines[2], "\"upload_rows\": 499"));

  /* Cross-matching the result again replaces the SIMBAD columns. */
  {
    g_autoptr (EmVotable) again
        = em_simbad_crossmatch (client, out, 3.0, 1000, NULL, NULL, &counts, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (em_votable_get_n_fields (again), ==, em_votable_get_n_fields (out));
    g_assert_cmpuint (counts.emission, ==, n_emission);
    g_assert_cmpstr (em_votable_get_string (again, 0, (guint)main_id), ==, "* gam Cas");
  }
}

static void
on_crossmatch_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncState    *state = user_data;
  EmSimbadCounts counts;
  EmVotable     *out = em_simbad_crossmatch_finish (NULL, result, &counts, &state->error);

  if (out)
    {
      g_assert_cmpuint (counts.total, ==, out->n_rows);
      state->ticks = (guint)counts.emission;
      em_votable_free (out);
    }
  g_main_loop_quit (state->loop);
}

static void
test_crossmatch_async (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("binary2");
  gsize n_emission = 0;
  g_autoptr (EmVotable) catalogue = make_catalogue (300, &n_emission);
  AsyncState state = { g_main_loop_new (NULL, FALSE), NULL, NULL, 0 };

  em_simbad_crossmatch_async (client, catalogue, 3.0, 100, NULL, NULL, NULL, on_crossmatch_done,
                              &state);
  /* The catalogue is copied: the caller may drop it at once. */
  g_clear_pointer (&catalogue, em_votable_free);
  g_main_loop_run (state.loop);
  g_assert_no_error (state.error);
  g_assert_cmpuint (state.ticks, ==, n_emission);
  g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 3);
  g_main_loop_unref (state.loop);
}

/* An answer cut at the row limit (QUERY_STATUS=OVERFLOW) is never used:
 * the chunk is split and sent again. */
static void
test_crossmatch_overflow (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("overflow");
  gsize n_emission = 0;
  g_autoptr (EmVotable) catalogue = make_catalogue (100, &n_emission);
  g_autoptr (EmVotable) out = NULL;
  g_autoptr (GError) error = NULL;
  EmSimbadCounts counts;

  g_assert_cmpuint (n_emission, ==, 10);
  out = em_simbad_crossmatch (client, catalogue, 3.0, 100, NULL, NULL, &counts, NULL, &error);
  g_assert_no_error (error);
  /* 10 matches > 5: one request overflows, its two halves (5 each) don't. */
  g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 3);
  g_assert_cmpuint (counts.emission, ==, 10);
  g_assert_cmpuint (counts.none, ==, 100 - 1 - 10);
  g_assert_cmpstr (
      em_votable_get_string (out, 90, (guint)em_votable_find_field (out, "simbad_class")), ==,
      "emission");
}

static void
test_crossmatch_bad_catalogue (void)
{
  g_autoptr (EmSimbadClient) client = client_for ("ok");
  g_autoptr (EmVotable) t = em_votable_new ("no-position");
  g_autoptr (GError) error = NULL;
  g_autoptr (EmVotable) out = NULL;

  em_votable_add_field (t, "id", EM_VOTABLE_CHAR, NULL, NULL, NULL, NULL, NULL);
  em_votable_add_row (t);
  out = em_simbad_crossmatch (client, t, 3.0, 0, NULL, NULL, NULL, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "no-position"));
  g_assert_cmpuint (em_simbad_client_get_n_requests (client), ==, 0);
}

/* When set, the CLI runs with the keyfile GSettings backend in there. */
static char *cli_settings_dir;

static int
run_cli (const char *const *args, char **out, char **err)
{
  const char *cli = g_getenv ("EM_CLI");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) env = g_get_environ ();
  g_autofree char *cache_home = g_build_filename (tmp_dir, "cli-cache", NULL);
  int              status = 0;

  g_ptr_array_add (argv, (char *)cli);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);
  env = g_environ_setenv (env, "XDG_CACHE_HOME", cache_home, TRUE);
  if (cli_settings_dir)
    {
      env = g_environ_setenv (env, "GSETTINGS_BACKEND", "keyfile", TRUE);
      env = g_environ_setenv (env, "XDG_CONFIG_HOME", cli_settings_dir, TRUE);
    }
  g_assert_true (g_spawn_sync (NULL, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, out,
                               err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_cli (void)
{
  g_autofree char *url = url_for ("ok");
  g_autofree char *bad = url_for ("taperror");
  g_autofree char *in = g_build_filename (tmp_dir, "cli-in.vot", NULL);
  g_autofree char *result = g_build_filename (tmp_dir, "cli-out.vot", NULL);
  g_autoptr (GError) error = NULL;
  gsize n_emission = 0;
  g_autoptr (EmVotable) catalogue = make_catalogue (120, &n_emission);
  g_autoptr (EmVotable) back = NULL;
  g_autofree char *expected = NULL;
  char            *out = NULL, *err = NULL;

  if (g_getenv ("EM_CLI") == NULL)
    {
      g_test_skip ("EM_CLI not set");
      return;
    }
  {
    const char *args[] = { "simbad", "cone", "14.1772", "60.7167", "--simbad-url", url, NULL };

    g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "\"main_id\":\"* gam Cas\""));
    g_assert_nonnull (strstr (out, "\"class\":\"emission\""));
    g_assert_nonnull (strstr (out, "\"v_mag\":2.39"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    /* A negative declination is a position, not an option. */
    const char *args[]
        = { "simbad", "cone", "200", "-45", "--radius", "5", "--simbad-url", url, NULL };

    g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "\"dec\":-45,\"radius_arcsec\":5,\"objects\":[]"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "simbad", "id", "HD 5394", "--simbad-url", url, NULL };

    g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "\"otype_description\":\"Be Star\""));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "simbad", "id", "HD 5394", "--simbad-url", bad, "--no-cache", NULL };

    g_assert_cmpint (run_cli (args, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "Incorrect ADQL query"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "simbad", "cone", "abc", "1", NULL };

    g_assert_cmpint (run_cli (args, &out, &err), ==, 2);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  g_assert_true (em_votable_write_file (catalogue, in, &error));
  {
    const char *args[]
        = { "simbad", "crossmatch", in, "-o", result, "--chunk", "50", "--simbad-url", url, NULL };

    g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
    expected = g_strdup_printf ("{\"rows\":120,\"emission\":%" G_GSIZE_FORMAT
                                ",\"emission_candidate\":0,\"other\":0,\"none\":%" G_GSIZE_FORMAT
                                ",\"no_position\":1,\"requests\":3,",
                                n_emission, 119 - n_emission);
    if (!g_str_has_prefix (out, expected))
      g_error ("crossmatch printed %s, expected %s…", out, expected);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  /* Without --simbad-url the endpoint comes from the simbad-url setting
   * (when the schema is compiled in the build tree). */
  if (g_getenv ("GSETTINGS_SCHEMA_DIR"))
    {
      g_autofree char *dir = g_build_filename (tmp_dir, "config", "glib-2.0", "settings", NULL);
      g_autofree char *keyfile = g_build_filename (dir, "keyfile", NULL);
      g_autofree char *text = g_strdup_printf ("[io/github/emissary/Emissary]\n"
                                               "simbad-url='%s'\nsimbad-cone-radius=5.0\n",
                                               url);
      const char      *args[] = { "simbad", "cone", "14.1772", "60.7167", "--no-cache", NULL };

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_assert_true (g_file_set_contents (keyfile, text, -1, NULL));
      cli_settings_dir = g_build_filename (tmp_dir, "config", NULL);
      g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
      g_assert_nonnull (strstr (out, "\"radius_arcsec\":5,"));
      g_assert_nonnull (strstr (out, "\"main_id\":\"* gam Cas\""));
      g_clear_pointer (&cli_settings_dir, g_free);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
    }
  else
    g_test_message ("GSETTINGS_SCHEMA_DIR not set: settings not checked");

  back = em_votable_read_file (result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->n_rows, ==, 120);
  g_assert_cmpstr (
      em_votable_get_string (back, 10, (guint)em_votable_find_field (back, "simbad_main_id")), ==,
      "* zet Tau");

  /* The written cross-match is a valid VOTable for astropy. */
  {
    const char      *python = g_getenv ("EM_PYTHON3");
    g_autofree char *script
        = g_test_build_filename (G_TEST_DIST, "vo", "votable-validate.py", NULL);
    const char *argv[] = { python, script, result, NULL };
    int         status = 0;

    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                                 &status, &error));
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, NULL))
      g_error ("astropy rejected %s: %s", result, err);
    g_assert_nonnull (strstr (out, "nrows=120\n"));
    g_assert_nonnull (strstr (out, "10:simbad_main_id=* zet Tau\n"));
    g_assert_nonnull (strstr (out, "10:simbad_class=emission\n"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
}

/* Moves the first uncompressed demo spectrum in @pool_dir onto γ Cas (a
 * replay emission object); returns its spectrum id. */
static char *
move_spectrum_onto_gam_cas (const char *pool_dir)
{
  g_autoptr (GDir) dir = g_dir_open (pool_dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *path = NULL;
  fitsfile        *f = NULL;
  int              status = 0;
  const char      *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    if (g_str_has_suffix (name, ".fits"))
      g_ptr_array_add (names, g_strdup (name));
  g_assert_cmpuint (names->len, >, 0);
  /* Directory order is not sorted; the same file every run. */
  g_ptr_array_sort (names, (GCompareFunc)g_strcmp0);
  /* The first one that ingest will take: the demo has dead fibres whose
   * flux is all masked, and those never reach the pool. */
  name = NULL;
  for (guint i = 0; i < names->len && name == NULL; i++)
    {
      g_autofree char *candidate = g_build_filename (pool_dir, names->pdata[i], NULL);
      g_autoptr (EmSpectrum) spectrum = em_spectrum_read (candidate, NULL);
      EmPreprocessParams params;
      float              flux[140];

      em_preprocess_params_init (&params);
      if (spectrum != NULL && params.grid.n == G_N_ELEMENTS (flux)
          && em_preprocess (spectrum, &params, flux, NULL))
        name = names->pdata[i];
    }
  g_assert_nonnull (name);
  path = g_build_filename (pool_dir, name, NULL);
  fits_open_file (&f, path, READWRITE, &status);
  fits_update_key_fixdbl (f, "RA", 14.1772, 6, NULL, &status);
  fits_update_key_fixdbl (f, "DEC", 60.7167, 6, NULL, &status);
  fits_close_file (f, &status);
  g_assert_cmpint (status, ==, 0);
  return g_strndup (name, strlen (name) - strlen (".fits"));
}

static void
run_cli_ok (const char *const *args)
{
  char *out = NULL, *err = NULL;
  int   status = run_cli (args, &out, &err);

  if (status != 0)
    g_error ("emissary-cli %s %s failed (%d): %s", args[0], args[1], status, err);
  g_free (out);
  g_free (err);
}

/* `simbad crossmatch EXP`: the current candidates of an experiment (one
 * iteration of a tiny demo survey plus an oracle label on a spectrum moved
 * onto γ Cas), while another handle holds the experiment for writing as
 * the desktop application would. */
static void
test_cli_experiment (void)
{
  g_autofree char *url = url_for ("ok");
  g_autofree char *demo = g_build_filename (tmp_dir, "demo", NULL);
  g_autofree char *pool_dir = g_build_filename (demo, "pool", NULL);
  g_autofree char *seed = g_build_filename (demo, "seed.csv", NULL);
  g_autofree char *pool = g_build_filename (tmp_dir, "pool.fits", NULL);
  g_autofree char *exp_dir = g_build_filename (tmp_dir, "cands.emissary", NULL);
  g_autofree char *cands = g_build_filename (tmp_dir, "cands.vot", NULL);
  g_autofree char *result = g_build_filename (tmp_dir, "cands-simbad.vot", NULL);
  g_autofree char *id = NULL;
  g_autofree char *expected = NULL;
  g_autoptr (EmExperiment) writer = NULL;
  g_autoptr (EmVotable) listed = NULL;
  g_autoptr (EmVotable) back = NULL;
  g_autoptr (GError) error = NULL;
  char            *out = NULL, *err = NULL;
  int              id_col, main_id_col, found = -1;
  gsize            n;

  if (g_getenv ("EM_CLI") == NULL)
    {
      g_test_skip ("EM_CLI not set");
      return;
    }
  g_assert_true (em_demo_write (demo, 40, 60, 3, &error));
  g_assert_no_error (error);
  id = move_spectrum_onto_gam_cas (pool_dir);
  {
    const char *ingest[] = { "ingest", pool, pool_dir, NULL };
    const char *create[] = { "experiment", "new", exp_dir, "--seed-set", seed, "--pool", pool,
                             "--preset", "small", "--epochs", "1", "--batch", "10", "--seed", "1",
                             NULL };
    const char *iterate[] = { "iterate", exp_dir, NULL };
    const char *label[] = { "label", exp_dir, id, "emission", NULL };

    run_cli_ok (ingest);
    run_cli_ok (create);
    run_cli_ok (iterate);
    run_cli_ok (label);
  }
  writer = em_experiment_open (exp_dir, &error);
  g_assert_no_error (error);
  {
    const char *args[] = { "candidates", exp_dir, "-o", cands, NULL };

    run_cli_ok (args);
  }
  listed = em_votable_read_file (cands, &error);
  g_assert_no_error (error);
  n = listed->n_rows;
  g_assert_cmpuint (n, >=, 1);
  {
    const char *args[]
        = { "simbad", "crossmatch", exp_dir, "-o", result, "--simbad-url", url, NULL };

    g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
    /* Demo positions are random over the sky: only the moved one is known. */
    expected = g_strdup_printf ("{\"rows\":%" G_GSIZE_FORMAT ",\"emission\":1,"
                                "\"emission_candidate\":0,\"other\":0,\"none\":%" G_GSIZE_FORMAT
                                ",\"no_position\":0,\"requests\":1,",
                                n, n - 1);
    if (!g_str_has_prefix (out, expected))
      g_error ("crossmatch printed %s, expected %s…", out, expected);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  back = em_votable_read_file (result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->n_rows, ==, n);
  /* The candidate columns come through, then SIMBAD's. */
  for (guint c = 0; c < em_votable_get_n_fields (listed); c++)
    g_assert_cmpint (em_votable_find_field (back, em_votable_get_field (listed, c)->name), ==,
                     (int)c);
  id_col = em_votable_find_field (back, "id");
  main_id_col = em_votable_find_field (back, "simbad_main_id");
  g_assert_cmpint (em_votable_find_field (back, "label_source"), >=, 0);
  g_assert_cmpint (em_votable_find_field (back, "simbad_class"), >=, 0);
  g_assert_cmpint (main_id_col, >=, 0);
  for (gsize r = 0; r < n; r++)
    if (g_strcmp0 (em_votable_get_string (back, r, (guint)id_col), id) == 0)
      found = (int)r;
  g_assert_cmpint (found, >=, 0);
  g_assert_cmpstr (em_votable_get_string (back, (gsize)found, (guint)main_id_col), ==,
                   "* gam Cas");
  g_assert_cmpstr (em_votable_get_string (back, (gsize)found,
                                          (guint)em_votable_find_field (back, "label")),
                   ==, "emission");

  /* A folder that is no experiment is named in the error. */
  {
    const char *args[]
        = { "simbad", "crossmatch", demo, "-o", result, "--simbad-url", url, NULL };

    g_assert_cmpint (run_cli (args, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "not an experiment"));
    g_assert_nonnull (strstr (err, demo));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
}

static gboolean
start_server (void)
{
  const char      *python = g_getenv ("EM_PYTHON3");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "vo", "simbad-replay.py", NULL);
  g_autofree char *objects
      = g_test_build_filename (G_TEST_DIST, "data", "simbad", "replay-objects.tsv", NULL);
  g_autofree char *port_file = NULL;
  g_autoptr (GError) error = NULL;

  if (python == NULL)
    return FALSE;
  tmp_dir = g_dir_make_tmp ("em-simbad-XXXXXX", &error);
  g_assert_no_error (error);
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
  if (server_port == 0)
    g_error ("the replay server (%s) did not start", script);
  return TRUE;
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/simbad/classify", test_classify);
  if (!start_server ())
    {
      g_test_message ("EM_PYTHON3 not set: the replay server cannot run");
      return g_test_run ();
    }
  g_test_add_func ("/simbad/cone-hits", test_cone_hits);
  g_test_add_func ("/simbad/serialisations", test_serialisations);
  g_test_add_func ("/simbad/cone-identifiers", test_cone_identifiers);
  g_test_add_func ("/simbad/moved", test_moved);
  g_test_add_func ("/simbad/cone-many", test_cone_many);
  g_test_add_func ("/simbad/cone-no-hit", test_cone_no_hit);
  g_test_add_func ("/simbad/invalid-arguments", test_invalid_arguments);
  g_test_add_func ("/simbad/lookup", test_lookup);
  g_test_add_func ("/simbad/tap-error", test_tap_error);
  g_test_add_func ("/simbad/http-errors", test_http_errors);
  g_test_add_func ("/simbad/recorded-answers", test_recorded_answers);
  g_test_add_func ("/simbad/truncated", test_truncated);
  g_test_add_func ("/simbad/timeout", test_timeout);
  g_test_add_func ("/simbad/offline", test_offline);
  g_test_add_func ("/simbad/retry-after", test_retry_after);
  g_test_add_func ("/simbad/backoff-503", test_backoff_503);
  g_test_add_func ("/simbad/rate-limit", test_rate_limit);
  g_test_add_func ("/simbad/async-and-cancel", test_async_and_cancel);
  g_test_add_func ("/simbad/cache-restart", test_cache_restart);
  g_test_add_func ("/simbad/crossmatch", test_crossmatch);
  g_test_add_func ("/simbad/crossmatch-async", test_crossmatch_async);
  g_test_add_func ("/simbad/crossmatch-overflow", test_crossmatch_overflow);
  g_test_add_func ("/simbad/crossmatch-bad-catalogue", test_crossmatch_bad_catalogue);
  g_test_add_func ("/simbad/cli", test_cli);
  g_test_add_func ("/simbad/cli-experiment", test_cli_experiment);
  status = g_test_run ();
  kill (server_pid, SIGTERM);
  waitpid (server_pid, NULL, 0);
  g_spawn_close_pid (server_pid);
  remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (log_path);
  return status;
}
