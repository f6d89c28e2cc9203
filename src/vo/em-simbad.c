/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "vo/em-simbad.h"

#include <curl/curl.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (em - simbad - error - quark, em_simbad_error)

/* ------------------------------------------------------------------ */
/* Object types                                                       */

/* SIMBAD object types that mark a known emission-line object, in the
 * condensed form of basic.otype and in the long labels of otypedef.
 * Source: the SIMBAD object-type list and hierarchy,
 *   https://simbad.cds.unistra.fr/guide/otypes.htx
 *   http://simbad.cds.unistra.fr/guide/otypes_desc.htx
 * (condensed code / label / description):
 *   Em*  EmLine*        Emission-line Star
 *   Be*  Be*            Be Star
 *   Ae*  HerbigAe/Be*   Herbig Ae/Be Star
 *   TT*  TTauri*        T Tauri Star
 *   Or*  OrionV*        Orion Variable (young star, emission lines)
 *   Sy*  Symbiotic*     Symbiotic Star (not Sy1/Sy2/SyG: Seyfert galaxies)
 *   PN   PlanetaryNeb   Planetary Nebula
 *   WR*  WolfRayet*     Wolf-Rayet
 *   CV*  CataclyV*      Cataclysmic Binary
 *   No*  Nova           Classical Nova
 *   HH   HerbigHaroObj  Herbig-Haro Object
 * and their candidates (a '?' in place of the last character of the
 * condensed code, "_Candidate" appended to the label). */
static const struct
{
  const char *code;
  const char *label;
  const char *candidate_code;
} emission_types[] = {
  { "Em*", "EmLine*", NULL },       { "Be*", "Be*", "Be?" },
  { "Ae*", "HerbigAe/Be*", "Ae?" }, { "TT*", "TTauri*", "TT?" },
  { "Or*", "OrionV*", NULL },       { "Sy*", "Symbiotic*", "Sy?" },
  { "PN", "PlanetaryNeb", "PN?" },  { "WR*", "WolfRayet*", "WR?" },
  { "CV*", "CataclyV*", "CV?" },    { "No*", "Nova", "No?" },
  { "HH", "HerbigHaroObj", NULL },
};

const char *
em_simbad_class_to_string (EmSimbadClass klass)
{
  switch (klass)
    {
    case EM_SIMBAD_CLASS_NONE:
      return "none";
    case EM_SIMBAD_CLASS_EMISSION:
      return "emission";
    case EM_SIMBAD_CLASS_EMISSION_CANDIDATE:
      return "emission-candidate";
    case EM_SIMBAD_CLASS_OTHER:
    default:
      return "other";
    }
}

EmSimbadClass
em_simbad_classify_otype (const char *otype)
{
  g_autofree char *type = NULL;
  gsize            len;

  if (otype == NULL)
    return EM_SIMBAD_CLASS_OTHER;
  type = g_strstrip (g_strdup (otype));
  len = strlen (type);
  for (guint i = 0; i < G_N_ELEMENTS (emission_types); i++)
    {
      if (strcmp (type, emission_types[i].code) == 0 || strcmp (type, emission_types[i].label) == 0)
        return EM_SIMBAD_CLASS_EMISSION;
      if (emission_types[i].candidate_code && strcmp (type, emission_types[i].candidate_code) == 0)
        return EM_SIMBAD_CLASS_EMISSION_CANDIDATE;
      if (len > 10 && g_str_has_suffix (type, "_Candidate")
          && strncmp (type, emission_types[i].label, len - 10) == 0
          && strlen (emission_types[i].label) == len - 10)
        return EM_SIMBAD_CLASS_EMISSION_CANDIDATE;
    }
  return EM_SIMBAD_CLASS_OTHER;
}

void
em_simbad_object_free (EmSimbadObject *object)
{
  if (object == NULL)
    return;
  g_free (object->main_id);
  g_free (object->otype);
  g_free (object->otype_description);
  g_free (object->sp_type);
  g_strfreev (object->identifiers);
  g_free (object);
}

/* ------------------------------------------------------------------ */
/* Client                                                             */

struct _EmSimbadClient
{
  gatomicrefcount ref;
  char           *url;
  EmSimbadCache  *cache;
  double          timeout;
  double          connect_timeout;
  double          min_interval;
  double          backoff_initial;
  double          backoff_max;
  guint           max_retries;
  guint           n_requests; /* atomic */
  GMutex          rate_lock;
  gint64          last_request; /* monotonic µs */
};

EmSimbadClient *
em_simbad_client_new (const char *url, EmSimbadCache *cache)
{
  static gsize    curl_initialised;
  EmSimbadClient *client = g_new0 (EmSimbadClient, 1);

  /* curl_global_init is not thread-safe: do it once, early. */
  if (g_once_init_enter (&curl_initialised))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&curl_initialised, 1);
    }
  g_atomic_ref_count_init (&client->ref);
  client->url = g_strdup (url && *url ? url : EM_SIMBAD_DEFAULT_URL);
  client->cache = cache ? em_simbad_cache_ref (cache) : NULL;
  client->timeout = 60;
  client->connect_timeout = 15;
  client->min_interval = 0.34;
  client->backoff_initial = 1;
  client->backoff_max = 60;
  client->max_retries = 4;
  g_mutex_init (&client->rate_lock);
  return client;
}

EmSimbadClient *
em_simbad_client_ref (EmSimbadClient *client)
{
  g_atomic_ref_count_inc (&client->ref);
  return client;
}

void
em_simbad_client_unref (EmSimbadClient *client)
{
  if (client == NULL || !g_atomic_ref_count_dec (&client->ref))
    return;
  g_free (client->url);
  g_clear_pointer (&client->cache, em_simbad_cache_unref);
  g_mutex_clear (&client->rate_lock);
  g_free (client);
}

const char *
em_simbad_client_get_url (EmSimbadClient *client)
{
  return client->url;
}

void
em_simbad_client_set_timeout (EmSimbadClient *client, double seconds, double connect_seconds)
{
  client->timeout = seconds > 0 ? seconds : 60;
  client->connect_timeout = connect_seconds > 0 ? connect_seconds : 15;
}

void
em_simbad_client_set_min_interval (EmSimbadClient *client, double seconds)
{
  client->min_interval = MAX (seconds, 0);
}

void
em_simbad_client_set_backoff (EmSimbadClient *client,
                              double          initial_seconds,
                              double          max_wait,
                              guint           max_retries)
{
  client->backoff_initial = MAX (initial_seconds, 0);
  client->backoff_max = MAX (max_wait, 0);
  client->max_retries = max_retries;
}

guint
em_simbad_client_get_n_requests (EmSimbadClient *client)
{
  return g_atomic_int_get (&client->n_requests);
}

/* Sleeps @seconds unless @cancellable fires first. */
static gboolean
sleep_cancellable (double seconds, GCancellable *cancellable, GError **error)
{
  gint64 end = g_get_monotonic_time () + (gint64)(seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    {
      gint64 left = end - g_get_monotonic_time ();

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_usleep (MIN (left, 20000));
    }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* Keeps at least min_interval between the starts of two requests of this
 * client, across threads. */
static gboolean
rate_limit (EmSimbadClient *client, GCancellable *cancellable, GError **error)
{
  gint64 wait_until, now;

  g_mutex_lock (&client->rate_lock);
  now = g_get_monotonic_time ();
  wait_until = client->last_request + (gint64)(client->min_interval * G_USEC_PER_SEC);
  if (client->last_request == 0 || wait_until < now)
    wait_until = now;
  /* Reserve the slot before sleeping so that other threads queue behind. */
  client->last_request = wait_until;
  g_mutex_unlock (&client->rate_lock);
  if (wait_until > now)
    return sleep_cancellable ((double)(wait_until - now) / G_USEC_PER_SEC, cancellable, error);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

typedef struct
{
  GByteArray   *body;
  GCancellable *cancellable;
  gboolean      too_large;
  double        retry_after; /* seconds, -1 if none */
} Transfer;

static size_t
on_body (char *data, size_t size, size_t n, void *user_data)
{
  Transfer *t = user_data;
  size_t    len = size * n;

  if (t->body->len + len > EM_VOTABLE_MAX_BYTES)
    {
      t->too_large = TRUE;
      return 0;
    }
  g_byte_array_append (t->body, (const guint8 *)data, (guint)len);
  return len;
}

/* Retry-After: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
static double
parse_retry_after (const char *value)
{
  char  *end = NULL;
  gint64 seconds;
  g_autoptr (GDateTime) when = NULL;
  g_autoptr (GDateTime) now = NULL;

  while (g_ascii_isspace (*value))
    value++;
  seconds = g_ascii_strtoll (value, &end, 10);
  if (end != value && (*end == '\0' || g_ascii_isspace (*end)))
    return seconds < 0 ? 0 : (double)seconds;
  {
    g_autofree char         *iso = NULL;
    static const char *const months[]
        = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    char wday[4], mon[4];
    int  day, year, h, m, s;

    if (sscanf (value, "%3s, %d %3s %d %d:%d:%d GMT", wday, &day, mon, &year, &h, &m, &s) != 7)
      return -1;
    for (int i = 0; i < 12; i++)
      if (g_ascii_strcasecmp (mon, months[i]) == 0)
        when = g_date_time_new_utc (year, i + 1, day, h, m, s);
    if (when == NULL)
      return -1;
    now = g_date_time_new_now_utc ();
    return MAX (0.0, (double)g_date_time_difference (when, now) / G_USEC_PER_SEC);
  }
}

static size_t
on_header (char *data, size_t size, size_t n, void *user_data)
{
  Transfer *t = user_data;
  size_t    len = size * n;

  if (len > 12 && g_ascii_strncasecmp (data, "Retry-After:", 12) == 0)
    {
      g_autofree char *value = g_strndup (data + 12, len - 12);

      t->retry_after = parse_retry_after (g_strstrip (value));
    }
  else if (len > 5 && g_ascii_strncasecmp (data, "HTTP/", 5) == 0)
    t->retry_after = -1; /* a new response (after a redirect) starts */
  return len;
}

static int
on_progress (void      *user_data,
             curl_off_t dltotal,
             curl_off_t dlnow,
             curl_off_t ultotal,
             curl_off_t ulnow)
{
  Transfer *t = user_data;

  /* A non-zero return aborts the transfer: that is how cancellation
   * reaches a blocking curl_easy_perform. */
  return g_cancellable_is_cancelled (t->cancellable) ? 1 : 0;
}

/* A VOTable error document's message (QUERY_STATUS=ERROR), if @body is one. */
static char *
tap_error_message (const guint8 *body, gsize len)
{
  g_autoptr (EmVotable) doc = em_votable_parse ((const char *)body, len, "response", NULL);
  const EmVotableInfo *info;

  if (doc == NULL)
    return NULL;
  info = em_votable_get_info (doc, "QUERY_STATUS");
  if (info == NULL || g_strcmp0 (info->value, "ERROR") != 0)
    return NULL;
  return g_strdup (info->content && *info->content ? info->content : "(no message)");
}

/* The first line of an HTML or text error page, for the message. */
static char *
body_excerpt (const guint8 *body, gsize len)
{
  g_autofree char *text = g_utf8_make_valid ((const char *)body, (gssize)MIN (len, 200));
  char            *nl;

  g_strstrip (text);
  if ((nl = strchr (text, '\n')))
    *nl = '\0';
  return g_steal_pointer (&text);
}

typedef enum
{
  ATTEMPT_DONE,
  ATTEMPT_RETRY,
  ATTEMPT_FAILED,
} Attempt;

static Attempt
perform_once (EmSimbadClient *client,
              const char     *adql,
              const char     *upload,
              gsize           upload_len,
              const char     *upload_name,
              GCancellable   *cancellable,
              GByteArray    **body_out,
              double         *retry_after,
              long           *status_out,
              GError        **error)
{
  CURL            *curl = curl_easy_init ();
  curl_mime       *mime = NULL;
  g_autofree char *form = NULL;
  g_autofree char *upload_param = NULL;
  char             curl_error[CURL_ERROR_SIZE] = "";
  Transfer         t = { g_byte_array_new (), cancellable, FALSE, -1 };
  CURLcode         code;
  long             status = 0;
  Attempt          result = ATTEMPT_FAILED;

  if (curl == NULL)
    {
      g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_OFFLINE, "Cannot start libcurl");
      g_byte_array_unref (t.body);
      return ATTEMPT_FAILED;
    }
  curl_easy_setopt (curl, CURLOPT_URL, client->url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_USERAGENT, "Emissary/" EM_VERSION " (libcurl)");
  curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long)(client->timeout * 1000));
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(client->connect_timeout * 1000));
  curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  /* A moved endpoint (301/302) gets the POST again; a 303, which a TAP
   * sync service may use to point at its result, is followed by a GET. */
  curl_easy_setopt (curl, CURLOPT_POSTREDIR, (long)(CURL_REDIR_POST_301 | CURL_REDIR_POST_302));
  curl_easy_setopt (curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (curl, CURLOPT_XFERINFODATA, &t);

  if (upload)
    {
      /* TAP 1.1 §2.5.1: UPLOAD=name,param:name and a multipart part named
       * after the parameter carrying the VOTable. */
      curl_mimepart *part;
      const char    *names[] = { "REQUEST", "LANG", "FORMAT", "QUERY", "UPLOAD" };
      const char    *values[] = { "doQuery", "ADQL", "votable", adql, NULL };

      upload_param = g_strdup_printf ("%s,param:%s", upload_name, upload_name);
      values[4] = upload_param;
      mime = curl_mime_init (curl);
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          part = curl_mime_addpart (mime);
          curl_mime_name (part, names[i]);
          curl_mime_data (part, values[i], CURL_ZERO_TERMINATED);
        }
      part = curl_mime_addpart (mime);
      curl_mime_name (part, upload_name);
      curl_mime_filename (part, "upload.xml");
      curl_mime_type (part, "application/x-votable+xml");
      curl_mime_data (part, upload, upload_len);
      curl_easy_setopt (curl, CURLOPT_MIMEPOST, mime);
    }
  else
    {
      char *escaped = curl_easy_escape (curl, adql, 0);

      form = g_strdup_printf ("REQUEST=doQuery&LANG=ADQL&FORMAT=votable&QUERY=%s", escaped);
      curl_free (escaped);
      curl_easy_setopt (curl, CURLOPT_POSTFIELDS, form);
    }

  g_atomic_int_inc (&client->n_requests);
  code = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  *status_out = status;
  *retry_after = t.retry_after;

  if (code == CURLE_ABORTED_BY_CALLBACK && g_cancellable_is_cancelled (cancellable))
    g_cancellable_set_error_if_cancelled (cancellable, error);
  else if (t.too_large)
    g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_MALFORMED,
                 "SIMBAD at %s sent more than %" G_GSIZE_FORMAT " bytes", client->url,
                 EM_VOTABLE_MAX_BYTES);
  else if (code == CURLE_OPERATION_TIMEDOUT)
    g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_TIMEOUT,
                 "SIMBAD at %s did not answer within %g s", client->url, client->timeout);
  else if (code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY
           || code == CURLE_COULDNT_CONNECT || code == CURLE_SSL_CONNECT_ERROR
           || code == CURLE_SEND_ERROR
           || (code == CURLE_RECV_ERROR && t.body->len == 0 && status == 0))
    g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_OFFLINE, "SIMBAD at %s is unreachable: %s",
                 client->url, *curl_error ? curl_error : curl_easy_strerror (code));
  else if (code == CURLE_PARTIAL_FILE || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING)
    g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_MALFORMED,
                 "SIMBAD at %s sent a truncated answer (%u bytes): %s", client->url, t.body->len,
                 *curl_error ? curl_error : curl_easy_strerror (code));
  else if (code != CURLE_OK)
    g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_OFFLINE, "SIMBAD at %s: %s", client->url,
                 *curl_error ? curl_error : curl_easy_strerror (code));
  else if (status == 429 || status == 503)
    result = ATTEMPT_RETRY;
  else if (status >= 400 || status < 200)
    {
      g_autofree char *tap = tap_error_message (t.body->data, t.body->len);

      if (tap)
        g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_TAP,
                     "SIMBAD at %s refused the query (HTTP %ld): %s", client->url, status, tap);
      else
        {
          g_autofree char *excerpt = body_excerpt (t.body->data, t.body->len);

          g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_HTTP,
                       "SIMBAD at %s answered HTTP %ld%s%s", client->url, status,
                       *excerpt ? ": " : "", excerpt);
        }
    }
  else
    result = ATTEMPT_DONE;

  if (result != ATTEMPT_FAILED)
    *body_out = g_byte_array_ref (t.body);
  g_byte_array_unref (t.body);
  curl_mime_free (mime);
  curl_easy_cleanup (curl);
  return result;
}

/* POSTs the query, retrying politely on 429/503.  Returns the body. */
static GBytes *
fetch (EmSimbadClient *client,
       const char     *adql,
       const char     *upload,
       gsize           upload_len,
       const char     *upload_name,
       GCancellable   *cancellable,
       GError        **error)
{
  double wait = client->backoff_initial;

  for (guint attempt = 0;; attempt++)
    {
      g_autoptr (GByteArray) body = NULL;
      double  retry_after = -1;
      long    status = 0;
      Attempt a;

      if (!rate_limit (client, cancellable, error))
        return NULL;
      a = perform_once (client, adql, upload, upload_len, upload_name, cancellable, &body,
                        &retry_after, &status, error);
      if (a == ATTEMPT_FAILED)
        return NULL;
      if (a == ATTEMPT_DONE)
        return g_byte_array_free_to_bytes (g_steal_pointer (&body));

      /* 429 or 503: wait as told, or exponentially longer each time. */
      {
        double delay = retry_after >= 0 ? retry_after : wait;

        if (attempt >= client->max_retries || delay > client->backoff_max)
          {
            g_autofree char *asked
                = retry_after >= 0
                      ? g_strdup_printf ("; it asks to retry after %.0f s", retry_after)
                      : g_strdup ("");

            g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_HTTP,
                         "SIMBAD at %s answered HTTP %ld (%s) %u time%s%s", client->url, status,
                         status == 429 ? "too many requests" : "service unavailable", attempt + 1,
                         attempt ? "s" : "", asked);
            return NULL;
          }
        g_debug ("SIMBAD HTTP %ld, retrying in %.1f s", status, delay);
        if (!sleep_cancellable (delay, cancellable, error))
          return NULL;
        wait = MIN (wait * 2, client->backoff_max);
      }
    }
}

EmVotable *
em_simbad_tap_query (EmSimbadClient  *client,
                     const char      *adql,
                     const EmVotable *upload,
                     const char      *upload_name,
                     GCancellable    *cancellable,
                     GError         **error)
{
  g_autofree char *upload_text = NULL;
  gsize            upload_len = 0;
  g_autofree char *key = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (EmVotable) table = NULL;
  g_autoptr (GError) local = NULL;
  const EmVotableInfo *status;
  gboolean             from_cache = FALSE;
  gsize                len = 0;
  const char          *data;

  if (upload)
    {
      upload_text = em_votable_to_string (upload, &upload_len);
      if (upload_name == NULL)
        upload_name = "upload";
    }
  if (client->cache)
    {
      key = em_simbad_cache_key (client->url, adql, upload_text, upload_len);
      body = em_simbad_cache_lookup (client->cache, key);
      from_cache = body != NULL;
    }
  if (body == NULL)
    body = fetch (client, adql, upload_text, upload_len, upload_name, cancellable, error);
  if (body == NULL)
    return NULL;

  data = g_bytes_get_data (body, &len);
  table = em_votable_parse (data ? data : "", len, client->url, &local);
  if (table == NULL)
    {
      g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_MALFORMED,
                   "SIMBAD at %s sent an unreadable answer: %s", client->url, local->message);
      return NULL;
    }
  /* TAP: the QUERY_STATUS INFO of the results RESOURCE says OK, ERROR
   * (with the message as content) or OVERFLOW (after the table). */
  status = em_votable_get_info (table, "QUERY_STATUS");
  if (status && g_strcmp0 (status->value, "ERROR") == 0)
    {
      g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_TAP,
                   "SIMBAD at %s refused the query: %s", client->url,
                   status->content && *status->content ? status->content : "(no message)");
      return NULL;
    }
  /* TAP requires QUERY_STATUS, but a result table without it is still
   * an answer: its columns are checked by the caller. */
  if (em_votable_get_n_fields (table) == 0)
    {
      g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_MALFORMED,
                   "SIMBAD at %s sent a VOTable without a result table (QUERY_STATUS %s)",
                   client->url, status && status->value ? status->value : "missing");
      return NULL;
    }
  if (client->cache && !from_cache)
    {
      g_autoptr (GError) cache_error = NULL;

      /* A cache that cannot be written costs requests, not the answer. */
      if (!em_simbad_cache_store (client->cache, key, client->url, adql, body, &cache_error))
        g_warning ("%s", cache_error->message);
    }
  return g_steal_pointer (&table);
}

/* ------------------------------------------------------------------ */
/* Queries                                                            */

static char *
adql_number (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.10f", value));
}

/* An ADQL string literal: single quotes doubled. */
static char *
adql_string (const char *value)
{
  g_autoptr (GString) out = g_string_new ("'");

  for (const char *p = value; *p; p++)
    {
      if (*p == '\'')
        g_string_append_c (out, '\'');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\'');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
check_position (double ra, double dec, double radius_arcsec, GError **error)
{
  if (!isfinite (ra) || !isfinite (dec) || ra < 0 || ra >= 360 || dec < -90 || dec > 90)
    {
      g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_INVALID,
                   "Position RA %g, Dec %g is outside 0 ≤ RA < 360, −90 ≤ Dec ≤ 90 degrees", ra,
                   dec);
      return FALSE;
    }
  if (!isfinite (radius_arcsec) || radius_arcsec <= 0 || radius_arcsec > 3600)
    {
      g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_INVALID,
                   "Search radius %g″ is outside 0″ < r ≤ 3600″", radius_arcsec);
      return FALSE;
    }
  return TRUE;
}

/* Column indices of a basic/otypedef/flux result. */
typedef struct
{
  int oid, main_id, ra, dec, otype, otype_txt, sp_type, v, sep;
} Columns;

static gboolean
find_columns (const EmVotable *t, Columns *c, const char *url, gboolean need_sep, GError **error)
{
  c->oid = em_votable_find_field (t, "oid");
  c->main_id = em_votable_find_field (t, "main_id");
  c->ra = em_votable_find_field (t, "ra");
  c->dec = em_votable_find_field (t, "dec");
  c->otype = em_votable_find_field (t, "otype");
  c->otype_txt = em_votable_find_field (t, "otype_txt");
  c->sp_type = em_votable_find_field (t, "sp_type");
  c->v = em_votable_find_field (t, "v_mag");
  c->sep = em_votable_find_field (t, "separation");
  if (c->main_id < 0 || c->ra < 0 || c->dec < 0 || c->otype < 0 || (need_sep && c->sep < 0))
    {
      g_set_error (
          error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_MALFORMED,
          "SIMBAD at %s answered without the columns asked for (main_id, ra, dec, otype%s)", url,
          need_sep ? ", separation" : "");
      return FALSE;
    }
  return TRUE;
}

static char *
dup_cell_string (const EmVotable *t, gsize row, int col)
{
  const char *s;

  if (col < 0)
    return NULL;
  s = em_votable_get_string (t, row, (guint)col);
  return s && *s ? g_strstrip (g_strdup (s)) : NULL;
}

static EmSimbadObject *
object_from_row (const EmVotable *t, const Columns *c, gsize row)
{
  EmSimbadObject *o = g_new0 (EmSimbadObject, 1);
  double          oid = c->oid >= 0 ? em_votable_get_double (t, row, (guint)c->oid) : NAN;

  o->oid = isnan (oid) ? 0 : (gint64)oid;
  o->main_id = dup_cell_string (t, row, c->main_id);
  o->ra = em_votable_get_double (t, row, (guint)c->ra);
  o->dec = em_votable_get_double (t, row, (guint)c->dec);
  o->otype = dup_cell_string (t, row, c->otype);
  o->otype_description = dup_cell_string (t, row, c->otype_txt);
  o->sp_type = dup_cell_string (t, row, c->sp_type);
  o->v_mag = c->v >= 0 ? em_votable_get_double (t, row, (guint)c->v) : NAN;
  /* flux is a float column: keep the decimals SIMBAD has, not the
   * float's binary tail (2.39, not 2.390000105). */
  if (!isnan (o->v_mag))
    o->v_mag = round (o->v_mag * 1e4) / 1e4;
  o->separation = c->sep >= 0 ? em_votable_get_double (t, row, (guint)c->sep) : NAN;
  o->klass = em_simbad_classify_otype (o->otype);
  o->identifiers = g_new0 (char *, 1);
  return o;
}

/* The columns every object query selects.  otypedef gives the readable
 * description of the condensed type; flux (filter 'V') the V magnitude. */
#define OBJECT_COLUMNS                                                                             \
  "basic.oid, basic.main_id, basic.ra, basic.dec, basic.otype, "                                   \
  "otypedef.description AS otype_txt, basic.sp_type, flux.flux AS v_mag"
#define OBJECT_JOINS                                                                               \
  "LEFT JOIN otypedef ON otypedef.otype = basic.otype\n"                                           \
  "LEFT JOIN flux ON flux.oidref = basic.oid AND flux.filter = 'V'\n"

/* Fills the identifiers of @objects with one ident query. */
static gboolean
fetch_identifiers (EmSimbadClient *client,
                   GPtrArray      *objects,
                   GCancellable   *cancellable,
                   GError        **error)
{
  g_autoptr (GString) adql
      = g_string_new ("SELECT ident.oidref, ident.id\nFROM ident\nWHERE ident.oidref IN (");
  g_autoptr (GHashTable) by_oid = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                                         (GDestroyNotify)g_ptr_array_unref);
  g_autoptr (EmVotable) t = NULL;
  int      oidref, id;
  gboolean any = FALSE;

  for (guint i = 0; i < objects->len; i++)
    {
      EmSimbadObject *o = g_ptr_array_index (objects, i);

      if (o->oid == 0 || g_hash_table_contains (by_oid, &o->oid))
        continue;
      g_string_append_printf (adql, "%s%" G_GINT64_FORMAT, any ? ", " : "", o->oid);
      g_hash_table_insert (by_oid, &o->oid, g_ptr_array_new_with_free_func (g_free));
      any = TRUE;
    }
  if (!any)
    return TRUE;
  g_string_append (adql, ")\nORDER BY ident.oidref, ident.id");
  t = em_simbad_tap_query (client, adql->str, NULL, NULL, cancellable, error);
  if (t == NULL)
    return FALSE;
  oidref = em_votable_find_field (t, "oidref");
  id = em_votable_find_field (t, "id");
  if (oidref < 0 || id < 0)
    {
      g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_MALFORMED,
                   "SIMBAD at %s answered the identifier query without oidref/id columns",
                   client->url);
      return FALSE;
    }
  for (gsize r = 0; r < t->n_rows; r++)
    {
      double     v = em_votable_get_double (t, r, (guint)oidref);
      gint64     key = isnan (v) ? 0 : (gint64)v;
      GPtrArray *ids = g_hash_table_lookup (by_oid, &key);
      char      *s = dup_cell_string (t, r, id);

      if (ids && s)
        g_ptr_array_add (ids, s);
      else
        g_free (s);
    }
  for (guint i = 0; i < objects->len; i++)
    {
      EmSimbadObject *o = g_ptr_array_index (objects, i);
      GPtrArray      *ids = g_hash_table_lookup (by_oid, &o->oid);

      if (ids == NULL)
        continue;
      g_strfreev (o->identifiers);
      o->identifiers = g_new0 (char *, ids->len + 1);
      for (guint k = 0, n = 0; k < ids->len; k++)
        if (g_strcmp0 (g_ptr_array_index (ids, k), o->main_id) != 0)
          o->identifiers[n++] = g_strdup (g_ptr_array_index (ids, k));
    }
  return TRUE;
}

static int
compare_separation (gconstpointer a, gconstpointer b)
{
  const EmSimbadObject *x = *(EmSimbadObject *const *)a;
  const EmSimbadObject *y = *(EmSimbadObject *const *)b;

  if (isnan (x->separation) || isnan (y->separation))
    return isnan (x->separation) - isnan (y->separation);
  return (x->separation > y->separation) - (x->separation < y->separation);
}

GPtrArray *
em_simbad_cone_search (EmSimbadClient *client,
                       double          ra,
                       double          dec,
                       double          radius_arcsec,
                       GCancellable   *cancellable,
                       GError        **error)
{
  g_autofree char *ra_s = adql_number (ra);
  g_autofree char *dec_s = adql_number (dec);
  g_autofree char *r_s = adql_number (radius_arcsec / 3600.0);
  g_autofree char *adql = NULL;
  g_autoptr (EmVotable) t = NULL;
  g_autoptr (GPtrArray) objects = NULL;
  Columns c;

  if (!check_position (ra, dec, radius_arcsec, error))
    return NULL;
  adql = g_strdup_printf (
      "SELECT " OBJECT_COLUMNS ",\n"
      "  DISTANCE(POINT('ICRS', basic.ra, basic.dec), POINT('ICRS', %s, %s)) * 3600.0 AS "
      "separation\n"
      "FROM basic\n" OBJECT_JOINS
      "WHERE CONTAINS(POINT('ICRS', basic.ra, basic.dec), CIRCLE('ICRS', %s, %s, %s)) = 1\n"
      "ORDER BY separation ASC",
      ra_s, dec_s, ra_s, dec_s, r_s);
  t = em_simbad_tap_query (client, adql, NULL, NULL, cancellable, error);
  if (t == NULL || !find_columns (t, &c, client->url, TRUE, error))
    return NULL;
  objects = g_ptr_array_new_with_free_func ((GDestroyNotify)em_simbad_object_free);
  for (gsize r = 0; r < t->n_rows; r++)
    g_ptr_array_add (objects, object_from_row (t, &c, r));
  /* The ORDER BY is SIMBAD's; sort again so that "nearest first" does
   * not depend on the service honouring it. */
  g_ptr_array_sort (objects, compare_separation);
  if (!fetch_identifiers (client, objects, cancellable, error))
    return NULL;
  return g_steal_pointer (&objects);
}

EmSimbadObject *
em_simbad_lookup_id (EmSimbadClient *client,
                     const char     *identifier,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autofree char *name = NULL;
  g_autofree char *literal = NULL;
  g_autofree char *adql = NULL;
  g_autoptr (EmVotable) t = NULL;
  g_autoptr (GPtrArray) objects = NULL;
  Columns c;

  name = g_strstrip (g_strdup (identifier ? identifier : ""));
  if (*name == '\0' || !g_utf8_validate (name, -1, NULL) || strlen (name) > 256)
    {
      g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_INVALID,
                   "“%s” is not an identifier SIMBAD can look up",
                   identifier && g_utf8_validate (identifier, -1, NULL) ? identifier : "");
      return NULL;
    }
  literal = adql_string (name);
  adql = g_strdup_printf ("SELECT " OBJECT_COLUMNS "\n"
                          "FROM ident\n"
                          "JOIN basic ON basic.oid = ident.oidref\n" OBJECT_JOINS
                          "WHERE ident.id = %s",
                          literal);
  t = em_simbad_tap_query (client, adql, NULL, NULL, cancellable, error);
  if (t == NULL || !find_columns (t, &c, client->url, FALSE, error))
    return NULL;
  if (t->n_rows == 0)
    {
      g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_NOT_FOUND,
                   "SIMBAD at %s knows no object “%s”", client->url, name);
      return NULL;
    }
  objects = g_ptr_array_new_with_free_func ((GDestroyNotify)em_simbad_object_free);
  g_ptr_array_add (objects, object_from_row (t, &c, 0));
  if (!fetch_identifiers (client, objects, cancellable, error))
    return NULL;
  return g_ptr_array_steal_index (objects, 0);
}

/* ------------------------------------------------------------------ */
/* Cross-match                                                        */

static const char *const crossmatch_columns[] = {
  "simbad_main_id", "simbad_otype", "simbad_otype_txt", "simbad_sp_type", "simbad_v", "simbad_ra",
  "simbad_dec",     "simbad_sep",   "simbad_n_matches", "simbad_class",   NULL
};

static gboolean
is_crossmatch_column (const char *name)
{
  return g_strv_contains (crossmatch_columns, name);
}

static int
find_coordinate (const EmVotable *t, const char *ucd, const char *const *names)
{
  int col = -1;

  /* pos.eq.ra;meta.main first, then any pos.eq.ra, then by name. */
  for (guint i = 0; i < em_votable_get_n_fields (t) && col < 0; i++)
    {
      const EmVotableField *f = em_votable_get_field (t, i);

      if (f->ucd && g_str_has_prefix (f->ucd, ucd) && strstr (f->ucd, "meta.main"))
        col = (int)i;
    }
  for (guint i = 0; i < em_votable_get_n_fields (t) && col < 0; i++)
    {
      const EmVotableField *f = em_votable_get_field (t, i);

      /* Never SIMBAD's position from an earlier cross-match. */
      if (f->ucd && g_str_has_prefix (f->ucd, ucd) && !is_crossmatch_column (f->name))
        col = (int)i;
    }
  for (guint k = 0; names[k] && col < 0; k++)
    col = em_votable_find_field (t, names[k]);
  return col;
}

enum
{
  XM_MAIN_ID,
  XM_OTYPE,
  XM_OTYPE_TXT,
  XM_SP_TYPE,
  XM_V,
  XM_RA,
  XM_DEC,
  XM_SEP,
  XM_N,
  XM_CLASS,
  XM_N_COLUMNS
};

/* TAP: an INFO QUERY_STATUS=OVERFLOW (after the table) says the answer was
 * cut at the service's row limit. */
static gboolean
is_overflow (const EmVotable *table)
{
  for (guint i = 0; i < table->infos->len; i++)
    {
      const EmVotableInfo *info = g_ptr_array_index (table->infos, i);

      if (g_strcmp0 (info->name, "QUERY_STATUS") == 0 && g_strcmp0 (info->value, "OVERFLOW") == 0)
        return TRUE;
    }
  return FALSE;
}

EmVotable *
em_simbad_crossmatch (EmSimbadClient  *client,
                      const EmVotable *catalogue,
                      double           radius_arcsec,
                      gsize            chunk_rows,
                      EmSimbadProgress progress,
                      gpointer         progress_data,
                      EmSimbadCounts  *counts,
                      GCancellable    *cancellable,
                      GError         **error)
{
  static const char *const ra_names[] = { "ra", "RAJ2000", "ra_deg", "RA_ICRS", NULL };
  static const char *const dec_names[] = { "dec", "DEJ2000", "dec_deg", "DE_ICRS", NULL };
  int                      ra_col = find_coordinate (catalogue, "pos.eq.ra", ra_names);
  int                      dec_col = find_coordinate (catalogue, "pos.eq.dec", dec_names);
  guint                    n_in = em_votable_get_n_fields (catalogue);
  g_autoptr (EmVotable) out = NULL;
  g_autofree char  *r_s = NULL;
  g_autofree char  *adql = NULL;
  g_autofree gsize *queryable = NULL;
  gsize             n_queryable = 0;
  EmSimbadCounts    local_counts = { 0 };
  g_autoptr (GArray) pending = NULL;
  g_autoptr (GArray) kept = NULL;
  gsize done = 0;
  guint base;

  if (ra_col < 0 || dec_col < 0)
    {
      g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_INVALID,
                   "The catalogue “%s” has no RA/Dec columns (UCD pos.eq.ra/pos.eq.dec or "
                   "names ra/dec)",
                   catalogue->name ? catalogue->name : "");
      return NULL;
    }
  if (!isfinite (radius_arcsec) || radius_arcsec <= 0 || radius_arcsec > 600)
    {
      g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_INVALID,
                   "Cross-match radius %g″ is outside 0″ < r ≤ 600″", radius_arcsec);
      return NULL;
    }
  if (chunk_rows == 0)
    chunk_rows = EM_SIMBAD_DEFAULT_CHUNK_ROWS;

  /* The output: the catalogue as it was, plus SIMBAD's columns. */
  out = em_votable_new (catalogue->name ? catalogue->name : "crossmatch");
  out->description
      = g_strdup_printf ("%s%sCross-matched with SIMBAD (%s) within %g arcsec",
                         catalogue->description ? catalogue->description : "",
                         catalogue->description ? " — " : "", client->url, radius_arcsec);
  /* The columns of an earlier cross-match are replaced, not repeated. */
  kept = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < n_in; i++)
    {
      const EmVotableField *f = em_votable_get_field (catalogue, i);
      guint                 col;
      EmVotableField       *copy;

      if (is_crossmatch_column (f->name))
        continue;
      col = em_votable_add_field (out, f->name, f->datatype, f->arraysize, f->unit, f->ucd,
                                  f->utype, f->description);
      copy = g_ptr_array_index (out->fields, col);
      copy->null_value = g_strdup (f->null_value);
      g_array_append_val (kept, i);
    }
  base = em_votable_add_field (out, "simbad_main_id", EM_VOTABLE_CHAR, "*", NULL, "meta.id", NULL,
                               "Main identifier of the nearest SIMBAD object");
  em_votable_add_field (out, "simbad_otype", EM_VOTABLE_CHAR, "*", NULL, "src.class", NULL,
                        "SIMBAD object type (condensed)");
  em_votable_add_field (out, "simbad_otype_txt", EM_VOTABLE_CHAR, "*", NULL, "src.class", NULL,
                        "SIMBAD object type description");
  em_votable_add_field (out, "simbad_sp_type", EM_VOTABLE_CHAR, "*", NULL, "src.spType", NULL,
                        "SIMBAD spectral type");
  em_votable_add_field (out, "simbad_v", EM_VOTABLE_DOUBLE, NULL, "mag", "phot.mag;em.opt.V", NULL,
                        "SIMBAD V magnitude");
  em_votable_add_field (out, "simbad_ra", EM_VOTABLE_DOUBLE, NULL, "deg", "pos.eq.ra", NULL,
                        "SIMBAD right ascension (ICRS)");
  em_votable_add_field (out, "simbad_dec", EM_VOTABLE_DOUBLE, NULL, "deg", "pos.eq.dec", NULL,
                        "SIMBAD declination (ICRS)");
  em_votable_add_field (out, "simbad_sep", EM_VOTABLE_DOUBLE, NULL, "arcsec", "pos.angDistance",
                        NULL, "Separation from the SIMBAD object");
  em_votable_add_field (out, "simbad_n_matches", EM_VOTABLE_INT, NULL, NULL, "meta.number", NULL,
                        "SIMBAD objects within the radius");
  em_votable_add_field (out, "simbad_class", EM_VOTABLE_CHAR, "*", NULL, "meta.code.class", NULL,
                        "none: no SIMBAD object; emission: known emission-line object type; "
                        "emission-candidate: candidate of such a type; other: another type");

  queryable = g_new (gsize, MAX (catalogue->n_rows, 1));
  for (gsize r = 0; r < catalogue->n_rows; r++)
    {
      gsize  row = em_votable_add_row (out);
      double ra = em_votable_get_double (catalogue, r, (guint)ra_col);
      double dec = em_votable_get_double (catalogue, r, (guint)dec_col);

      for (guint i = 0; i < kept->len; i++)
        em_votable_set_cell (out, row, i,
                             em_votable_get_cell (catalogue, r, g_array_index (kept, guint, i)));
      if (isfinite (ra) && isfinite (dec) && ra >= 0 && ra < 360 && dec >= -90 && dec <= 90)
        {
          queryable[n_queryable++] = r;
          em_votable_set_string (out, row, base + XM_CLASS, "none");
          em_votable_set_int (out, row, base + XM_N, 0);
        }
      else
        local_counts.no_position++;
    }

  r_s = adql_number (radius_arcsec / 3600.0);
  adql = g_strdup_printf (
      "SELECT cands.id AS cand_id, " OBJECT_COLUMNS ",\n"
      "  DISTANCE(POINT('ICRS', basic.ra, basic.dec), POINT('ICRS', cands.ra, cands.dec)) * 3600.0 "
      "AS separation\n"
      "FROM TAP_UPLOAD.cands AS cands\n"
      "JOIN basic ON 1 = CONTAINS(POINT('ICRS', basic.ra, basic.dec), "
      "CIRCLE('ICRS', cands.ra, cands.dec, %s))\n" OBJECT_JOINS,
      r_s);

  if (progress)
    progress (0, n_queryable, progress_data);
  /* Ranges of queryable[] still to send, last first; a range whose
   * answer overflows SIMBAD's row limit is split in two and sent again. */
  pending = g_array_new (FALSE, FALSE, sizeof (gsize) * 2);
  for (gsize start = n_queryable; start > 0;)
    {
      gsize range[2];

      range[1] = start;
      range[0] = ((start - 1) / chunk_rows) * chunk_rows;
      g_array_append_val (pending, range);
      start = range[0];
    }
  while (pending->len > 0)
    {
      gsize *range = &g_array_index (pending, gsize, 2 * (pending->len - 1));
      gsize  start = range[0], end = range[1];
      g_autoptr (EmVotable) upload = em_votable_new ("cands");
      g_autoptr (EmVotable) result = NULL;
      Columns c;
      int     cand;

      g_array_set_size (pending, pending->len - 1);

      /* id is the row number in the catalogue: unique whatever the
       * catalogue's own identifiers are. */
      em_votable_add_field (upload, "id", EM_VOTABLE_LONG, NULL, NULL, "meta.id;meta.main", NULL,
                            NULL);
      em_votable_add_radec_fields (upload, "ra", "dec");
      for (gsize k = start; k < end; k++)
        {
          gsize r = queryable[k];
          gsize row = em_votable_add_row (upload);

          em_votable_set_int (upload, row, 0, (gint64)r);
          em_votable_set_double (upload, row, 1,
                                 em_votable_get_double (catalogue, r, (guint)ra_col));
          em_votable_set_double (upload, row, 2,
                                 em_votable_get_double (catalogue, r, (guint)dec_col));
        }
      result = em_simbad_tap_query (client, adql, upload, "cands", cancellable, error);
      if (result == NULL)
        return NULL;
      if (is_overflow (result))
        {
          gsize half = start + (end - start) / 2;
          gsize first[2] = { start, half }, second[2] = { half, end };

          if (end - start < 2)
            {
              g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_MALFORMED,
                           "SIMBAD at %s truncated the matches of catalogue row %" G_GSIZE_FORMAT
                           " (QUERY_STATUS OVERFLOW): radius %g″ too large for this field",
                           client->url, queryable[start] + 1, radius_arcsec);
              return NULL;
            }
          /* Partial answers are never used: split and ask again. */
          g_array_append_val (pending, second);
          g_array_append_val (pending, first);
          continue;
        }
      if (!find_columns (result, &c, client->url, TRUE, error))
        return NULL;
      cand = em_votable_find_field (result, "cand_id");
      if (cand < 0)
        {
          g_set_error (error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_MALFORMED,
                       "SIMBAD at %s answered the cross-match without cand_id", client->url);
          return NULL;
        }
      for (gsize m = 0; m < result->n_rows; m++)
        {
          double id = em_votable_get_double (result, m, (guint)cand);
          double sep = em_votable_get_double (result, m, (guint)c.sep);
          double best;
          gsize  row;
          g_autoptr (EmSimbadObject) o = NULL;

          if (isnan (id) || id < 0 || id >= (double)catalogue->n_rows)
            {
              g_set_error (
                  error, EM_SIMBAD_ERROR, EM_SIMBAD_ERROR_MALFORMED,
                  "SIMBAD at %s answered with an unknown candidate id in row %" G_GSIZE_FORMAT,
                  client->url, m + 1);
              return NULL;
            }
          row = (gsize)id;
          em_votable_set_int (out, row, base + XM_N,
                              (gint64)em_votable_get_double (out, row, base + XM_N) + 1);
          best = em_votable_get_double (out, row, base + XM_SEP);
          if (!isnan (best) && !(sep < best))
            continue;
          /* The nearest SIMBAD object is the match. */
          o = object_from_row (result, &c, m);
          em_votable_set_string (out, row, base + XM_MAIN_ID, o->main_id);
          em_votable_set_string (out, row, base + XM_OTYPE, o->otype);
          em_votable_set_string (out, row, base + XM_OTYPE_TXT, o->otype_description);
          em_votable_set_string (out, row, base + XM_SP_TYPE, o->sp_type);
          em_votable_set_double (out, row, base + XM_V, o->v_mag);
          em_votable_set_double (out, row, base + XM_RA, o->ra);
          em_votable_set_double (out, row, base + XM_DEC, o->dec);
          em_votable_set_double (out, row, base + XM_SEP, isnan (sep) ? 0.0 : sep);
          em_votable_set_string (out, row, base + XM_CLASS, em_simbad_class_to_string (o->klass));
        }
      done += end - start;
      if (progress)
        progress (done, n_queryable, progress_data);
    }

  local_counts.total = catalogue->n_rows;
  for (gsize k = 0; k < n_queryable; k++)
    {
      const char *klass = em_votable_get_string (out, queryable[k], base + XM_CLASS);

      if (g_strcmp0 (klass, "emission") == 0)
        local_counts.emission++;
      else if (g_strcmp0 (klass, "emission-candidate") == 0)
        local_counts.emission_candidate++;
      else if (g_strcmp0 (klass, "other") == 0)
        local_counts.other++;
      else
        local_counts.none++;
    }
  if (counts)
    *counts = local_counts;
  return g_steal_pointer (&out);
}

/* ------------------------------------------------------------------ */
/* Asynchronous forms                                                 */

typedef struct
{
  EmSimbadClient  *client;
  double           ra, dec, radius;
  char            *identifier;
  EmVotable       *catalogue;
  gsize            chunk_rows;
  EmSimbadProgress progress;
  gpointer         progress_data;
  EmSimbadCounts   counts;
} TaskData;

static void
task_data_free (gpointer data)
{
  TaskData *d = data;

  em_simbad_client_unref (d->client);
  g_free (d->identifier);
  em_votable_free (d->catalogue);
  g_free (d);
}

static GTask *
new_task (EmSimbadClient     *client,
          GCancellable       *cancellable,
          GAsyncReadyCallback callback,
          gpointer            user_data,
          gpointer            tag,
          TaskData          **data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  *data = g_new0 (TaskData, 1);
  (*data)->client = em_simbad_client_ref (client);
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, *data, task_data_free);
  /* Cancellation is checked by the request itself, which must also
   * close its connection; don't let GTask return early. */
  g_task_set_return_on_cancel (task, FALSE);
  return task;
}

static void
cone_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  TaskData  *d = task_data;
  GError    *error = NULL;
  GPtrArray *objects
      = em_simbad_cone_search (d->client, d->ra, d->dec, d->radius, cancellable, &error);

  if (objects)
    g_task_return_pointer (task, objects, (GDestroyNotify)g_ptr_array_unref);
  else
    g_task_return_error (task, error);
}

void
em_simbad_cone_search_async (EmSimbadClient     *client,
                             double              ra,
                             double              dec,
                             double              radius_arcsec,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  TaskData *d;
  g_autoptr (GTask) task
      = new_task (client, cancellable, callback, user_data, em_simbad_cone_search_async, &d);

  d->ra = ra;
  d->dec = dec;
  d->radius = radius_arcsec;
  g_task_run_in_thread (task, cone_thread);
}

GPtrArray *
em_simbad_cone_search_finish (EmSimbadClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
lookup_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  TaskData       *d = task_data;
  GError         *error = NULL;
  EmSimbadObject *o = em_simbad_lookup_id (d->client, d->identifier, cancellable, &error);

  if (o)
    g_task_return_pointer (task, o, (GDestroyNotify)em_simbad_object_free);
  else
    g_task_return_error (task, error);
}

void
em_simbad_lookup_id_async (EmSimbadClient     *client,
                           const char         *identifier,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  TaskData *d;
  g_autoptr (GTask) task
      = new_task (client, cancellable, callback, user_data, em_simbad_lookup_id_async, &d);

  d->identifier = g_strdup (identifier);
  g_task_run_in_thread (task, lookup_thread);
}

EmSimbadObject *
em_simbad_lookup_id_finish (EmSimbadClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
crossmatch_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  TaskData  *d = task_data;
  GError    *error = NULL;
  EmVotable *out
      = em_simbad_crossmatch (d->client, d->catalogue, d->radius, d->chunk_rows, d->progress,
                              d->progress_data, &d->counts, cancellable, &error);

  if (out)
    g_task_return_pointer (task, out, (GDestroyNotify)em_votable_free);
  else
    g_task_return_error (task, error);
}

static EmVotable *
copy_table (const EmVotable *t)
{
  EmVotable *copy = em_votable_new (t->name);
  guint      n = em_votable_get_n_fields (t);

  copy->description = g_strdup (t->description);
  for (guint i = 0; i < n; i++)
    {
      const EmVotableField *f = em_votable_get_field (t, i);
      guint col = em_votable_add_field (copy, f->name, f->datatype, f->arraysize, f->unit, f->ucd,
                                        f->utype, f->description);

      ((EmVotableField *)g_ptr_array_index (copy->fields, col))->null_value
          = g_strdup (f->null_value);
    }
  for (gsize r = 0; r < t->n_rows; r++)
    {
      gsize row = em_votable_add_row (copy);

      for (guint i = 0; i < n; i++)
        em_votable_set_cell (copy, row, i, em_votable_get_cell (t, r, i));
    }
  return copy;
}

void
em_simbad_crossmatch_async (EmSimbadClient     *client,
                            const EmVotable    *catalogue,
                            double              radius_arcsec,
                            gsize               chunk_rows,
                            EmSimbadProgress    progress,
                            gpointer            progress_data,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  TaskData *d;
  g_autoptr (GTask) task
      = new_task (client, cancellable, callback, user_data, em_simbad_crossmatch_async, &d);

  d->catalogue = copy_table (catalogue);
  d->radius = radius_arcsec;
  d->chunk_rows = chunk_rows;
  d->progress = progress;
  d->progress_data = progress_data;
  g_task_run_in_thread (task, crossmatch_thread);
}

EmVotable *
em_simbad_crossmatch_finish (EmSimbadClient *client,
                             GAsyncResult   *result,
                             EmSimbadCounts *counts,
                             GError        **error)
{
  EmVotable *out;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  out = g_task_propagate_pointer (G_TASK (result), error);
  if (out && counts)
    *counts = ((TaskData *)g_task_get_task_data (G_TASK (result)))->counts;
  return out;
}
