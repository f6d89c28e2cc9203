/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "vo/em-samp-peer.h"

G_BEGIN_DECLS

#define EM_SAMP_ERROR (em_samp_error_quark ())

typedef enum
{
  EM_SAMP_ERROR_NO_HUB,        /* no lockfile, or its hub does not answer */
  EM_SAMP_ERROR_NOT_CONNECTED, /* the operation needs a registered client */
  EM_SAMP_ERROR_PEER,          /* the recipient answered samp.error */
  EM_SAMP_ERROR_TIMED_OUT,     /* no reply within the timeout */
  EM_SAMP_ERROR_NO_RECIPIENT,  /* nobody (by that name) subscribes */
  EM_SAMP_ERROR_HUB,           /* the hub refused the request */
} EmSampError;

GQuark em_samp_error_quark (void);

/* A SAMP Standard-Profile client.  Everything runs on the GMainContext
 * that was thread-default when the client was created: hub calls go to
 * worker threads (GTask + libcurl), the callback server (libsoup, on
 * 127.0.0.1 only) is served by that context.
 *
 * Properties: "connected" (boolean), "hub-url" (the hub's XML-RPC URL or
 * NULL), "self-id", "name" (our samp.name, construct-only).
 * Signals:
 *   point-at-sky      (double ra, double dec, const char *sender_id)
 *   rows-selected     (const char *table_id, GStrv ids, const char *sender_id)
 *                     table.select.rowList for a table we sent, mapped
 *                     back to the ids given when sending
 *   row-highlighted   (const char *table_id, const char *id, const char *sender_id)
 *   message-received  (const char *sender_id, const char *mtype,
 *                      GVariant *params, gboolean is_call)
 *                     every message we received, hub events included */
#define EM_TYPE_SAMP_CLIENT (em_samp_client_get_type ())
G_DECLARE_FINAL_TYPE (EmSampClient, em_samp_client, EM, SAMP_CLIENT, GObject)

EmSampClient *em_samp_client_new (const char *name);

/* Before connecting: extra metadata (samp.description.text,
 * samp.icon.url, samp.documentation.url, author.name, ...), and extra
 * MTypes to subscribe to (received ones are reported by
 * message-received and acknowledged with samp.ok). */
void em_samp_client_set_metadata (EmSampClient *self, const char *key, const char *value);
void em_samp_client_subscribe (EmSampClient *self, const char *mtype);
/* Whether to reconnect by itself when the hub goes away (default TRUE):
 * it watches the lockfile and retries every few seconds. */
void em_samp_client_set_auto_reconnect (EmSampClient *self, gboolean auto_reconnect);
/* How often the hub is pinged to notice that it died (default 3 s). */
void em_samp_client_set_ping_interval (EmSampClient *self, guint seconds);

void     em_samp_client_connect_async (EmSampClient       *self,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
gboolean em_samp_client_connect_finish (EmSampClient *self, GAsyncResult *result, GError **error);
/* Unregisters (when the hub is still there) and stops reconnecting. */
void em_samp_client_disconnect_async (EmSampClient       *self,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data);
gboolean
em_samp_client_disconnect_finish (EmSampClient *self, GAsyncResult *result, GError **error);

gboolean    em_samp_client_get_connected (EmSampClient *self);
const char *em_samp_client_get_hub_url (EmSampClient *self);
const char *em_samp_client_get_self_id (EmSampClient *self);
/* The other clients (not the hub, not us): a GListModel of EmSampPeer. */
/* Our callback endpoint, http://127.0.0.1:PORT/xmlrpc, once connecting. */
const char *em_samp_client_get_callback_url (EmSampClient *self);
GListModel *em_samp_client_get_peers (EmSampClient *self);
/* The peer with client id @id_or_name, else the first whose samp.name
 * equals it without regard to case; NULL if none.  Borrowed. */
EmSampPeer *em_samp_client_find_peer (EmSampClient *self, const char *id_or_name);

/* @recipient_id NULL: every subscriber.  @message: see em-samp-messages.h.
 * notify_finish returns the ids notified (for NULL recipient) or just
 * the recipient. */
void  em_samp_client_notify_async (EmSampClient       *self,
                                   const char         *recipient_id,
                                   GVariant           *message,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
GStrv em_samp_client_notify_finish (EmSampClient *self, GAsyncResult *result, GError **error);
/* A call to one client, answered through receiveResponse.  finish: the
 * samp.result map (warnings included); a samp.error reply becomes
 * EM_SAMP_ERROR_PEER with the peer's name and samp.errortxt.
 * @timeout_seconds 0: wait for ever. */
void      em_samp_client_call_async (EmSampClient       *self,
                                     const char         *recipient_id,
                                     GVariant           *message,
                                     guint               timeout_seconds,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data);
GVariant *em_samp_client_call_finish (EmSampClient *self, GAsyncResult *result, GError **error);
/* A call to every subscriber.  finish: map client id → response map
 * (samp.status ...); a recipient that did not answer in time gets a
 * samp.error response made up here.  No subscriber: NO_RECIPIENT. */
void      em_samp_client_call_all_async (EmSampClient       *self,
                                         GVariant           *message,
                                         guint               timeout_seconds,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data);
GVariant *em_samp_client_call_all_finish (EmSampClient *self, GAsyncResult *result, GError **error);

/* Remembers a table we are about to send: returns a fresh table-id and
 * keeps @url and @row_ids (row i of the table has id row_ids[i]) to map
 * incoming row selections back. */
char *em_samp_client_add_table (EmSampClient *self, const char *url, const char *const *row_ids);
/* The ids of rows @rows of table @table_id (or, if unknown, the table
 * sent as @url); NULL if neither is one of ours. */
GStrv em_samp_client_map_rows (EmSampClient *self,
                               const char   *table_id,
                               const char   *url,
                               const guint  *rows,
                               gsize         n_rows);

/* Calls @message on @recipient_id, or on every subscriber when NULL, and
 * reports failure if any recipient answered samp.error (message names
 * each failing peer and its errortxt).  @responses (optional): map id →
 * response. */
void     em_samp_client_send_async (EmSampClient       *self,
                                    const char         *recipient_id,
                                    GVariant           *message,
                                    guint               timeout_seconds,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
gboolean em_samp_client_send_finish (EmSampClient *self,
                                     GAsyncResult *result,
                                     GVariant    **responses,
                                     GError      **error);

/* Convenience senders on top of send_async (finish with send_finish). */
/* table.load.votable of @url with a fresh table-id (remembered with
 * @row_ids); @table_id_out (optional) receives it. */
void em_samp_client_send_table_async (EmSampClient       *self,
                                      const char         *recipient_id,
                                      const char         *url,
                                      const char         *name,
                                      const char *const  *row_ids,
                                      char              **table_id_out,
                                      guint               timeout_seconds,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data);
void em_samp_client_point_at_sky_async (EmSampClient       *self,
                                        const char         *recipient_id,
                                        double              ra,
                                        double              dec,
                                        guint               timeout_seconds,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data);

G_END_DECLS
