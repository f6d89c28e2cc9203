/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <glib/gi18n.h>

#include "gui/em-window.h"

struct _EmWindow
{
  AdwApplicationWindow parent_instance;

  /* template children */
  AdwWindowTitle *window_title;
  GtkStack       *main_stack;
  AdwStatusPage  *status_page;

  char *experiment_path;
};

G_DEFINE_FINAL_TYPE (EmWindow, em_window, ADW_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_EXPERIMENT_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* "Demo" for ".../Demo.emissary". */
char *
em_window_dup_experiment_name (EmWindow *self)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  if (self->experiment_path == NULL)
    return NULL;
  base = g_path_get_basename (self->experiment_path);
  if (g_str_has_suffix (base, ".emissary"))
    base[strlen (base) - strlen (".emissary")] = '\0';
  return g_steal_pointer (&base);
}

static void
update_title (EmWindow *self)
{
  g_autofree char *name = em_window_dup_experiment_name (self);
  g_autofree char *title = NULL;

  if (name != NULL)
    /* Translators: window title, "Emissary — <experiment name>" */
    title = g_strdup_printf (C_("window title", "Emissary — %s"), name);
  else
    title = g_strdup (_("Emissary"));
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->window_title, _("Emissary"));
  adw_window_title_set_subtitle (self->window_title, name != NULL ? name : "");
}

void
em_window_open_experiment (EmWindow   *self,
                           const char *path)
{
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;

  g_return_if_fail (EM_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  g_free (self->experiment_path);
  self->experiment_path = g_strdup (path);
  update_title (self);

  name = em_window_dup_experiment_name (self);
  /* Translators: %s is the folder of an experiment */
  description = g_strdup_printf (_("The experiment in %s would open here."), path);
  adw_status_page_set_title (self->status_page, name);
  adw_status_page_set_description (self->status_page, description);
  gtk_stack_set_visible_child_name (self->main_stack, "status");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPERIMENT_PATH]);
}

const char *
em_window_get_experiment_path (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return self->experiment_path;
}

static void
em_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  EmWindow *self = EM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_EXPERIMENT_PATH:
      g_value_set_string (value, self->experiment_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
em_window_finalize (GObject *object)
{
  EmWindow *self = EM_WINDOW (object);

  g_free (self->experiment_path);
  G_OBJECT_CLASS (em_window_parent_class)->finalize (object);
}

static void
em_window_class_init (EmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = em_window_finalize;
  object_class->get_property = em_window_get_property;

  properties[PROP_EXPERIMENT_PATH] =
    g_param_spec_string ("experiment-path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/emissary/Emissary/em-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EmWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, EmWindow, status_page);
}

static void
em_window_init (EmWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

EmWindow *
em_window_new (EmApplication *application)
{
  return g_object_new (EM_TYPE_WINDOW, "application", application, NULL);
}
