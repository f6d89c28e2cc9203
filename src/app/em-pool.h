/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "spectra/em-preprocess.h"

G_BEGIN_DECLS

/* A pool is a survey preprocessed once for many experiments: one row per
 * spectrum with its metadata and its fluxes on the pool's grid.
 *
 * On disk it is a plain FITS file (opens in TOPCAT as it is):
 *   - primary HDU without data; its header records the grid (GRIDSTA,
 *     GRIDEND, GRIDN), the preprocessing (BLURSIG, SCALE), the survey root
 *     (ROOT, long-string convention) and a pool identity (POOLUID);
 *   - HDU 2, binary table POOL, one row per spectrum: ID 64A, DESIG 32A,
 *     RA 1D, DEC 1D (degrees, NaN if unknown), OBSID 24A, SNR 1E, CLASS 32A,
 *     HDU 1I, PATH 256A (source file relative to ROOT), FLUX nE.
 *     Rows have a fixed length, so row i is at a computed offset.
 * Next to it: POOL.failures.tsv (the files that could not be ingested, with
 * their reason) and POOL.idx (a sorted id-hash index for em_pool_find_id,
 * rebuilt when stale). */

#define EM_POOL_ERROR (em_pool_error_quark ())

typedef enum
{
  EM_POOL_ERROR_OPEN,       /* the pool file cannot be opened, read or written */
  EM_POOL_ERROR_FORMAT,     /* not an Emissary pool, or a damaged one */
  EM_POOL_ERROR_RANGE,      /* row index out of range */
  EM_POOL_ERROR_MISMATCH,   /* grid/preprocessing/model does not match the pool */
  EM_POOL_ERROR_BUSY,       /* another process is ingesting into the pool */
  EM_POOL_ERROR_CANCELLED,  /* the operation was cancelled */
} EmPoolError;

GQuark em_pool_error_quark (void);

typedef struct _EmPool EmPool;

/* One row's metadata.  Strings are never NULL for id and source_path; the
 * others are NULL when the survey has no value.  source_path is absolute
 * (the pool's root joined with the stored relative path). */
typedef struct
{
  guint64 index;
  char   *id;
  char   *designation;
  double  ra;             /* degrees, NAN if unknown */
  double  dec;            /* degrees, NAN if unknown */
  char   *obsid;
  double  snr;            /* NAN if unknown */
  char   *survey_class;
  char   *source_path;    /* absolute */
  int     hdu;            /* 1-based HDU of the data in the source file */
} EmPoolRow;

void        em_pool_row_free          (EmPoolRow            *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmPoolRow, em_pool_row_free)

/* Opens an existing pool read-only.  Cheap: reads the headers only (the
 * row count is the one at opening).  Every reading function may be called
 * from any number of threads at once (the GUI shows rows while a worker
 * scores the same EmPool). */
EmPool     *em_pool_open              (const char           *path,
                                       GError              **error);
EmPool     *em_pool_ref               (EmPool               *pool);
void        em_pool_unref             (EmPool               *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmPool, em_pool_unref)

const char *em_pool_get_path          (EmPool               *pool);
guint64     em_pool_get_n_rows        (EmPool               *pool);
/* Length of a flux vector (the grid's n). */
guint       em_pool_get_n_fluxes      (EmPool               *pool);
const EmGrid *em_pool_get_grid        (EmPool               *pool);
/* The preprocessing the fluxes went through; preprocess labelled spectra
 * with the same parameters before comparing them with pool rows. */
void        em_pool_get_preprocess_params (EmPool           *pool,
                                       EmPreprocessParams   *params);
/* Absolute folder that source paths are relative to. */
const char *em_pool_get_root          (EmPool               *pool);
/* Path of the failure report (TSV: path, reason, message); it may not exist
 * when no file ever failed. */
const char *em_pool_get_failure_report (EmPool              *pool);
/* Number of files listed in the failure report. */
guint64     em_pool_get_n_failures    (EmPool               *pool);

/* Copies the fluxes of rows [first, first + n) into @out, which holds
 * n × em_pool_get_n_fluxes() floats, row after row. */
gboolean    em_pool_read_fluxes       (EmPool               *pool,
                                       guint64               first,
                                       guint64               n,
                                       float                *out,
                                       GError              **error);
/* Metadata of row @index; free with em_pool_row_free(). */
EmPoolRow  *em_pool_get_row           (EmPool               *pool,
                                       guint64               index,
                                       GError              **error);
/* Only the id of row @index (cheaper than em_pool_get_row). */
char       *em_pool_get_id            (EmPool               *pool,
                                       guint64               index,
                                       GError              **error);
/* Index of the first row whose id is @id, or -1 if absent (or on a read
 * error, which is then set).  O(log n) through the POOL.idx side file. */
gint64      em_pool_find_id           (EmPool               *pool,
                                       const char           *id,
                                       GError              **error);
/* Number of distinct ids (several files may hold the same spectrum). */
guint64     em_pool_count_distinct_ids (EmPool              *pool,
                                       GError              **error);

/* Records @new_root as the folder source paths are relative to (after the
 * survey folder was moved).  Rows are not touched. */
gboolean    em_pool_reroot            (const char           *path,
                                       const char           *new_root,
                                       GError              **error);

G_END_DECLS
