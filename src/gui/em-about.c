/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The about window.  Its debug information names the versions of the
 * libraries Emissary runs on, as loaded at run time (not as compiled
 * against), because that is what a bug report needs. */
#include "em-config.h"

#include <cblas.h>
#include <fitsio.h>
#include <glib/gi18n.h>

#include "gui/em-about.h"
#include "nn/nn.h"

/* One line per library, "Name version"; OpenBLAS with its build
 * configuration and the kernel family (core) chosen for this CPU. */
char *
em_about_dup_versions (void)
{
  GString    *out = g_string_new (NULL);
  float       cfitsio_version = 0;
  const char *blas_config = openblas_get_config ();

  ffvers (&cfitsio_version);
  g_string_append_printf (out, "Emissary %s\n", EM_VERSION);
  g_string_append_printf (out, "GTK %u.%u.%u\n", gtk_get_major_version (), gtk_get_minor_version (),
                          gtk_get_micro_version ());
  g_string_append_printf (out, "libadwaita %u.%u.%u\n", adw_get_major_version (),
                          adw_get_minor_version (), adw_get_micro_version ());
  g_string_append_printf (out, "GLib %u.%u.%u\n", glib_major_version, glib_minor_version,
                          glib_micro_version);
  g_string_append_printf (out, "CFITSIO %.3f\n", cfitsio_version);
  g_string_append_printf (out, "%s\n", blas_config != NULL ? blas_config : "OpenBLAS");
  g_string_append_printf (out, "OpenBLAS core %s\n", nn_blas_core_name ());
  return g_string_free (out, FALSE);
}

GtkWindow *
em_about_window_new (GtkWindow *parent)
{
  const char      *developers[] = { _ ("The Emissary developers"), NULL };
  g_autofree char *versions = em_about_dup_versions ();
  GtkWindow       *window;

  window = GTK_WINDOW (adw_about_window_new ());
  g_object_set (window, "application-name", _ ("Emissary"), "application-icon", EM_APP_ID,
                "version", EM_VERSION, "developers", developers, "license-type",
                GTK_LICENSE_GPL_3_0, "comments",
                _ ("Find emission-line stars in survey spectra by active deep learning"),
                "debug-info", versions, "debug-info-filename", "emissary-debug-info.txt",
                /* Translators: replace with your name and e-mail */
                "translator-credits", _ ("translator-credits"), NULL);
  if (parent != NULL)
    {
      gtk_window_set_transient_for (window, parent);
      gtk_window_set_modal (window, TRUE);
      gtk_window_set_destroy_with_parent (window, TRUE);
    }
  return window;
}
