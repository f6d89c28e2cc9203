/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "spectra/em-spectrum.h"

G_BEGIN_DECLS

/* A labelled set in the layout of the Ondřejov dataset
 * (podondra/ondrejov-dataset): a CSV file with the header
 *
 *   id,label,object,ra,dec,expval,gratang,detector,chipid,specfilt,date-obs,dichmir,
 *   6519.0,6520.532374100719,…,6732.0
 *
 * i.e. metadata columns, then one column per flux whose header is its
 * (vacuum) wavelength in Å.  RA is sexagesimal hours ("13:25:11.580"),
 * Dec sexagesimal degrees ("-11:09:40.70"); decimal degrees are accepted
 * too.  The reader finds id, label, object, ra and dec by name (only id
 * and label are required), takes every column whose header is a number as
 * a flux column, and ignores the rest.  Numeric labels 0/1/2 (the coding
 * of podondra/active-cnn) are read as absorption/emission/double-peak. */
typedef struct
{
  guint   n_rows;
  guint   n_flux;
  double *wave;      /* n_flux wavelengths, Å */
  char  **ids;       /* n_rows, NULL-terminated */
  char  **labels;    /* n_rows, NULL-terminated */
  char  **objects;   /* n_rows, NULL-terminated; "" when unknown */
  double *ra;        /* degrees, NAN when unknown */
  double *dec;       /* degrees, NAN when unknown */
  float  *flux;      /* n_rows × n_flux, row-major */
} EmLabelledSet;

/* A zeroed set of @n_rows rows (ids, labels and objects "" — replace them
 * with g_free + g_strdup), RA/Dec NAN, wavelengths unset. */
EmLabelledSet *em_labelled_set_new       (guint                n_rows,
                                          guint                n_flux);
void           em_labelled_set_free      (EmLabelledSet       *set);

/* Errors (EM_SPECTRA_ERROR) name the file and the line. */
EmLabelledSet *em_labelled_set_read_csv  (const char          *path,
                                          GError             **error);

/* Writes @set in the same layout (the Ondřejov metadata columns that the
 * set does not hold are left empty), atomically. */
gboolean       em_labelled_set_write_csv (const EmLabelledSet *set,
                                          const char          *path,
                                          GError             **error);

/* The label names of the Ondřejov dataset, in the order of its numeric
 * coding. */
#define EM_LABEL_ABSORPTION  "absorption"
#define EM_LABEL_EMISSION    "emission"
#define EM_LABEL_DOUBLE_PEAK "double-peak"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmLabelledSet, em_labelled_set_free)

G_END_DECLS
