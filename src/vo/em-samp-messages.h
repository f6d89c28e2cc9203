/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* SAMP message maps {samp.mtype, samp.params} ("a{sv}"), every value a
 * string as the peers want it.  Floating references. */

GVariant *em_samp_message_new (const char *mtype, GVariant *params);
GVariant *em_samp_msg_table_load_votable (const char *url, const char *table_id, const char *name);
/* @table_id and/or @url; row indices are 0-based. */
GVariant *em_samp_msg_table_highlight_row (const char *table_id, const char *url, guint row);
GVariant *em_samp_msg_table_select_row_list (const char  *table_id,
                                             const char  *url,
                                             const guint *rows,
                                             gsize        n_rows);
GVariant *em_samp_msg_coord_point_at_sky (double ra, double dec);
/* @format is a MIME type ("application/fits",
 * "application/x-votable+xml"); @meta_pairs is a NULL-terminated list of
 * further SSA key, value pairs (may be NULL). */
GVariant *em_samp_msg_spectrum_load_ssa (const char        *url,
                                         const char        *spectrum_id,
                                         const char        *name,
                                         const char        *format,
                                         const char *const *meta_pairs);
GVariant *em_samp_msg_script_aladin_send (const char *script);
/* The Aladin script that loads the HiPS survey @hips_id (e.g.
 * "CDS/P/DSS2/color") centred on (@ra, @dec) degrees:
 * "get hips(ID) HH MM SS.ss +DD MM SS.s".  NULL when the position is not
 * finite or @hips_id is empty or holds characters that would end the
 * command (parentheses, ';', quotes, white space, non-ASCII). */
char *em_samp_aladin_hips_script (const char *hips_id, double ra, double dec);

/* The mtype of message @message (borrowed), or NULL. */
const char *em_samp_message_get_mtype (GVariant *message);
/* The params map of @message (new reference; an empty map if absent). */
GVariant *em_samp_message_get_params (GVariant *message);

/* file:///abs/path, percent-encoded, of @path (made absolute). */
char *em_samp_file_url (const char *path);
/* Whether two URLs name the same resource: file:/x, file:///x and
 * file://localhost/x name the same file; others compare as strings. */
gboolean em_samp_url_equal (const char *a, const char *b);
/* The MIME type SAMP's SSA messages expect for a spectrum file, guessed
 * from its name (.fits/.fit → application/fits, .xml/.vot →
 * application/x-votable+xml), or NULL. */
const char *em_samp_spectrum_format_for (const char *path);

G_END_DECLS
