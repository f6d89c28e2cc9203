/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window and the Virtual Observatory: the SIMBAD panel around the
 * selected spectrum, and SAMP (following the selection, sending the
 * spectrum or the batch, answers from TOPCAT and Aladin). */
#include "em-config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <math.h>

#include "gui/em-window-private.h"
#include "vo/em-samp-messages.h"
#include "vo/em-votable.h"

/* Seconds a SAMP peer may take to answer a call. */
#define SAMP_TIMEOUT 20

/* Wait this long after the selection settles before asking SIMBAD, so
 * that stepping quickly through a batch sends no queries for spectra
 * that were only passed by. */
#define SIMBAD_DELAY_MS 300

/* ---- SIMBAD ----------------------------------------------------------- */

static void
simbad_clear (EmWindow *self)
{
  GtkWidget *row;

  while ((row = gtk_widget_get_first_child (GTK_WIDGET (self->simbad_list))) != NULL)
    gtk_list_box_remove (self->simbad_list, row);
}

static GtkWidget *
simbad_row (const EmSimbadObject *o)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *name = gtk_label_new (o->main_id);
  GtkWidget *detail;
  GtkWidget *link;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *escaped = g_uri_escape_string (o->main_id, NULL, FALSE);
  g_autofree char *uri
      = g_strdup_printf ("https://simbad.cds.unistra.fr/simbad/sim-id?Ident=%s", escaped);
  g_autofree char *a11y = NULL;

  g_string_append (text, o->otype != NULL ? o->otype : "?");
  if (o->otype_description != NULL && o->otype_description[0] != '\0')
    g_string_append_printf (text, " (%s)", o->otype_description);
  if (o->sp_type != NULL && o->sp_type[0] != '\0')
    g_string_append_printf (text, " · %s", o->sp_type);
  if (isfinite (o->separation))
    /* Translators: angular separation in arcseconds */
    g_string_append_printf (text, _ (" · %.1f″"), o->separation);
  detail = gtk_label_new (text->str);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_selectable (GTK_LABEL (name), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (texts), name);
  gtk_box_append (GTK_BOX (texts), detail);

  link = gtk_link_button_new (uri);
  gtk_button_set_icon_name (GTK_BUTTON (link), "web-browser-symbolic");
  /* Translators: %s is a SIMBAD identifier */
  a11y = g_strdup_printf (_ ("Open %s in SIMBAD"), o->main_id);
  gtk_widget_set_tooltip_text (link, a11y);
  gtk_accessible_update_property (GTK_ACCESSIBLE (link), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  gtk_widget_set_valign (link, GTK_ALIGN_CENTER);

  gtk_box_append (GTK_BOX (box), texts);
  gtk_box_append (GTK_BOX (box), link);
  return box;
}

typedef struct
{
  EmWindow *window;
  char     *id;
} SimbadQuery;

static void
on_simbad_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SimbadQuery *q = user_data;
  EmWindow    *self = q->window;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) objects
      = em_simbad_cone_search_finish ((EmSimbadClient *)source, result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    goto out;
  gtk_spinner_stop (self->simbad_spinner);
  simbad_clear (self);
  g_free (self->simbad_done_for);
  self->simbad_done_for = g_strdup (q->id);
  if (objects == NULL)
    {
      /* A calm line where the list would be; labelling goes on. */
      g_autofree char *text = g_strdup_printf (_ ("SIMBAD could not be asked: %s"), error->message);

      gtk_label_set_text (self->simbad_status, text);
      goto out;
    }
  for (guint i = 0; i < objects->len; i++)
    gtk_list_box_append (self->simbad_list, simbad_row (g_ptr_array_index (objects, i)));
  if (objects->len == 0)
    {
      /* Translators: %.1f is the cone radius in arcseconds */
      g_autofree char *text
          = g_strdup_printf (_ ("Nothing in SIMBAD within %.1f″"), self->simbad_radius);
      gtk_label_set_text (self->simbad_status, text);
    }
  else
    {
      /* Translators: number of SIMBAD objects found, cone radius in arcseconds */
      g_autofree char *text
          = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u object within %.1f″",
                                          "%u objects within %.1f″", objects->len),
                             objects->len, self->simbad_radius);
      gtk_label_set_text (self->simbad_status, text);
    }
out:
  g_object_unref (q->window);
  g_free (q->id);
  g_free (q);
}

static gboolean
simbad_ask (gpointer user_data)
{
  EmWindow    *self = user_data;
  EmBatchItem *item = em_window_get_selected_item (self);
  SimbadQuery *q;

  self->simbad_timeout = 0;
  if (item == NULL || self->simbad == NULL)
    return G_SOURCE_REMOVE;
  q = g_new0 (SimbadQuery, 1);
  q->window = g_object_ref (self);
  q->id = g_strdup (em_batch_item_get_id (item));
  em_simbad_cone_search_async (self->simbad, em_batch_item_get_ra (item),
                               em_batch_item_get_dec (item), self->simbad_radius,
                               self->simbad_cancellable, on_simbad_done, q);
  return G_SOURCE_REMOVE;
}

void
_em_window_simbad_schedule (EmWindow *self, EmBatchItem *item)
{
  if (self->simbad == NULL)
    return;
  if (item != NULL && g_strcmp0 (self->simbad_done_for, em_batch_item_get_id (item)) == 0)
    return;
  g_cancellable_cancel (self->simbad_cancellable);
  g_clear_object (&self->simbad_cancellable);
  self->simbad_cancellable = g_cancellable_new ();
  g_clear_handle_id (&self->simbad_timeout, g_source_remove);
  g_clear_pointer (&self->simbad_done_for, g_free);
  simbad_clear (self);
  gtk_spinner_stop (self->simbad_spinner);
  if (item == NULL)
    {
      gtk_label_set_text (self->simbad_status, "");
      return;
    }
  if (!isfinite (em_batch_item_get_ra (item)) || !isfinite (em_batch_item_get_dec (item)))
    {
      gtk_label_set_text (self->simbad_status, _ ("No coordinates: nothing to ask SIMBAD"));
      return;
    }
  gtk_label_set_text (self->simbad_status, _ ("Asking SIMBAD…"));
  gtk_spinner_start (self->simbad_spinner);
  self->simbad_timeout = g_timeout_add (SIMBAD_DELAY_MS, simbad_ask, self);
}

/* Where the SIMBAD panel asks (NULL: hide it), and the cone radius in
 * arcseconds.  Responses are cached on disk (the user cache folder). */
void
em_window_set_simbad (EmWindow *self, const char *url, double radius_arcsec)
{
  g_autoptr (EmSimbadCache) cache = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (EM_IS_WINDOW (self));

  g_clear_pointer (&self->simbad, em_simbad_client_unref);
  g_clear_pointer (&self->simbad_done_for, g_free);
  self->simbad_radius = radius_arcsec > 0 ? radius_arcsec : EM_SIMBAD_DEFAULT_RADIUS_ARCSEC;
  if (url != NULL)
    {
      cache = em_simbad_cache_open (NULL, &error);
      if (cache == NULL)
        g_message ("SIMBAD answers will not be cached: %s", error->message);
      self->simbad = em_simbad_client_new (url, cache);
    }
  gtk_widget_set_visible (self->simbad_box, self->simbad != NULL);
  _em_window_simbad_schedule (self, em_window_get_selected_item (self));
}

/* The SIMBAD panel's state, for tests: the status line and the main ids
 * listed (NULL-terminated, free with g_strfreev). */
const char *
em_window_get_simbad_status (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return gtk_label_get_text (self->simbad_status);
}

gboolean
em_window_is_asking_simbad (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), FALSE);
  return self->simbad_timeout != 0 || gtk_spinner_get_spinning (self->simbad_spinner);
}

char **
em_window_dup_simbad_ids (EmWindow *self)
{
  g_autoptr (GStrvBuilder) ids = g_strv_builder_new ();

  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->simbad_list)); row;
       row = gtk_widget_get_next_sibling (row))
    {
      /* row → box → texts → name */
      GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));
      GtkWidget *name = gtk_widget_get_first_child (gtk_widget_get_first_child (box));

      g_strv_builder_add (ids, gtk_label_get_text (GTK_LABEL (name)));
    }
  return g_strv_builder_end (ids);
}

/* ---- SAMP ------------------------------------------------------------- */

static GtkWidget *
peer_row (gpointer item, gpointer user_data)
{
  EmSampPeer *peer = item;
  const char *name = em_samp_peer_get_name (peer);
  GtkWidget  *label = gtk_label_new (name != NULL ? name : em_samp_peer_get_id (peer));

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_start (label, 8);
  gtk_widget_set_margin_end (label, 8);
  gtk_widget_set_margin_top (label, 4);
  gtk_widget_set_margin_bottom (label, 4);
  return label;
}

void
_em_window_samp_update (EmWindow *self)
{
  gboolean     connected = self->samp != NULL && em_samp_client_get_connected (self->samp);
  EmBatchItem *item = em_window_get_selected_item (self);
  gboolean     has_position = item != NULL && isfinite (em_batch_item_get_ra (item))
                          && isfinite (em_batch_item_get_dec (item));
  guint n_peers = connected ? g_list_model_get_n_items (em_samp_client_get_peers (self->samp)) : 0;
  g_autofree char *text = NULL;

  if (self->samp == NULL)
    text = g_strdup (_ ("SAMP is off"));
  else if (!connected)
    text = g_strdup (_ ("No SAMP hub: start TOPCAT or Aladin, Emissary connects by itself"));
  else
    /* Translators: SAMP status with the number of other clients */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Connected to the SAMP hub, %u client",
                                         "Connected to the SAMP hub, %u clients", n_peers),
                            n_peers);
  gtk_label_set_text (self->samp_status, text);
  gtk_menu_button_set_icon_name (self->samp_button, connected ? "network-transmit-receive-symbolic"
                                                              : "network-offline-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->samp_button), text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-in-aladin",
                                 connected && has_position);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send-spectrum",
                                 connected && item != NULL
                                     && em_batch_item_get_source_path (item) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send-batch",
                                 connected && self->batch != NULL
                                     && g_list_model_get_n_items (self->batch) > 0);
}

static void
on_samp_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (EmWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!em_samp_client_send_finish (EM_SAMP_CLIENT (source), result, NULL, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    _em_window_toast (self, error->message);
}

static void
on_samp_notified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_auto (GStrv) ids = NULL;
  g_autoptr (GError) error = NULL;

  /* Following the selection is best effort: nobody listening is fine. */
  ids = em_samp_client_notify_finish (EM_SAMP_CLIENT (source), result, &error);
  if (ids == NULL && error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("SAMP notification: %s", error->message);
}

static void
on_rows_selected (EmSampClient *client,
                  const char   *table_id,
                  GStrv         ids,
                  const char   *sender_id,
                  EmWindow     *self)
{
  guint n;

  if (self->batch == NULL || ids == NULL || ids[0] == NULL
      || g_strcmp0 (table_id, self->batch_table_id) != 0)
    return;
  n = g_list_model_get_n_items (self->batch);
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (em_batch_item_get_id (_em_window_get_item (self, i)), ids[0]) == 0)
      {
        em_batch_grid_set_selected (self->batch_grid, i);
        return;
      }
}

/* TOPCAT's "activate row" highlights it: select it here too. */
static void
on_row_highlighted (EmSampClient *client,
                    const char   *table_id,
                    const char   *id,
                    const char   *sender_id,
                    EmWindow     *self)
{
  const char *ids[] = { id, NULL };

  on_rows_selected (client, table_id, (GStrv)ids, sender_id, self);
}

void
_em_window_samp_follow (EmWindow *self, EmBatchItem *item)
{
  guint position = em_batch_grid_get_selected (self->batch_grid);

  if (!self->follow_selection || self->samp == NULL || item == NULL
      || !em_samp_client_get_connected (self->samp))
    return;
  if (isfinite (em_batch_item_get_ra (item)) && isfinite (em_batch_item_get_dec (item)))
    em_samp_client_notify_async (
        self->samp, NULL,
        em_samp_msg_coord_point_at_sky (em_batch_item_get_ra (item), em_batch_item_get_dec (item)),
        self->samp_cancellable, on_samp_notified, NULL);
  if (self->batch_table_id != NULL && position != GTK_INVALID_LIST_POSITION)
    em_samp_client_notify_async (
        self->samp, NULL,
        em_samp_msg_table_highlight_row (self->batch_table_id, self->batch_table_url, position),
        self->samp_cancellable, on_samp_notified, NULL);
}

/* The SAMP client windows send through (NULL: none); the application owns
 * one for all its windows. */
void
em_window_set_samp (EmWindow *self, EmSampClient *client)
{
  g_return_if_fail (EM_IS_WINDOW (self));

  if (self->samp != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->samp, self);
      g_signal_handlers_disconnect_by_data (em_samp_client_get_peers (self->samp), self);
    }
  g_set_object (&self->samp, client);
  gtk_list_box_bind_model (self->samp_peers, client ? em_samp_client_get_peers (client) : NULL,
                           peer_row, NULL, NULL);
  if (client != NULL)
    {
      g_signal_connect_swapped (client, "notify::connected", G_CALLBACK (_em_window_samp_update),
                                self);
      g_signal_connect_swapped (em_samp_client_get_peers (client), "items-changed",
                                G_CALLBACK (_em_window_samp_update), self);
      g_signal_connect (client, "rows-selected", G_CALLBACK (on_rows_selected), self);
      g_signal_connect (client, "row-highlighted", G_CALLBACK (on_row_highlighted), self);
    }
  _em_window_samp_update (self);
}

static void
action_show_in_aladin (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow    *self = EM_WINDOW (widget);
  EmBatchItem *item = em_window_get_selected_item (self);

  if (item == NULL || self->samp == NULL)
    return;
  /* Aladin loads the HiPS survey of the preferences around it (an
   * Aladin script: only Aladin subscribes), then every client that
   * takes positions points there. */
  {
    g_autofree char *script = em_samp_aladin_hips_script (
        self->hips_survey, em_batch_item_get_ra (item), em_batch_item_get_dec (item));

    if (script != NULL)
      em_samp_client_notify_async (self->samp, NULL, em_samp_msg_script_aladin_send (script),
                                   self->samp_cancellable, on_samp_notified, NULL);
    else if (self->hips_survey != NULL && self->hips_survey[0] != '\0')
      {
        /* Translators: %s is the HiPS identifier of the preferences */
        g_autofree char *text = g_strdup_printf (
            _ ("“%s” is no HiPS identifier Aladin can load (see Preferences)"), self->hips_survey);

        _em_window_toast (self, text);
      }
  }
  em_samp_client_send_async (
      self->samp, NULL,
      em_samp_msg_coord_point_at_sky (em_batch_item_get_ra (item), em_batch_item_get_dec (item)),
      SAMP_TIMEOUT, self->samp_cancellable, on_samp_sent, g_object_ref (self));
}

static void
action_send_spectrum (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow        *self = EM_WINDOW (widget);
  EmBatchItem     *item = em_window_get_selected_item (self);
  const char      *path;
  g_autofree char *url = NULL;

  if (item == NULL || self->samp == NULL || (path = em_batch_item_get_source_path (item)) == NULL)
    return;
  url = em_samp_file_url (path);
  em_samp_client_send_async (
      self->samp, NULL,
      em_samp_msg_spectrum_load_ssa (url, em_batch_item_get_id (item), em_batch_item_get_id (item),
                                     em_samp_spectrum_format_for (path), NULL),
      SAMP_TIMEOUT, self->samp_cancellable, on_samp_sent, g_object_ref (self));
}

/* The batch as a VOTable (one row per spectrum, in grid order, so that
 * row i is position i). */
static EmVotable *
batch_votable (EmWindow *self)
{
  EmVotable *t = em_votable_new ("emissary_batch");
  guint      n = g_list_model_get_n_items (self->batch);
  guint      c_id, c_desig, c_ra, c_pred, c_prob, c_score, c_label;

  c_id = em_votable_add_field (t, "id", EM_VOTABLE_CHAR, "*", NULL, "meta.id;meta.main", NULL,
                               "Spectrum id");
  c_desig = em_votable_add_field (t, "designation", EM_VOTABLE_CHAR, "*", NULL, "meta.id", NULL,
                                  "Survey designation");
  c_ra = em_votable_add_radec_fields (t, "ra", "dec");
  c_pred = em_votable_add_field (t, "predicted_class", EM_VOTABLE_CHAR, "*", NULL,
                                 "meta.code.class", NULL, "Class predicted by the network");
  c_prob = em_votable_add_field (t, "probability", EM_VOTABLE_DOUBLE, NULL, NULL,
                                 "stat.probability", NULL, "Probability of the predicted class");
  c_score = em_votable_add_field (t, "score", EM_VOTABLE_DOUBLE, NULL, NULL, "stat.value", NULL,
                                  "Query score (higher: asked first)");
  c_label = em_votable_add_field (t, "label", EM_VOTABLE_CHAR, "*", NULL, "meta.code.class", NULL,
                                  "Label given by the oracle");
  for (guint i = 0; i < n; i++)
    {
      EmBatchItem *item = _em_window_get_item (self, i);
      gsize        row = em_votable_add_row (t);
      int          predicted = em_batch_item_get_predicted (item);
      int          label = em_batch_item_get_label (item);

      em_votable_set_string (t, row, c_id, em_batch_item_get_id (item));
      if (em_batch_item_get_designation (item) != NULL)
        em_votable_set_string (t, row, c_desig, em_batch_item_get_designation (item));
      em_votable_set_double (t, row, c_ra, em_batch_item_get_ra (item));
      em_votable_set_double (t, row, c_ra + 1, em_batch_item_get_dec (item));
      if (predicted >= 0)
        {
          em_votable_set_string (t, row, c_pred, em_batch_item_get_classes (item)[predicted]);
          em_votable_set_double (t, row, c_prob,
                                 em_batch_item_get_probability (item, (guint)predicted));
        }
      em_votable_set_double (t, row, c_score, em_batch_item_get_score (item));
      if (label >= 0)
        em_votable_set_string (t, row, c_label, em_batch_item_get_classes (item)[label]);
    }
  return t;
}

static void
action_send_batch (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EmWindow *self = EM_WINDOW (widget);
  g_autoptr (EmVotable) table = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "emissary", NULL);
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  guint            n;

  if (self->batch == NULL || self->samp == NULL)
    return;
  n = g_list_model_get_n_items (self->batch);
  table = batch_votable (self);
  /* One file per window and iteration: TOPCAT may read it later. */
  file = g_strdup_printf ("batch-%p-%u.xml", (void *)self, self->iteration);
  path = g_build_filename (dir, file, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0 || !em_votable_write_file (table, path, &error))
    {
      g_autofree char *text = g_strdup_printf (_ ("Cannot write %s: %s"), path,
                                               error ? error->message : g_strerror (errno));
      _em_window_toast (self, text);
      return;
    }
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ids, (gpointer)em_batch_item_get_id (_em_window_get_item (self, i)));
  g_ptr_array_add (ids, NULL);

  g_clear_pointer (&self->batch_table_id, g_free);
  g_free (self->batch_table_url);
  self->batch_table_url = em_samp_file_url (path);
  /* Translators: table name in TOPCAT; %u is the iteration */
  name = g_strdup_printf (_ ("Emissary batch %u"), self->iteration);
  em_samp_client_send_table_async (self->samp, NULL, self->batch_table_url, name,
                                   (const char *const *)ids->pdata, &self->batch_table_id,
                                   SAMP_TIMEOUT, self->samp_cancellable, on_samp_sent,
                                   g_object_ref (self));
}

/* The SAMP table id of the batch as last sent, NULL before. */
const char *
em_window_get_batch_table_id (EmWindow *self)
{
  g_return_val_if_fail (EM_IS_WINDOW (self), NULL);
  return self->batch_table_id;
}

/* Called by em_window_class_init: the SAMP actions. */
void
_em_window_class_init_vo (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.show-in-aladin", NULL, action_show_in_aladin);
  gtk_widget_class_install_action (widget_class, "win.send-spectrum", NULL, action_send_spectrum);
  gtk_widget_class_install_action (widget_class, "win.send-batch", NULL, action_send_batch);
}
