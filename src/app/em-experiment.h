/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <glib/gi18n.h>

G_BEGIN_DECLS

/* An experiment: a folder NAME.emissary/ holding experiment.sqlite (the
 * configuration, the class scheme, every label with its provenance and
 * history, the iterations with their metrics, query batches, candidates,
 * estimate samples), predictions/ and checkpoints/ (safetensors).
 *
 * One process at a time may open an experiment for writing
 * (em_experiment_open); any number may read it (em_experiment_open_read_only)
 * while the writer works, thanks to SQLite's WAL journal.  Every label is
 * committed (synchronous=FULL) before em_experiment_add_label returns. */

#define EM_EXPERIMENT_ERROR (em_experiment_error_quark ())

typedef enum
{
  EM_EXPERIMENT_ERROR_LOCKED,       /* open for writing in another process */
  EM_EXPERIMENT_ERROR_EXISTS,       /* create: the folder exists */
  EM_EXPERIMENT_ERROR_NOT_FOUND,    /* no experiment, no such spectrum/class */
  EM_EXPERIMENT_ERROR_INVALID,      /* bad configuration or argument */
  EM_EXPERIMENT_ERROR_DATABASE,     /* SQLite failed (names the file) */
  EM_EXPERIMENT_ERROR_READ_ONLY,    /* a write on a read-only handle */
  EM_EXPERIMENT_ERROR_NOTHING_TO_UNDO,
} EmExperimentError;

/* Where a label came from. */
typedef enum
{
  EM_LABEL_SOURCE_SEED,             /* the seed (labelled) set */
  EM_LABEL_SOURCE_ORACLE,           /* given by the oracle (human or simulated) */
  EM_LABEL_SOURCE_IMPORT,           /* import-labels from a CSV */
} EmLabelSource;

typedef struct _EmExperiment EmExperiment;

/* Configuration at creation.  Strings are copied. */
typedef struct
{
  const char  *seed_set_path;       /* Ondřejov-style CSV (id,label,…,fluxes) */
  const char  *pool_path;           /* a pool made by `emissary-cli ingest` */
  const char *const *classes;       /* NULL-terminated; NULL = method default:
                                     * absorption, emission, double-peak */
  const char *const *targets;       /* NULL-terminated; NULL = all classes but
                                     * the first */
  guint        batch_size;          /* 0 = 100 */
  const char  *strategy;            /* NULL = "entropy" (nn query strategies) */
  const char  *preset;              /* NULL = "reference" (nn presets) */
  guint        max_epochs;          /* 0 = 30 */
  guint64      seed;                /* random seed of SMOTE/training/sampling */
  gboolean     dir_may_exist;       /* the folder may exist already, made by the
                                     * caller to hold the pool or seed set it
                                     * made for the experiment; it must not hold
                                     * an experiment.  FALSE: it must not exist */
} EmExperimentConfig;

/* One query-batch entry. */
typedef struct
{
  char    *spectrum_id;
  gint64   row;                     /* pool row */
  double   ra, dec;                 /* degrees; NAN when unknown */
  double   score;                   /* strategy score (higher = asked first) */
  float   *probabilities;           /* n_classes, of the iteration's model */
  char    *label;                   /* current label or NULL */
} EmQueryItem;

typedef struct
{
  guint        iteration;
  guint        n_classes;
  guint        n_items;
  EmQueryItem *items;
} EmQueryBatch;

/* One iteration (0 = the network trained on the seed set alone). */
typedef struct
{
  guint   number;
  char   *strategy;
  char   *started;                  /* ISO 8601 UTC */
  guint   train_size;               /* labelled spectra before SMOTE */
  guint   train_size_balanced;      /* after SMOTE */
  guint   epochs;
  double  loss;                     /* final training loss */
  double  accuracy;                 /* final training accuracy */
  double  seconds_train;            /* SMOTE + training */
  double  seconds_score;
  guint   n_candidates;             /* predicted targets at that time */
  char   *checkpoint;               /* path relative to the experiment */
  guint   n_classes;                /* of the experiment's scheme */
  guint  *class_sizes;              /* labelled spectra per class before
                                     * SMOTE (n_classes, network order), or
                                     * NULL for iterations stored before
                                     * schema version 2 */
} EmIterationInfo;

/* Counts for `experiment info` and the GUI's header. */
typedef struct
{
  guint  n_classes;
  guint  seed_labels;               /* effective seed labels */
  guint  oracle_labels;             /* effective oracle labels */
  guint  import_labels;             /* effective imported labels */
  guint  label_events;              /* every record, undo included */
  guint  iterations;                /* completed iterations */
  guint  batch_size;                /* configured B */
  guint  batch_items;               /* size of the current query batch */
  guint  batch_labelled;            /* of which labelled */
  guint  candidates;                /* current candidates (union rule) */
} EmExperimentCounts;

/* A candidate: predicted as a target class by the latest iteration or
 * labelled as a target by the oracle/import (a label overrides the
 * prediction, so a spectrum labelled non-target is no candidate). */
typedef struct
{
  char    *spectrum_id;
  char    *designation;             /* or NULL */
  double   ra, dec;                 /* degrees; NAN when unknown */
  gint64   row;                     /* pool row, -1 if not in the pool */
  int      predicted_class;         /* -1 if not predicted a target */
  float   *probabilities;           /* n_classes, or NULL */
  char    *label;                   /* current label or NULL */
  EmLabelSource label_source;       /* meaningful when label != NULL */
} EmCandidate;

GQuark          em_experiment_error_quark        (void);

EmExperiment   *em_experiment_create             (const char                *dir,
                                                  const EmExperimentConfig  *config,
                                                  GError                   **error);
EmExperiment   *em_experiment_open               (const char                *dir,
                                                  GError                   **error);
EmExperiment   *em_experiment_open_read_only     (const char                *dir,
                                                  GError                   **error);
void            em_experiment_close              (EmExperiment              *exp);

const char     *em_experiment_get_dir            (EmExperiment              *exp);
gboolean        em_experiment_is_read_only       (EmExperiment              *exp);
const char     *em_experiment_get_pool_path      (EmExperiment              *exp);
guint           em_experiment_get_batch_size     (EmExperiment              *exp);
const char     *em_experiment_get_strategy       (EmExperiment              *exp);
const char     *em_experiment_get_preset         (EmExperiment              *exp);
guint           em_experiment_get_max_epochs     (EmExperiment              *exp);
guint64         em_experiment_get_seed           (EmExperiment              *exp);

/* The class scheme, in network-output order. */
guint           em_experiment_get_n_classes      (EmExperiment              *exp);
const char     *em_experiment_get_class          (EmExperiment              *exp,
                                                  guint                      index);
gboolean        em_experiment_class_is_target    (EmExperiment              *exp,
                                                  guint                      index);
/* Index of @name, or -1. */
int             em_experiment_find_class         (EmExperiment              *exp,
                                                  const char                *name);

/* Labels.  Committed (fsync'd) before returning; @seconds_spent < 0 when
 * unknown; @who may be NULL (then $USER).  A label for a spectrum already
 * labelled is a correction: a new record, the old one stays in the history.
 * Oracle and import labels must name a pool spectrum. */
gboolean        em_experiment_add_label          (EmExperiment              *exp,
                                                  const char                *spectrum_id,
                                                  const char                *class_name,
                                                  EmLabelSource              source,
                                                  double                     seconds_spent,
                                                  const char                *who,
                                                  GError                   **error);
/* Withdraws the latest oracle/import label that is not withdrawn yet, by
 * adding an undo record; the spectrum's label falls back to its previous
 * one (or none).  On success *@spectrum_id (if not NULL) names it. */
gboolean        em_experiment_undo               (EmExperiment              *exp,
                                                  char                     **spectrum_id,
                                                  GError                   **error);
/* Current (effective) label of @spectrum_id or NULL (free it). */
char           *em_experiment_get_label          (EmExperiment              *exp,
                                                  const char                *spectrum_id,
                                                  EmLabelSource             *source);
/* Number of label records of @spectrum_id, undo records included. */
guint           em_experiment_count_label_history (EmExperiment             *exp,
                                                  const char                *spectrum_id);

gboolean        em_experiment_get_counts         (EmExperiment              *exp,
                                                  EmExperimentCounts        *counts,
                                                  GError                   **error);

/* The current query batch (of the latest iteration), NULL with no error
 * when no iteration ran yet. */
EmQueryBatch   *em_experiment_get_query_batch    (EmExperiment              *exp,
                                                  GError                   **error);
void            em_query_batch_free              (EmQueryBatch              *batch);

/* Every completed iteration, oldest first (a GPtrArray of EmIterationInfo). */
GPtrArray      *em_experiment_get_iterations     (EmExperiment              *exp,
                                                  GError                   **error);
void            em_iteration_info_free           (EmIterationInfo           *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmExperiment, em_experiment_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmQueryBatch, em_query_batch_free)

G_END_DECLS
