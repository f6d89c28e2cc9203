/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "vo/em-samp-client.h"
#include "vo/em-samp-lockfile.h"
#include "vo/em-samp-messages.h"
#include "vo/em-xmlrpc-client.h"
#include "vo/em-xmlrpc.h"

#include <libsoup/soup.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK (em - samp - error - quark, em_samp_error)

/* Timeout of one HTTP request to the hub.  Our calls never wait for a
 * recipient inside the request (call + receiveResponse, never
 * callAndWait), so the hub answers at once. */
#define HUB_HTTP_TIMEOUT 20

/* The MTypes we act on ourselves. */
static const char *const builtin_subscriptions[] = {
  "samp.app.ping",           "samp.hub.event.shutdown",
  "samp.hub.event.register", "samp.hub.event.unregister",
  "samp.hub.event.metadata", "samp.hub.event.subscriptions",
  "samp.hub.disconnect",     "coord.pointAt.sky",
  "table.highlight.row",     "table.select.rowList",
};

typedef struct
{
  char *id;
  char *url;
  GStrv row_ids;
} Table;

typedef struct
{
  EmSampClient *client;
  GTask        *task;
  char         *tag;
  char         *recipient; /* NULL: callAll */
  char         *mtype;
  GHashTable   *expected;  /* callAll: ids that will answer; NULL until known */
  GHashTable   *responses; /* id → GVariant response map */
  guint         timeout;
  guint         timeout_source;
  GCancellable *cancellable;
  gulong        cancel_id;
  /* id → label: recipients that unregistered before we had their answer.
   * The hub may still be delivering it: JSAMP passes a reply and the
   * unregister event that follows it on different threads, and the event
   * came first (CI dry run: "c2: left the hub before answering" from a
   * peer that had answered).  They get LEFT_GRACE_MS. */
  GHashTable   *left;
  guint         left_source;
} Pending;

#define LEFT_GRACE_MS 1000

struct _EmSampClient
{
  GObject parent_instance;

  GMainContext *context;
  char         *name;
  GHashTable   *metadata_extra;
  GPtrArray    *extra_subscriptions;
  gboolean      auto_reconnect;
  guint         ping_interval;

  SoupServer     *server;
  GSocketService *service;
  char           *callback_url;

  gboolean connected;
  gboolean connecting;
  gboolean stopped;
  guint    generation;
  char    *lockfile_url;
  char    *hub_url;
  char    *private_key;
  char    *self_id;
  char    *hub_id;

  GListStore *peers;
  GHashTable *departed; /* ids unregistered since we registered */
  GHashTable *stamps;   /* id → PeerStamps: hub events applied per peer */
  GHashTable *pending;  /* tag → Pending */
  guint       tag_counter;
  guint       table_counter;
  GPtrArray  *tables;

  GFileMonitor *monitor;
  char         *monitored_url;
  guint         ping_source;
  guint         retry_source;
  guint         debounce_source;
  gboolean      ping_in_flight;
  guint         replies_in_flight;
  GTask        *unregister_task; /* waits for replies_in_flight to drain */
  char         *unregister_key;
  char         *unregister_url;
};

enum
{
  PROP_0,
  PROP_NAME,
  PROP_CONNECTED,
  PROP_HUB_URL,
  PROP_SELF_ID,
  N_PROPS
};

enum
{
  SIGNAL_POINT_AT_SKY,
  SIGNAL_ROWS_SELECTED,
  SIGNAL_ROW_HIGHLIGHTED,
  SIGNAL_MESSAGE_RECEIVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (EmSampClient, em_samp_client, G_TYPE_OBJECT)

static void hub_lost (EmSampClient *self, const char *why);
static void start_reconnecting (EmSampClient *self);
static void try_connect (EmSampClient *self, GTask *task);

/* Timers run on the client's context, like everything else. */
static guint
add_timeout (EmSampClient *self, guint milliseconds, GSourceFunc func, gpointer data)
{
  GSource *source = g_timeout_source_new (milliseconds);
  guint    id;

  g_source_set_callback (source, func, data, NULL);
  id = g_source_attach (source, self->context);
  g_source_unref (source);
  return id;
}

/* g_source_remove works on the default context only. */
static void
remove_source (EmSampClient *self, guint *id)
{
  if (*id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->context, *id);
      if (source)
        g_source_destroy (source);
      *id = 0;
    }
}

static void
table_free (Table *t)
{
  g_free (t->id);
  g_free (t->url);
  g_strfreev (t->row_ids);
  g_free (t);
}

static void
pending_free (Pending *p)
{
  remove_source (p->client, &p->timeout_source);
  remove_source (p->client, &p->left_source);
  g_clear_pointer (&p->left, g_hash_table_unref);
  if (p->cancellable)
    {
      g_cancellable_disconnect (p->cancellable, p->cancel_id);
      g_clear_object (&p->cancellable);
    }
  g_clear_object (&p->task);
  g_free (p->tag);
  g_free (p->recipient);
  g_free (p->mtype);
  g_clear_pointer (&p->expected, g_hash_table_unref);
  g_clear_pointer (&p->responses, g_hash_table_unref);
  g_free (p);
}

/* ---- hub calls in worker threads -------------------------------------- */

typedef struct
{
  char     *url;
  char     *method;
  GVariant *params;
  guint     generation;
} HubCall;

static void
hub_call_free (HubCall *c)
{
  g_free (c->url);
  g_free (c->method);
  g_clear_pointer (&c->params, g_variant_unref);
  g_free (c);
}

static void
hub_call_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  HubCall  *c = task_data;
  GError   *error = NULL;
  GVariant *result = em_xmlrpc_call_sync (c->url, c->method, c->params, HUB_HTTP_TIMEOUT, &error);

  if (result)
    g_task_return_pointer (task, result, (GDestroyNotify)g_variant_unref);
  else
    g_task_return_error (task, error);
}

/* Calls @method on the hub at @url with @params (a floating tuple or
 * "av"). */
static void
hub_call_async_url (EmSampClient       *self,
                    const char         *url,
                    const char         *method,
                    GVariant           *params,
                    GCancellable       *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer            user_data)
{
  GTask   *task = g_task_new (self, cancellable, callback, user_data);
  HubCall *c = g_new0 (HubCall, 1);

  c->url = g_strdup (url);
  c->method = g_strdup (method);
  c->params = g_variant_ref_sink (params);
  c->generation = self->generation;
  g_task_set_task_data (task, c, (GDestroyNotify)hub_call_free);
  g_task_set_source_tag (task, hub_call_async_url);
  g_task_run_in_thread (task, hub_call_thread);
  g_object_unref (task);
}

static void
hub_call_async (EmSampClient       *self,
                const char         *method,
                GVariant           *params,
                GCancellable       *cancellable,
                GAsyncReadyCallback callback,
                gpointer            user_data)
{
  hub_call_async_url (self, self->hub_url, method, params, cancellable, callback, user_data);
}

/* Transport failures mean the hub is gone: that is noticed here, once,
 * for every kind of hub call. */
static GVariant *
hub_call_finish (EmSampClient *self, GAsyncResult *result, GError **error)
{
  HubCall  *c = g_task_get_task_data (G_TASK (result));
  GError   *local = NULL;
  GVariant *v = g_task_propagate_pointer (G_TASK (result), &local);

  if (v == NULL)
    {
      if (local->domain == G_IO_ERROR && c->generation == self->generation && self->connected)
        hub_lost (self, local->message);
      g_propagate_error (error, local);
    }
  return v;
}

/* ---- the peers model --------------------------------------------------- */

static EmSampPeer *
find_peer_by_id (EmSampClient *self, const char *id, guint *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->peers));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (EmSampPeer) peer = g_list_model_get_item (G_LIST_MODEL (self->peers), i);
      if (g_strcmp0 (em_samp_peer_get_id (peer), id) == 0)
        {
          if (position)
            *position = i;
          return peer; /* the store still holds it */
        }
    }
  return NULL;
}

static gboolean
is_other_client (EmSampClient *self, const char *id)
{
  return id && *id && g_strcmp0 (id, self->self_id) != 0 && g_strcmp0 (id, self->hub_id) != 0;
}

static EmSampPeer *
ensure_peer (EmSampClient *self, const char *id)
{
  EmSampPeer *peer = find_peer_by_id (self, id, NULL);

  if (peer == NULL && is_other_client (self, id))
    {
      g_autoptr (EmSampPeer) fresh = em_samp_peer_new (id);
      g_list_store_append (self->peers, fresh);
      peer = fresh;
    }
  return peer;
}

/* Emits items-changed for @peer so list views redraw its name. */
static void
peer_changed (EmSampClient *self, EmSampPeer *peer)
{
  guint pos;

  if (peer && find_peer_by_id (self, em_samp_peer_get_id (peer), &pos))
    g_list_model_items_changed (G_LIST_MODEL (self->peers), pos, 1, 1);
}

/* How many metadata and subscriptions events of a peer were applied.  A
 * query's answer reflects the hub's state when it read the query, and an
 * event handled after we sent the query may be newer: the hub's threads
 * and our connections reorder them (astropy's hub: a peer's subscriptions
 * event handled before the empty answer to the getSubscriptions sent at
 * its register event, which then wiped them).  An answer is applied only
 * when no event of its kind came for that peer after its query; a change
 * later than the event brings an event of its own. */
typedef struct
{
  guint metadata, subscriptions;
} PeerStamps;

static PeerStamps *
peer_stamps (EmSampClient *self, const char *id)
{
  PeerStamps *st = g_hash_table_lookup (self->stamps, id);

  if (st == NULL)
    {
      st = g_new0 (PeerStamps, 1);
      g_hash_table_insert (self->stamps, g_strdup (id), st);
    }
  return st;
}

typedef struct
{
  char    *id;
  guint    generation;
  gboolean subscriptions;
  guint    stamp; /* the peer's event count of this kind when asked */
} PeerQuery;

static void
peer_query_free (PeerQuery *q)
{
  g_free (q->id);
  g_free (q);
}

static void
peer_query_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmSampClient *self = EM_SAMP_CLIENT (source);
  PeerQuery    *q = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) v = hub_call_finish (self, result, &error);
  EmSampPeer *peer;

  if (v && q->generation == self->generation && (peer = find_peer_by_id (self, q->id, NULL)))
    {
      PeerStamps *st = peer_stamps (self, q->id);

      if (q->stamp != (q->subscriptions ? st->subscriptions : st->metadata))
        {
          peer_query_free (q); /* an event newer than our question came */
          return;
        }
      if (q->subscriptions)
        em_samp_peer_set_subscriptions (peer, v);
      else
        em_samp_peer_set_metadata (peer, v);
      peer_changed (self, peer);
    }
  peer_query_free (q);
}

/* Hub events are hints (a register event comes before the metadata
 * exists; threads reorder them): ask the hub for the current state. */
static void
refresh_peer (EmSampClient *self, const char *id)
{
  for (int i = 0; i < 2; i++)
    {
      PeerQuery  *q = g_new0 (PeerQuery, 1);
      PeerStamps *st = peer_stamps (self, id);

      q->id = g_strdup (id);
      q->generation = self->generation;
      q->subscriptions = i == 1;
      q->stamp = q->subscriptions ? st->subscriptions : st->metadata;
      hub_call_async (self, i == 0 ? "samp.hub.getMetadata" : "samp.hub.getSubscriptions",
                      g_variant_new ("(ss)", self->private_key, id), NULL, peer_query_done, q);
    }
}

/* ---- tables ------------------------------------------------------------ */

char *
em_samp_client_add_table (EmSampClient *self, const char *url, const char *const *row_ids)
{
  Table *t;

  g_return_val_if_fail (EM_IS_SAMP_CLIENT (self), NULL);
  t = g_new0 (Table, 1);
  /* TOPCAT refuses a reused table-id: pid, counter and time make each
   * one unique across runs too. */
  t->id = g_strdup_printf ("emissary-%d-%u-%" G_GINT64_FORMAT, (int)getpid (),
                           ++self->table_counter, g_get_real_time () % 1000000);
  t->url = g_strdup (url);
  t->row_ids = g_strdupv ((char **)row_ids);
  g_ptr_array_add (self->tables, t);
  return g_strdup (t->id);
}

static Table *
lookup_table (EmSampClient *self, const char *table_id, const char *url)
{
  if (table_id)
    for (guint i = 0; i < self->tables->len; i++)
      {
        Table *t = self->tables->pdata[i];
        if (strcmp (t->id, table_id) == 0)
          return t;
      }
  /* Aladin sends only the table-id, TOPCAT sometimes only the URL; the
   * newest table sent from that URL is the one meant. */
  if (url)
    for (guint i = self->tables->len; i > 0; i--)
      {
        Table *t = self->tables->pdata[i - 1];
        if (t->url && em_samp_url_equal (t->url, url))
          return t;
      }
  return NULL;
}

GStrv
em_samp_client_map_rows (EmSampClient *self,
                         const char   *table_id,
                         const char   *url,
                         const guint  *rows,
                         gsize         n_rows)
{
  Table     *t = lookup_table (self, table_id, url);
  GPtrArray *ids;
  guint      n_ids;

  if (t == NULL)
    return NULL;
  n_ids = t->row_ids ? g_strv_length (t->row_ids) : 0;
  ids = g_ptr_array_new ();
  for (gsize i = 0; i < n_rows; i++)
    if (rows[i] < n_ids)
      g_ptr_array_add (ids, g_strdup (t->row_ids[rows[i]]));
  g_ptr_array_add (ids, NULL);
  return (GStrv)g_ptr_array_free (ids, FALSE);
}

/* ---- incoming messages ------------------------------------------------- */

static GVariant *
response_ok (GVariant *result)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "samp.status", g_variant_new_string ("samp.ok"));
  g_variant_builder_add (&b, "{sv}", "samp.result",
                         result ? result : g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  return g_variant_builder_end (&b);
}

static GVariant *
response_error (const char *text)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "samp.status", g_variant_new_string ("samp.error"));
  g_variant_builder_add (&b, "{sv}", "samp.error",
                         em_samp_map_new_strings ("samp.errortxt", text, NULL));
  return g_variant_builder_end (&b);
}

static gboolean
parse_row (const char *text, guint *row)
{
  guint64 v;

  if (text == NULL
      || !g_ascii_string_to_unsigned (g_strstrip ((char *)text), 10, 0, G_MAXUINT, &v, NULL))
    return FALSE;
  *row = (guint)v;
  return TRUE;
}

static gboolean
parse_degrees (const char *text, double lo, double hi, double *out)
{
  char  *end;
  double v;

  if (text == NULL)
    return FALSE;
  v = g_ascii_strtod (text, &end);
  while (*end == ' ')
    end++;
  if (end == text || *end != '\0' || !isfinite (v) || v < lo || v > hi)
    return FALSE;
  *out = v;
  return TRUE;
}

static void        check_pending (EmSampClient *self, Pending *p);
static void        fail_pending (EmSampClient *self, Pending *p, GError *error);
static GVariant   *response_error (const char *text);
static const char *peer_label (EmSampClient *self, const char *id);

static void fail_pending  (EmSampClient *self, Pending *p, GError *error);
static void check_pending (EmSampClient *self, Pending *p);

/* The grace for the recipients that left is over: what has not come
 * will not. */
static gboolean
pending_left_tick (gpointer user_data)
{
  Pending       *p = user_data;
  EmSampClient  *self = p->client;
  GHashTableIter iter;
  gpointer       key, value;

  p->left_source = 0;
  if (p->recipient)
    {
      const char *label = g_hash_table_lookup (p->left, p->recipient);

      if (label != NULL && g_hash_table_size (p->responses) == 0)
        fail_pending (self, p,
                      g_error_new (EM_SAMP_ERROR, EM_SAMP_ERROR_PEER,
                                   "%s left the hub before answering %s", label, p->mtype));
      return G_SOURCE_REMOVE; /* p may be gone */
    }
  g_hash_table_iter_init (&iter, p->left);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (p->responses, key))
      g_hash_table_insert (p->responses, g_strdup (key),
                           g_variant_ref_sink (response_error ("left the hub before answering")));
  g_hash_table_remove_all (p->left);
  check_pending (self, p);
  return G_SOURCE_REMOVE;
}

/* Calls waiting for an answer from @id will not get one, unless it is on
 * its way (see Pending.left). */
static void
peer_left (EmSampClient *self, const char *id)
{
  g_autoptr (GList) values = g_hash_table_get_values (self->pending);

  for (GList *l = values; l; l = l->next)
    {
      Pending *p = l->data;
      gboolean waits = p->recipient ? strcmp (p->recipient, id) == 0
                                    : p->expected && g_hash_table_contains (p->expected, id)
                                          && !g_hash_table_contains (p->responses, id);

      if (!waits)
        continue;
      if (p->left == NULL)
        p->left = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_replace (p->left, g_strdup (id), g_strdup (peer_label (self, id)));
      if (p->left_source == 0)
        p->left_source = add_timeout (self, LEFT_GRACE_MS, pending_left_tick, p);
    }
}

/* Acts on one message and returns the response for a call (floating). */
static GVariant *
handle_message (EmSampClient *self, const char *sender, GVariant *message, gboolean is_call)
{
  const char *mtype = em_samp_message_get_mtype (message);
  g_autoptr (GVariant) params = em_samp_message_get_params (message);

  if (mtype == NULL)
    return response_error ("message has no samp.mtype");
  g_signal_emit (self, signals[SIGNAL_MESSAGE_RECEIVED], 0, sender, mtype, params, is_call);

  if (strcmp (mtype, "samp.app.ping") == 0)
    return response_ok (NULL);
  if (strcmp (mtype, "samp.hub.event.shutdown") == 0 || strcmp (mtype, "samp.hub.disconnect") == 0)
    {
      /* Do not unregister: the hub is going or has thrown us out. */
      hub_lost (self, mtype);
      return response_ok (NULL);
    }
  if (g_str_has_prefix (mtype, "samp.hub.event."))
    {
      const char *id = em_samp_map_get_string (params, "id");

      if (!is_other_client (self, id))
        return response_ok (NULL);
      if (strcmp (mtype, "samp.hub.event.register") == 0)
        {
          ensure_peer (self, id);
          refresh_peer (self, id);
        }
      else if (strcmp (mtype, "samp.hub.event.unregister") == 0)
        {
          guint pos;

          peer_left (self, id);
          g_hash_table_add (self->departed, g_strdup (id));
          if (find_peer_by_id (self, id, &pos))
            g_list_store_remove (self->peers, pos);
        }
      else if (strcmp (mtype, "samp.hub.event.metadata") == 0)
        {
          g_autoptr (GVariant) md
              = g_variant_lookup_value (params, "metadata", G_VARIANT_TYPE_VARDICT);
          EmSampPeer *peer = ensure_peer (self, id);
          peer_stamps (self, id)->metadata++;
          em_samp_peer_set_metadata (peer, md);
          peer_changed (self, peer);
        }
      else if (strcmp (mtype, "samp.hub.event.subscriptions") == 0)
        {
          g_autoptr (GVariant) subs
              = g_variant_lookup_value (params, "subscriptions", G_VARIANT_TYPE_VARDICT);
          EmSampPeer *peer = ensure_peer (self, id);
          peer_stamps (self, id)->subscriptions++;
          em_samp_peer_set_subscriptions (peer, subs);
          peer_changed (self, peer);
        }
      return response_ok (NULL);
    }
  if (strcmp (mtype, "coord.pointAt.sky") == 0)
    {
      double ra, dec;

      if (!parse_degrees (em_samp_map_get_string (params, "ra"), 0, 360, &ra)
          || !parse_degrees (em_samp_map_get_string (params, "dec"), -90, 90, &dec))
        return response_error (
            "coord.pointAt.sky needs ra in [0, 360] and dec in [-90, 90] as decimal degrees");
      g_signal_emit (self, signals[SIGNAL_POINT_AT_SKY], 0, ra, dec, sender);
      return response_ok (NULL);
    }
  if (strcmp (mtype, "table.highlight.row") == 0 || strcmp (mtype, "table.select.rowList") == 0)
    {
      const char *table_id = em_samp_map_get_string (params, "table-id");
      const char *url = em_samp_map_get_string (params, "url");
      Table      *t = lookup_table (self, table_id, url);
      g_autoptr (GArray) rows = g_array_new (FALSE, FALSE, sizeof (guint));
      g_auto (GStrv) ids = NULL;

      if (t == NULL)
        return response_error ("not a table sent by this client");
      if (strcmp (mtype, "table.highlight.row") == 0)
        {
          guint row;
          if (!parse_row (em_samp_map_get_string (params, "row"), &row))
            return response_error ("table.highlight.row needs a row index");
          g_array_append_val (rows, row);
        }
      else
        {
          g_autoptr (GVariant) list
              = g_variant_lookup_value (params, "row-list", G_VARIANT_TYPE ("av"));
          GVariantIter iter;
          GVariant    *item;

          if (list == NULL)
            return response_error ("table.select.rowList needs a row-list");
          g_variant_iter_init (&iter, list);
          while (g_variant_iter_next (&iter, "v", &item))
            {
              guint    row;
              gboolean ok = g_variant_is_of_type (item, G_VARIANT_TYPE_STRING)
                            && parse_row (g_variant_get_string (item, NULL), &row);
              g_variant_unref (item);
              if (!ok)
                return response_error ("row-list holds something other than row indices");
              g_array_append_val (rows, row);
            }
        }
      ids = em_samp_client_map_rows (self, t->id, NULL, (const guint *)rows->data, rows->len);
      if (strcmp (mtype, "table.highlight.row") == 0)
        {
          if (ids[0] == NULL)
            return response_error ("row index out of range");
          g_signal_emit (self, signals[SIGNAL_ROW_HIGHLIGHTED], 0, t->id, ids[0], sender);
        }
      else
        g_signal_emit (self, signals[SIGNAL_ROWS_SELECTED], 0, t->id, ids, sender);
      return response_ok (NULL);
    }
  for (guint i = 0; i < self->extra_subscriptions->len; i++)
    if (em_samp_mtype_matches (self->extra_subscriptions->pdata[i], mtype))
      return response_ok (NULL); /* reported by message-received */
  return response_error ("this client is not subscribed to that MType");
}

static void
complete_pending (EmSampClient *self, Pending *p)
{
  GVariantBuilder b;
  GHashTableIter  iter;
  gpointer        key, value;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_hash_table_iter_init (&iter, p->responses);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_variant_builder_add (&b, "{sv}", key, value);
  g_task_return_pointer (p->task, g_variant_ref_sink (g_variant_builder_end (&b)),
                         (GDestroyNotify)g_variant_unref);
  g_hash_table_remove (self->pending, p->tag);
}

static void
fail_pending (EmSampClient *self, Pending *p, GError *error)
{
  g_task_return_error (p->task, error);
  g_hash_table_remove (self->pending, p->tag);
}

static void
check_pending (EmSampClient *self, Pending *p)
{
  GHashTableIter iter;
  gpointer       key;

  if (p->recipient)
    {
      if (g_hash_table_size (p->responses) > 0)
        complete_pending (self, p);
      return;
    }
  if (p->expected == NULL)
    return;
  g_hash_table_iter_init (&iter, p->expected);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (p->responses, key))
      return;
  complete_pending (self, p);
}

static void
handle_response (EmSampClient *self, const char *responder, const char *tag, GVariant *response)
{
  Pending *p = g_hash_table_lookup (self->pending, tag);

  if (p == NULL || !g_variant_is_of_type (response, G_VARIANT_TYPE_VARDICT))
    return; /* late (timed out) or unknown: nothing waits for it */
  g_hash_table_replace (p->responses, g_strdup (responder), g_variant_ref (response));
  check_pending (self, p);
}

static void send_unregister (EmSampClient *self);

/* Counts replies still going out: unregistering waits for them, or a
 * caller would wait for an answer we dropped on exit. */
static void
reply_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmSampClient *self = EM_SAMP_CLIENT (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) v = hub_call_finish (self, result, &error);

  if (v == NULL)
    g_debug ("SAMP: samp.hub.reply failed: %s", error->message);
  if (--self->replies_in_flight == 0 && self->unregister_task)
    send_unregister (self);
}

/* Builds the methodResponse body of an incoming callback. */
static char *
dispatch_args (EmSampClient *self, const char *method, GVariant **args, gsize n)
{
  if (n < 1 || !g_variant_is_of_type (args[0], G_VARIANT_TYPE_STRING))
    return em_xmlrpc_build_fault (1, "missing private key");
  /* Only the hub knows our private key: anything else is refused. */
  if (self->private_key == NULL
      || strcmp (g_variant_get_string (args[0], NULL), self->private_key) != 0)
    return em_xmlrpc_build_fault (1, "wrong private key");

  if (strcmp (method, "samp.client.receiveNotification") == 0 && n == 3
      && g_variant_is_of_type (args[1], G_VARIANT_TYPE_STRING)
      && g_variant_is_of_type (args[2], G_VARIANT_TYPE_VARDICT))
    {
      GVariant *r = handle_message (self, g_variant_get_string (args[1], NULL), args[2], FALSE);

      /* A notification has no reply. */
      g_variant_unref (g_variant_ref_sink (r));
    }
  else if (strcmp (method, "samp.client.receiveCall") == 0 && n == 4
           && g_variant_is_of_type (args[1], G_VARIANT_TYPE_STRING)
           && g_variant_is_of_type (args[2], G_VARIANT_TYPE_STRING)
           && g_variant_is_of_type (args[3], G_VARIANT_TYPE_VARDICT))
    {
      g_autofree char *msg_id = g_strdup (g_variant_get_string (args[2], NULL));
      GVariant *r = handle_message (self, g_variant_get_string (args[1], NULL), args[3], TRUE);

      /* Answered through samp.hub.reply, never as a fault (astropy's hub
       * retries a faulted receiveCall). */
      if (self->private_key && self->hub_url)
        {
          self->replies_in_flight++;
          hub_call_async (self, "samp.hub.reply",
                          g_variant_new ("(ss@a{sv})", self->private_key, msg_id, r), NULL,
                          reply_done, NULL);
        }
      else
        g_variant_unref (g_variant_ref_sink (r));
    }
  else if (strcmp (method, "samp.client.receiveResponse") == 0 && n == 4
           && g_variant_is_of_type (args[1], G_VARIANT_TYPE_STRING)
           && g_variant_is_of_type (args[2], G_VARIANT_TYPE_STRING)
           && g_variant_is_of_type (args[3], G_VARIANT_TYPE_VARDICT))
    handle_response (self, g_variant_get_string (args[1], NULL),
                     g_variant_get_string (args[2], NULL), args[3]);
  else
    return em_xmlrpc_build_fault (2, "unknown method or wrong parameters");
  return em_xmlrpc_build_response (NULL);
}

static char *
dispatch_callback (EmSampClient *self, const char *method, GVariant *params)
{
  gsize     n = g_variant_n_children (params);
  GVariant *args[4] = { NULL };
  char     *reply;

  for (gsize i = 0; i < n && i < 4; i++)
    {
      g_autoptr (GVariant) boxed = g_variant_get_child_value (params, i);
      args[i] = g_variant_get_variant (boxed);
    }
  reply = dispatch_args (self, method, args, n);
  for (gsize i = 0; i < 4; i++)
    g_clear_pointer (&args[i], g_variant_unref);
  return reply;
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  EmSampClient *self = user_data;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) params = NULL;
  g_autofree char *method = NULL;
  char            *reply;
  gsize            len;
  const char      *data;

  if (strcmp (soup_server_message_get_method (msg), "POST") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  data = g_bytes_get_data (body, &len);
  g_object_ref (self);
  if (!em_xmlrpc_parse_call (data ? data : "", len, &method, &params, &error))
    reply = em_xmlrpc_build_fault (3, error->message);
  else
    reply = dispatch_callback (self, method, params);
  g_object_unref (self);
  /* Always HTTP 200 with a methodResponse, faults included. */
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/xml", SOUP_MEMORY_TAKE, reply, strlen (reply));
}

/* Before the body is read: refuse bodies over the XML-RPC limit (or of
 * unknown length), so that nobody can make us buffer gigabytes. */
static void
early_callback (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  static const char refusal[] = "HTTP/1.1 413 Request Entity Too Large\r\n"
                                "Content-Length: 0\r\nConnection: close\r\n\r\n";
  g_autoptr (GIOStream) stream = NULL;

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (headers) <= EM_XMLRPC_MAX_BYTES)
    return;
  /* A status set here would still let soup read the whole body: take
   * the connection away instead, answer 413 and close it.  The answer
   * is a few bytes on a fresh loopback socket, so writing it does not
   * block. */
  g_debug ("SAMP: refusing a callback body of unknown or excessive size");
  stream = soup_server_message_steal_connection (msg);
  g_output_stream_write_all (g_io_stream_get_output_stream (stream), refusal, sizeof refusal - 1,
                             NULL, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
}

/* Connections come in through our own loopback GSocketService and are
 * handed to the SoupServer: soup's own listener in libsoup 3.2 leaks
 * the GSocket of every accepted connection (two per SAMP call, so
 * memory grew without end in the 10,000-call test). */
static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  EmSampClient *self = user_data;
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr (GError) error = NULL;

  if (self->server == NULL || local == NULL || remote == NULL
      || !soup_server_accept_iostream (self->server, G_IO_STREAM (connection), local, remote,
                                       &error))
    g_debug ("SAMP: refusing a callback connection: %s", error ? error->message : "no address");
  return TRUE;
}

static gboolean
ensure_server (EmSampClient *self, GError **error)
{
  g_autoptr (SoupServer) server = NULL;
  g_autoptr (GSocketService) service = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  guint16 port;

  if (self->server)
    return TRUE;
  server = soup_server_new ("server-header", "Emissary-SAMP ", NULL);
  soup_server_add_early_handler (server, NULL, early_callback, self, NULL);
  soup_server_add_handler (server, NULL, server_callback, self, NULL);
  /* Loopback only: nobody off this machine may talk to us. */
  service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), any_port, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &bound, error))
    return FALSE;
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (service);
  self->callback_url = g_strdup_printf ("http://127.0.0.1:%u/xmlrpc", port);
  self->server = g_steal_pointer (&server);
  self->service = g_steal_pointer (&service);
  return TRUE;
}

/* ---- connection -------------------------------------------------------- */

static void
fail_all_pending (EmSampClient *self, const char *why)
{
  g_autoptr (GList) values = g_hash_table_get_values (self->pending);

  for (GList *l = values; l; l = l->next)
    fail_pending (self, l->data,
                  g_error_new (EM_SAMP_ERROR, EM_SAMP_ERROR_NOT_CONNECTED,
                               "lost the SAMP hub before %s answered (%s)",
                               ((Pending *)l->data)->mtype, why));
}

static void
clear_registration (EmSampClient *self)
{
  self->generation++;
  g_clear_pointer (&self->private_key, g_free);
  g_clear_pointer (&self->self_id, g_free);
  g_clear_pointer (&self->hub_id, g_free);
  g_clear_pointer (&self->hub_url, g_free);
  remove_source (self, &self->ping_source);
  self->ping_in_flight = FALSE;
  g_list_store_remove_all (self->peers);
  g_hash_table_remove_all (self->departed);
  g_hash_table_remove_all (self->stamps);
}

static void
hub_lost (EmSampClient *self, const char *why)
{
  if (!self->connected)
    return;
  g_debug ("SAMP: lost the hub: %s", why);
  self->connected = FALSE;
  clear_registration (self);
  fail_all_pending (self, why);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HUB_URL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELF_ID]);
  start_reconnecting (self);
}

static void
ping_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmSampClient *self = EM_SAMP_CLIENT (source);
  GVariant     *v = hub_call_finish (self, result, NULL);

  /* Failure is handled by hub_call_finish (the hub is gone). */
  g_clear_pointer (&v, g_variant_unref);
  self->ping_in_flight = FALSE;
}

static gboolean
ping_tick (gpointer user_data)
{
  EmSampClient *self = user_data;

  if (self->connected && !self->ping_in_flight)
    {
      self->ping_in_flight = TRUE;
      hub_call_async (self, "samp.hub.ping", g_variant_new ("(s)", self->private_key), NULL,
                      ping_done, NULL);
    }
  return G_SOURCE_CONTINUE;
}

static void
reconnect_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!em_samp_client_connect_finish (EM_SAMP_CLIENT (source), result, &error))
    g_debug ("SAMP: reconnecting: %s", error->message);
}

static void
attempt_reconnect (EmSampClient *self)
{
  GTask *task;

  if (self->connected || self->connecting || self->stopped || !self->auto_reconnect)
    return;
  task = g_task_new (self, NULL, reconnect_done, NULL);
  g_task_set_source_tag (task, em_samp_client_connect_async);
  try_connect (self, task);
}

static gboolean
retry_tick (gpointer user_data)
{
  EmSampClient *self = user_data;

  if (self->connected || self->stopped)
    {
      self->retry_source = 0;
      return G_SOURCE_REMOVE;
    }
  attempt_reconnect (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
debounce_tick (gpointer user_data)
{
  EmSampClient *self = user_data;

  self->debounce_source = 0;
  if (self->connected)
    ping_tick (self); /* a new lockfile while connected: is our hub still there? */
  else
    attempt_reconnect (self);
  return G_SOURCE_REMOVE;
}

static void
lockfile_changed (GFileMonitor     *monitor,
                  GFile            *file,
                  GFile            *other,
                  GFileMonitorEvent event,
                  gpointer          user_data)
{
  EmSampClient *self = user_data;

  if (event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT || event == G_FILE_MONITOR_EVENT_CREATED
      || event == G_FILE_MONITOR_EVENT_CHANGED || event == G_FILE_MONITOR_EVENT_DELETED)
    {
      /* A hub writes its lockfile in several steps: wait until it settles. */
      remove_source (self, &self->debounce_source);
      self->debounce_source = add_timeout (self, 300, debounce_tick, self);
    }
}

static void
watch_lockfile (EmSampClient *self)
{
  g_autoptr (GFile) file = NULL;

  if (self->lockfile_url == NULL || g_strcmp0 (self->monitored_url, self->lockfile_url) == 0)
    return;
  if (self->monitor)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_file_monitor_cancel (self->monitor);
      g_clear_object (&self->monitor);
    }
  g_free (self->monitored_url);
  self->monitored_url = g_strdup (self->lockfile_url);
  if ((file = em_samp_lockfile_get_file (self->lockfile_url)))
    {
      self->monitor = g_file_monitor_file (file, G_FILE_MONITOR_NONE, NULL, NULL);
      if (self->monitor)
        g_signal_connect (self->monitor, "changed", G_CALLBACK (lockfile_changed), self);
    }
}

static void
start_reconnecting (EmSampClient *self)
{
  if (self->stopped || !self->auto_reconnect)
    return;
  watch_lockfile (self);
  /* The monitor is the quick way; the timer catches hubs whose lockfile
   * lives elsewhere (http:) or a missed event. */
  if (self->retry_source == 0)
    self->retry_source = add_timeout (self, 2000, retry_tick, self);
}

typedef struct
{
  EmSampHubInfo *info;
  GVariant      *registration;
  char          *callback_url;
  char          *name;
  GVariant      *metadata;
  GVariant      *subscriptions;
  GPtrArray     *peers; /* EmSampPeer, filled in the thread, handed over */
  char          *private_key;
  char          *self_id;
  char          *hub_id;
  guint          generation;
} ConnectData;

static void
connect_data_free (ConnectData *d)
{
  em_samp_hub_info_free (d->info);
  g_clear_pointer (&d->registration, g_variant_unref);
  g_free (d->callback_url);
  g_free (d->name);
  g_clear_pointer (&d->metadata, g_variant_unref);
  g_clear_pointer (&d->subscriptions, g_variant_unref);
  g_clear_pointer (&d->peers, g_ptr_array_unref);
  g_free (d->private_key);
  g_free (d->self_id);
  g_free (d->hub_id);
  g_free (d);
}

/* A hub not yet serving is pinged again this often, this many times. */
#define PING_RETRY_US (50 * 1000)
#define PING_ATTEMPTS 40

static gboolean
register_phase (ConnectData *d, GError **error)
{
  const char *url;
  g_autoptr (GVariant) ping = NULL;
  g_autoptr (GError) local = NULL;
  GVariant *reg;

  if (!(d->info = em_samp_hub_locate (&local)))
    {
      g_set_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_NO_HUB, "%s", local->message);
      return FALSE;
    }
  url = d->info->xmlrpc_url;
  /* A killed hub leaves its lockfile behind: ping before registering.  A
   * hub that answers with a fault is there but not serving: JSAMP's
   * writes its lockfile before its service has started and answers "Hub
   * is stopped" meanwhile (seen once, samp-soak connecting to the hub it
   * had just started while the whole test suite loaded the machine).  It
   * is asked again for up to 2 s, its lockfile read again each time in
   * case another hub took its place. */
  for (int attempt = 1; !(ping = em_xmlrpc_call_sync (url, "samp.hub.ping", NULL, 10, &local));
       attempt++)
    {
      if (!g_error_matches (local, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_FAULT)
          || attempt == PING_ATTEMPTS)
        {
          g_set_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_NO_HUB,
                       "the SAMP hub of lockfile %s does not answer: %s", d->info->lockfile_url,
                       local->message);
          return FALSE;
        }
      g_clear_error (&local);
      g_usleep (PING_RETRY_US);
      em_samp_hub_info_free (d->info);
      if (!(d->info = em_samp_hub_locate (&local)))
        {
          g_set_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_NO_HUB, "%s", local->message);
          return FALSE;
        }
      url = d->info->xmlrpc_url;
    }
  if (!(reg = em_xmlrpc_call_sync (url, "samp.hub.register", g_variant_new ("(s)", d->info->secret),
                                   HUB_HTTP_TIMEOUT, &local)))
    {
      g_set_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_HUB,
                   "the SAMP hub at %s refused to register us: %s", url, local->message);
      return FALSE;
    }
  d->registration = reg;
  d->private_key = g_strdup (em_samp_map_get_string (reg, "samp.private-key"));
  d->self_id = g_strdup (em_samp_map_get_string (reg, "samp.self-id"));
  d->hub_id = g_strdup (em_samp_map_get_string (reg, "samp.hub-id"));
  if (d->private_key == NULL || d->self_id == NULL)
    {
      g_set_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_HUB,
                   "the SAMP hub at %s answered register without samp.private-key or samp.self-id",
                   url);
      return FALSE;
    }
  return TRUE;
}

static gboolean
declare_phase (ConnectData *d, GError **error)
{
  const char *url = d->info->xmlrpc_url;
  const char *key = d->private_key;
  g_autoptr (GVariant) r1 = NULL, r2 = NULL, r3 = NULL, list = NULL;
  g_autoptr (GError) local = NULL;
  GVariantIter iter;
  GVariant    *item;

  /* This order: JSAMP refuses subscriptions before the callback. */
  if (!(r1 = em_xmlrpc_call_sync (url, "samp.hub.setXmlrpcCallback",
                                  g_variant_new ("(ss)", key, d->callback_url), HUB_HTTP_TIMEOUT,
                                  &local))
      || !(r2 = em_xmlrpc_call_sync (url, "samp.hub.declareMetadata",
                                     g_variant_new ("(s@a{sv})", key, d->metadata),
                                     HUB_HTTP_TIMEOUT, &local))
      || !(r3 = em_xmlrpc_call_sync (url, "samp.hub.declareSubscriptions",
                                     g_variant_new ("(s@a{sv})", key, d->subscriptions),
                                     HUB_HTTP_TIMEOUT, &local))
      || !(list = em_xmlrpc_call_sync (url, "samp.hub.getRegisteredClients",
                                       g_variant_new ("(s)", key), HUB_HTTP_TIMEOUT, &local)))
    {
      g_set_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_HUB,
                   "registering with the SAMP hub at %s: %s", url, local->message);
      return FALSE;
    }
  d->peers = g_ptr_array_new_with_free_func (g_object_unref);
  if (!g_variant_is_of_type (list, G_VARIANT_TYPE ("av")))
    return TRUE;
  g_variant_iter_init (&iter, list);
  while (g_variant_iter_next (&iter, "v", &item))
    {
      g_autoptr (GVariant) id = item;
      g_autoptr (GVariant) md = NULL, subs = NULL;
      EmSampPeer *peer;
      const char *cid;

      if (!g_variant_is_of_type (id, G_VARIANT_TYPE_STRING))
        continue;
      cid = g_variant_get_string (id, NULL);
      if (g_strcmp0 (cid, d->self_id) == 0 || g_strcmp0 (cid, d->hub_id) == 0)
        continue;
      peer = em_samp_peer_new (cid);
      /* A client may leave meanwhile: keep what we get. */
      if ((md = em_xmlrpc_call_sync (url, "samp.hub.getMetadata", g_variant_new ("(ss)", key, cid),
                                     HUB_HTTP_TIMEOUT, NULL)))
        em_samp_peer_set_metadata (peer, md);
      if ((subs = em_xmlrpc_call_sync (url, "samp.hub.getSubscriptions",
                                       g_variant_new ("(ss)", key, cid), HUB_HTTP_TIMEOUT, NULL)))
        em_samp_peer_set_subscriptions (peer, subs);
      g_clear_pointer (&md, g_variant_unref);
      g_clear_pointer (&subs, g_variant_unref);
      g_ptr_array_add (d->peers, peer);
    }
  return TRUE;
}

static void
register_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (register_phase (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
declare_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (declare_phase (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
finish_connect (EmSampClient *self, GTask *outer, GError *error)
{
  self->connecting = FALSE;
  if (error)
    {
      if (!self->connected)
        clear_registration (self);
      start_reconnecting (self);
      g_task_return_error (outer, error);
    }
  else
    g_task_return_boolean (outer, TRUE);
  g_object_unref (outer);
}

static void
declare_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmSampClient *self = EM_SAMP_CLIENT (source);
  GTask        *outer = user_data;
  ConnectData  *d = g_task_get_task_data (G_TASK (result));
  GError       *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      finish_connect (self, outer, error);
      return;
    }
  if (d->generation != self->generation || self->stopped)
    {
      finish_connect (self, outer,
                      g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "SAMP connection abandoned"));
      return;
    }
  /* Hub events have been arriving since declareSubscriptions, and one
   * handled before now may be newer than the snapshot: a peer that
   * declared its subscriptions after we read them, or left.  So the
   * peers the events made stay (asked once more for their current
   * state), the departed stay away, and the snapshot adds the rest. */
  for (guint i = 0; i < d->peers->len; i++)
    {
      const char *id = em_samp_peer_get_id (d->peers->pdata[i]);

      if (g_hash_table_contains (self->departed, id))
        continue;
      if (find_peer_by_id (self, id, NULL))
        refresh_peer (self, id);
      else
        g_list_store_append (self->peers, d->peers->pdata[i]);
    }
  self->connected = TRUE;
  remove_source (self, &self->retry_source);
  if (self->ping_interval > 0)
    self->ping_source = add_timeout (self, self->ping_interval * 1000, ping_tick, self);
  if (self->auto_reconnect)
    watch_lockfile (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HUB_URL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELF_ID]);
  finish_connect (self, outer, NULL);
}

static void
register_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmSampClient *self = EM_SAMP_CLIENT (source);
  GTask        *outer = user_data;
  ConnectData  *d = g_task_get_task_data (G_TASK (result));
  GError       *error = NULL;
  GTask        *task;

  if (d->info)
    {
      g_free (self->lockfile_url);
      self->lockfile_url = g_strdup (d->info->lockfile_url);
    }
  /* The register task does not own @d (see try_connect). */
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      connect_data_free (d);
      finish_connect (self, outer, error);
      return;
    }
  if (self->stopped)
    {
      connect_data_free (d);
      finish_connect (self, outer,
                      g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "SAMP connection abandoned"));
      return;
    }
  /* From here callbacks can arrive: they must find our key. */
  clear_registration (self);
  self->hub_url = g_strdup (d->info->xmlrpc_url);
  self->private_key = g_strdup (d->private_key);
  self->self_id = g_strdup (d->self_id);
  self->hub_id = g_strdup (d->hub_id);
  d->generation = self->generation;

  /* The ConnectData moves over to the second task. */
  task = g_task_new (self, NULL, declare_done, outer);
  g_task_set_task_data (task, d, (GDestroyNotify)connect_data_free);
  g_task_run_in_thread (task, declare_thread);
  g_object_unref (task);
}

static GVariant *
build_metadata (EmSampClient *self)
{
  GVariantBuilder b;
  GHashTableIter  iter;
  gpointer        key, value;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "samp.name", g_variant_new_string (self->name));
  if (!g_hash_table_contains (self->metadata_extra, "samp.description.text"))
    g_variant_builder_add (
        &b, "{sv}", "samp.description.text",
        g_variant_new_string ("Emissary: finds emission-line stars in survey spectra"));
  g_variant_builder_add (&b, "{sv}", "emissary.version", g_variant_new_string (EM_VERSION));
  g_hash_table_iter_init (&iter, self->metadata_extra);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_variant_builder_add (&b, "{sv}", key, g_variant_new_string (value));
  return g_variant_builder_end (&b);
}

static GVariant *
build_subscriptions (EmSampClient *self)
{
  GVariantBuilder b;
  GVariant       *empty = g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0);

  g_variant_ref_sink (empty);
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < G_N_ELEMENTS (builtin_subscriptions); i++)
    g_variant_builder_add (&b, "{sv}", builtin_subscriptions[i], empty);
  for (guint i = 0; i < self->extra_subscriptions->len; i++)
    g_variant_builder_add (&b, "{sv}", (const char *)self->extra_subscriptions->pdata[i], empty);
  g_variant_unref (empty);
  return g_variant_builder_end (&b);
}

static void
try_connect (EmSampClient *self, GTask *outer)
{
  GError      *error = NULL;
  ConnectData *d;
  GTask       *task;

  if (!ensure_server (self, &error))
    {
      g_task_return_error (outer, error);
      g_object_unref (outer);
      return;
    }
  self->connecting = TRUE;
  d = g_new0 (ConnectData, 1);
  d->callback_url = g_strdup (self->callback_url);
  d->metadata = g_variant_ref_sink (build_metadata (self));
  d->subscriptions = g_variant_ref_sink (build_subscriptions (self));
  task = g_task_new (self, NULL, register_done, outer);
  g_task_set_task_data (task, d, NULL);
  g_task_run_in_thread (task, register_thread);
  g_object_unref (task);
}

void
em_samp_client_connect_async (EmSampClient       *self,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (EM_IS_SAMP_CLIENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, em_samp_client_connect_async);
  self->stopped = FALSE;
  if (self->connected)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  if (self->connecting)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "already connecting to the SAMP hub");
      g_object_unref (task);
      return;
    }
  try_connect (self, task);
}

gboolean
em_samp_client_connect_finish (EmSampClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
unregister_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) v = g_task_propagate_pointer (G_TASK (result), &error);

  if (v == NULL)
    g_debug ("SAMP: unregistering from the hub: %s", error->message);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
em_samp_client_disconnect_async (EmSampClient       *self,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  GTask           *task;
  g_autofree char *key = NULL;
  gboolean         was_connected;

  g_return_if_fail (EM_IS_SAMP_CLIENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, em_samp_client_disconnect_async);
  self->stopped = TRUE;
  remove_source (self, &self->retry_source);
  remove_source (self, &self->debounce_source);
  was_connected = self->connected;
  key = g_strdup (self->private_key);
  if (!was_connected)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  /* The unregister call carries the old key and URL; the state is
   * cleared at once so nothing else goes out. */
  self->unregister_task = task;
  self->unregister_key = g_steal_pointer (&key);
  self->unregister_url = g_strdup (self->hub_url);
  if (self->replies_in_flight == 0)
    send_unregister (self);
  self->connected = FALSE;
  clear_registration (self);
  fail_all_pending (self, "disconnected");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

static void
send_unregister (EmSampClient *self)
{
  GTask           *task = g_steal_pointer (&self->unregister_task);
  g_autofree char *key = g_steal_pointer (&self->unregister_key);
  g_autofree char *url = g_steal_pointer (&self->unregister_url);

  hub_call_async_url (self, url, "samp.hub.unregister", g_variant_new ("(s)", key), NULL,
                      unregister_done, task);
}

gboolean
em_samp_client_disconnect_finish (EmSampClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- outgoing messages ------------------------------------------------- */

static gboolean
check_message (GTask *task, GVariant *message)
{
  if (message == NULL || !g_variant_is_of_type (message, G_VARIANT_TYPE_VARDICT)
      || em_samp_message_get_mtype (message) == NULL || !em_samp_value_is_valid (message))
    {
      g_task_return_new_error (
          task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "not a SAMP message (a map with samp.mtype and only strings, lists and maps)");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_connected (EmSampClient *self, GTask *task)
{
  if (!self->connected)
    {
      g_task_return_new_error (task, EM_SAMP_ERROR, EM_SAMP_ERROR_NOT_CONNECTED,
                               "not connected to a SAMP hub");
      return FALSE;
    }
  return TRUE;
}

static void
notify_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmSampClient *self = EM_SAMP_CLIENT (source);
  GTask        *task = user_data;
  GError       *error = NULL;
  g_autoptr (GVariant) v = hub_call_finish (self, result, &error);
  const char *recipient = g_task_get_task_data (task);
  GPtrArray  *ids;

  if (v == NULL)
    {
      g_task_return_new_error (task, EM_SAMP_ERROR, EM_SAMP_ERROR_HUB, "%s", error->message);
      g_error_free (error);
      g_object_unref (task);
      return;
    }
  ids = g_ptr_array_new ();
  if (recipient)
    g_ptr_array_add (ids, g_strdup (recipient));
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE ("av")))
    {
      GVariantIter iter;
      GVariant    *item;

      g_variant_iter_init (&iter, v);
      while (g_variant_iter_next (&iter, "v", &item))
        {
          if (g_variant_is_of_type (item, G_VARIANT_TYPE_STRING))
            g_ptr_array_add (ids, g_variant_dup_string (item, NULL));
          g_variant_unref (item);
        }
    }
  g_ptr_array_add (ids, NULL);
  g_task_return_pointer (task, g_ptr_array_free (ids, FALSE), (GDestroyNotify)g_strfreev);
  g_object_unref (task);
}

void
em_samp_client_notify_async (EmSampClient       *self,
                             const char         *recipient_id,
                             GVariant           *message,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (EM_IS_SAMP_CLIENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, em_samp_client_notify_async);
  g_task_set_task_data (task, g_strdup (recipient_id), g_free);
  if (message)
    g_variant_ref_sink (message);
  if (!check_message (task, message) || !check_connected (self, task))
    g_object_unref (task);
  else if (recipient_id)
    hub_call_async (self, "samp.hub.notify",
                    g_variant_new ("(ss@a{sv})", self->private_key, recipient_id, message), NULL,
                    notify_done, task);
  else
    hub_call_async (self, "samp.hub.notifyAll",
                    g_variant_new ("(s@a{sv})", self->private_key, message), NULL, notify_done,
                    task);
  g_clear_pointer (&message, g_variant_unref);
}

GStrv
em_samp_client_notify_finish (EmSampClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static const char *
peer_label (EmSampClient *self, const char *id)
{
  EmSampPeer *peer = find_peer_by_id (self, id, NULL);
  const char *name = peer ? em_samp_peer_get_name (peer) : NULL;

  return name ? name : id;
}

static gboolean
pending_timed_out (gpointer user_data)
{
  Pending       *p = user_data;
  EmSampClient  *self = p->client;
  GHashTableIter iter;
  gpointer       key;

  p->timeout_source = 0;
  if (p->recipient || p->expected == NULL || g_hash_table_size (p->responses) == 0)
    {
      if (p->recipient)
        fail_pending (self, p,
                      g_error_new (EM_SAMP_ERROR, EM_SAMP_ERROR_TIMED_OUT,
                                   "%s did not answer %s within %u s",
                                   peer_label (self, p->recipient), p->mtype, p->timeout));
      else
        fail_pending (self, p,
                      g_error_new (EM_SAMP_ERROR, EM_SAMP_ERROR_TIMED_OUT,
                                   "none of the %u recipients answered %s within %u s",
                                   p->expected ? g_hash_table_size (p->expected) : 0, p->mtype,
                                   p->timeout));
      return G_SOURCE_REMOVE;
    }
  g_hash_table_iter_init (&iter, p->expected);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (p->responses, key))
      {
        g_autofree char *text = g_strdup_printf ("no answer within %u s", p->timeout);
        g_hash_table_insert (p->responses, g_strdup (key),
                             g_variant_ref_sink (response_error (text)));
      }
  complete_pending (self, p);
  return G_SOURCE_REMOVE;
}

static void
call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmSampClient *self = EM_SAMP_CLIENT (source);
  char         *tag = user_data;
  Pending      *p = g_hash_table_lookup (self->pending, tag);
  GError       *error = NULL;
  g_autoptr (GVariant) v = hub_call_finish (self, result, &error);

  g_free (tag);
  if (p == NULL)
    {
      g_clear_error (&error);
      return; /* already answered, timed out or hub lost */
    }
  if (v == NULL)
    {
      GError *e = g_error_new (EM_SAMP_ERROR, EM_SAMP_ERROR_HUB, "the hub refused %s%s%s: %s",
                               p->mtype, p->recipient ? " to " : "",
                               p->recipient ? peer_label (self, p->recipient) : "", error->message);
      g_error_free (error);
      fail_pending (self, p, e);
      return;
    }
  if (p->recipient == NULL)
    {
      GVariantIter iter;
      const char  *id;

      p->expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARDICT))
        {
          g_variant_iter_init (&iter, v);
          while (g_variant_iter_next (&iter, "{&sv}", &id, NULL))
            g_hash_table_add (p->expected, g_strdup (id));
        }
      if (g_hash_table_size (p->expected) == 0)
        {
          fail_pending (self, p,
                        g_error_new (EM_SAMP_ERROR, EM_SAMP_ERROR_NO_RECIPIENT,
                                     "no SAMP client subscribes to %s", p->mtype));
          return;
        }
      check_pending (self, p);
    }
}

typedef struct
{
  EmSampClient *client;
  char         *tag;
} CancelData;

static void
cancel_data_free (gpointer data)
{
  CancelData *c = data;

  g_object_unref (c->client);
  g_free (c->tag);
  g_free (c);
}

static gboolean
cancel_pending_idle (gpointer data)
{
  CancelData *c = data;
  Pending    *p = g_hash_table_lookup (c->client->pending, c->tag);

  if (p)
    fail_pending (c->client, p,
                  g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "%s cancelled before it was answered", p->mtype));
  return G_SOURCE_REMOVE;
}

/* May run in any thread, and at once from g_cancellable_connect: the
 * work is deferred to an idle on the client's context. */
static void
on_call_cancelled (GCancellable *cancellable, gpointer data)
{
  CancelData *c = data;
  CancelData *copy = g_new0 (CancelData, 1);
  GSource    *source = g_idle_source_new ();

  copy->client = g_object_ref (c->client);
  copy->tag = g_strdup (c->tag);
  g_source_set_callback (source, cancel_pending_idle, copy, cancel_data_free);
  g_source_attach (source, c->client->context);
  g_source_unref (source);
}

static void
call_raw_async (EmSampClient       *self,
                const char         *recipient_id,
                GVariant           *message,
                guint               timeout_seconds,
                GCancellable       *cancellable,
                GAsyncReadyCallback callback,
                gpointer            user_data,
                gpointer            source_tag)
{
  GTask   *task = g_task_new (self, cancellable, callback, user_data);
  Pending *p;

  g_task_set_source_tag (task, source_tag);
  if (message)
    g_variant_ref_sink (message);
  if (!check_message (task, message) || !check_connected (self, task))
    {
      g_object_unref (task);
      g_clear_pointer (&message, g_variant_unref);
      return;
    }
  p = g_new0 (Pending, 1);
  p->client = self;
  p->task = task;
  p->tag = g_strdup_printf ("emissary-%u", ++self->tag_counter);
  p->recipient = g_strdup (recipient_id);
  p->mtype = g_strdup (em_samp_message_get_mtype (message));
  p->responses
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_variant_unref);
  p->timeout = timeout_seconds;
  if (timeout_seconds > 0)
    p->timeout_source = add_timeout (self, timeout_seconds * 1000, pending_timed_out, p);
  /* Registered before the call goes out: the response can come back
   * before the hub's answer to the call itself. */
  g_hash_table_insert (self->pending, p->tag, p);
  if (cancellable)
    {
      CancelData *c = g_new0 (CancelData, 1);

      /* A reference cycle until the pending call ends (answer, timeout,
       * cancellation or hub lost), which disconnects the handler. */
      c->client = g_object_ref (self);
      c->tag = g_strdup (p->tag);
      p->cancellable = g_object_ref (cancellable);
      p->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_call_cancelled), c,
                                            cancel_data_free);
    }
  if (recipient_id)
    hub_call_async (self, "samp.hub.call",
                    g_variant_new ("(sss@a{sv})", self->private_key, recipient_id, p->tag, message),
                    NULL, call_done, g_strdup (p->tag));
  else
    hub_call_async (self, "samp.hub.callAll",
                    g_variant_new ("(ss@a{sv})", self->private_key, p->tag, message), NULL,
                    call_done, g_strdup (p->tag));
  g_variant_unref (message);
}

/* Whether @response is samp.ok or samp.warning; otherwise an error with
 * the peer's text. */
static gboolean
check_response (EmSampClient *self, const char *id, GVariant *response, GError **error)
{
  const char *status = em_samp_map_get_string (response, "samp.status");
  g_autoptr (GVariant) err = NULL;
  g_autoptr (GVariant) res = NULL;
  const char *text = NULL;

  if (g_strcmp0 (status, "samp.ok") == 0 || g_strcmp0 (status, "samp.warning") == 0)
    return TRUE;
  if ((err = g_variant_lookup_value (response, "samp.error", G_VARIANT_TYPE_VARDICT)))
    text = em_samp_map_get_string (err, "samp.errortxt");
  /* astropy's replier may put the text into samp.result. */
  if (text == NULL
      && (res = g_variant_lookup_value (response, "samp.result", G_VARIANT_TYPE_VARDICT)))
    text = em_samp_map_get_string (res, "txt");
  g_set_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_PEER, "%s: %s", peer_label (self, id),
               text     ? text
               : status ? status
                        : "answered without samp.status");
  return FALSE;
}

void
em_samp_client_call_async (EmSampClient       *self,
                           const char         *recipient_id,
                           GVariant           *message,
                           guint               timeout_seconds,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_return_if_fail (EM_IS_SAMP_CLIENT (self));
  g_return_if_fail (recipient_id != NULL);
  call_raw_async (self, recipient_id, message, timeout_seconds, cancellable, callback, user_data,
                  em_samp_client_call_async);
}

GVariant *
em_samp_client_call_finish (EmSampClient *self, GAsyncResult *result, GError **error)
{
  g_autoptr (GVariant) all = NULL;
  GVariantIter iter;
  const char  *id;
  GVariant    *response;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  if (!(all = g_task_propagate_pointer (G_TASK (result), error)))
    return NULL;
  g_variant_iter_init (&iter, all);
  while (g_variant_iter_next (&iter, "{&sv}", &id, &response))
    {
      g_autoptr (GVariant) r = response;
      GVariant *res;

      if (!check_response (self, id, r, error))
        return NULL;
      res = g_variant_lookup_value (r, "samp.result", G_VARIANT_TYPE_VARDICT);
      return res ? res
                 : g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
    }
  g_set_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_PEER, "no response");
  return NULL;
}

void
em_samp_client_call_all_async (EmSampClient       *self,
                               GVariant           *message,
                               guint               timeout_seconds,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_return_if_fail (EM_IS_SAMP_CLIENT (self));
  call_raw_async (self, NULL, message, timeout_seconds, cancellable, callback, user_data,
                  em_samp_client_call_all_async);
}

GVariant *
em_samp_client_call_all_finish (EmSampClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
em_samp_client_send_async (EmSampClient       *self,
                           const char         *recipient_id,
                           GVariant           *message,
                           guint               timeout_seconds,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_return_if_fail (EM_IS_SAMP_CLIENT (self));
  call_raw_async (self, recipient_id, message, timeout_seconds, cancellable, callback, user_data,
                  em_samp_client_send_async);
}

gboolean
em_samp_client_send_finish (EmSampClient *self,
                            GAsyncResult *result,
                            GVariant    **responses,
                            GError      **error)
{
  g_autoptr (GVariant) all = NULL;
  g_autoptr (GString) failures = NULL;
  GVariantIter iter;
  const char  *id;
  GVariant    *response;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (!(all = g_task_propagate_pointer (G_TASK (result), error)))
    return FALSE;
  g_variant_iter_init (&iter, all);
  while (g_variant_iter_next (&iter, "{&sv}", &id, &response))
    {
      g_autoptr (GVariant) r = response;
      g_autoptr (GError) e = NULL;

      if (!check_response (self, id, r, &e))
        {
          if (failures == NULL)
            failures = g_string_new (e->message);
          else
            g_string_append_printf (failures, "; %s", e->message);
        }
    }
  if (responses)
    *responses = g_variant_ref (all);
  if (failures)
    {
      g_set_error (error, EM_SAMP_ERROR, EM_SAMP_ERROR_PEER, "%s", failures->str);
      return FALSE;
    }
  return TRUE;
}

void
em_samp_client_send_table_async (EmSampClient       *self,
                                 const char         *recipient_id,
                                 const char         *url,
                                 const char         *name,
                                 const char *const  *row_ids,
                                 char              **table_id_out,
                                 guint               timeout_seconds,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autofree char *table_id = em_samp_client_add_table (self, url, row_ids);

  em_samp_client_send_async (self, recipient_id,
                             em_samp_msg_table_load_votable (url, table_id, name), timeout_seconds,
                             cancellable, callback, user_data);
  if (table_id_out)
    *table_id_out = g_steal_pointer (&table_id);
}

void
em_samp_client_point_at_sky_async (EmSampClient       *self,
                                   const char         *recipient_id,
                                   double              ra,
                                   double              dec,
                                   guint               timeout_seconds,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  em_samp_client_send_async (self, recipient_id, em_samp_msg_coord_point_at_sky (ra, dec),
                             timeout_seconds, cancellable, callback, user_data);
}

void
em_samp_client_select_ids_async (EmSampClient       *self,
                                 const char         *recipient_id,
                                 const char         *table_id,
                                 const char *const  *ids,
                                 guint               timeout_seconds,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  Table *t = lookup_table (self, table_id, NULL);
  g_autoptr (GArray) rows = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; ids && ids[i]; i++)
    g_hash_table_add (wanted, (gpointer)ids[i]);
  /* Row order, whatever the order of @ids. */
  for (guint r = 0; t && t->row_ids && t->row_ids[r]; r++)
    if (g_hash_table_contains (wanted, t->row_ids[r]))
      g_array_append_val (rows, r);
  if (rows->len == 0)
    {
      g_task_report_new_error (self, callback, user_data, em_samp_client_send_async, EM_SAMP_ERROR,
                               EM_SAMP_ERROR_NO_RECIPIENT,
                               t ? "none of the ids is a row of table %s"
                                 : "table %s was not sent by this client",
                               table_id);
      return;
    }
  em_samp_client_send_async (
      self, recipient_id,
      rows->len == 1
          ? em_samp_msg_table_highlight_row (t->id, t->url, g_array_index (rows, guint, 0))
          : em_samp_msg_table_select_row_list (t->id, t->url, (const guint *)rows->data, rows->len),
      timeout_seconds, cancellable, callback, user_data);
}

/* ---- object ------------------------------------------------------------ */

EmSampClient *
em_samp_client_new (const char *name)
{
  return g_object_new (EM_TYPE_SAMP_CLIENT, "name", name, NULL);
}

void
em_samp_client_set_metadata (EmSampClient *self, const char *key, const char *value)
{
  g_return_if_fail (EM_IS_SAMP_CLIENT (self));
  if (value)
    g_hash_table_replace (self->metadata_extra, g_strdup (key), g_strdup (value));
  else
    g_hash_table_remove (self->metadata_extra, key);
}

void
em_samp_client_subscribe (EmSampClient *self, const char *mtype)
{
  g_return_if_fail (EM_IS_SAMP_CLIENT (self));
  g_ptr_array_add (self->extra_subscriptions, g_strdup (mtype));
}

void
em_samp_client_set_auto_reconnect (EmSampClient *self, gboolean auto_reconnect)
{
  g_return_if_fail (EM_IS_SAMP_CLIENT (self));
  self->auto_reconnect = auto_reconnect;
}

void
em_samp_client_set_ping_interval (EmSampClient *self, guint seconds)
{
  g_return_if_fail (EM_IS_SAMP_CLIENT (self));
  self->ping_interval = seconds;
}

gboolean
em_samp_client_get_connected (EmSampClient *self)
{
  g_return_val_if_fail (EM_IS_SAMP_CLIENT (self), FALSE);
  return self->connected;
}

const char *
em_samp_client_get_hub_url (EmSampClient *self)
{
  g_return_val_if_fail (EM_IS_SAMP_CLIENT (self), NULL);
  return self->hub_url;
}

const char *
em_samp_client_get_self_id (EmSampClient *self)
{
  g_return_val_if_fail (EM_IS_SAMP_CLIENT (self), NULL);
  return self->self_id;
}

const char *
em_samp_client_get_callback_url (EmSampClient *self)
{
  g_return_val_if_fail (EM_IS_SAMP_CLIENT (self), NULL);
  return self->callback_url;
}

GListModel *
em_samp_client_get_peers (EmSampClient *self)
{
  g_return_val_if_fail (EM_IS_SAMP_CLIENT (self), NULL);
  return G_LIST_MODEL (self->peers);
}

EmSampPeer *
em_samp_client_find_peer (EmSampClient *self, const char *id_or_name)
{
  EmSampPeer *peer;
  guint       n;

  g_return_val_if_fail (EM_IS_SAMP_CLIENT (self), NULL);
  if ((peer = find_peer_by_id (self, id_or_name, NULL)))
    return peer;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->peers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (EmSampPeer) p = g_list_model_get_item (G_LIST_MODEL (self->peers), i);
      const char      *name = em_samp_peer_get_name (p);
      g_autofree char *a = name ? g_utf8_casefold (name, -1) : NULL;
      g_autofree char *b = g_utf8_casefold (id_or_name, -1);

      if (a && strcmp (a, b) == 0)
        return p;
    }
  return NULL;
}

static void
em_samp_client_dispose (GObject *object)
{
  EmSampClient *self = EM_SAMP_CLIENT (object);

  remove_source (self, &self->ping_source);
  remove_source (self, &self->retry_source);
  remove_source (self, &self->debounce_source);
  if (self->monitor)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_file_monitor_cancel (self->monitor);
      g_clear_object (&self->monitor);
    }
  if (self->service)
    {
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_object (&self->service);
    }
  if (self->server)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
  G_OBJECT_CLASS (em_samp_client_parent_class)->dispose (object);
}

static void
em_samp_client_finalize (GObject *object)
{
  EmSampClient *self = EM_SAMP_CLIENT (object);

  g_free (self->name);
  g_hash_table_unref (self->metadata_extra);
  g_ptr_array_unref (self->extra_subscriptions);
  g_free (self->callback_url);
  g_free (self->lockfile_url);
  g_free (self->monitored_url);
  g_free (self->hub_url);
  g_free (self->private_key);
  g_free (self->self_id);
  g_free (self->hub_id);
  g_free (self->unregister_key);
  g_free (self->unregister_url);
  g_clear_object (&self->peers);
  g_hash_table_unref (self->departed);
  g_hash_table_unref (self->stamps);
  g_hash_table_unref (self->pending);
  g_ptr_array_unref (self->tables);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (em_samp_client_parent_class)->finalize (object);
}

static void
em_samp_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  EmSampClient *self = EM_SAMP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;
    case PROP_HUB_URL:
      g_value_set_string (value, self->hub_url);
      break;
    case PROP_SELF_ID:
      g_value_set_string (value, self->self_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
em_samp_client_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  EmSampClient *self = EM_SAMP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      if (self->name == NULL)
        self->name = g_strdup ("Emissary");
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
em_samp_client_class_init (EmSampClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = em_samp_client_dispose;
  object_class->finalize = em_samp_client_finalize;
  object_class->get_property = em_samp_client_get_property;
  object_class->set_property = em_samp_client_set_property;

  properties[PROP_NAME]
      = g_param_spec_string ("name", NULL, NULL, "Emissary",
                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTED] = g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HUB_URL] = g_param_spec_string ("hub-url", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELF_ID] = g_param_spec_string ("self-id", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_POINT_AT_SKY]
      = g_signal_new ("point-at-sky", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 3, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_STRING);
  signals[SIGNAL_ROWS_SELECTED]
      = g_signal_new ("rows-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRV, G_TYPE_STRING);
  signals[SIGNAL_ROW_HIGHLIGHTED]
      = g_signal_new ("row-highlighted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                      NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_MESSAGE_RECEIVED] = g_signal_new (
      "message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_VARIANT, G_TYPE_BOOLEAN);
}

static void
em_samp_client_init (EmSampClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->name = g_strdup ("Emissary");
  self->metadata_extra = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->extra_subscriptions = g_ptr_array_new_with_free_func (g_free);
  self->auto_reconnect = TRUE;
  self->ping_interval = 3;
  self->peers = g_list_store_new (EM_TYPE_SAMP_PEER);
  self->departed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->stamps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->pending
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)pending_free);
  self->tables = g_ptr_array_new_with_free_func ((GDestroyNotify)table_free);
}
