/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pictures of the main states of the real window, on the light and the
 * dark theme, written as PNG into the build folder
 * (BUILDDIR/tests/gui/screenshots/) for the AppStream metainfo.  Each
 * picture is also checked: the right size, and not blank. */
#include "em-config.h"

#include <glib/gstdio.h>

#include "gui-test-util.h"
#include "gui/em-application.h"
#include "gui/em-window.h"

static char *data_home;
static char *out_dir;

static gboolean
opened (gpointer data)
{
  return em_window_get_experiment (data) != NULL && em_window_get_selected_item (data) != NULL;
}

static gboolean
plot_shows_selected (gpointer data)
{
  EmWindow    *window = data;
  EmBatchItem *item = em_window_get_selected_item (window);

  return item != NULL
         && g_strcmp0 (em_spectrum_plot_get_spectrum_id (em_window_get_plot (window)),
                       em_batch_item_get_id (item))
                == 0;
}

/* Distinct colours in a sample of the picture: a blank or single-colour
 * window has very few. */
static guint
count_colours (GdkTexture *texture)
{
  int                 w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = g_new (guint32, (gsize)w * h);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);

  gdk_texture_download (texture, (guchar *)pixels, (gsize)w * 4);
  for (gsize i = 0; i < (gsize)w * h; i += 7)
    g_hash_table_add (seen, GUINT_TO_POINTER (pixels[i] | 1));
  return g_hash_table_size (seen);
}

static void
shoot (gboolean dark, const char *name)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  EmWindow        *window = g_object_new (EM_TYPE_WINDOW, NULL);
  g_autofree char *demo = em_application_dup_demo_path ();
  g_autoptr (GdkTexture) texture = NULL;
  EmDemoOptions    options;
  g_autofree char *file = g_strdup_printf ("%s%s.png", name, dark ? "-dark" : "");
  g_autofree char *path = g_build_filename (out_dir, file, NULL);

  adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                  : ADW_COLOR_SCHEME_FORCE_LIGHT);
  /* The real demo experiment, small enough to be made in seconds (the
   * first picture makes it, the second reopens it). */
  em_demo_options_init (&options);
  options.n_pool = 400;
  options.n_seed = 300;
  options.preset = "small";
  options.max_epochs = 5;
  options.batch_size = 100;
  em_window_set_demo_options (window, &options);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  em_window_open_experiment (window, demo);
  g_assert_true (gui_test_wait_for (opened, window, 300000));

  /* a batch a third of the way through, the H-alpha region in view */
  while (strstr (em_window_get_batch_summary (window), " 37 of ") == NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "u",
                                em_window_get_selected (window) % 7 == 3 ? 1 : 0);
  g_assert_true (gui_test_wait_for (plot_shows_selected, window, 5000));
  em_spectrum_plot_set_x_range (em_window_get_plot (window), 6300, 6900);
  gui_test_spin (200);

  texture = gui_test_render (GTK_WIDGET (window));
  g_assert_cmpint (gdk_texture_get_width (texture), >=, 1000);
  g_assert_cmpint (gdk_texture_get_height (texture), >=, 700);
  g_assert_cmpuint (count_colours (texture), >, 50);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);
  gtk_window_destroy (GTK_WINDOW (window));
  gui_test_spin (20);
}

static void
test_labelling_light (void)
{
  shoot (FALSE, "labelling");
}

static void
test_labelling_dark (void)
{
  shoot (TRUE, "labelling");
}

int
main (int argc, char *argv[])
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autoptr (GtkCssProvider) css = NULL;
  int status;

  g_setenv ("GTK_A11Y", "test", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  /* before GTK: GLib caches the user folders on first use */
  data_home = g_dir_make_tmp ("emissary-shots-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CACHE_HOME", data_home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* What AdwApplication does with the resource base path's style.css */
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/emissary/Emissary/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  out_dir = g_build_filename (builddir != NULL ? builddir : ".", "gui", "screenshots", NULL);
  g_assert_no_errno (g_mkdir_with_parents (out_dir, 0755));

  g_test_add_func ("/screenshots/labelling-light", test_labelling_light);
  g_test_add_func ("/screenshots/labelling-dark", test_labelling_dark);
  status = g_test_run ();

  gui_test_remove_tree (data_home);
  g_free (data_home);
  g_free (out_dir);
  return status;
}
