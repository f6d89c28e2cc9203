/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Every subcommand: int em_cli_NAME (int argc, char **argv), where argv[0]
 * is the subcommand's name.  Keep the table in alphabetical order. */

int em_cli_samp (int argc, char **argv);
int em_cli_version (int argc, char **argv);

#define EM_CLI_COMMANDS(X) \
  X ("samp", em_cli_samp, N_("Talk to VO tools over SAMP (clients, send-table, point, send-spectrum, listen)")) \
  X ("version", em_cli_version, N_("Print the versions of Emissary and its libraries"))
