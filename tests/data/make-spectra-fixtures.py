#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Builds the spectrum test fixtures and the expected values of the reader
tests, independently of Emissary: everything here is read and computed with
astropy.io.fits and numpy (Debian 12: python3-astropy 5.2, python3-numpy).

Run from the source tree:  tests/data/make-spectra-fixtures.py
It writes
  tests/data/lamost/dr1-layout-spec-55859-F5902_sp01-001.fits
      imitates a LAMOST DR1 LRS file: primary image 5×N float32 whose third
      row is a continuum-subtracted flux (not wavelengths), DATA_V
      'LAMOST DR1', log-linear COEFF0/COEFF1, S/N as SN_U…SN_Z.  Data from
      the real DR7 file spec-55859-F5902_sp01-001.
  tests/data/lamost/dr2-layout-spec-55859-F5902_sp01-001.fits
      imitates a LAMOST DR2 LRS file: 5×N in float64 (BITPIX -64), no
      OBSID, the id only in FILENAME, S/N as SN_U…SN_Z with -9999 for a
      missing band.  Same data.
  tests/data/lamost/med-58408-TD230151N343645T01_sp01-015.fits
      the real LAMOST MRS file from ../shared/data/lamost, trimmed to its
      primary header and the COADD_B and COADD_R tables (the 14 single
      exposures dropped to keep the test data small).
  tests/data/wcs/log-linear-vacuum.fits
      a generic 1-D spectrum with a log10-linear WCS (DC-FLAG = 1,
      CTYPE1 = 'WAVE', i.e. vacuum), as IRAF writes after dispcor log=yes.
  tests/data/wcs/air-nm-descending.fits.gz
      a generic 1-D spectrum in air wavelengths (CTYPE1 = 'AWAV') in nm
      (CUNIT1 = 'nm') with a negative step: must come back ascending,
      in vacuum Å.
  tests/spectra/reader-expected.h
      the values the reader tests compare against.
The real files (tests/data/lamost/spec-*.fits*, tests/data/ondrejov/
ua280060.fits) are copies: LAMOST files from ../shared/data/lamost (named
after their FILENAME keyword), the Ondřejov CCD700 spectrum from the
repository podondra/ondrejov-preprocessing.
"""
import gzip
import io
import os
import shutil

import numpy as np
from astropy.io import fits

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
LAMOST = os.path.join(HERE, "lamost")
WCS = os.path.join(HERE, "wcs")
os.makedirs(WCS, exist_ok=True)


def air_to_vacuum(air):
    # VALD wiki (N. Piskunov), the formula of the Ondřejov dataset
    s2 = (1e4 / air) ** 2
    return air * (1 + 0.00008336624212083 + 0.02408926869968 / (130.1065924522 - s2)
                  + 0.0001599740894897 / (38.92568793293 - s2))


# ---- imitations of DR1 and DR2 ------------------------------------------
src = fits.open(os.path.join(LAMOST, "spec-55859-F5902_sp01-001.fits.gz"))
data = src[0].data.astype(np.float64)
hdr = src[0].header.copy()
flux = data[0]
kernel = np.ones(101) / 101
continuum = np.convolve(np.pad(flux, 50, mode="edge"), kernel, mode="valid")

dr1 = np.array([flux, data[1], flux - continuum, data[3], data[4]], dtype=np.float32)
h1 = hdr.copy()
h1["DATA_V"] = "LAMOST DR1"
for band in "UGRIZ":
    h1["SN_" + band] = hdr["SNR" + band]
    del h1["SNR" + band]
h1["SN_Z"] = -9999.0
fits.PrimaryHDU(dr1, h1).writeto(os.path.join(LAMOST, "dr1-layout-spec-55859-F5902_sp01-001.fits"), overwrite=True)

dr2 = data.copy()
h2 = hdr.copy()
h2["DATA_V"] = "LAMOST DR2"
del h2["OBSID"]
for band in "UGRIZ":
    h2["SN_" + band] = hdr["SNR" + band]
    del h2["SNR" + band]
h2["SN_U"] = -9999.0
fits.PrimaryHDU(dr2, h2).writeto(os.path.join(LAMOST, "dr2-layout-spec-55859-F5902_sp01-001.fits"), overwrite=True)

# ---- the MRS file, trimmed ----------------------------------------------
med_src = "/work/shared/data/lamost/med-58408-TD230151N343645T01_sp01-015.fits"
med = os.path.join(LAMOST, "med-58408-TD230151N343645T01_sp01-015.fits")
if os.path.exists(med_src):
    m = fits.open(med_src)
    fits.HDUList([m[0], m[1], m[2]]).writeto(med, overwrite=True)

# ---- generic WCS spectra --------------------------------------------------
rng = np.random.default_rng(7)
n = 1200
lw = 3.79 + 1.5e-5 * np.arange(n)
spec = (1000 - 400 * np.exp(-0.5 * ((10 ** lw - 6564.61) / 4) ** 2) + rng.normal(0, 5, n)).astype(np.float32)
h = fits.Header()
h["OBJECT"] = "log-linear test"
h["CTYPE1"] = "WAVE"
h["CRVAL1"] = 3.79
h["CDELT1"] = 1.5e-5
h["CRPIX1"] = 1.0
h["DC-FLAG"] = 1
h["RA"] = "05:35:17.3"
h["DEC"] = "-05:23:28"
fits.PrimaryHDU(spec, h).writeto(os.path.join(WCS, "log-linear-vacuum.fits"), overwrite=True)

n2 = 900
air_nm = 680.0 - 0.025 * np.arange(n2)   # descending, nm
spec2 = (500 + 0.1 * np.arange(n2)).astype(np.float32)
h = fits.Header()
h["OBJECT"] = "air nm"
h["CTYPE1"] = "AWAV"
h["CUNIT1"] = "nm"
h["CRVAL1"] = 680.0
h["CDELT1"] = -0.025
h["CRPIX1"] = 1.0
buf = io.BytesIO()
fits.PrimaryHDU(spec2, h).writeto(buf)
with open(os.path.join(WCS, "air-nm-descending.fits.gz"), "wb") as f:
    # mtime=0: the same bytes every time the script runs
    f.write(gzip.compress(buf.getvalue(), mtime=0))


# ---- expected values ------------------------------------------------------
def lamost_image(path):
    h = fits.open(path)[0]
    d = h.data.astype(np.float64)
    if h.header.get("DATA_V", "").endswith("DR1"):
        wave = 10 ** (h.header["COEFF0"] + np.arange(d.shape[1]) * h.header["COEFF1"])
    else:
        wave = d[2]
    mask = (d[3] != 0) | (d[1] <= 0) | ~np.isfinite(d[0])
    return h.header, wave, d[0], d[1], mask


def lamost_table(path, ext):
    hl = fits.open(path)
    t = hl[ext].data
    if "WAVELENGTH" in t.columns.names:
        wave = np.asarray(t["WAVELENGTH"][0], np.float64)
        flux = np.asarray(t["FLUX"][0], np.float64)
        ivar = np.asarray(t["IVAR"][0], np.float64)
        andm = np.asarray(t["ANDMASK"][0])
        snr = hl[0].header.get("SNRR")
    else:
        wave = 10 ** np.asarray(t["LOGLAM"], np.float64)
        flux = np.asarray(t["FLUX"], np.float64)
        ivar = np.asarray(t["IVAR"], np.float64)
        andm = np.asarray(t["ANDMASK"])
        snr = hl[ext].header["SNR"]
    mask = (andm != 0) | (ivar <= 0) | ~np.isfinite(flux)
    return hl[0].header, wave, flux, ivar, mask, snr, hl.index_of(ext) + 1


def wcs_image(path):
    h = fits.open(path)[0]
    hd = h.header
    n = hd["NAXIS1"]
    step = hd.get("CD1_1", hd.get("CDELT1"))
    w = hd["CRVAL1"] + (np.arange(n) + 1 - hd.get("CRPIX1", 1)) * step
    if hd.get("DC-FLAG", 0) == 1:
        w = 10 ** w
    if hd.get("CUNIT1", "").strip() == "nm":
        w = w * 10
    ctype = hd.get("CTYPE1", "")
    if not ctype.startswith("WAVE") or ctype.startswith("WAVELENGTH"):
        w = air_to_vacuum(w)
    flux = h.data.astype(np.float64)
    if w[0] > w[-1]:
        w, flux = w[::-1], flux[::-1]
    return hd, w, flux


def c_str(v):
    return "NULL" if v is None else '"%s"' % v


def c_num(v):
    return "NAN" if v is None else repr(float(v))


rows = []


def add(path, fmt, n, wave, flux, ivar, mask, obsid, desig, ra, dec, snr, cls, hdu):
    idx = [0, 1, n // 3, n // 2, n - 2, n - 1]
    rows.append("  { %s, %s, %d, %d, %s, %s, %s, %s, %s, %s, %d,\n"
                "    { %s },\n    { %s },\n    { %s },\n    { %s },\n    { %s } },"
                % (c_str(os.path.relpath(path, HERE)), c_str(fmt), n, hdu, c_str(obsid), c_str(desig),
                   c_num(ra), c_num(dec), c_num(snr), c_str(cls), int(mask.sum()),
                   ", ".join(str(i) for i in idx),
                   ", ".join(repr(float(wave[i])) for i in idx),
                   ", ".join(repr(float(np.float32(flux[i]))) for i in idx),
                   ", ".join(repr(float(np.float32(ivar[i]) if not mask[i] else 0.0)) for i in idx),
                   ", ".join(str(int(mask[i])) for i in idx)))


def lamost_meta(h):
    desig = h.get("DESIG")
    if desig and desig.startswith("LAMOST "):
        desig = desig[7:]
    cls = h.get("CLASS")
    if cls and h.get("SUBCLASS") and h.get("SUBCLASS") != "Non":
        cls = cls + " " + h["SUBCLASS"]
    snr = h.get("SNRR", h.get("SN_R"))
    if snr is not None and snr <= -9990:
        snr = None
    obsid = h.get("OBSID")
    return (None if obsid is None else str(obsid)), desig, h.get("RA"), h.get("DEC"), snr, cls


for name in ["spec-55859-F5902_sp01-001.fits.gz", "spec-58397-EG014118N254444M01_sp03-031.fits",
             "dr1-layout-spec-55859-F5902_sp01-001.fits", "dr2-layout-spec-55859-F5902_sp01-001.fits"]:
    p = os.path.join(LAMOST, name)
    h, wave, flux, ivar, mask = lamost_image(p)
    obsid, desig, ra, dec, snr, cls = lamost_meta(h)
    add(p, "lamost-lrs-image", len(wave), wave, flux, ivar, mask, obsid, desig, ra, dec, snr, cls, 1)

for name, ext, fmt in [("spec-55859-F5902_sp01-013.fits.gz", "COADD", "lamost-lrs-coadd"),
                       ("med-58408-TD230151N343645T01_sp01-015.fits", "COADD_R", "lamost-mrs-coadd")]:
    p = os.path.join(LAMOST, name)
    h, wave, flux, ivar, mask, snr, hdu = lamost_table(p, ext)
    obsid, desig, ra, dec, _, cls = lamost_meta(h)
    add(p, fmt, len(wave), wave, flux, ivar, mask, obsid, desig, ra, dec, snr, cls, hdu)


def sexagesimal(text, hours):
    sign = -1 if text.strip().startswith("-") else 1
    parts = [abs(float(x)) for x in text.replace("+", "").replace("-", "").split(":")]
    v = parts[0] + parts[1] / 60 + (parts[2] if len(parts) > 2 else 0) / 3600
    return sign * v * (15 if hours else 1)


for name, fmt in [("ondrejov/ua280060.fits", "wcs-linear"), ("wcs/log-linear-vacuum.fits", "wcs-log-linear"),
                  ("wcs/air-nm-descending.fits.gz", "wcs-linear")]:
    p = os.path.join(HERE, name)
    h, wave, flux = wcs_image(p)
    mask = ~np.isfinite(flux)
    ra = sexagesimal(h["RA"], True) if "RA" in h else None
    dec = sexagesimal(h["DEC"], False) if "DEC" in h else None
    add(p, fmt, len(wave), wave, flux, np.ones_like(flux), mask, None, h.get("OBJECT").strip(), ra, dec, None,
        None, 1)

with open(os.path.join(TOP, "tests", "spectra", "reader-expected.h"), "w") as f:
    f.write("/* SPDX-License-Identifier: GPL-3.0-or-later */\n"
            "/* Generated by tests/data/make-spectra-fixtures.py: every value read\n"
            " * with astropy.io.fits 5.2 and numpy, not with Emissary's reader.\n"
            " * Fields: path, format, n_pixels, hdu, obsid, designation, ra, dec,\n"
            " * snr, class, masked pixel count, then at six pixel indices:\n"
            " * wavelength (vacuum Å), flux, ivar (0 where masked), mask. */\n"
            "#pragma once\n\n#include <math.h>\n\n"
            "typedef struct\n{\n  const char *path, *format;\n  unsigned n_pixels;\n  int hdu;\n"
            "  const char *obsid, *designation;\n  double ra, dec, snr;\n  const char *survey_class;\n"
            "  unsigned n_masked;\n  unsigned index[6];\n  double wave[6];\n"
            "  double flux[6];\n  double ivar[6];\n  int mask[6];\n} ReaderExpected;\n\n"
            "static const ReaderExpected reader_expected[] = {\n")
    f.write("\n".join(rows))
    f.write("\n};\n")
print("wrote", len(rows), "expected spectra")

# ---- expected preprocessing ------------------------------------------------
# The Ondřejov dataset's own chain (podondra/ondrejov-dataset,
# preprocessing.ipynb): WCS wavelengths, VALD air→vacuum, astropy
# Gaussian1DKernel(stddev=7) with boundary='extend', numpy.interp on
# linspace(6519, 6732, 140).
from astropy.convolution import Gaussian1DKernel, convolve
from astropy.wcs import WCS as AstropyWCS

grid = np.linspace(6519, 6732, 140)
h = fits.open(os.path.join(HERE, "ondrejov", "ua280060.fits"))[0]
wcs_air = AstropyWCS(h.header).all_pix2world(np.arange(h.header["NAXIS1"]), 0)[0]
ondrejov = np.interp(grid, air_to_vacuum(wcs_air), convolve(h.data.astype(np.float64), Gaussian1DKernel(stddev=7),
                                                            boundary="extend"))

# LAMOST: the unmasked pixels interpolated linearly, then min-max to [-1, 1]
# as sklearn.preprocessing.minmax_scale(feature_range=(-1, 1)) does.
hdr, wave, flux, ivar, mask = lamost_image(os.path.join(LAMOST, "spec-58397-EG014118N254444M01_sp03-031.fits"))
good = ~mask
lamost = np.interp(grid, wave[good], flux[good])
lamost_scaled = 2 * (lamost - lamost.min()) / (lamost.max() - lamost.min()) - 1

blur_in = np.array([0, 0, 0, 10, 0, 0, 1, 2, 3, 4, 5, 5, 5, 0, -3, 7], dtype=np.float64)
blur_out = convolve(blur_in, Gaussian1DKernel(stddev=1.5), boundary="extend")


def c_array(name, values):
    return "static const double %s[%d] = {\n  %s\n};\n" % (
        name, len(values), ",\n  ".join(", ".join(repr(float(v)) for v in values[i:i + 4])
                                        for i in range(0, len(values), 4)))


with open(os.path.join(TOP, "tests", "spectra", "preprocess-expected.h"), "w") as f:
    f.write("/* SPDX-License-Identifier: GPL-3.0-or-later */\n"
            "/* Generated by tests/data/make-spectra-fixtures.py with astropy 5.2 and\n"
            " * numpy (astropy.wcs, astropy.convolution, numpy.interp), independently\n"
            " * of Emissary. */\n#pragma once\n\n")
    f.write("/* ondrejov/ua280060.fits through the Ondřejov dataset's chain, not scaled */\n")
    f.write(c_array("expected_ondrejov_blur7", ondrejov))
    f.write("\n/* lamost/spec-58397-…-031.fits: unmasked pixels interpolated, min-max scaled */\n")
    f.write(c_array("expected_lamost_scaled", lamost_scaled))
    f.write("\n/* astropy convolve(boundary='extend') with Gaussian1DKernel(stddev=1.5) */\n")
    f.write(c_array("blur_input", blur_in))
    f.write(c_array("expected_blur", blur_out))
print("wrote preprocess-expected.h")
