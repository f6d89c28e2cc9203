/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "gui/em-application.h"
#include "nn/nn.h"

int
main (int argc, char *argv[])
{
  g_autoptr (EmApplication) app = NULL;

  /* Before anything else (no thread exists yet): OpenBLAS may have fallen
   * back to a generic core on an AVX2/AVX-512 CPU; this re-executes the
   * program with the right kernels, and respects a user's own choice. */
  nn_blas_ensure_core (argc, argv);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, EM_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = em_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
