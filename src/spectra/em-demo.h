/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes a deterministic demo survey into @dir (created if needed):
 *
 *   DIR/pool/spec-LMJD-PLANID_spSS-FFF.fits[.gz]
 *       @n_pool simulated LAMOST LRS spectra, in the DR7 image layout
 *       (5×3909 float32) and the DR8+ table layout (COADD), about a third
 *       gzip-compressed: stars of many temperatures with the matching
 *       H-alpha absorption, rare single- and double-peaked emission-line
 *       stars (about 1–2 %, some of them weak, filling in the absorption),
 *       galaxies with redshifted emission lines, dead fibres, cosmic rays
 *       and sky residuals near H-alpha, noise following each S/N;
 *   DIR/seed.csv
 *       @n_seed labelled spectra in the layout of the Ondřejov dataset
 *       (simulated CCD700 spectra, air→vacuum, blurred σ = 7 px, resampled
 *       on 6519–6732 Å in 140 points), classes absorption / emission /
 *       double-peak in the proportions 47 / 41 / 12 %;
 *   DIR/truth.csv
 *       "id,label" for every pool spectrum, labels as in the seed set
 *       (whether the star shows H-alpha emission, single or double-peaked,
 *       in its noiseless spectrum; galaxies and dead fibres are
 *       "absorption": not an emission-line star).
 *
 * The same @seed gives byte-identical files. */
gboolean em_demo_write (const char *dir,
                        guint       n_pool,
                        guint       n_seed,
                        guint64     seed,
                        GError    **error);

G_END_DECLS
