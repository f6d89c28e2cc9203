/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* SIMBAD through its TAP service (synchronous endpoint, ADQL, VOTable
 * responses): cone search, look-up by identifier, and cross-match of a
 * whole catalogue by TAP upload in chunks.  Polite by construction: a
 * minimum interval between requests, exponential back-off on 429/503
 * honouring Retry-After, timeouts, cancellation, and an on-disk cache.
 *
 * The blocking functions are meant for worker threads (the CLI calls
 * them directly); the _async/_finish pairs run them in a GTask thread so
 * that the GUI never blocks. */

#include <gio/gio.h>

#include "vo/em-simbad-cache.h"
#include "vo/em-votable.h"

G_BEGIN_DECLS

#define EM_SIMBAD_DEFAULT_URL "https://simbad.cds.unistra.fr/simbad/sim-tap/sync"
#define EM_SIMBAD_DEFAULT_RADIUS_ARCSEC 3.0
#define EM_SIMBAD_DEFAULT_CHUNK_ROWS 1000

#define EM_SIMBAD_ERROR (em_simbad_error_quark ())

/* Every failure is a state the user can read; none is fatal to labelling. */
typedef enum
{
  EM_SIMBAD_ERROR_OFFLINE,   /* host not resolved / connection refused */
  EM_SIMBAD_ERROR_TIMEOUT,   /* no complete answer within the timeout */
  EM_SIMBAD_ERROR_HTTP,      /* HTTP status >= 400 (after retries for 429/503) */
  EM_SIMBAD_ERROR_TAP,       /* QUERY_STATUS=ERROR: the message is SIMBAD's */
  EM_SIMBAD_ERROR_MALFORMED, /* truncated body, not a VOTable, unexpected columns */
  EM_SIMBAD_ERROR_NOT_FOUND, /* look-up by identifier: no such object */
  EM_SIMBAD_ERROR_INVALID,   /* bad argument: position, radius, catalogue */
} EmSimbadError;

GQuark em_simbad_error_quark (void);

/* What SIMBAD knows of an object, for the split into known emission-line
 * objects and new ones. */
typedef enum
{
  EM_SIMBAD_CLASS_NONE,               /* no SIMBAD object within the radius */
  EM_SIMBAD_CLASS_EMISSION,           /* a known emission-line object type */
  EM_SIMBAD_CLASS_EMISSION_CANDIDATE, /* a candidate of such a type (Be?, TT?, ...) */
  EM_SIMBAD_CLASS_OTHER,              /* a SIMBAD object of another type */
} EmSimbadClass;

/* "none", "emission", "emission-candidate", "other". */
const char *em_simbad_class_to_string (EmSimbadClass klass);
/* Classifies a SIMBAD object type, condensed ("Be*", "TT?") or long
 * ("Be*", "TTauri*", "HerbigAe/Be*_Candidate"); NULL or empty gives OTHER
 * (an object exists but its type is unknown). */
EmSimbadClass em_simbad_classify_otype (const char *otype);

typedef struct
{
  gint64        oid; /* SIMBAD internal id, 0 if unknown */
  char         *main_id;
  double        ra; /* deg, ICRS */
  double        dec;
  char         *otype;             /* condensed object type, e.g. "Be*" */
  char         *otype_description; /* e.g. "Be Star" */
  char         *sp_type;           /* NULL if none */
  double        v_mag;             /* NAN if none */
  double        separation;        /* arcsec from the query position, NAN for look-ups */
  char        **identifiers;       /* other identifiers, NULL-terminated (maybe empty) */
  EmSimbadClass klass;
} EmSimbadObject;

void em_simbad_object_free (EmSimbadObject *object);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmSimbadObject, em_simbad_object_free)

typedef struct _EmSimbadClient EmSimbadClient;

/* @url NULL means EM_SIMBAD_DEFAULT_URL.  @cache may be NULL (no cache);
 * the client keeps a reference to it. */
EmSimbadClient *em_simbad_client_new (const char *url, EmSimbadCache *cache);
EmSimbadClient *em_simbad_client_ref (EmSimbadClient *client);
void            em_simbad_client_unref (EmSimbadClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmSimbadClient, em_simbad_client_unref)

const char *em_simbad_client_get_url (EmSimbadClient *client);
/* Whole-request timeout (default 60 s) and connect timeout (default 15 s). */
void em_simbad_client_set_timeout (EmSimbadClient *client, double seconds, double connect_seconds);
/* Minimum interval between two requests (default 0.34 s: about 3 per s). */
void em_simbad_client_set_min_interval (EmSimbadClient *client, double seconds);
/* Back-off on 429/503: first wait @initial_seconds (default 1 s), doubled
 * each time up to @max_wait (default 60 s), at most @max_retries (default
 * 4) retries.  A Retry-After header replaces the computed wait; one over
 * @max_wait ends the retries. */
void em_simbad_client_set_backoff (EmSimbadClient *client,
                                   double          initial_seconds,
                                   double          max_wait,
                                   guint           max_retries);
/* HTTP requests made so far (cache hits make none). */
guint em_simbad_client_get_n_requests (EmSimbadClient *client);

/* One TAP query.  @upload, when not NULL, is sent as TAP_UPLOAD.@upload_name
 * (multipart UPLOAD=name,param:name).  Returns the result table (cached
 * when a cache is set and the answer is QUERY_STATUS=OK). */
EmVotable *em_simbad_tap_query (EmSimbadClient  *client,
                                const char      *adql,
                                const EmVotable *upload,
                                const char      *upload_name,
                                GCancellable    *cancellable,
                                GError         **error);

/* Objects within @radius_arcsec of (@ra, @dec) (deg, ICRS), nearest first,
 * with their other identifiers: EmSimbadObject*, maybe empty. */
GPtrArray *em_simbad_cone_search (EmSimbadClient *client,
                                  double          ra,
                                  double          dec,
                                  double          radius_arcsec,
                                  GCancellable   *cancellable,
                                  GError        **error);

/* The object SIMBAD knows by @identifier, or EM_SIMBAD_ERROR_NOT_FOUND. */
EmSimbadObject *em_simbad_lookup_id (EmSimbadClient *client,
                                     const char     *identifier,
                                     GCancellable   *cancellable,
                                     GError        **error);

/* Progress of a cross-match: candidates done of @total.  Called in the
 * thread that runs the cross-match. */
typedef void (*EmSimbadProgress) (gsize done, gsize total, gpointer user_data);

/* Counts of a cross-match result, by class. */
typedef struct
{
  gsize total;
  gsize no_position; /* rows without a usable RA/Dec: not queried */
  gsize none;
  gsize emission;
  gsize emission_candidate;
  gsize other;
} EmSimbadCounts;

/* Cross-matches @catalogue (RA/Dec found by the UCDs pos.eq.ra/pos.eq.dec,
 * else by the names ra/dec) with SIMBAD's basic table within
 * @radius_arcsec, @chunk_rows candidates per request (0: default).
 * Returns a copy of the catalogue with the nearest SIMBAD object's
 * columns appended (simbad_main_id, simbad_otype, simbad_otype_txt,
 * simbad_sp_type, simbad_v, simbad_ra, simbad_dec, simbad_sep,
 * simbad_n_matches) and simbad_class.  @counts may be NULL. */
EmVotable *em_simbad_crossmatch (EmSimbadClient  *client,
                                 const EmVotable *catalogue,
                                 double           radius_arcsec,
                                 gsize            chunk_rows,
                                 EmSimbadProgress progress,
                                 gpointer         progress_data,
                                 EmSimbadCounts  *counts,
                                 GCancellable    *cancellable,
                                 GError         **error);

/* Asynchronous forms (GTask in a worker thread). */
void em_simbad_cone_search_async (EmSimbadClient     *client,
                                  double              ra,
                                  double              dec,
                                  double              radius_arcsec,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data);
GPtrArray *
em_simbad_cone_search_finish (EmSimbadClient *client, GAsyncResult *result, GError **error);

void em_simbad_lookup_id_async (EmSimbadClient     *client,
                                const char         *identifier,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data);
EmSimbadObject *
em_simbad_lookup_id_finish (EmSimbadClient *client, GAsyncResult *result, GError **error);

/* @catalogue is copied; @progress is called in the worker thread. */
void       em_simbad_crossmatch_async (EmSimbadClient     *client,
                                       const EmVotable    *catalogue,
                                       double              radius_arcsec,
                                       gsize               chunk_rows,
                                       EmSimbadProgress    progress,
                                       gpointer            progress_data,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
EmVotable *em_simbad_crossmatch_finish (EmSimbadClient *client,
                                        GAsyncResult   *result,
                                        EmSimbadCounts *counts,
                                        GError        **error);

G_END_DECLS
