/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <math.h>

#include "gui/em-batch-item.h"

struct _EmBatchItem
{
  GObject parent_instance;

  char   *id;
  gint64  row;
  float  *window;
  gsize   n_window;
  char  **classes;
  double *probabilities;
  guint   n_classes;
  int     predicted;
  double  score;
  int     label;
  char   *source_path;
  char   *designation;
  double  ra, dec, snr;
  char   *survey_class;
};

G_DEFINE_FINAL_TYPE (EmBatchItem, em_batch_item, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
em_batch_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  EmBatchItem *self = EM_BATCH_ITEM (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      g_value_set_int (value, self->label);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
em_batch_item_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_LABEL:
      em_batch_item_set_label (EM_BATCH_ITEM (object), g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
em_batch_item_finalize (GObject *object)
{
  EmBatchItem *self = EM_BATCH_ITEM (object);

  g_free (self->id);
  g_free (self->window);
  g_strfreev (self->classes);
  g_free (self->probabilities);
  g_free (self->source_path);
  g_free (self->designation);
  g_free (self->survey_class);
  G_OBJECT_CLASS (em_batch_item_parent_class)->finalize (object);
}

static void
em_batch_item_class_init (EmBatchItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = em_batch_item_finalize;
  object_class->get_property = em_batch_item_get_property;
  object_class->set_property = em_batch_item_set_property;

  properties[PROP_LABEL]
      = g_param_spec_int ("label", NULL, NULL, -1, G_MAXINT, -1,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
em_batch_item_init (EmBatchItem *self)
{
  self->label = -1;
  self->predicted = -1;
  self->ra = self->dec = self->snr = NAN;
}

/* @probabilities has one value per class (NULL: no prediction yet). */
EmBatchItem *
em_batch_item_new (const char        *id,
                   gint64             row,
                   const float       *window,
                   gsize              n_window,
                   const char *const *classes,
                   const double      *probabilities,
                   double             score)
{
  EmBatchItem *self = g_object_new (EM_TYPE_BATCH_ITEM, NULL);

  self->id = g_strdup (id);
  self->row = row;
  if (window != NULL && n_window > 0)
    {
      self->window = g_memdup2 (window, n_window * sizeof (float));
      self->n_window = n_window;
    }
  self->classes = g_strdupv ((char **)classes);
  self->n_classes = self->classes != NULL ? g_strv_length (self->classes) : 0;
  if (probabilities != NULL && self->n_classes > 0)
    {
      self->probabilities = g_memdup2 (probabilities, self->n_classes * sizeof (double));
      self->predicted = 0;
      for (guint k = 1; k < self->n_classes; k++)
        if (probabilities[k] > probabilities[self->predicted])
          self->predicted = (int)k;
    }
  self->score = score;
  return self;
}

const char *
em_batch_item_get_id (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), NULL);
  return self->id;
}

gint64
em_batch_item_get_row (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), -1);
  return self->row;
}

const float *
em_batch_item_get_window (EmBatchItem *self, gsize *n_window)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), NULL);
  if (n_window != NULL)
    *n_window = self->n_window;
  return self->window;
}

const char *const *
em_batch_item_get_classes (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), NULL);
  return (const char *const *)self->classes;
}

guint
em_batch_item_get_n_classes (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), 0);
  return self->n_classes;
}

/* NAN when there is no prediction or @klass is out of range. */
double
em_batch_item_get_probability (EmBatchItem *self, guint klass)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), NAN);
  if (self->probabilities == NULL || klass >= self->n_classes)
    return NAN;
  return self->probabilities[klass];
}

/* The most probable class, -1 without a prediction. */
int
em_batch_item_get_predicted (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), -1);
  return self->predicted;
}

double
em_batch_item_get_score (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), NAN);
  return self->score;
}

int
em_batch_item_get_label (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), -1);
  return self->label;
}

void
em_batch_item_set_label (EmBatchItem *self, int label)
{
  g_return_if_fail (EM_IS_BATCH_ITEM (self));
  g_return_if_fail (label >= -1 && label < (int)self->n_classes);

  if (self->label == label)
    return;
  self->label = label;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
}

const char *
em_batch_item_get_source_path (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), NULL);
  return self->source_path;
}

void
em_batch_item_set_source_path (EmBatchItem *self, const char *path)
{
  g_return_if_fail (EM_IS_BATCH_ITEM (self));
  g_free (self->source_path);
  self->source_path = g_strdup (path);
}

/* Metadata shown beside the plot; NULL / NAN where the survey has none. */
void
em_batch_item_set_metadata (EmBatchItem *self,
                            const char  *designation,
                            double       ra,
                            double       dec,
                            double       snr,
                            const char  *survey_class)
{
  g_return_if_fail (EM_IS_BATCH_ITEM (self));
  g_free (self->designation);
  self->designation = g_strdup (designation);
  self->ra = ra;
  self->dec = dec;
  self->snr = snr;
  g_free (self->survey_class);
  self->survey_class = g_strdup (survey_class);
}

const char *
em_batch_item_get_designation (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), NULL);
  return self->designation;
}

double
em_batch_item_get_ra (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), NAN);
  return self->ra;
}

double
em_batch_item_get_dec (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), NAN);
  return self->dec;
}

double
em_batch_item_get_snr (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), NAN);
  return self->snr;
}

const char *
em_batch_item_get_survey_class (EmBatchItem *self)
{
  g_return_val_if_fail (EM_IS_BATCH_ITEM (self), NULL);
  return self->survey_class;
}
