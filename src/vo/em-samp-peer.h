/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One client registered with the SAMP hub, as the hub last described it. */
#define EM_TYPE_SAMP_PEER (em_samp_peer_get_type ())
G_DECLARE_FINAL_TYPE (EmSampPeer, em_samp_peer, EM, SAMP_PEER, GObject)

EmSampPeer *em_samp_peer_new (const char *id);
const char *em_samp_peer_get_id (EmSampPeer *self);
/* samp.name, or NULL when the peer declared none (yet). */
const char *em_samp_peer_get_name (EmSampPeer *self);
/* The declared metadata map ("a{sv}"), never NULL. */
GVariant *em_samp_peer_get_metadata (EmSampPeer *self);
/* The subscribed MType patterns, sorted (e.g. "table.*"). */
const char *const *em_samp_peer_get_subscriptions (EmSampPeer *self);
/* Whether a subscription pattern matches @mtype ("*", "x.*" wildcards). */
gboolean em_samp_peer_is_subscribed (EmSampPeer *self, const char *mtype);
void     em_samp_peer_set_metadata (EmSampPeer *self, GVariant *metadata);
/* @subscriptions: the hub's "a{sv}" map of MType → annotations. */
void em_samp_peer_set_subscriptions (EmSampPeer *self, GVariant *subscriptions);

/* Whether SAMP pattern @pattern matches @mtype. */
gboolean em_samp_mtype_matches (const char *pattern, const char *mtype);

G_END_DECLS
