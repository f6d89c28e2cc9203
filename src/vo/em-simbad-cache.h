/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* On-disk cache of SIMBAD TAP answers (SQLite, one row per request:
 * key = SHA-256 of URL, ADQL and upload; value = the VOTable body), so
 * that re-opening a batch or re-running a cross-match costs no request.
 * Entries older than the age limit are ignored and replaced.  Safe to use
 * from several threads. */

#include <glib.h>

G_BEGIN_DECLS

#define EM_SIMBAD_CACHE_DEFAULT_MAX_AGE (7 * 24 * 3600) /* seconds */

typedef struct _EmSimbadCache EmSimbadCache;

/* g_get_user_cache_dir()/emissary/simbad.sqlite */
char *em_simbad_cache_default_path (void);
/* Opens (creating it and its folder) the cache at @path, NULL for the
 * default path. */
EmSimbadCache *em_simbad_cache_open (const char *path, GError **error);
EmSimbadCache *em_simbad_cache_ref (EmSimbadCache *cache);
void           em_simbad_cache_unref (EmSimbadCache *cache);
const char    *em_simbad_cache_get_path (EmSimbadCache *cache);
void           em_simbad_cache_set_max_age (EmSimbadCache *cache, gint64 seconds);
/* The key of a request. */
char *
em_simbad_cache_key (const char *url, const char *adql, const char *upload, gsize upload_length);
/* The body stored under @key if younger than the age limit, else NULL. */
GBytes  *em_simbad_cache_lookup (EmSimbadCache *cache, const char *key);
gboolean em_simbad_cache_store (EmSimbadCache *cache,
                                const char    *key,
                                const char    *url,
                                const char    *adql,
                                GBytes        *body,
                                GError       **error);
/* Removes entries older than the age limit; returns how many. */
gint64 em_simbad_cache_prune (EmSimbadCache *cache, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmSimbadCache, em_simbad_cache_unref)

G_END_DECLS
