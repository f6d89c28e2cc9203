/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "spectra/em-spectrum.h"

G_BEGIN_DECLS

/* Reads one spectrum from a FITS file (gzip-compressed files are read
 * transparently), recognising the layout by itself:
 *
 *   "lamost-lrs-image"  LAMOST LRS DR1–DR7: primary image 5×N (flux, ivar,
 *                       wavelength — in DR1 a continuum-subtracted flux, the
 *                       wavelengths then come from COEFF0/COEFF1 — andmask,
 *                       ormask), float32 or float64 (DR2);
 *   "lamost-lrs-coadd"  LAMOST LRS DR8+: binary table COADD, one row of
 *                       array columns FLUX, IVAR, WAVELENGTH, ANDMASK, ORMASK;
 *   "lamost-mrs-coadd"  LAMOST MRS: the red arm, table COADD_R with LOGLAM;
 *   "wcs-linear", "wcs-log-linear"
 *                       any 1-D image with a linear or log-linear WCS
 *                       (CRVAL1, CDELT1 or CD1_1, CRPIX1); air wavelengths
 *                       (CTYPE1 = 'AWAV', VACUUM = F, AIRORVAC = 'air', or
 *                       no statement at all, the ground-based IRAF habit,
 *                       as in Ondřejov CCD700 files) become vacuum ones.
 *
 * Wavelengths come back in vacuum Å, ascending.  Errors are in
 * EM_SPECTRA_ERROR and name the file.  Thread-safe: every call opens its
 * own cfitsio handle (cfitsio is built reentrant, see
 * em_spectrum_read_is_thread_safe()). */
EmSpectrum *em_spectrum_read                 (const char  *path,
                                              GError     **error);

/* TRUE when the cfitsio in use was built reentrant, so that readers may
 * run in several threads at once. */
gboolean    em_spectrum_read_is_thread_safe  (void);

G_END_DECLS
