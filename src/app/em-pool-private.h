/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The pool's writing side: used by ingest and by the benchmark that
 * synthesises large pools.  Not for the GUI. */

#include "app/em-pool.h"

G_BEGIN_DECLS

#define EM_POOL_ID_WIDTH     64
#define EM_POOL_DESIG_WIDTH  32
#define EM_POOL_OBSID_WIDTH  24
#define EM_POOL_CLASS_WIDTH  32
#define EM_POOL_PATH_WIDTH   256

typedef struct _EmPoolWriter EmPoolWriter;

/* Opens the pool at @path for appending, creating it with @params and
 * @root when it does not exist.  For an existing pool, @params (if not
 * NULL) must equal the recorded ones, and rows written after the last
 * commit of an interrupted writer are discarded.  Takes an exclusive lock
 * (EM_POOL_ERROR_BUSY when another writer holds it). */
EmPoolWriter *em_pool_writer_open      (const char                *path,
                                        const EmPreprocessParams  *params,
                                        const char                *root,
                                        GError                   **error);
guint64       em_pool_writer_get_n_rows (EmPoolWriter             *writer);
const char   *em_pool_writer_get_root  (EmPoolWriter              *writer);
const EmPreprocessParams *em_pool_writer_get_params (EmPoolWriter *writer);
/* Checks that @row fits the fixed-width columns (id and path must fit
 * whole; the other strings are cut at a character boundary). */
gboolean      em_pool_row_check        (const EmPoolRow           *row,
                                        GError                   **error);
/* Buffers one row; @row->source_path is stored as it is (relative to the
 * root).  Rows reach the file at the next commit. */
gboolean      em_pool_writer_append    (EmPoolWriter              *writer,
                                        const EmPoolRow           *row,
                                        const float               *flux,
                                        GError                   **error);
/* Number of rows buffered since the last commit. */
guint         em_pool_writer_n_pending (EmPoolWriter              *writer);
/* Writes the buffered rows after the committed ones, then the new row
 * count into the table header: that one 80-byte write is the commit, so a
 * writer killed at any moment leaves either the old or the new count. */
gboolean      em_pool_writer_commit    (EmPoolWriter              *writer,
                                        GError                   **error);
/* Commits and releases; NULL-safe. */
gboolean      em_pool_writer_close     (EmPoolWriter              *writer,
                                        GError                   **error);
void          em_pool_writer_free      (EmPoolWriter              *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmPoolWriter, em_pool_writer_free)

/* Stored (root-relative) source paths of rows [first, first + n). */
gboolean      em_pool_read_paths       (EmPool                    *pool,
                                        guint64                    first,
                                        guint64                    n,
                                        char                     **out,
                                        GError                   **error);
/* Fluxes (n × n_fluxes, may be NULL) and ids (n strings to g_free, may be
 * NULL) of rows [first, first + n), in one pass over the file. */
gboolean      em_pool_read_batch       (EmPool                    *pool,
                                        guint64                    first,
                                        guint64                    n,
                                        float                     *fluxes,
                                        char                     **ids,
                                        GError                   **error);
/* (Re)writes the id index POOL.idx for the current rows. */
gboolean      em_pool_build_index      (EmPool                    *pool,
                                        GError                   **error);

char         *em_pool_failure_report_path (const char             *pool_path);

G_END_DECLS
