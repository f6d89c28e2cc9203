/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by the app/ files that work on an experiment's database (loop,
 * candidates, estimate, simulate); not for the GUI or the CLI. */

#include <sqlite3.h>

#include "app/em-experiment.h"
#include "app/em-pool.h"

G_BEGIN_DECLS

struct _EmExperiment
{
  char       *dir;
  char       *db_path;
  sqlite3    *db;
  gboolean    read_only;
  int         lock_fd;
  GPtrArray  *classes;       /* char*, network order */
  GArray     *targets;       /* gboolean per class */
  char       *pool_path;
  char       *strategy;
  char       *preset;
  guint       batch_size;
  guint       max_epochs;
  guint64     seed;
  guint       n_flux;
  EmPool     *pool;          /* opened on first need (label validation) */
  gboolean    has_class_sizes; /* iteration_classes exists (schema ≥ 2) */
};

/* Seed spectra handed to em_experiment_create_raw (the CSV reader lives in
 * the spectra layer; the tests feed this directly). */
typedef struct
{
  guint               n_rows;
  guint               n_flux;
  const char *const  *ids;
  const char *const  *labels;
  const double       *ra;        /* may be NULL */
  const double       *dec;       /* may be NULL */
  const float        *flux;      /* n_rows × n_flux, row-major */
  const char         *sha256;    /* of the seed-set file, or NULL */
  const char         *pool_identity; /* e.g. "rows=…;grid=…", or NULL */
} EmSeedData;

EmExperiment *em_experiment_create_raw   (const char                *dir,
                                          const EmExperimentConfig  *config,
                                          const EmSeedData          *seed,
                                          GError                   **error);

gboolean      em_experiment_exec         (EmExperiment  *exp,
                                          const char    *sql,
                                          GError       **error);
sqlite3_stmt *em_experiment_prepare      (EmExperiment  *exp,
                                          const char    *sql,
                                          GError       **error);
gboolean      em_experiment_db_error     (EmExperiment  *exp,
                                          GError       **error);
gboolean      em_experiment_require_writable (EmExperiment  *exp,
                                          GError       **error);
/* Number of the latest completed iteration, -1 if none. */
int           em_experiment_latest_iteration (EmExperiment *exp);
char         *em_experiment_now          (void);
EmLabelSource em_label_source_from_string (const char *name);
const char   *em_label_source_to_string  (EmLabelSource source);

/* em_experiment_add_label with the pool row known (the simulated oracle
 * and imports know it; -1 = look it up). */
gboolean      em_experiment_add_label_with_row (EmExperiment  *exp,
                                                const char    *spectrum_id,
                                                gint64         pool_row,
                                                const char    *class_name,
                                                EmLabelSource  source,
                                                double         seconds_spent,
                                                const char    *who,
                                                GError       **error);

/* SELECT spectrum_id of the current candidates (the union rule). */
extern const char em_candidates_sql[];

/* Takes the exclusive writer's lock of the experiment folder @dir (the one
 * em_experiment_open holds): a descriptor, or -1 with
 * EM_EXPERIMENT_ERROR_LOCKED naming the holder's pid. */
int           em_experiment_lock_folder  (const char  *dir,
                                          GError     **error);
void          em_experiment_unlock_folder (int         fd);

/* fsyncs @path's directory so that a rename survives a power cut. */
void          em_experiment_sync_dir     (const char *dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

G_END_DECLS
