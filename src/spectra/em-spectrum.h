/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EM_SPECTRA_ERROR (em_spectra_error_quark ())

typedef enum
{
  EM_SPECTRA_ERROR_OPEN,        /* the file cannot be opened or is not FITS/CSV */
  EM_SPECTRA_ERROR_FORMAT,      /* a FITS/CSV file that is not a spectrum we know */
  EM_SPECTRA_ERROR_CORRUPT,     /* truncated or inconsistent content */
  EM_SPECTRA_ERROR_COVERAGE,    /* the grid is not covered by the spectrum */
  EM_SPECTRA_ERROR_MASKED,      /* no usable pixel where one is needed */
} EmSpectraError;

GQuark em_spectra_error_quark (void);

/* One spectrum as read from a survey file.  Wavelengths are vacuum Å in
 * ascending order; mask[i] != 0 marks a pixel not to be trusted (bad
 * and-mask bits, ivar == 0, non-finite flux). */
typedef struct
{
  char   *id;            /* file name without directory and .fits/.fits.gz */
  char   *designation;   /* e.g. "J220848.54-020324.3"; NULL if unknown */
  double  ra;            /* degrees, NAN if unknown */
  double  dec;           /* degrees, NAN if unknown */
  char   *obsid;         /* NULL when the survey has none (LAMOST DR2) */
  double  snr;           /* r-band S/N, NAN if unknown */
  char   *survey_class;  /* survey classification, e.g. "STAR G7"; NULL if none */
  char   *source_path;   /* the file it was read from */
  char   *format;        /* reader that produced it, e.g. "lamost-lrs-image" */
  int     hdu;           /* 1-based HDU number of the data */

  gsize   n_pixels;
  double *wave;
  float  *flux;
  float  *ivar;
  guint8 *mask;

  /* FALSE when the file gives no variance (generic 1-D WCS spectra): ivar
   * is then 1 for every usable pixel and 0 for unusable ones. */
  gboolean ivar_known;
  char    *data_release;  /* DATA_V, e.g. "LAMOST DR7"; NULL if none */
} EmSpectrum;

EmSpectrum *em_spectrum_new        (gsize        n_pixels);
void        em_spectrum_free       (EmSpectrum  *spectrum);

/* Right ascension: sexagesimal hours ("13:25:11.580", "13 25 11.58") or
 * decimal degrees ("201.298"); declination: sexagesimal degrees
 * ("-11:09:40.70") or decimal degrees.  FALSE on anything else or out of
 * range. */
gboolean    em_parse_ra            (const char  *text,
                                    double      *degrees);
gboolean    em_parse_dec           (const char  *text,
                                    double      *degrees);

/* The id of a spectrum file: its name without directory and without
 * .fits/.fit/.fts (optionally followed by .gz/.fz/.bz2/.Z). */
char       *em_spectrum_id_from_path (const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmSpectrum, em_spectrum_free)

G_END_DECLS
