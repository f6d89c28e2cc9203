/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "vo/em-xmlrpc-client.h"
#include "vo/em-xmlrpc.h"

#include <curl/curl.h>

typedef struct
{
  GByteArray *data;
  gsize       max;
  gboolean    overflow;
} Sink;

static size_t
sink_write (char *ptr, size_t size, size_t nmemb, void *user_data)
{
  Sink *sink = user_data;
  gsize n = size * nmemb;

  if (sink->data->len + n > sink->max)
    {
      sink->overflow = TRUE;
      return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
  g_byte_array_append (sink->data, (const guint8 *)ptr, n);
  return n;
}

static void
ensure_curl (void)
{
  static gsize done = 0;

  /* curl_global_init is not thread-safe: once, whoever comes first. */
  if (g_once_init_enter (&done))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&done, 1);
    }
}

static void
set_transport_error (GError    **error,
                     CURLcode    code,
                     const char *errbuf,
                     const char *url,
                     const char *what)
{
  GIOErrorEnum io = G_IO_ERROR_FAILED;

  if (code == CURLE_COULDNT_CONNECT)
    io = G_IO_ERROR_CONNECTION_REFUSED;
  else if (code == CURLE_OPERATION_TIMEDOUT)
    io = G_IO_ERROR_TIMED_OUT;
  else if (code == CURLE_FILE_COULDNT_READ_FILE)
    io = G_IO_ERROR_NOT_FOUND;
  g_set_error (error, G_IO_ERROR, io, "%s %s: %s", what, url,
               errbuf[0] ? errbuf : curl_easy_strerror (code));
}

static CURL *
new_handle (const char *url, Sink *sink, char *errbuf, guint timeout_seconds)
{
  CURL *curl;

  ensure_curl ();
  curl = curl_easy_init ();
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  /* The hub is on this machine: a proxy from the environment must not
   * take the request elsewhere. */
  curl_easy_setopt (curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, 10L);
  if (timeout_seconds > 0)
    curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long)timeout_seconds);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, sink_write);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, sink);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
  return curl;
}

GVariant *
em_xmlrpc_call_sync (const char *url,
                     const char *method,
                     GVariant   *params,
                     guint       timeout_seconds,
                     GError    **error)
{
  g_autoptr (GVariant) owned = params ? g_variant_ref_sink (params) : NULL;
  g_autofree char *body = em_xmlrpc_build_call (method, owned);
  g_autoptr (GByteArray) data = g_byte_array_new ();
  g_autoptr (GError) local = NULL;
  Sink               sink = { data, EM_XMLRPC_MAX_BYTES, FALSE };
  char               errbuf[CURL_ERROR_SIZE] = "";
  struct curl_slist *headers = NULL;
  GVariant          *result;
  CURLcode           code;
  long               status = 0;
  CURL              *curl;

  curl = new_handle (url, &sink, errbuf, timeout_seconds);
  headers = curl_slist_append (headers, "Content-Type: text/xml");
  /* Neither JSAMP nor astropy answers 100-continue: without this curl
   * waits a second on every larger call. */
  headers = curl_slist_append (headers, "Expect:");
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_POST, 1L);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long)strlen (body));
  code = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (curl);
  curl_slist_free_all (headers);

  if (sink.overflow)
    {
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_TOO_LARGE,
                   "answer of %s to %s is over %d bytes", url, method, EM_XMLRPC_MAX_BYTES);
      return NULL;
    }
  if (code != CURLE_OK)
    {
      g_autofree char *what = g_strdup_printf ("calling %s on", method);
      set_transport_error (error, code, errbuf, url, what);
      return NULL;
    }
  if (status != 200)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s answered %s with HTTP status %ld", url,
                   method, status);
      return NULL;
    }
  result = em_xmlrpc_parse_response ((const char *)data->data, data->len, &local);
  if (result == NULL)
    {
      g_set_error (error, local->domain, local->code, "%s from %s: %s", method, url,
                   local->message);
      return NULL;
    }
  return result;
}

GBytes *
em_http_get_sync (const char *url, gsize max_bytes, guint timeout_seconds, GError **error)
{
  GByteArray *data = g_byte_array_new ();
  Sink        sink = { data, max_bytes, FALSE };
  char        errbuf[CURL_ERROR_SIZE] = "";
  CURLcode    code;
  long        status = 0;
  CURL       *curl;

  curl = new_handle (url, &sink, errbuf, timeout_seconds);
  code = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (curl);
  if (sink.overflow)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   "%s is larger than %" G_GSIZE_FORMAT " bytes", url, max_bytes);
      g_byte_array_unref (data);
      return NULL;
    }
  if (code != CURLE_OK)
    {
      set_transport_error (error, code, errbuf, url, "reading");
      g_byte_array_unref (data);
      return NULL;
    }
  if (g_str_has_prefix (url, "http") && status != 200)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: HTTP status %ld", url, status);
      g_byte_array_unref (data);
      return NULL;
    }
  return g_byte_array_free_to_bytes (data);
}
