/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "em-cli.h"
#include "em-cli-commands.h"
#include "nn/nn.h"

typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} EmCliCommand;

#define EM_CLI_ENTRY(name, func, summary) { name, func, summary },
static const EmCliCommand commands[] = { EM_CLI_COMMANDS (EM_CLI_ENTRY) };

static void
print_usage (FILE *stream)
{
  fprintf (stream, "%s\n\n", _("Usage: emissary-cli COMMAND [OPTION…] [ARGUMENT…]"));
  fprintf (stream, "%s\n", _("Find rare objects among survey spectra by active deep learning."));
  fprintf (stream, "\n%s\n", _("Commands:"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-14s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (stream, "\n%s\n", _("Run “emissary-cli COMMAND --help” for the options of a command."));
}

int
main (int    argc,
      char **argv)
{
  /* Before anything else: may re-execute with faster BLAS kernels. */
  nn_blas_ensure_core (argc, argv);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, EM_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_usage (stderr);
      return EM_CLI_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return EM_CLI_OK;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("emissary-cli %s\n", EM_VERSION);
      return EM_CLI_OK;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        /* The command sees itself as argv[0], so that GOptionContext
         * prints "emissary-cli-like" usage lines naming it. */
        g_set_prgname (commands[i].name);
        return commands[i].run (argc - 1, argv + 1);
      }

  fprintf (stderr, _("emissary-cli: unknown command “%s”\n"), argv[1]);
  print_usage (stderr);
  return EM_CLI_USAGE;
}
