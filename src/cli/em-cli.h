/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <glib/gi18n.h>

G_BEGIN_DECLS

/* Exit status of every subcommand. */
enum
{
  EM_CLI_OK      = 0,
  EM_CLI_FAILURE = 1,
  EM_CLI_USAGE   = 2,
};

/* Parses @argv with @context.  Returns -1 when the command may go on,
 * otherwise the exit status to return (EM_CLI_USAGE after printing the
 * option error and a hint to --help). */
int  em_cli_parse      (GOptionContext  *context,
                        int             *argc,
                        char          ***argv);

/* Prints "emissary-cli: MESSAGE" on stderr and returns EM_CLI_FAILURE. */
int  em_cli_fail       (const GError    *error);

/* Prints a usage error for @command on stderr and returns EM_CLI_USAGE. */
int  em_cli_usage      (const char      *command,
                        const char      *format,
                        ...) G_GNUC_PRINTF (2, 3);

/* Minimal JSON output helpers for the one-line JSON the commands print. */
void em_json_string    (GString         *out,
                        const char      *value);
void em_json_number    (GString         *out,
                        double           value);
void em_json_key       (GString         *out,
                        const char      *key);

G_END_DECLS
