/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-spectrum-read.h"

#include <errno.h>
#include <fitsio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "em-preprocess.h"

/* No survey spectrum comes near this; a header claiming more is corrupt
 * and must not make us allocate gigabytes. */
#define MAX_PIXELS (4 * 1024 * 1024)

static void
close_fits (fitsfile *fits)
{
  int status = 0;

  if (fits != NULL)
    fits_close_file (fits, &status);
}

static gboolean
fits_error (GError    **error,
            const char *path,
            int         code,
            int         status,
            const char *what)
{
  char text[FLEN_STATUS] = "";

  fits_get_errstatus (status, text);
  g_set_error (error, EM_SPECTRA_ERROR, code, "%s: %s (cfitsio: %s)", path, what, text);
  return FALSE;
}

/* ---- header keywords ---------------------------------------------------- */

static char *
key_string (fitsfile   *fits,
            const char *name)
{
  char value[FLEN_VALUE] = "";
  int status = 0;

  if (fits_read_key (fits, TSTRING, name, value, NULL, &status) != 0)
    return NULL;
  g_strstrip (value);
  return value[0] != '\0' ? g_strdup (value) : NULL;
}

static gboolean
key_double (fitsfile   *fits,
            const char *name,
            double     *value)
{
  int status = 0;
  double v;

  if (fits_read_key (fits, TDOUBLE, name, &v, NULL, &status) != 0 || !isfinite (v))
    return FALSE;
  *value = v;
  return TRUE;
}

/* -1 when absent, else 0 or 1. */
static int
key_logical (fitsfile   *fits,
             const char *name)
{
  int status = 0;
  int v = 0;

  if (fits_read_key (fits, TLOGICAL, name, &v, NULL, &status) != 0)
    return -1;
  return v != 0;
}

/* LAMOST writes -9999 for a value it could not measure. */
static double
lamost_value (fitsfile   *fits,
              const char *name)
{
  double v;

  if (!key_double (fits, name, &v) || v <= -9990)
    return NAN;
  return v;
}

static void
read_position (fitsfile   *fits,
               EmSpectrum *s)
{
  g_autofree char *ra = key_string (fits, "RA");
  g_autofree char *dec = key_string (fits, "DEC");
  double v;

  if (em_parse_ra (ra, &v))
    s->ra = v;
  if (em_parse_dec (dec, &v))
    s->dec = v;
}

/* The metadata every LAMOST layout keeps in the primary header. */
static void
read_lamost_metadata (fitsfile   *fits,
                      EmSpectrum *s)
{
  g_autofree char *desig = NULL;
  g_autofree char *class = NULL;
  g_autofree char *subclass = NULL;
  int status = 0;

  fits_movabs_hdu (fits, 1, NULL, &status);
  read_position (fits, s);
  s->obsid = key_string (fits, "OBSID");
  s->data_release = key_string (fits, "DATA_V");
  desig = key_string (fits, "DESIG");
  if (desig != NULL)
    s->designation = g_strdup (g_str_has_prefix (desig, "LAMOST ") ? desig + 7 : desig);

  class = key_string (fits, "CLASS");
  subclass = key_string (fits, "SUBCLASS");
  if (class != NULL && subclass != NULL && g_strcmp0 (subclass, "Non") != 0)
    s->survey_class = g_strdup_printf ("%s %s", class, subclass);
  else if (class != NULL)
    s->survey_class = g_steal_pointer (&class);

  /* DR5 on: SNRR; DR2: SN_R (DR1 and DR3–DR4 vary between the two). */
  if (isnan (s->snr))
    s->snr = lamost_value (fits, "SNRR");
  if (isnan (s->snr))
    s->snr = lamost_value (fits, "SN_R");
}

/* ---- data --------------------------------------------------------------- */

static gboolean
plausible_wavelengths (const double *wave,
                       gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (wave[i]) || wave[i] < 100 || wave[i] > 1e6 || (i > 0 && wave[i] <= wave[i - 1]))
      return FALSE;
  return TRUE;
}

/* Log-linear solution λ_i = 10^(COEFF0 + i·COEFF1) (i from 0), or the same
 * written as a WCS (CRVAL1, CD1_1 or CDELT1, CRPIX1). */
static gboolean
lamost_loglinear (fitsfile   *fits,
                  double     *wave,
                  gsize       n)
{
  double c0, c1, crpix = 1;

  if (!key_double (fits, "COEFF0", &c0) || !key_double (fits, "COEFF1", &c1))
    {
      if (!key_double (fits, "CRVAL1", &c0))
        return FALSE;
      if (!key_double (fits, "CD1_1", &c1) && !key_double (fits, "CDELT1", &c1))
        return FALSE;
      key_double (fits, "CRPIX1", &crpix);
      c0 -= (crpix - 1) * c1;
    }
  if (c0 < 2 || c0 > 6 || c1 <= 0 || c1 > 0.01)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    wave[i] = pow (10.0, c0 + (double) i * c1);
  return TRUE;
}

static EmSpectrum *
read_lamost_image (fitsfile   *fits,
                   const char *path,
                   long        n,
                   long        rows,
                   GError    **error)
{
  g_autoptr(EmSpectrum) s = NULL;
  g_autofree double *buf = NULL;
  long fpixel[2] = { 1, 1 };
  int anynul = 0, status = 0;
  g_autofree char *release = NULL;
  gboolean dr1;

  buf = g_new (double, (gsize) n * (gsize) rows);
  if (fits_read_pix (fits, TDOUBLE, fpixel, n * rows, NULL, buf, &anynul, &status) != 0)
    {
      fits_error (error, path, EM_SPECTRA_ERROR_CORRUPT, status, _("cannot read the spectrum image"));
      return NULL;
    }

  s = em_spectrum_new ((gsize) n);
  s->format = g_strdup ("lamost-lrs-image");
  s->hdu = 1;
  for (long i = 0; i < n; i++)
    {
      s->flux[i] = (float) buf[i];
      s->ivar[i] = (float) buf[n + i];
      s->mask[i] = rows > 3 && buf[3 * n + i] != 0;
    }

  /* DR1 keeps a continuum-subtracted flux where later releases keep the
   * wavelengths, so its wavelengths come from the log-linear solution. */
  release = key_string (fits, "DATA_V");
  dr1 = release != NULL && g_str_has_suffix (release, "DR1");
  if (!dr1 && plausible_wavelengths (buf + 2 * n, (gsize) n))
    memcpy (s->wave, buf + 2 * n, sizeof (double) * (gsize) n);
  else if (!lamost_loglinear (fits, s->wave, (gsize) n))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                   _("%s: the image has no wavelength row and the header no COEFF0/COEFF1"), path);
      return NULL;
    }
  return g_steal_pointer (&s);
}

static gboolean
read_column (fitsfile   *fits,
             const char *path,
             const char *name,
             gboolean    required,
             gsize       n,
             double     *out,
             gboolean   *found,
             GError    **error)
{
  char template[FLEN_VALUE];
  int col = 0, anynul = 0, status = 0;

  g_strlcpy (template, name, sizeof template);
  *found = FALSE;
  if (fits_get_colnum (fits, CASEINSEN, template, &col, &status) != 0)
    {
      if (!required)
        return TRUE;
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                   _("%s: the spectrum table has no column %s"), path, name);
      return FALSE;
    }
  /* Reads n elements from row 1 on: one row of arrays (LRS COADD) and a
   * column of scalars (MRS COADD_R) alike. */
  if (fits_read_col (fits, TDOUBLE, col, 1, 1, (LONGLONG) n, NULL, out, &anynul, &status) != 0)
    return fits_error (error, path, EM_SPECTRA_ERROR_CORRUPT, status, name);
  *found = TRUE;
  return TRUE;
}

static EmSpectrum *
read_coadd_table (fitsfile   *fits,
                  const char *path,
                  const char *format,
                  GError    **error)
{
  g_autoptr(EmSpectrum) s = NULL;
  g_autofree double *buf = NULL;
  char template[] = "FLUX";
  int col = 0, typecode = 0, status = 0, hdu = 0;
  long repeat = 0, width = 0;
  LONGLONG nrows = 0;
  gsize n;
  gboolean found, loglam = FALSE;

  fits_get_hdu_num (fits, &hdu);
  fits_get_num_rowsll (fits, &nrows, &status);
  fits_get_colnum (fits, CASEINSEN, template, &col, &status);
  fits_get_coltype (fits, col, &typecode, &repeat, &width, &status);
  if (status != 0)
    {
      fits_error (error, path, EM_SPECTRA_ERROR_FORMAT, status, _("not a spectrum table"));
      return NULL;
    }
  if (nrows >= 1 && repeat > 1)
    n = (gsize) repeat;         /* one row of arrays */
  else if (repeat == 1 && nrows > 1)
    n = (gsize) nrows;          /* one pixel per row */
  else
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                   _("%s: the spectrum table holds no pixels"), path);
      return NULL;
    }
  if (n > MAX_PIXELS)
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                   _("%s: implausible spectrum length %zu"), path, n);
      return NULL;
    }

  s = em_spectrum_new (n);
  s->format = g_strdup (format);
  s->hdu = hdu;
  buf = g_new (double, n);

  if (!read_column (fits, path, "FLUX", TRUE, n, buf, &found, error))
    return NULL;
  for (gsize i = 0; i < n; i++)
    s->flux[i] = (float) buf[i];
  if (!read_column (fits, path, "IVAR", TRUE, n, buf, &found, error))
    return NULL;
  for (gsize i = 0; i < n; i++)
    s->ivar[i] = (float) buf[i];
  if (!read_column (fits, path, "WAVELENGTH", FALSE, n, s->wave, &found, error))
    return NULL;
  if (!found)
    {
      if (!read_column (fits, path, "LOGLAM", TRUE, n, s->wave, &found, error))
        return NULL;
      loglam = TRUE;
    }
  if (loglam)
    for (gsize i = 0; i < n; i++)
      s->wave[i] = pow (10.0, s->wave[i]);
  if (!read_column (fits, path, "ANDMASK", FALSE, n, buf, &found, error))
    return NULL;
  if (found)
    for (gsize i = 0; i < n; i++)
      s->mask[i] = buf[i] != 0;

  /* MRS keeps the S/N of each arm in its table header. */
  s->snr = lamost_value (fits, "SNR");
  return g_steal_pointer (&s);
}

/* Air or vacuum for a generic 1-D spectrum: what the header says, else
 * air, as IRAF-reduced ground-based spectra (Ondřejov CCD700) are. */
static gboolean
wcs_is_air (fitsfile   *fits,
            const char *ctype)
{
  g_autofree char *airorvac = key_string (fits, "AIRORVAC");
  int vacuum = key_logical (fits, "VACUUM");

  if (ctype != NULL && g_ascii_strncasecmp (ctype, "AWAV", 4) == 0)
    return TRUE;
  if (ctype != NULL && (g_ascii_strncasecmp (ctype, "WAVE", 4) == 0 && g_ascii_strncasecmp (ctype, "WAVELENGTH", 10) != 0))
    return FALSE;
  if (vacuum >= 0)
    return vacuum == 0;
  if (airorvac != NULL)
    return g_ascii_strncasecmp (airorvac, "vac", 3) != 0;
  return TRUE;
}

static EmSpectrum *
read_wcs_image (fitsfile   *fits,
                const char *path,
                long        n,
                GError    **error)
{
  g_autoptr(EmSpectrum) s = NULL;
  g_autofree double *buf = NULL;
  g_autofree char *ctype = NULL;
  g_autofree char *cunit = NULL;
  long fpixel[2] = { 1, 1 };
  int anynul = 0, status = 0, hdu = 0;
  double crval, cdelt, crpix = 1, unit = 1, dcflag = 0;
  gboolean loglinear;

  if (!key_double (fits, "CRVAL1", &crval)
      || (!key_double (fits, "CD1_1", &cdelt) && !key_double (fits, "CDELT1", &cdelt)) || cdelt == 0)
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                   _("%s: a 1-D image without a wavelength solution (CRVAL1 and CDELT1 or CD1_1)"), path);
      return NULL;
    }
  key_double (fits, "CRPIX1", &crpix);
  key_double (fits, "DC-FLAG", &dcflag);
  ctype = key_string (fits, "CTYPE1");
  cunit = key_string (fits, "CUNIT1");
  /* IRAF marks log10 dispersion with DC-FLAG = 1; a CRVAL1 of a few units
   * with a tiny step is log10(Å) whatever the header forgot to say. */
  loglinear = dcflag == 1 || (crval > 2.5 && crval < 5.5 && fabs (cdelt) < 0.01);
  if (cunit != NULL)
    {
      if (g_ascii_strcasecmp (cunit, "nm") == 0)
        unit = 10;
      else if (g_ascii_strcasecmp (cunit, "um") == 0)
        unit = 1e4;
      else if (g_ascii_strcasecmp (cunit, "m") == 0)
        unit = 1e10;
    }

  buf = g_new (double, (gsize) n);
  fits_get_hdu_num (fits, &hdu);
  if (fits_read_pix (fits, TDOUBLE, fpixel, n, NULL, buf, &anynul, &status) != 0)
    {
      fits_error (error, path, EM_SPECTRA_ERROR_CORRUPT, status, _("cannot read the spectrum image"));
      return NULL;
    }

  s = em_spectrum_new ((gsize) n);
  s->format = g_strdup (loglinear ? "wcs-log-linear" : "wcs-linear");
  s->hdu = hdu;
  s->ivar_known = FALSE;
  for (long i = 0; i < n; i++)
    {
      double w = crval + ((double) (i + 1) - crpix) * cdelt;

      s->wave[i] = (loglinear ? pow (10.0, w) : w) * unit;
      s->flux[i] = (float) buf[i];
      s->ivar[i] = 1;
    }
  if (wcs_is_air (fits, ctype))
    for (long i = 0; i < n; i++)
      s->wave[i] = em_air_to_vacuum (s->wave[i]);

  /* What a generic header can tell about the object. */
  s->designation = key_string (fits, "OBJECT");
  s->snr = lamost_value (fits, "SNR");
  s->data_release = key_string (fits, "DATA_V");
  read_position (fits, s);
  return g_steal_pointer (&s);
}

/* ---- finishing ---------------------------------------------------------- */

static gboolean
finish (EmSpectrum *s,
        const char *path,
        GError    **error)
{
  gsize n = s->n_pixels;

  if (n < 2)
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
                   _("%s: the spectrum has fewer than two pixels"), path);
      return FALSE;
    }
  if (s->wave[0] > s->wave[n - 1])
    for (gsize i = 0, j = n - 1; i < j; i++, j--)
      {
        double w = s->wave[i];
        float f = s->flux[i], v = s->ivar[i];
        guint8 m = s->mask[i];

        s->wave[i] = s->wave[j], s->wave[j] = w;
        s->flux[i] = s->flux[j], s->flux[j] = f;
        s->ivar[i] = s->ivar[j], s->ivar[j] = v;
        s->mask[i] = s->mask[j], s->mask[j] = m;
      }
  if (!plausible_wavelengths (s->wave, n))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                   _("%s: the wavelengths are not finite, positive and monotonic"), path);
      return FALSE;
    }
  /* Nothing non-finite leaves the reader: such pixels are masked, and
   * masked pixels carry no weight. */
  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (s->flux[i]))
        {
          s->flux[i] = 0;
          s->mask[i] = 1;
        }
      if (!isfinite (s->ivar[i]) || s->ivar[i] <= 0)
        s->mask[i] = 1;
      if (s->mask[i])
        s->ivar[i] = 0;
    }
  return TRUE;
}

/* ---- opening ------------------------------------------------------------ */

static fitsfile *
open_fits (const char *path,
           GError    **error)
{
  static const char gzip_magic[2] = { 0x1f, (char) 0x8b };
  GStatBuf st;
  char head[10] = "";
  fitsfile *fits = NULL;
  int status = 0;
  FILE *fp;
  gsize got;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, _("%s: cannot open: %s"), path,
                   g_strerror (saved));
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, _("%s: is a directory"), path);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, _("%s: not a regular file"), path);
      return NULL;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, _("%s: empty file"), path);
      return NULL;
    }

  /* Tell "not FITS at all" from "a broken FITS file" ourselves: cfitsio
   * reports both alike. */
  fp = g_fopen (path, "rb");
  if (fp == NULL)
    {
      int saved = errno;

      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, _("%s: cannot open: %s"), path,
                   g_strerror (saved));
      return NULL;
    }
  got = fread (head, 1, sizeof head - 1, fp);
  fclose (fp);
  if (!(got >= 9 && memcmp (head, "SIMPLE  =", 9) == 0) && !(got >= 2 && memcmp (head, gzip_magic, 2) == 0))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN,
                   _("%s: not a FITS file (neither plain nor gzip-compressed)"), path);
      return NULL;
    }

  /* The disk-file variant takes the name literally: no cfitsio extended
   * syntax, so names with brackets or "+" are not misread; compressed
   * files are still uncompressed in memory. */
  if (fits_open_diskfile (&fits, path, READONLY, &status) != 0)
    {
      fits_error (error, path, EM_SPECTRA_ERROR_CORRUPT, status, _("not a readable FITS file"));
      close_fits (fits);
      return NULL;
    }
  return fits;
}

static gboolean
move_to_extension (fitsfile   *fits,
                   const char *name)
{
  char template[FLEN_VALUE];
  int status = 0;

  g_strlcpy (template, name, sizeof template);
  return fits_movnam_hdu (fits, BINARY_TBL, template, 0, &status) == 0;
}

static EmSpectrum *
read_layout (fitsfile   *fits,
             const char *path,
             GError    **error)
{
  EmSpectrum *s;
  int status = 0, n_hdus = 0, naxis = 0;
  long naxes[2] = { 0, 0 };

  if (fits_get_num_hdus (fits, &n_hdus, &status) != 0)
    {
      fits_error (error, path, EM_SPECTRA_ERROR_CORRUPT, status, _("cannot read the HDU list"));
      return NULL;
    }

  if (move_to_extension (fits, "COADD"))
    {
      if ((s = read_coadd_table (fits, path, "lamost-lrs-coadd", error)) != NULL)
        read_lamost_metadata (fits, s);
      return s;
    }
  if (move_to_extension (fits, "COADD_R"))
    {
      if ((s = read_coadd_table (fits, path, "lamost-mrs-coadd", error)) != NULL)
        read_lamost_metadata (fits, s);
      return s;
    }

  for (int hdu = 1; hdu <= n_hdus; hdu++)
    {
      int type = 0;

      status = 0;
      naxis = 0;
      naxes[0] = naxes[1] = 0;
      if (fits_movabs_hdu (fits, hdu, &type, &status) != 0
          || fits_get_img_dim (fits, &naxis, &status) != 0
          || fits_get_img_size (fits, 2, naxes, &status) != 0)
        {
          fits_error (error, path, EM_SPECTRA_ERROR_CORRUPT, status, _("cannot read a header"));
          return NULL;
        }
      if (type != IMAGE_HDU || naxis == 0)
        continue;
      if (naxes[0] < 2 || naxes[0] > MAX_PIXELS)
        break;
      if (hdu == 1 && naxis == 2 && naxes[1] >= 3 && naxes[1] <= 9)
        {
          if ((s = read_lamost_image (fits, path, naxes[0], naxes[1], error)) != NULL)
            read_lamost_metadata (fits, s);
          return s;
        }
      if (naxis == 1 || (naxis == 2 && naxes[1] == 1))
        return read_wcs_image (fits, path, naxes[0], error);
      break;
    }

  g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_FORMAT,
               _("%s: not a spectrum layout Emissary knows (LAMOST LRS/MRS or a 1-D image with a wavelength WCS)"),
               path);
  return NULL;
}

EmSpectrum *
em_spectrum_read (const char *path,
                  GError    **error)
{
  g_autoptr(EmSpectrum) s = NULL;
  fitsfile *fits;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((fits = open_fits (path, error)) == NULL)
    return NULL;
  s = read_layout (fits, path, error);
  if (s != NULL)
    {
      int vacuum = key_logical (fits, "VACUUM");

      /* LAMOST states VACUUM = T; should a file say F, convert. */
      if (vacuum == 0 && g_str_has_prefix (s->format, "lamost"))
        for (gsize i = 0; i < s->n_pixels; i++)
          s->wave[i] = em_air_to_vacuum (s->wave[i]);
    }
  close_fits (fits);
  if (s == NULL || !finish (s, path, error))
    return NULL;
  s->id = em_spectrum_id_from_path (path);
  s->source_path = g_strdup (path);
  return g_steal_pointer (&s);
}

gboolean
em_spectrum_read_is_thread_safe (void)
{
  return fits_is_reentrant () != 0;
}
