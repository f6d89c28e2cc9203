/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Every subcommand: int em_cli_NAME (int argc, char **argv), where argv[0]
 * is the subcommand's name.  Keep the table in alphabetical order. */

int em_cli_batch         (int argc, char **argv);
int em_cli_bench         (int argc, char **argv);
int em_cli_candidates    (int argc, char **argv);
int em_cli_classify      (int argc, char **argv);
int em_cli_demo_data     (int argc, char **argv);
int em_cli_estimate      (int argc, char **argv);
int em_cli_experiment    (int argc, char **argv);
int em_cli_export_labels (int argc, char **argv);
int em_cli_import_labels (int argc, char **argv);
int em_cli_ingest        (int argc, char **argv);
int em_cli_inspect       (int argc, char **argv);
int em_cli_iterate       (int argc, char **argv);
int em_cli_label         (int argc, char **argv);
int em_cli_pool          (int argc, char **argv);
int em_cli_preprocess    (int argc, char **argv);
int em_cli_samp          (int argc, char **argv);
int em_cli_score         (int argc, char **argv);
int em_cli_simbad        (int argc, char **argv);
int em_cli_simulate      (int argc, char **argv);
int em_cli_train         (int argc, char **argv);
int em_cli_undo          (int argc, char **argv);
int em_cli_version       (int argc, char **argv);

#define EM_CLI_COMMANDS(X) \
  X ("batch", em_cli_batch, N_("Print an experiment's current query batch as JSON lines")) \
  X ("bench", em_cli_bench, N_("Measure the speed of training, inference and SMOTE")) \
  X ("candidates", em_cli_candidates, N_("Write an experiment's candidates (VOTable, CSV or FITS)")) \
  X ("classify", em_cli_classify, N_("Classify spectra with a trained model")) \
  X ("demo-data", em_cli_demo_data, N_("Write the deterministic demo survey (pool, seed set, truth)")) \
  X ("estimate", em_cli_estimate, N_("Sample candidates and estimate their precision")) \
  X ("experiment", em_cli_experiment, N_("Create (new), describe (info), duplicate, rename or trash an experiment")) \
  X ("export-labels", em_cli_export_labels, N_("Write an experiment's labelled set (VOTable or CSV)")) \
  X ("import-labels", em_cli_import_labels, N_("Import labels of pool spectra from a CSV")) \
  X ("ingest", em_cli_ingest, N_("Ingest survey spectra into a pool, resumably")) \
  X ("inspect", em_cli_inspect, N_("Print what a spectrum file holds, as JSON")) \
  X ("iterate", em_cli_iterate, N_("One active-learning iteration: SMOTE, train, score, query")) \
  X ("label", em_cli_label, N_("Label a pool spectrum")) \
  X ("pool", em_cli_pool, N_("Pool information (pool info) and re-rooting (pool reroot)")) \
  X ("preprocess", em_cli_preprocess, N_("Print a spectrum resampled onto the classifier's grid")) \
  X ("samp", em_cli_samp, N_("Talk to VO tools over SAMP (clients, send-table, point, send-spectrum, listen)")) \
  X ("score", em_cli_score, N_("Classify and score every spectrum of a pool with a model")) \
  X ("simbad", em_cli_simbad, N_("Look objects up in SIMBAD and cross-match catalogues")) \
  X ("simulate", em_cli_simulate, N_("Run the loop with a simulated oracle")) \
  X ("train", em_cli_train, N_("Train a network on a labelled set")) \
  X ("undo", em_cli_undo, N_("Withdraw the latest label (kept in the history)")) \
  X ("version", em_cli_version, N_("Print the versions of Emissary and its libraries"))
