/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The query batch as a grid of thumbnails (a GtkGridView, so only the
 * visible ones exist as widgets) with a single selection that the window
 * follows. */
#include "em-config.h"

#include <glib/gi18n.h>

#include "gui/em-batch-grid.h"
#include "gui/em-batch-item.h"
#include "gui/em-thumbnail.h"

struct _EmBatchGrid
{
  GtkWidget parent_instance;

  GtkWidget          *scrolled;
  GtkGridView        *view;
  GtkSingleSelection *selection;
  guint               scroll_tick;
  guint               scroll_frames;
};

G_DEFINE_FINAL_TYPE (EmBatchGrid, em_batch_grid, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_SELECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
setup_item (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  gtk_list_item_set_child (list_item, em_thumbnail_new ());
}

static void
bind_item (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  em_thumbnail_set_item (EM_THUMBNAIL (gtk_list_item_get_child (list_item)),
                         gtk_list_item_get_item (list_item));
}

static void
unbind_item (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  em_thumbnail_set_item (EM_THUMBNAIL (gtk_list_item_get_child (list_item)), NULL);
}

static gboolean
scroll_on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  EmBatchGrid *self = EM_BATCH_GRID (widget);
  guint        position = gtk_single_selection_get_selected (self->selection);

  if (position != GTK_INVALID_LIST_POSITION)
    gtk_widget_activate_action (GTK_WIDGET (self->view), "list.scroll-to-item", "u", position);
  if (--self->scroll_frames > 0)
    return G_SOURCE_CONTINUE;
  self->scroll_tick = 0;
  return G_SOURCE_REMOVE;
}

static void
on_selected_changed (EmBatchGrid *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

void
em_batch_grid_set_model (EmBatchGrid *self, GListModel *items)
{
  g_return_if_fail (EM_IS_BATCH_GRID (self));
  gtk_single_selection_set_model (self->selection, items);
}

GListModel *
em_batch_grid_get_model (EmBatchGrid *self)
{
  g_return_val_if_fail (EM_IS_BATCH_GRID (self), NULL);
  return gtk_single_selection_get_model (self->selection);
}

/* GTK_INVALID_LIST_POSITION when the batch is empty. */
guint
em_batch_grid_get_selected (EmBatchGrid *self)
{
  g_return_val_if_fail (EM_IS_BATCH_GRID (self), GTK_INVALID_LIST_POSITION);
  return gtk_single_selection_get_selected (self->selection);
}

/* Selects @position and scrolls it into view. */
void
em_batch_grid_set_selected (EmBatchGrid *self, guint position)
{
  g_return_if_fail (EM_IS_BATCH_GRID (self));
  gtk_single_selection_set_selected (self->selection, position);
  if (position == GTK_INVALID_LIST_POSITION)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self->view), "list.scroll-to-item", "u", position);
  /* Before the grid has been laid out (a batch just opened) GTK 4.8
   * does not know where the item is and does not scroll: try again on
   * the next frames, until the rows have their sizes. */
  self->scroll_frames = 3;
  if (self->scroll_tick == 0)
    self->scroll_tick
        = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_on_tick, NULL, NULL);
}

static void
em_batch_grid_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  EmBatchGrid *self = EM_BATCH_GRID (object);

  switch (prop_id)
    {
    case PROP_SELECTED:
      g_value_set_uint (value, em_batch_grid_get_selected (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
em_batch_grid_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  EmBatchGrid *self = EM_BATCH_GRID (object);

  switch (prop_id)
    {
    case PROP_SELECTED:
      em_batch_grid_set_selected (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
em_batch_grid_dispose (GObject *object)
{
  EmBatchGrid *self = EM_BATCH_GRID (object);

  if (self->scroll_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->scroll_tick);
  self->scroll_tick = 0;
  g_clear_pointer (&self->scrolled, gtk_widget_unparent);
  g_clear_object (&self->selection);
  G_OBJECT_CLASS (em_batch_grid_parent_class)->dispose (object);
}

static void
em_batch_grid_class_init (EmBatchGridClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = em_batch_grid_dispose;
  object_class->get_property = em_batch_grid_get_property;
  object_class->set_property = em_batch_grid_set_property;

  properties[PROP_SELECTED]
      = g_param_spec_uint ("selected", NULL, NULL, 0, G_MAXUINT, GTK_INVALID_LIST_POSITION,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "batchgrid");
}

static void
em_batch_grid_init (EmBatchGrid *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_item), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_item), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_item), NULL);

  self->selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  gtk_single_selection_set_can_unselect (self->selection, FALSE);
  g_signal_connect_swapped (self->selection, "notify::selected", G_CALLBACK (on_selected_changed),
                            self);

  self->view = GTK_GRID_VIEW (
      gtk_grid_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)), factory));
  gtk_grid_view_set_max_columns (self->view, 12);
  gtk_grid_view_set_min_columns (self->view, 1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Query batch"), -1);

  self->scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scrolled), GTK_WIDGET (self->view));
  gtk_widget_set_parent (self->scrolled, GTK_WIDGET (self));
}

GtkWidget *
em_batch_grid_new (void)
{
  return g_object_new (EM_TYPE_BATCH_GRID, NULL);
}
