/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One spectrum of the query batch at a glance: the network's 140-point
 * H-alpha window, the predicted class with its probability, the query
 * score and, once given, the oracle's label as a coloured badge. */
#include "em-config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gui/em-spectrum-plot.h"
#include "gui/em-thumbnail.h"

/* The default window of the Ondřejov dataset, where H-alpha sits. */
#define WINDOW_START 6519.0
#define WINDOW_END 6732.0

struct _EmThumbnail
{
  GtkWidget parent_instance;

  EmBatchItem *item;
  gulong       label_handler;
  PangoLayout *pred_layout;  /* predicted class and probability */
  PangoLayout *score_layout; /* query score */
  PangoLayout *tag_layout;   /* the label, or the id while unlabelled */
};

G_DEFINE_FINAL_TYPE (EmThumbnail, em_thumbnail, GTK_TYPE_WIDGET)

/* Colours for classes by index (absorption, emission, double-peak, …),
 * chosen from the GNOME palette; lighter shades on dark themes. */
void
em_thumbnail_class_color (int klass, gboolean dark, GdkRGBA *color)
{
  static const char *light[] = { "#3584e4", "#e01b24", "#9141ac", "#2ec27e", "#e66100",
                                 "#865e3c", "#c64600", "#1c71d8", "#63452c" };
  static const char *darkc[] = { "#99c1f1", "#f66151", "#dc8add", "#8ff0a4", "#ffbe6f",
                                 "#cdab8f", "#f9f06b", "#62a0ea", "#deddda" };

  if (klass < 0)
    {
      gdk_rgba_parse (color, dark ? "#deddda" : "#77767b");
      return;
    }
  gdk_rgba_parse (color, (dark ? darkc : light)[klass % G_N_ELEMENTS (light)]);
}

static gboolean
is_dark (GtkWidget *widget, GdkRGBA *fg)
{
#if GTK_CHECK_VERSION(4, 10, 0)
  gtk_widget_get_color (widget, fg);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), fg);
#endif
  return (0.3 * fg->red + 0.59 * fg->green + 0.11 * fg->blue) > 0.5;
}

static PangoLayout *
new_layout (EmThumbnail *self, const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);

  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  return layout;
}

static void
update_text (EmThumbnail *self)
{
  EmBatchItem       *item = self->item;
  const char *const *classes;
  int                predicted, label;
  char               text[160];

  g_clear_object (&self->pred_layout);
  g_clear_object (&self->score_layout);
  g_clear_object (&self->tag_layout);
  if (item == NULL)
    return;
  classes = em_batch_item_get_classes (item);
  predicted = em_batch_item_get_predicted (item);
  label = em_batch_item_get_label (item);

  if (predicted >= 0)
    /* Translators: thumbnail: predicted class and its probability */
    g_snprintf (text, sizeof text, _ ("%s %.0f %%"), classes[predicted],
                100.0 * em_batch_item_get_probability (item, (guint)predicted));
  else
    g_snprintf (text, sizeof text, "%s", _ ("no prediction"));
  self->pred_layout = new_layout (self, text);

  /* Translators: thumbnail: the query score (entropy of the prediction) */
  g_snprintf (text, sizeof text, _ ("score %.2f"), em_batch_item_get_score (item));
  /* a precision sample's spectra were drawn at random: no score */
  if (!isfinite (em_batch_item_get_score (item)))
    text[0] = '\0';
  self->score_layout = new_layout (self, text);

  if (label >= 0)
    /* Translators: thumbnail badge for a labelled spectrum */
    g_snprintf (text, sizeof text, _ ("✓ %s"), classes[label]);
  else
    g_snprintf (text, sizeof text, "%s", em_batch_item_get_id (item));
  self->tag_layout = new_layout (self, text);
}

/* Public so that the benchmark can time exactly what the widget draws. */
void
em_thumbnail_draw (EmThumbnail *self, cairo_t *cr, double w, double h)
{
  EmBatchItem *item = self->item;
  const float *win;
  gsize        n_win;
  GdkRGBA      fg, c;
  gboolean     dark;
  int          label, predicted, tw, th, sw;
  double       curve_h = h - 38, ha;

  if (item == NULL)
    return;
  dark = is_dark (GTK_WIDGET (self), &fg);
  label = em_batch_item_get_label (item);
  predicted = em_batch_item_get_predicted (item);
  win = em_batch_item_get_window (item, &n_win);

  /* Frame: tinted with the label's class once labelled, so a finished
   * batch can be read by colour. */
  if (label >= 0)
    {
      em_thumbnail_class_color (label, dark, &c);
      cairo_set_source_rgba (cr, c.red, c.green, c.blue, 0.14);
      cairo_rectangle (cr, 0, 0, w, h);
      cairo_fill (cr);
    }

  /* H-alpha marker, then the window's shape. */
  ha = (EM_H_ALPHA_VACUUM - WINDOW_START) / (WINDOW_END - WINDOW_START) * (w - 8) + 4;
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.18);
  cairo_set_line_width (cr, 1.0);
  cairo_move_to (cr, round (ha) + 0.5, 4);
  cairo_line_to (cr, round (ha) + 0.5, curve_h);
  cairo_stroke (cr);

  if (win != NULL && n_win >= 2)
    {
      em_thumbnail_class_color (predicted, dark, &c);
      cairo_set_source_rgba (cr, c.red, c.green, c.blue, 1.0);
      cairo_set_line_width (cr, 1.25);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_BEVEL);
      /* Cairo's default antialiasing costs ~0.3 ms per 140-point curve:
       * 30 ms for a batch of 100, two frames.  FAST is ten times quicker
       * and looks the same at this size. */
      cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
      for (gsize k = 0; k < n_win; k++)
        {
          double v = isfinite (win[k]) ? CLAMP (win[k], -1.0f, 1.0f) : 0.0;
          double x = 4 + (w - 8) * k / (double)(n_win - 1);
          double y = 4 + (curve_h - 8) * (1.0 - (v + 1.0) / 2.0);

          if (k == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      cairo_stroke (cr);
    }

  /* The texts are laid out once per item, label and font (see
   * update_text), not per frame: shaping them was most of the cost. */
  if (self->pred_layout == NULL)
    update_text (self);
  pango_layout_get_pixel_size (self->score_layout, &sw, &th);

  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.85);
  pango_layout_set_width (self->pred_layout, (int)((w - 8) * PANGO_SCALE));
  cairo_move_to (cr, 4, curve_h);
  pango_cairo_show_layout (cr, self->pred_layout);

  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.55);
  cairo_move_to (cr, w - 4 - sw, h - th - 2);
  pango_cairo_show_layout (cr, self->score_layout);

  if (label >= 0)
    {
      em_thumbnail_class_color (label, dark, &c);
      cairo_set_source_rgba (cr, c.red, c.green, c.blue, 1.0);
    }
  else
    cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.55);
  pango_layout_set_width (self->tag_layout, (int)(MAX (w - 14 - sw, 10) * PANGO_SCALE));
  pango_layout_get_pixel_size (self->tag_layout, &tw, &th);
  cairo_move_to (cr, 4, h - th - 2);
  pango_cairo_show_layout (cr, self->tag_layout);
}

static void
em_thumbnail_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int      w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  em_thumbnail_draw (EM_THUMBNAIL (widget), cr, w, h);
  cairo_destroy (cr);
}

static void
em_thumbnail_measure (GtkWidget     *widget,
                      GtkOrientation orientation,
                      int            for_size,
                      int           *minimum,
                      int           *natural,
                      int           *minimum_baseline,
                      int           *natural_baseline)
{
  *minimum = *natural
      = orientation == GTK_ORIENTATION_HORIZONTAL ? EM_THUMBNAIL_WIDTH : EM_THUMBNAIL_HEIGHT;
}

static void
update_accessible (EmThumbnail *self)
{
  g_autofree char   *text = NULL;
  EmBatchItem       *item = self->item;
  const char *const *classes;
  int                predicted, label;

  if (item == NULL)
    return;
  classes = em_batch_item_get_classes (item);
  predicted = em_batch_item_get_predicted (item);
  label = em_batch_item_get_label (item);
  /* Translators: accessible name of a thumbnail: id, predicted class,
   * probability in %, query score, then the label or "unlabelled" */
  if (isfinite (em_batch_item_get_score (item)))
    text = g_strdup_printf (
        _ ("%s, predicted %s %.0f %%, score %.2f, %s"), em_batch_item_get_id (item),
        predicted >= 0 ? classes[predicted] : _ ("nothing"),
        predicted >= 0 ? 100.0 * em_batch_item_get_probability (item, (guint)predicted) : 0.0,
        em_batch_item_get_score (item), label >= 0 ? classes[label] : _ ("unlabelled"));
  else
    /* Translators: accessible name of a thumbnail of the precision
     * sample (no query score): id, predicted class, probability in %,
     * then the label or "unlabelled" */
    text = g_strdup_printf (
        _ ("%s, predicted %s %.0f %%, %s"), em_batch_item_get_id (item),
        predicted >= 0 ? classes[predicted] : _ ("nothing"),
        predicted >= 0 ? 100.0 * em_batch_item_get_probability (item, (guint)predicted) : 0.0,
        label >= 0 ? classes[label] : _ ("unlabelled"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
on_label_changed (EmThumbnail *self)
{
  update_text (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
em_thumbnail_set_item (EmThumbnail *self, EmBatchItem *item)
{
  g_return_if_fail (EM_IS_THUMBNAIL (self));

  if (self->item == item)
    return;
  if (self->item != NULL)
    g_clear_signal_handler (&self->label_handler, self->item);
  g_set_object (&self->item, item);
  if (item != NULL)
    self->label_handler
        = g_signal_connect_swapped (item, "notify::label", G_CALLBACK (on_label_changed), self);
  on_label_changed (self);
}

EmBatchItem *
em_thumbnail_get_item (EmThumbnail *self)
{
  g_return_val_if_fail (EM_IS_THUMBNAIL (self), NULL);
  return self->item;
}

static void
em_thumbnail_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (em_thumbnail_parent_class)->css_changed (widget, change);
  /* the font may have changed: lay the texts out again when drawn */
  g_clear_object (&EM_THUMBNAIL (widget)->pred_layout);
}

static void
em_thumbnail_dispose (GObject *object)
{
  em_thumbnail_set_item (EM_THUMBNAIL (object), NULL);
  update_text (EM_THUMBNAIL (object));
  G_OBJECT_CLASS (em_thumbnail_parent_class)->dispose (object);
}

static void
em_thumbnail_class_init (EmThumbnailClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = em_thumbnail_dispose;
  widget_class->snapshot = em_thumbnail_snapshot;
  widget_class->measure = em_thumbnail_measure;
  widget_class->css_changed = em_thumbnail_css_changed;
  gtk_widget_class_set_css_name (widget_class, "thumbnail");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
em_thumbnail_init (EmThumbnail *self)
{
}

GtkWidget *
em_thumbnail_new (void)
{
  return g_object_new (EM_TYPE_THUMBNAIL, NULL);
}
