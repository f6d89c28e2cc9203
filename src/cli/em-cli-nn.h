/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What emissary-cli train and classify share: the labelled CSV as the
 * network sees it, and the model metadata that makes a model file
 * self-describing (class names, wavelength grid, preprocessing). */

#include <glib.h>

#include "nn/nn.h"

G_BEGIN_DECLS

typedef struct
{
  guint   n_rows;
  guint   n_flux;
  double *wave;   /* n_flux, Å */
  char  **ids;    /* n_rows, NULL-terminated */
  char  **labels; /* n_rows, NULL-terminated */
  float  *flux;   /* n_rows × n_flux */
} EmCliSpectraTable;

void               em_cli_spectra_table_free (EmCliSpectraTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmCliSpectraTable, em_cli_spectra_table_free)

/* Reads a CSV in the Ondřejov layout (id, label, metadata, one column per
 * flux named by its wavelength). */
EmCliSpectraTable *em_cli_read_spectra_csv   (const char        *path,
                                              GError           **error);

/* The preprocessing the model metadata names ("minmax[-1,1]"). */
#define EM_NN_PREPROCESSING "minmax[-1,1]"

/* The model metadata, as the experiment layer writes it too:
 * "classes" = the names comma-separated, in the order of the outputs;
 * "grid" = "START:END:N", N uniform wavelengths (vacuum Å) from START to
 * END inclusive; "preprocessing" = EM_NN_PREPROCESSING (the method's,
 * assumed when absent). */
#define EM_CLI_GRID_TOLERANCE 1e-3 /* Å */

/* "START:END:N" for uniform wavelengths, else NULL with @error naming the
 * column off the grid. */
char              *em_cli_grid_string        (const double      *wave,
                                              guint              n,
                                              GError           **error);
/* The parsers return NULL with @error naming @model_path when the value is
 * missing or malformed. */
GStrv              em_cli_model_classes      (const NnModel     *model,
                                              const char        *model_path,
                                              GError           **error);
GArray            *em_cli_model_grid         (const NnModel     *model,
                                              const char        *model_path,
                                              GError           **error);

G_END_DECLS
