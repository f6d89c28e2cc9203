/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What a SAMP Standard-Profile lockfile says about the hub. */
typedef struct
{
  char       *lockfile_url;    /* where it was read from */
  char       *secret;          /* samp.secret */
  char       *xmlrpc_url;      /* samp.hub.xmlrpc.url */
  char       *profile_version; /* samp.profile.version */
  GHashTable *entries;         /* every key=value line, the above included */
} EmSampHubInfo;

void em_samp_hub_info_free (EmSampHubInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmSampHubInfo, em_samp_hub_info_free)

/* Parses lockfile text: "key=value" lines split at the first '=', '#'
 * comments and blank lines skipped, '\r' stripped.  Any other line, a
 * duplicate key or a missing samp.secret / samp.hub.xmlrpc.url /
 * samp.profile.version is an error naming @origin and the line. */
EmSampHubInfo *
em_samp_lockfile_parse (const char *text, gsize length, const char *origin, GError **error);

/* The lockfile URL: $SAMP_HUB ("std-lockurl:URL") first, else
 * file://$HOME/.samp.  A SAMP_HUB of another profile is an error. */
char *em_samp_lockfile_url (GError **error);

/* The local file behind @lockfile_url (a file: URL), or NULL. */
GFile *em_samp_lockfile_get_file (const char *lockfile_url);

/* Reads (file:) or fetches (http:) and parses the lockfile.  Blocking:
 * call it from a worker thread. */
EmSampHubInfo *em_samp_hub_locate (GError **error);

G_END_DECLS
