/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "em-cli-commands.h"
#include "em-cli.h"
#include "vo/em-samp-client.h"
#include "vo/em-samp-messages.h"
#include "vo/em-xmlrpc.h"

/* One command-line run: a client, a loop, and the result of the one
 * asynchronous step we wait for. */
typedef struct
{
  EmSampClient *client;
  GMainLoop    *loop;
  GAsyncResult *result;
  gboolean      interrupted;
  guint         max_messages;
  gboolean      hub_events;
  guint         n_messages;
} Run;

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;

  run->result = g_object_ref (result);
  g_main_loop_quit (run->loop);
}

static GAsyncResult *
wait_result (Run *run)
{
  g_clear_object (&run->result);
  g_main_loop_run (run->loop);
  return run->result;
}

static gboolean
run_connect (Run *run, const char *name, gboolean reconnect, GError **error)
{
  run->loop = g_main_loop_new (NULL, FALSE);
  run->client = em_samp_client_new (name);
  em_samp_client_set_auto_reconnect (run->client, reconnect);
  em_samp_client_set_ping_interval (run->client, reconnect ? 3 : 0);
  return TRUE;
}

static gboolean
run_connect_now (Run *run, GError **error)
{
  em_samp_client_connect_async (run->client, NULL, store_result, run);
  return em_samp_client_connect_finish (run->client, wait_result (run), error);
}

static void
run_finish (Run *run)
{
  if (run->client)
    {
      /* Unregister politely; the hub may be gone already. */
      em_samp_client_disconnect_async (run->client, NULL, store_result, run);
      em_samp_client_disconnect_finish (run->client, wait_result (run), NULL);
    }
  g_clear_object (&run->result);
  g_clear_object (&run->client);
  g_clear_pointer (&run->loop, g_main_loop_unref);
}

static void
variant_to_json (GString *out, GVariant *v)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr (GVariant) inner = g_variant_get_variant (v);
      variant_to_json (out, inner);
    }
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    em_json_string (out, g_variant_get_string (v, NULL));
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARDICT))
    {
      GVariantIter iter;
      const char  *key;
      GVariant    *child;

      g_string_append_c (out, '{');
      g_variant_iter_init (&iter, v);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &child))
        {
          em_json_key (out, key);
          variant_to_json (out, child);
          g_variant_unref (child);
        }
      g_string_append_c (out, '}');
    }
  else if (g_variant_is_container (v))
    {
      GVariantIter iter;
      GVariant    *child;
      gboolean     first = TRUE;

      g_string_append_c (out, '[');
      g_variant_iter_init (&iter, v);
      while ((child = g_variant_iter_next_value (&iter)))
        {
          if (!first)
            g_string_append_c (out, ',');
          first = FALSE;
          variant_to_json (out, child);
          g_variant_unref (child);
        }
      g_string_append_c (out, ']');
    }
  else
    g_string_append (out, "null");
}

/* The id of the client @to names (id or samp.name), checking that it
 * subscribes to @mtype; NULL with an error otherwise. */
static const char *
resolve_recipient (Run *run, const char *to, const char *mtype, GError **error)
{
  EmSampPeer *peer = em_samp_client_find_peer (run->client, to);

  if (peer == NULL)
    {
      GListModel *peers = em_samp_client_get_peers (run->client);
      g_autoptr (GString) names = g_string_new (NULL);

      for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
        {
          g_autoptr (EmSampPeer) p = g_list_model_get_item (peers, i);
          g_string_append_printf (names, "%s%s (%s)", i ? ", " : "", em_samp_peer_get_id (p),
                                  em_samp_peer_get_name (p) ? em_samp_peer_get_name (p)
                                                            : "no name");
        }
      g_set_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_NO_RECIPIENT,
                   "no SAMP client “%s”; registered: %s", to, names->len ? names->str : "none");
      return NULL;
    }
  if (!em_samp_peer_is_subscribed (peer, mtype))
    {
      g_set_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_NO_RECIPIENT,
                   "SAMP client “%s” (%s) does not accept %s",
                   em_samp_peer_get_name (peer) ? em_samp_peer_get_name (peer) : to,
                   em_samp_peer_get_id (peer), mtype);
      return NULL;
    }
  return em_samp_peer_get_id (peer);
}

static int
print_responses (GVariant *responses)
{
  g_autoptr (GString) out = g_string_new (NULL);

  if (responses)
    {
      variant_to_json (out, responses);
      g_print ("%s\n", out->str);
    }
  return EM_CLI_OK;
}

/* Sends @message (floating) to @to or to all subscribers, waits for the
 * replies and prints them as JSON. */
static int
send_and_report (Run *run, const char *to, GVariant *message, guint timeout)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) responses = NULL;
  g_autoptr (GVariant) msg = g_variant_ref_sink (message);
  const char *recipient = NULL;

  if (to && !(recipient = resolve_recipient (run, to, em_samp_message_get_mtype (msg), &error)))
    return em_cli_fail (error);
  em_samp_client_send_async (run->client, recipient, msg, timeout, NULL, store_result, run);
  if (!em_samp_client_send_finish (run->client, wait_result (run), &responses, &error))
    return em_cli_fail (error);
  return print_responses (responses);
}

static int
cmd_clients (Run *run)
{
  GListModel *peers = em_samp_client_get_peers (run->client);
  g_autoptr (GString) out = g_string_new ("[");

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr (EmSampPeer) p = g_list_model_get_item (peers, i);
      const char *const *subs = em_samp_peer_get_subscriptions (p);

      if (i)
        g_string_append_c (out, ',');
      g_string_append_c (out, '{');
      em_json_key (out, "id");
      em_json_string (out, em_samp_peer_get_id (p));
      em_json_key (out, "name");
      em_json_string (out, em_samp_peer_get_name (p));
      em_json_key (out, "subscriptions");
      g_string_append_c (out, '[');
      for (guint k = 0; subs[k]; k++)
        {
          if (k)
            g_string_append_c (out, ',');
          em_json_string (out, subs[k]);
        }
      g_string_append (out, "]}");
    }
  g_string_append_c (out, ']');
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}

static gboolean
check_readable (const char *path, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no such file", path);
      return FALSE;
    }
  return TRUE;
}

static void
on_message (EmSampClient *client,
            const char   *sender,
            const char   *mtype,
            GVariant     *params,
            gboolean      is_call,
            Run          *run)
{
  g_autoptr (GString) out = NULL;

  /* Hub events are bookkeeping; show them only when asked. */
  if (!run->hub_events && g_str_has_prefix (mtype, "samp.hub."))
    return;
  out = g_string_new ("{");
  em_json_key (out, "sender");
  em_json_string (out, sender);
  em_json_key (out, "mtype");
  em_json_string (out, mtype);
  em_json_key (out, "call");
  g_string_append (out, is_call ? "true" : "false");
  em_json_key (out, "params");
  variant_to_json (out, params);
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  fflush (stdout);
  if (run->max_messages > 0 && ++run->n_messages >= run->max_messages)
    g_main_loop_quit (run->loop);
}

static gboolean
on_interrupt (gpointer user_data)
{
  Run *run = user_data;

  run->interrupted = TRUE;
  g_main_loop_quit (run->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_connected_changed (EmSampClient *client, GParamSpec *pspec, Run *run)
{
  g_printerr ("emissary-cli: %s the SAMP hub\n",
              em_samp_client_get_connected (client) ? "connected to" : "lost");
}

static int
cmd_listen (Run *run, char **subscribe)
{
  guint sigint, sigterm;

  for (guint i = 0; subscribe && subscribe[i]; i++)
    em_samp_client_subscribe (run->client, subscribe[i]);
  g_signal_connect (run->client, "message-received", G_CALLBACK (on_message), run);
  g_signal_connect (run->client, "notify::connected", G_CALLBACK (on_connected_changed), run);
  g_printerr ("emissary-cli: listening as SAMP client %s\n",
              em_samp_client_get_self_id (run->client));
  sigint = g_unix_signal_add (SIGINT, on_interrupt, run);
  sigterm = g_unix_signal_add (SIGTERM, on_interrupt, run);
  g_main_loop_run (run->loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_signal_handlers_disconnect_by_data (run->client, run);
  return EM_CLI_OK;
}

static const char usage_description[]
    = "Sub-commands:\n"
      "  clients                  list the other SAMP clients as JSON\n"
      "  send-table FILE          send a VOTable file (table.load.votable)\n"
      "  point RA DEC             point at a sky position in degrees (coord.pointAt.sky)\n"
      "  send-spectrum FILE       send a FITS or VOTable spectrum (spectrum.load.ssa-generic)\n"
      "  script TEXT              send an Aladin script (script.aladin.send)\n"
      "  call MTYPE [KEY=VALUE…]  call any MType with string parameters, print the replies\n"
      "  listen                   print received messages as JSON lines until interrupted\n"
      "\n"
      "The hub is found through $SAMP_HUB (std-lockurl:URL), else ~/.samp.\n"
      "Without --to, a message goes to every client that subscribes to it.";

int
em_cli_samp (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("SUB-COMMAND [ARGUMENT…]"));
  g_autofree char *to = NULL;
  g_autofree char *name = NULL;
  g_auto (GStrv) subscribe = NULL;
  g_auto (GStrv) meta = NULL;
  int         timeout = 60, count = 0;
  int         status;
  const char *sub;
  Run         run = { 0 };
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[]
      = { { "to", 't', 0, G_OPTION_ARG_STRING, &to,
            N_ ("Send to this client only (id or samp.name, any case)"), N_ ("NAME") },
          { "name", 'n', 0, G_OPTION_ARG_STRING, &name,
            N_ ("Name to show for the table or spectrum"), N_ ("NAME") },
          { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
            N_ ("Seconds to wait for replies (default 60)"), N_ ("SECONDS") },
          { "meta", 0, 0, G_OPTION_ARG_STRING_ARRAY, &meta,
            N_ ("send-spectrum: extra SSA metadata (repeatable)"), N_ ("KEY=VALUE") },
          { "subscribe", 0, 0, G_OPTION_ARG_STRING_ARRAY, &subscribe,
            N_ ("listen: also accept this MType (repeatable; e.g. spectrum.load.ssa-generic)"),
            N_ ("MTYPE") },
          { "count", 0, 0, G_OPTION_ARG_INT, &count, N_ ("listen: stop after this many messages"),
            N_ ("N") },
          { "hub-events", 0, 0, G_OPTION_ARG_NONE, &run.hub_events,
            N_ ("listen: also print the hub's events (samp.hub.*)"), NULL },
          { NULL } };

  g_option_context_set_summary (context, _ ("Talk to Virtual Observatory tools over SAMP."));
  g_option_context_set_description (context, usage_description);
  g_option_context_add_main_entries (context, entries, NULL);
  /* "samp point 83.6 -5.4": GOption would take -5.4 for an option, so
   * unknown ones are let through and refused here unless numbers. */
  g_option_context_set_ignore_unknown_options (context, TRUE);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  for (int i = 1; i < argc; i++)
    {
      char *end;

      if (strcmp (argv[i], "--") == 0)
        break;
      if (argv[i][0] == '-' && argv[i][1] != '\0'
          && (g_ascii_strtod (argv[i], &end), end == argv[i] || *end != '\0'))
        return em_cli_usage ("samp", _ ("unknown option “%s”"), argv[i]);
    }
  if (argc < 2)
    return em_cli_usage ("samp", _ ("missing sub-command"));
  if (timeout < 0 || count < 0)
    return em_cli_usage ("samp", _ ("--timeout and --count must not be negative"));
  sub = argv[1];

#define NEED_ARGS(n, what)                                                                         \
  if (argc != 2 + (n))                                                                             \
    return em_cli_usage ("samp", _ ("“%s” takes %s"), sub, what);

  if (strcmp (sub, "clients") == 0)
    {
      NEED_ARGS (0, _ ("no arguments"));
    }
  else if (strcmp (sub, "send-table") == 0 || strcmp (sub, "send-spectrum") == 0)
    {
      NEED_ARGS (1, _ ("one FILE"));
      if (!check_readable (argv[2], &error))
        return em_cli_fail (error);
    }
  else if (strcmp (sub, "point") == 0)
    {
      NEED_ARGS (2, _ ("RA and DEC in degrees"));
    }
  else if (strcmp (sub, "script") == 0)
    {
      NEED_ARGS (1, _ ("one SCRIPT"));
    }
  else if (strcmp (sub, "listen") == 0)
    {
      NEED_ARGS (0, _ ("no arguments"));
    }
  else if (strcmp (sub, "call") == 0)
    {
      if (argc < 3)
        return em_cli_usage ("samp", _ ("“call” takes an MTYPE and KEY=VALUE parameters"));
      for (int i = 3; i < argc; i++)
        if (strchr (argv[i], '=') == NULL || argv[i][0] == '=')
          return em_cli_usage ("samp", _ ("parameter “%s” is not KEY=VALUE"), argv[i]);
    }
  else
    return em_cli_usage ("samp", _ ("unknown sub-command “%s”"), sub);

  if (strcmp (sub, "point") == 0)
    {
      char  *end1, *end2;
      double ra = g_ascii_strtod (argv[2], &end1), dec = g_ascii_strtod (argv[3], &end2);

      if (*end1 || *end2 || end1 == argv[2] || end2 == argv[3] || ra < 0 || ra >= 360 || dec < -90
          || dec > 90)
        return em_cli_usage ("samp", _ ("RA must be in [0, 360) and DEC in [-90, 90] degrees"));
    }

  run_connect (&run, "Emissary", strcmp (sub, "listen") == 0, NULL);
  if (strcmp (sub, "listen") == 0)
    for (guint i = 0; subscribe && subscribe[i]; i++)
      em_samp_client_subscribe (run.client, subscribe[i]);
  run.max_messages = (guint)count;
  if (!run_connect_now (&run, &error))
    {
      status = em_cli_fail (error);
      g_clear_object (&run.client);
      run_finish (&run);
      return status;
    }

  if (strcmp (sub, "clients") == 0)
    status = cmd_clients (&run);
  else if (strcmp (sub, "send-table") == 0)
    {
      g_autofree char *url = em_samp_file_url (argv[2]);
      g_autofree char *base = g_path_get_basename (argv[2]);
      g_autofree char *table_id = em_samp_client_add_table (run.client, url, NULL);

      status = send_and_report (&run, to,
                                em_samp_msg_table_load_votable (url, table_id, name ? name : base),
                                (guint)timeout);
    }
  else if (strcmp (sub, "send-spectrum") == 0)
    {
      g_autofree char *url = em_samp_file_url (argv[2]);
      g_autofree char *base = g_path_get_basename (argv[2]);
      const char      *format = em_samp_spectrum_format_for (argv[2]);
      g_autoptr (GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; meta && meta[i]; i++)
        {
          const char *eq = strchr (meta[i], '=');
          if (eq == NULL || eq == meta[i])
            {
              status = em_cli_usage ("samp", _ ("--meta wants KEY=VALUE, not “%s”"), meta[i]);
              run_finish (&run);
              return status;
            }
          g_ptr_array_add (pairs, g_strndup (meta[i], (gsize)(eq - meta[i])));
          g_ptr_array_add (pairs, g_strdup (eq + 1));
        }
      g_ptr_array_add (pairs, NULL);
      status = send_and_report (&run, to,
                                em_samp_msg_spectrum_load_ssa (url, base, name ? name : base,
                                                               format ? format : "application/fits",
                                                               (const char *const *)pairs->pdata),
                                (guint)timeout);
    }
  else if (strcmp (sub, "point") == 0)
    status = send_and_report (&run, to,
                              em_samp_msg_coord_point_at_sky (g_ascii_strtod (argv[2], NULL),
                                                              g_ascii_strtod (argv[3], NULL)),
                              (guint)timeout);
  else if (strcmp (sub, "script") == 0)
    status = send_and_report (&run, to, em_samp_msg_script_aladin_send (argv[2]), (guint)timeout);
  else if (strcmp (sub, "call") == 0)
    {
      GVariantBuilder b;

      g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
      for (int i = 3; i < argc; i++)
        {
          const char      *eq = strchr (argv[i], '=');
          g_autofree char *key = g_strndup (argv[i], (gsize)(eq - argv[i]));
          g_variant_builder_add (&b, "{sv}", key, g_variant_new_string (eq + 1));
        }
      status = send_and_report (&run, to, em_samp_message_new (argv[2], g_variant_builder_end (&b)),
                                (guint)timeout);
    }
  else
    status = cmd_listen (&run, NULL);
  run_finish (&run);
  return status;
}
