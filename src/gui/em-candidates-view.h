/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The candidate catalogue of an experiment in its own window: a sortable,
 * filterable GtkColumnView of em_candidates_list, the selected
 * candidate's full spectrum (its source file, with the pool's window
 * over it), export (VOTable/CSV/FITS) and a SIMBAD
 * cross-match, each run in a GTask so that the main loop never blocks. */

#include <adwaita.h>

#include "app/em-candidates.h"
#include "app/em-experiment.h"
#include "gui/em-spectrum-plot.h"
#include "vo/em-samp-client.h"

G_BEGIN_DECLS

#define EM_TYPE_CANDIDATES_VIEW (em_candidates_view_get_type ())

G_DECLARE_FINAL_TYPE (EmCandidatesView, em_candidates_view, EM, CANDIDATES_VIEW, AdwWindow)

/* Opens its own read-only handle on the experiment in @experiment_dir
 * (so that it may outlive the window's) and starts loading the
 * candidates at once. */
EmCandidatesView *em_candidates_view_new (const char *experiment_dir);
void em_candidates_view_set_simbad (EmCandidatesView *self, const char *url, double radius_arcsec);
/* "Send to TOPCAT" is enabled while @client is connected to a hub. */
void em_candidates_view_set_samp (EmCandidatesView *self, EmSampClient *client);
/* SAMP table id of the catalogue as last sent (NULL before). */
const char *em_candidates_view_get_table_id (EmCandidatesView *self);
/* Loading, exporting or cross-matching. */
gboolean em_candidates_view_is_busy (EmCandidatesView *self);
/* The rows as shown: filtered and sorted (EmCandidateRow). */
GListModel *em_candidates_view_get_visible (EmCandidatesView *self);
guint       em_candidates_view_get_n_all (EmCandidatesView *self);
/* Spectrum id of visible row @position (NULL past the end). */
const char *em_candidates_view_get_row_id (EmCandidatesView *self, guint position);
/* SIMBAD status of visible row @position: NULL before a cross-match. */
const char *em_candidates_view_get_row_simbad (EmCandidatesView *self, guint position);
/* Selects visible row @position (its spectrum is read in a worker thread). */
void em_candidates_view_select (EmCandidatesView *self, guint position);
/* Labels the selected candidate @klass (class index) as the oracle:
 * emits "relabel" (spectrum id, class name), which the main window
 * connects to its label writer. */
void em_candidates_view_relabel (EmCandidatesView *self, guint klass);
void em_candidates_view_set_search (EmCandidatesView *self, const char *text);
/* -1: every class; else the class index of the experiment's scheme. */
void em_candidates_view_set_class_filter (EmCandidatesView *self, int klass);
/* Sorts by column @column ("id", "designation", "ra", "dec", "class",
 * "probability", "label", "source", "simbad"). */
void em_candidates_view_sort_by (EmCandidatesView *self, const char *column, GtkSortType order);
void
em_candidates_view_export (EmCandidatesView *self, const char *path, EmCandidatesFormat format);
/* The status line: counts, export result, cross-match summary or error. */
const char *em_candidates_view_get_status (EmCandidatesView *self);
/* The HiPS survey "Show in Aladin" loads around the selected candidate
 * (candidates.show-in-aladin; NULL or "": coord.pointAt.sky only). */
void em_candidates_view_set_hips_survey (EmCandidatesView *self, const char *hips_id);
/* The note under the plot when the selected candidate's source file
 * cannot be read and only the pool's Hα window is shown; "" otherwise. */
const char     *em_candidates_view_get_spectrum_note (EmCandidatesView *self);
EmSpectrumPlot *em_candidates_view_get_plot (EmCandidatesView *self);

G_END_DECLS
