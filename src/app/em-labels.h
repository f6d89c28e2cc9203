/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "app/em-experiment.h"

G_BEGIN_DECLS

/* Labels in and out of an experiment as files: importing "id,label" CSV
 * lines (emissary-cli import-labels and the window's "Import Labels"),
 * and writing the labelled set (the current label of every spectrum with
 * its provenance) as a VOTable or a CSV. */

typedef struct
{
  guint imported;     /* labels committed */
  guint skipped;      /* lines refused (only when skipping) */
  char *first_skip;   /* why the first one was refused: "FILE, line N: …" */
} EmLabelsImport;

void            em_labels_import_clear           (EmLabelsImport  *result);

/* Imports the labels of @csv_path ("id,label" lines; a first line
 * starting with "id," is a header; blank lines are ignored) into @exp as
 * EM_LABEL_SOURCE_IMPORT records, each committed as it is read, with
 * @who as provenance (NULL: the file's path).  With @skip_bad a line that
 * cannot be imported (malformed, unknown class, spectrum not in the pool)
 * is counted in @result and skipped; without, the import stops there
 * with an error naming the file and line (the labels before it stay). */
gboolean        em_labels_import                 (EmExperiment    *exp,
                                                  const char      *csv_path,
                                                  const char      *who,
                                                  gboolean         skip_bad,
                                                  EmLabelsImport  *result,
                                                  GError         **error);

typedef enum
{
  EM_LABELS_FORMAT_VOTABLE,
  EM_LABELS_FORMAT_CSV,
} EmLabelsFormat;

/* Writes the labelled set of @exp to @path: one row per labelled spectrum
 * (its current label) with id, ra, dec (degrees; UCDs pos.eq.ra;meta.main
 * and pos.eq.dec;meta.main; empty when unknown), label, source (seed,
 * oracle, import), iteration (-1 for the seed set), time (ISO 8601 UTC)
 * and who.  Positions come from the seed set, the query batches and
 * predictions, or else the experiment's pool.  Returns the number of rows
 * written, or -1. */
gint64          em_labels_export                 (EmExperiment    *exp,
                                                  const char      *path,
                                                  EmLabelsFormat   format,
                                                  GError         **error);

G_END_DECLS
