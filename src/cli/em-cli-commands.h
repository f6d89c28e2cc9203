/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Every subcommand: int em_cli_NAME (int argc, char **argv), where argv[0]
 * is the subcommand's name.  Keep the table in alphabetical order. */

int em_cli_bench (int argc, char **argv);
int em_cli_classify (int argc, char **argv);
int em_cli_train (int argc, char **argv);
int em_cli_version (int argc, char **argv);

#define EM_CLI_COMMANDS(X) \
  X ("bench", em_cli_bench, N_("Measure the speed of training, inference and SMOTE")) \
  X ("classify", em_cli_classify, N_("Classify spectra with a trained model")) \
  X ("train", em_cli_train, N_("Train a network on a labelled set")) \
  X ("version", em_cli_version, N_("Print the versions of Emissary and its libraries"))
