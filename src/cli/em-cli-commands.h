/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Every subcommand: int em_cli_NAME (int argc, char **argv), where argv[0]
 * is the subcommand's name.  Keep the table in alphabetical order. */

int em_cli_simbad (int argc, char **argv);
int em_cli_version (int argc, char **argv);

#define EM_CLI_COMMANDS(X) \
  X ("simbad", em_cli_simbad, N_("Look objects up in SIMBAD and cross-match catalogues")) \
  X ("version", em_cli_version, N_("Print the versions of Emissary and its libraries"))
