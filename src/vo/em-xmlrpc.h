/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* XML-RPC as SAMP uses it.  Values are GVariants of three shapes only:
 *   "s"      a string
 *   "av"     a list (each element again one of the three shapes)
 *   "a{sv}"  a map
 * Incoming int, i4, boolean, double, nil and dateTime values become their
 * text as strings, since non-conforming peers (Python) send them. */

#define EM_XMLRPC_ERROR (em_xmlrpc_error_quark ())

typedef enum
{
  EM_XMLRPC_ERROR_MALFORMED, /* not XML, or not XML-RPC structure */
  EM_XMLRPC_ERROR_TOO_LARGE, /* body over EM_XMLRPC_MAX_BYTES */
  EM_XMLRPC_ERROR_TOO_DEEP,  /* values nested over EM_XMLRPC_MAX_DEPTH */
  EM_XMLRPC_ERROR_ENCODING,  /* invalid UTF-8 or a NUL byte */
  EM_XMLRPC_ERROR_FAULT,     /* a well-formed <fault> answer */
} EmXmlrpcError;

/* Hard limits on anything a peer can send us. */
#define EM_XMLRPC_MAX_BYTES (32 * 1024 * 1024)
#define EM_XMLRPC_MAX_DEPTH 32

GQuark em_xmlrpc_error_quark (void);

/* Generating.  @params is a tuple or an "av" of SAMP values (may be NULL). */
char *em_xmlrpc_build_call (const char *method, GVariant *params);
char *em_xmlrpc_build_response (GVariant *value);
char *em_xmlrpc_build_fault (int code, const char *message);

/* Parsing.  Both reject bodies over the size limit, invalid UTF-8, DTDs
 * (so no entity expansion), nesting over the depth limit and anything
 * outside XML-RPC's structure.  @params comes back as "av". */
gboolean em_xmlrpc_parse_call (const char *data,
                               gsize       length,
                               char      **method,
                               GVariant  **params,
                               GError    **error);
/* Returns the single response value (a full, not floating, reference);
 * a <fault> becomes
 * EM_XMLRPC_ERROR_FAULT with "faultString (code N)" as the message. */
GVariant *em_xmlrpc_parse_response (const char *data, gsize length, GError **error);

/* Helpers for SAMP values. */
GVariant *em_samp_value_string (const char *text);
/* Returns the string value of @key in map @map, or NULL (not a string
 * or absent).  The pointer lives as long as @map. */
const char *em_samp_map_get_string (GVariant *map, const char *key);
/* A "a{sv}" map from NULL-terminated key, string-value pairs. */
GVariant *em_samp_map_new_strings (const char *first_key, ...) G_GNUC_NULL_TERMINATED;
/* Whether @value is a SAMP value (s / av / a{sv} all the way down). */
gboolean em_samp_value_is_valid (GVariant *value);

G_END_DECLS
