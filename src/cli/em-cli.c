/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

int
em_cli_parse (GOptionContext *context,
              int            *argc,
              char         ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("emissary-cli: %s\n", error->message);
      g_printerr (_("Try “%s --help”.\n"), (*argv)[0]);
      return EM_CLI_USAGE;
    }
  return -1;
}

int
em_cli_fail (const GError *error)
{
  g_printerr ("emissary-cli: %s\n", error->message);
  return EM_CLI_FAILURE;
}

int
em_cli_usage (const char *command,
              const char *format,
              ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("emissary-cli %s: %s\n", command, message);
  g_printerr (_("Try “emissary-cli %s --help”.\n"), command);
  return EM_CLI_USAGE;
}

void
em_json_string (GString    *out,
                const char *value)
{
  if (value == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) value; *p; p++)
    {
      switch (*p)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

void
em_json_number (GString *out,
                double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }
  /* %.17g round-trips a double; integers print without a fraction. */
  if (value == floor (value) && fabs (value) < 1e15)
    g_string_append_printf (out, "%.0f", value);
  else
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.10g", value));
}

void
em_json_key (GString    *out,
             const char *key)
{
  if (out->len > 0 && out->str[out->len - 1] != '{' && out->str[out->len - 1] != '[')
    g_string_append_c (out, ',');
  em_json_string (out, key);
  g_string_append_c (out, ':');
}
