/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <fitsio.h>

#include "em-cli.h"
#include "em-cli-commands.h"

int
em_cli_version (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GString) out = g_string_new ("{");
  float cfitsio_version = 0;
  int status;

  g_option_context_set_summary (context, _("Print the versions of Emissary and its libraries as one JSON line."));
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc > 1)
    return em_cli_usage ("version", _("unexpected argument “%s”"), argv[1]);

  ffvers (&cfitsio_version);
  em_json_key (out, "emissary");
  em_json_string (out, EM_VERSION);
  em_json_key (out, "glib");
  g_string_append_printf (out, "\"%u.%u.%u\"", glib_major_version, glib_minor_version, glib_micro_version);
  em_json_key (out, "cfitsio");
  g_string_append_printf (out, "\"%.3f\"", cfitsio_version);
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}
