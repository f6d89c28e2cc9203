/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One blocking XML-RPC call over HTTP with libcurl (Content-Length, an
 * empty Expect:, no proxy).  Only for worker threads (GTask).  Errors:
 * G_IO_ERROR for transport (G_IO_ERROR_CONNECTION_REFUSED when nobody
 * listens, G_IO_ERROR_TIMED_OUT), EM_XMLRPC_ERROR for the answer (FAULT
 * for a fault).  Messages name @url and @method.  A floating @params is
 * consumed; the result is a full reference. */
GVariant *em_xmlrpc_call_sync (const char *url,
                               const char *method,
                               GVariant   *params,
                               guint       timeout_seconds,
                               GError    **error);

/* GETs @url (http: or file:) into memory, at most @max_bytes. */
GBytes *em_http_get_sync (const char *url, gsize max_bytes, guint timeout_seconds, GError **error);

G_END_DECLS
