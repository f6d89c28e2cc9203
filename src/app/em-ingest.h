/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "app/em-progress.h"
#include "spectra/em-preprocess.h"

G_BEGIN_DECLS

typedef struct
{
  guint               n_threads;      /* reader threads; 0 = number of CPUs */
  /* Preprocessing for a new pool.  For an existing pool it must be equal
   * to the recorded one when preprocess_set is TRUE (else the recorded one
   * is used). */
  gboolean            preprocess_set;
  EmPreprocessParams  preprocess;
  const char         *root;           /* NULL: the sources' common folder (new pool only) */
  gboolean            retry_failed;   /* try again files listed in the failure report */
  /* Commit after this many rows (0: every second, or every 4 MiB of
   * rows).  What a kill loses is redone by the next run. */
  guint               commit_every;
} EmIngestOptions;

void em_ingest_options_init (EmIngestOptions *options);

typedef struct
{
  guint64  ingested;      /* rows added by this run */
  guint64  skipped;       /* files already in the pool or already reported as failed */
  guint64  failed;        /* files of this run that could not be ingested */
  guint64  rows;          /* rows in the pool after this run */
  char    *report_path;   /* failure report of the pool (owned) */
  double   seconds;
} EmIngestSummary;

void em_ingest_summary_clear (EmIngestSummary *summary);

/* Ingests the spectra of @sources (NULL-terminated; each a folder searched
 * recursively for *.fits, *.fits.gz, *.fit, *.fits.fz, or a text file with
 * one path per line, relative paths taken from the list file's folder) into
 * the pool at @pool_path, creating it if needed.
 *
 * Files are read in parallel; rows are appended in the order of the sorted
 * source paths.  Resumable: killed at any moment, the same call goes on where
 * it stopped with no duplicate and no lost row; files already in the pool
 * (by path relative to the root) are skipped, so a re-run adds only new
 * files.  A file that cannot be read goes to the failure report with its
 * reason and the ingest goes on.  Cancelling keeps every row committed so
 * far and returns EM_POOL_ERROR_CANCELLED.  @summary may be NULL. */
gboolean em_ingest_run (const char             *pool_path,
                        const char *const      *sources,
                        const EmIngestOptions  *options,
                        EmProgressFunc          progress,
                        gpointer                user_data,
                        GCancellable           *cancellable,
                        EmIngestSummary        *summary,
                        GError                **error);

G_END_DECLS
