/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What emissary-cli train and classify share: the model metadata that
 * makes a model file self-describing (class names, wavelength grid,
 * preprocessing). */

#include <glib.h>

#include "nn/nn.h"
#include "spectra/em-preprocess.h"

G_BEGIN_DECLS

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
gboolean           em_cli_model_grid         (const NnModel     *model,
                                              const char        *model_path,
                                              EmGrid            *grid,
                                              GError           **error);

G_END_DECLS
