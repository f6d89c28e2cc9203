/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "app/em-experiment.h"

G_BEGIN_DECLS

/* The current candidates of @exp: pool spectra predicted as a target class
 * by the latest iteration ∪ spectra labelled as a target by the oracle or
 * an import.  A label overrides the prediction: a predicted target labelled
 * as a non-target class is not a candidate.  Sorted by spectrum id.
 * A GPtrArray of EmCandidate. */
GPtrArray   *em_candidates_list          (EmExperiment   *exp,
                                          GError        **error);
void         em_candidate_free           (EmCandidate    *candidate);

typedef enum
{
  EM_CANDIDATES_FORMAT_VOTABLE,
  EM_CANDIDATES_FORMAT_CSV,
  EM_CANDIDATES_FORMAT_FITS,
} EmCandidatesFormat;

/* Parses "votable", "csv" or "fits". */
gboolean     em_candidates_format_from_string (const char          *name,
                                               EmCandidatesFormat  *format);

/* Writes the candidates (id, designation, ra, dec with UCDs, predicted
 * class, probabilities per class, label, label source) to @path; returns
 * the number written or -1. */
gint64       em_candidates_write         (EmExperiment        *exp,
                                          const char          *path,
                                          EmCandidatesFormat   format,
                                          GError             **error);

G_END_DECLS
