/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-spectrum-read.h"

#include <errno.h>
#include <fitsio.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
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

/* Every file is read into memory (spectra are small) and cfitsio works on
 * that copy.  A gzip-compressed file is uncompressed by us rather than by
 * cfitsio, which sizes its buffer from the gzip trailer, so that a
 * truncated or forged file would make it allocate gigabytes. */
#define MAX_FILE_SIZE (512 * 1024 * 1024)

static GBytes *
gunzip (const char *path,
        const char *contents,
        gsize       length,
        GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GByteArray) out = g_byte_array_sized_new ((guint) MIN (length * 3, (gsize) MAX_FILE_SIZE));
  gsize in_pos = 0;

  for (;;)
    {
      guint8 chunk[65536];
      gsize read = 0, written = 0;
      GConverterResult res;

      res = g_converter_convert (G_CONVERTER (z), contents + in_pos, length - in_pos, chunk, sizeof chunk,
                                 G_CONVERTER_INPUT_AT_END, &read, &written, &local_error);
      if (res == G_CONVERTER_ERROR)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT, _("%s: truncated gzip data"), path);
          else
            g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT, _("%s: broken gzip data: %s"), path,
                         local_error->message);
          return NULL;
        }
      in_pos += read;
      if (out->len + written > MAX_FILE_SIZE)
        {
          g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                       _("%s: uncompresses to more than %d MiB, not a spectrum"), path, MAX_FILE_SIZE >> 20);
          return NULL;
        }
      g_byte_array_append (out, chunk, (guint) written);
      if (res == G_CONVERTER_FINISHED)
        break;
      if (read == 0 && written == 0)
        {
          g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT, _("%s: truncated gzip data"), path);
          return NULL;
        }
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Value of a header card as an integer, FALSE if it is none. */
static gboolean
card_integer (const char *card,
              gint64     *value)
{
  char field[72];
  char *end;

  if (card[8] != '=' || card[9] != ' ')
    return FALSE;
  memcpy (field, card + 10, 70);
  field[70] = '\0';
  if (strchr (field, '/') != NULL)
    *strchr (field, '/') = '\0';
  g_strstrip (field);
  if (field[0] == '\0')
    return FALSE;
  *value = g_ascii_strtoll (field, &end, 10);
  return *end == '\0' && end != field;
}

static gboolean
card_is (const char *card,
         const char *keyword)
{
  gsize len = strlen (keyword);

  if (strncmp (card, keyword, len) != 0)
    return FALSE;
  for (gsize i = len; i < 8; i++)
    if (card[i] != ' ')
      return FALSE;
  return TRUE;
}

/* Walks the HDUs as the FITS standard lays them out and checks what cfitsio
 * takes on trust: printable ASCII headers, the mandatory keywords in their
 * places with sane integer values, and data that fit in the file.  cfitsio
 * 4.2 reads the mandatory keywords by position and, given a garbled
 * NAXISn, may compute a buffer size from an uninitialised variable (found
 * by feeding it mutated LAMOST files under AddressSanitizer). */
static gboolean
validate_structure (const char *data,
                    gsize       size,
                    const char *path,
                    GError    **error)
{
  gsize offset = 0;

  for (int hdu = 1; offset < size; hdu++)
    {
      gint64 bitpix = 0, naxis = 0, pcount = 0, gcount = 1, tfields = -1, v;
      guint64 pixels = 1, datasize;
      gboolean end = FALSE, bintable = FALSE;
      gsize card_no = 0, cards_start = offset;
      const char *what = NULL;

      if (hdu > 1000)
        {
          what = _("more than 1000 HDUs");
          goto bad;
        }
      /* what follows the last HDU (padding, junk) is no extension: cfitsio
       * stops there too */
      if (hdu > 1 && (size - offset < 2880 || strncmp (data + offset, "XTENSION", 8) != 0))
        break;
      for (; !end; card_no++)
        {
          const char *card = data + cards_start + card_no * 80;

          if (cards_start + (card_no + 1) * 80 > size)
            {
              what = _("the header has no END");
              goto bad;
            }
          for (int i = 0; i < 80; i++)
            if (card[i] < 0x20 || card[i] > 0x7e)
              {
                what = _("non-ASCII bytes in a header");
                goto bad;
              }
          if (card_no == 0)
            {
              if (hdu == 1 ? !card_is (card, "SIMPLE") : !card_is (card, "XTENSION"))
                {
                  what = hdu == 1 ? _("the first keyword is not SIMPLE") : _("an extension does not start with XTENSION");
                  goto bad;
                }
              bintable = hdu > 1 && strncmp (card + 10, "'BINTABLE'", 10) == 0;
            }
          else if (card_no == 1)
            {
              if (!card_is (card, "BITPIX") || !card_integer (card, &bitpix)
                  || (bitpix != 8 && bitpix != 16 && bitpix != 32 && bitpix != 64 && bitpix != -32 && bitpix != -64))
                {
                  what = _("BITPIX missing or invalid");
                  goto bad;
                }
            }
          else if (card_no == 2)
            {
              if (!card_is (card, "NAXIS") || !card_integer (card, &naxis) || naxis < 0 || naxis > 999)
                {
                  what = _("NAXIS missing or invalid");
                  goto bad;
                }
            }
          else if (card_no < 3 + (gsize) naxis)
            {
              char keyword[16];

              g_snprintf (keyword, sizeof keyword, "NAXIS%zu", card_no - 2);
              if (!card_is (card, keyword) || !card_integer (card, &v) || v < 0 || v > G_MAXINT32)
                {
                  what = _("an NAXISn keyword missing or invalid");
                  goto bad;
                }
              if (v > 0 && pixels > G_GUINT64_CONSTANT (1) << 40)
                {
                  what = _("the data size overflows");
                  goto bad;
                }
              pixels *= (guint64) v;
            }
          else if (hdu > 1 && card_no == 3 + (gsize) naxis)
            {
              if (!card_is (card, "PCOUNT") || !card_integer (card, &pcount) || pcount < 0 || pcount > G_MAXINT32)
                {
                  what = _("PCOUNT missing or invalid");
                  goto bad;
                }
            }
          else if (hdu > 1 && card_no == 4 + (gsize) naxis)
            {
              if (!card_is (card, "GCOUNT") || !card_integer (card, &gcount) || gcount < 1 || gcount > 1000)
                {
                  what = _("GCOUNT missing or invalid");
                  goto bad;
                }
            }
          else if (card_is (card, "TFIELDS"))
            {
              if (!card_integer (card, &tfields) || tfields < 0 || tfields > 999)
                {
                  what = _("TFIELDS invalid");
                  goto bad;
                }
            }
          else if (card_is (card, "END"))
            end = TRUE;
        }
      if (bintable && (naxis != 2 || tfields < 0))
        {
          what = _("a binary table without NAXIS = 2 or TFIELDS");
          goto bad;
        }
      if (naxis == 0)
        pixels = 0;
      datasize = (guint64) (bitpix < 0 ? -bitpix : bitpix) / 8 * (guint64) gcount * ((guint64) pcount + pixels);
      offset = cards_start + ((card_no * 80 + 2879) / 2880) * 2880;
      /* the data themselves must be there; their padding may be missing */
      if (datasize > (guint64) (size - MIN (offset, size)))
        {
          g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                       _("%s: truncated: HDU %d announces %llu bytes of data, the file holds %zu"),
                       path, hdu, (unsigned long long) datasize, size - MIN (offset, size));
          return FALSE;
        }
      offset += (gsize) ((datasize + 2879) / 2880 * 2880);
      continue;

    bad:
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT, _("%s: HDU %d, header card %zu: %s"), path,
                   hdu, card_no + 1, what);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  fitsfile *fits;
  GBytes   *memory;    /* the (uncompressed) file */
  void     *mem_ptr;   /* what cfitsio's memory driver points at */
  size_t    mem_size;
  gsize     file_size;
} Opened;

static void
opened_close (Opened *o)
{
  close_fits (o->fits);
  o->fits = NULL;
  g_clear_pointer (&o->memory, g_bytes_unref);
}

static gboolean
open_fits (const char *path,
           Opened     *o,
           GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  GStatBuf st;
  gsize length, padded;
  int status = 0;

  memset (o, 0, sizeof *o);
  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, _("%s: cannot open: %s"), path,
                   g_strerror (saved));
      return FALSE;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, _("%s: is a directory"), path);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, _("%s: not a regular file"), path);
      return FALSE;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, _("%s: empty file"), path);
      return FALSE;
    }
  if (st.st_size > MAX_FILE_SIZE)
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, _("%s: larger than %d MiB, not a spectrum"), path,
                   MAX_FILE_SIZE >> 20);
      return FALSE;
    }
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN, "%s", local_error->message);
      return FALSE;
    }

  if (length >= 2 && (guint8) contents[0] == 0x1f && (guint8) contents[1] == 0x8b)
    {
      g_autoptr(GBytes) raw = gunzip (path, contents, length, error);
      gconstpointer raw_data;

      if (raw == NULL)
        return FALSE;
      raw_data = g_bytes_get_data (raw, &length);
      g_free (contents);
      contents = g_memdup2 (raw_data, length);
      if (length < 9 || memcmp (contents, "SIMPLE  =", 9) != 0)
        {
          g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN,
                       _("%s: a gzip file that holds no FITS file"), path);
          return FALSE;
        }
    }
  else if (!(length >= 9 && memcmp (contents, "SIMPLE  =", 9) == 0))
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN,
                   _("%s: not a FITS file (neither plain nor gzip-compressed)"), path);
      return FALSE;
    }

  if (!validate_structure (contents, length, path, error))
    return FALSE;
  /* cfitsio's memory driver reads whole 2880-byte records: a file whose
   * last record lacks its padding must get it, or cfitsio reads past the
   * end of the buffer. */
  padded = (length + 2879) / 2880 * 2880;
  contents = g_realloc (contents, padded);
  memset (contents + length, 0, padded - length);
  o->memory = g_bytes_new_take (g_steal_pointer (&contents), padded);
  o->mem_ptr = (void *) g_bytes_get_data (o->memory, &o->mem_size);
  o->file_size = o->mem_size;

  /* A read-only memory file: cfitsio neither reallocates nor frees it,
   * and takes no file name syntax from the path. */
  if (fits_open_memfile (&o->fits, path, READONLY, &o->mem_ptr, &o->mem_size, 0, NULL, &status) != 0)
    {
      fits_error (error, path, EM_SPECTRA_ERROR_CORRUPT, status, _("not a readable FITS file"));
      o->fits = NULL;
      opened_close (o);
      return FALSE;
    }
  return TRUE;
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

/* The current HDU's data must lie within the file before we allocate
 * for it: a truncated or forged header must not cost gigabytes. */
static gboolean
hdu_complete (fitsfile   *fits,
              const char *path,
              gsize       file_size,
              GError    **error)
{
  LONGLONG headstart = 0, datastart = 0, dataend = 0;
  int status = 0;

  if (fits_get_hduaddrll (fits, &headstart, &datastart, &dataend, &status) != 0)
    return fits_error (error, path, EM_SPECTRA_ERROR_CORRUPT, status, _("cannot locate the data"));
  if (dataend > (LONGLONG) file_size)
    {
      g_set_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_CORRUPT,
                   _("%s: truncated: the header announces %lld bytes, the file holds %zu"), path,
                   (long long) dataend, file_size);
      return FALSE;
    }
  return TRUE;
}

static EmSpectrum *
read_layout (fitsfile   *fits,
             const char *path,
             gsize       file_size,
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
      if (!hdu_complete (fits, path, file_size, error))
        return NULL;
      if ((s = read_coadd_table (fits, path, "lamost-lrs-coadd", error)) != NULL)
        read_lamost_metadata (fits, s);
      return s;
    }
  if (move_to_extension (fits, "COADD_R"))
    {
      if (!hdu_complete (fits, path, file_size, error))
        return NULL;
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
      if (!hdu_complete (fits, path, file_size, error))
        return NULL;
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
  Opened opened;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!open_fits (path, &opened, error))
    return NULL;
  s = read_layout (opened.fits, path, opened.file_size, error);
  if (s != NULL)
    {
      int vacuum = key_logical (opened.fits, "VACUUM");

      /* LAMOST states VACUUM = T; should a file say F, convert. */
      if (vacuum == 0 && g_str_has_prefix (s->format, "lamost"))
        for (gsize i = 0; i < s->n_pixels; i++)
          s->wave[i] = em_air_to_vacuum (s->wave[i]);
    }
  opened_close (&opened);
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
