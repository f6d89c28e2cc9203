/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "vo/em-samp-peer.h"
#include "vo/em-xmlrpc.h"

#include <string.h>

struct _EmSampPeer
{
  GObject   parent_instance;
  char     *id;
  GVariant *metadata;
  GStrv     subscriptions;
};

enum
{
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_SUBSCRIPTIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (EmSampPeer, em_samp_peer, G_TYPE_OBJECT)

static void
em_samp_peer_finalize (GObject *object)
{
  EmSampPeer *self = EM_SAMP_PEER (object);

  g_free (self->id);
  g_clear_pointer (&self->metadata, g_variant_unref);
  g_strfreev (self->subscriptions);
  G_OBJECT_CLASS (em_samp_peer_parent_class)->finalize (object);
}

static void
em_samp_peer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  EmSampPeer *self = EM_SAMP_PEER (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, em_samp_peer_get_name (self));
      break;
    case PROP_SUBSCRIPTIONS:
      g_value_set_boxed (value, self->subscriptions);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
em_samp_peer_class_init (EmSampPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = em_samp_peer_finalize;
  object_class->get_property = em_samp_peer_get_property;
  properties[PROP_ID]
      = g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME]
      = g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUBSCRIPTIONS] = g_param_spec_boxed ("subscriptions", NULL, NULL, G_TYPE_STRV,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
em_samp_peer_init (EmSampPeer *self)
{
  self->metadata = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  self->subscriptions = g_new0 (char *, 1);
}

EmSampPeer *
em_samp_peer_new (const char *id)
{
  EmSampPeer *self = g_object_new (EM_TYPE_SAMP_PEER, NULL);

  self->id = g_strdup (id);
  return self;
}

const char *
em_samp_peer_get_id (EmSampPeer *self)
{
  g_return_val_if_fail (EM_IS_SAMP_PEER (self), NULL);
  return self->id;
}

const char *
em_samp_peer_get_name (EmSampPeer *self)
{
  g_return_val_if_fail (EM_IS_SAMP_PEER (self), NULL);
  return em_samp_map_get_string (self->metadata, "samp.name");
}

GVariant *
em_samp_peer_get_metadata (EmSampPeer *self)
{
  g_return_val_if_fail (EM_IS_SAMP_PEER (self), NULL);
  return self->metadata;
}

const char *const *
em_samp_peer_get_subscriptions (EmSampPeer *self)
{
  g_return_val_if_fail (EM_IS_SAMP_PEER (self), NULL);
  return (const char *const *)self->subscriptions;
}

gboolean
em_samp_mtype_matches (const char *pattern, const char *mtype)
{
  gsize n;

  if (strcmp (pattern, "*") == 0 || strcmp (pattern, mtype) == 0)
    return TRUE;
  n = strlen (pattern);
  /* "table.*" matches "table.load.votable" but not "tablex.y". */
  return n >= 2 && pattern[n - 1] == '*' && pattern[n - 2] == '.'
         && strncmp (pattern, mtype, n - 1) == 0;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

gboolean
em_samp_peer_is_subscribed (EmSampPeer *self, const char *mtype)
{
  g_return_val_if_fail (EM_IS_SAMP_PEER (self), FALSE);
  for (guint i = 0; self->subscriptions[i]; i++)
    if (em_samp_mtype_matches (self->subscriptions[i], mtype))
      return TRUE;
  return FALSE;
}

void
em_samp_peer_set_metadata (EmSampPeer *self, GVariant *metadata)
{
  g_return_if_fail (EM_IS_SAMP_PEER (self));
  if (metadata == NULL || !g_variant_is_of_type (metadata, G_VARIANT_TYPE_VARDICT))
    return;
  g_clear_pointer (&self->metadata, g_variant_unref);
  self->metadata = g_variant_ref_sink (metadata);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

void
em_samp_peer_set_subscriptions (EmSampPeer *self, GVariant *subscriptions)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  GVariantIter iter;
  const char  *key;

  g_return_if_fail (EM_IS_SAMP_PEER (self));
  if (subscriptions == NULL || !g_variant_is_of_type (subscriptions, G_VARIANT_TYPE_VARDICT))
    return;
  g_variant_ref_sink (subscriptions);
  g_variant_iter_init (&iter, subscriptions);
  while (g_variant_iter_next (&iter, "{&sv}", &key, NULL))
    g_ptr_array_add (keys, g_strdup (key));
  g_variant_unref (subscriptions);
  g_ptr_array_sort (keys, compare_strings);
  g_ptr_array_add (keys, NULL);
  g_strfreev (self->subscriptions);
  self->subscriptions = (GStrv)g_ptr_array_steal (keys, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBSCRIPTIONS]);
}
