/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "app/em-progress.h"
#include "spectra/em-preprocess.h"

G_BEGIN_DECLS

/* A labelled seed set made from a folder of FITS spectra and a labels CSV.
 *
 * The labels CSV has one row per labelled spectrum: "id,label" (more
 * columns are ignored when a header row names "id" and "label"; without a
 * header the first two columns are taken; blank lines and lines starting
 * with '#' are skipped).  The id is the spectrum's file name without its
 * folder and without .fits/.fit/.fts (and .gz/.fz/…), the same id a pool
 * gives the spectrum (em_spectrum_id_from_path), e.g.
 * "spec-55859-F5902_sp01-001"; an id written with its extension is
 * accepted too.  (Not the OBSID or the designation: a DR2 file has no
 * OBSID, and one designation may name several spectra.)
 *
 * The folder is searched recursively for *.fits, *.fits.gz, *.fit,
 * *.fits.fz, as an ingest does.  Each labelled file is read with the
 * spectra readers and preprocessed with @params (a pool's, see
 * em_pool_get_preprocess_params), so that seed and pool spectra have one
 * representation.  Files that cannot be read or preprocessed, labels that
 * name no file, and a second file with the same id are not fatal: they go
 * to a report next to the CSV (OUT.failures.tsv: file name relative to
 * the folder or label id, reason, message),
 * and the summary counts them.  Files without a label are left out. */

typedef struct
{
  guint      n_files;      /* spectrum files found in the folder */
  guint      n_spectra;    /* rows written to the seed set */
  guint      n_failed;     /* labelled files that could not be used */
  guint      n_missing;    /* labels that name no file */
  guint      n_unlabelled; /* files without a label (left out) */
  char      *report_path;  /* the report, or NULL when nothing was reported */
  GPtrArray *problems;     /* the first few reported lines "NAME: message" */
} EmLabelledFitsSummary;

void     em_labelled_fits_summary_clear   (EmLabelledFitsSummary     *summary);

/* Writes the Ondřejov-layout CSV @out_csv (atomically; the fluxes on
 * @params->grid).  Errors: the labels CSV unreadable or malformed (names
 * the file and line), a label given twice with different classes, no
 * usable spectrum at all, cancelled (G_IO_ERROR_CANCELLED).  @summary may
 * be NULL; when not, it is filled on failure as far as the run got. */
gboolean em_labelled_set_from_fits_folder (const char                *fits_dir,
                                           const char                *labels_csv,
                                           const EmPreprocessParams  *params,
                                           const char                *out_csv,
                                           EmProgressFunc             progress,
                                           gpointer                   user_data,
                                           GCancellable              *cancellable,
                                           EmLabelledFitsSummary     *summary,
                                           GError                   **error);

G_END_DECLS
