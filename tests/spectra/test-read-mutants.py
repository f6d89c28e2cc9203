#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mutation test of the spectrum readers: feeds `emissary-cli inspect` and
`emissary-cli preprocess` hundreds of damaged copies of the test spectra
(garbled header bytes, absurd NAXISn/BITPIX/TFORM values, truncations,
random data bytes; some gzipped) and requires a clean answer for each: exit
status 0 or 1, an error line naming the file, never a crash.  Under
AddressSanitizer this is what found cfitsio 4.2 reading garbled mandatory
keywords and reading past unpadded memory files.  Deterministic seeds."""
import glob
import gzip
import os
import random
import subprocess
import sys
import tempfile

data = os.path.join(os.environ["G_TEST_SRCDIR"], "data")
sources = sorted(glob.glob(os.path.join(data, "lamost", "*")) + glob.glob(os.path.join(data, "ondrejov", "*.fits"))
                 + glob.glob(os.path.join(data, "wcs", "*")))
cli = os.environ["EM_CLI"]
KEYS = ["NAXIS1  =", "NAXIS2  =", "NAXIS   =", "BITPIX  =", "TFORM1  =", "TFIELDS =", "PCOUNT  =", "GCOUNT  =",
        "COEFF1  =", "CRVAL1  =", "CDELT1  ="]
VALUES = ["0", "-1", "1", "99999999", "3", "2147483647", "'1E'", "'99999999E'", "-64", "64", "1E300", "'x'"]


def mutate(rng, raw):
    data = bytearray(raw)
    mode = rng.randrange(4)
    if mode == 0:
        for _ in range(rng.randrange(1, 20)):
            i = rng.randrange(min(len(data), 2880 * 4))
            data[i] = rng.randrange(256) if rng.random() < 0.3 else rng.randrange(32, 127)
    elif mode == 1:
        text = data.decode("latin1")
        for key in KEYS:
            at = text.find(key, rng.randrange(max(1, len(text) // 20)))
            if at >= 0 and rng.random() < 0.5:
                data[at + 10:at + 30] = rng.choice(VALUES).rjust(20).encode()
    elif mode == 2:
        data = data[:rng.randrange(len(data))]
    else:
        for _ in range(200):
            i = rng.randrange(len(data))
            data[i] = rng.randrange(256)
    return bytes(data)


def main():
    failures = 0
    raws = []
    for s in sources:
        raw = open(s, "rb").read()
        raws.append(gzip.decompress(raw) if s.endswith(".gz") else raw)
    with tempfile.TemporaryDirectory(prefix="emissary-mutants-") as tmp:
        for seed in range(1, 4):
            rng = random.Random(seed)
            names = []
            for k in range(40):
                out = mutate(rng, rng.choice(raws))
                name = os.path.join(tmp, "s%d-m%02d.fits" % (seed, k))
                if rng.random() < 0.3:
                    name += ".gz"
                    out = gzip.compress(out, mtime=0)
                with open(name, "wb") as f:
                    f.write(out)
                names.append(name)
            r = subprocess.run([cli, "inspect"] + names, capture_output=True, text=True)
            answered = len(r.stdout.splitlines()) + len([l for l in r.stderr.splitlines() if l.startswith("emissary-cli: ")])
            if r.returncode not in (0, 1) or answered != len(names):
                print("not ok: inspect, seed %d: exit %d, %d of %d answered\n%s" % (seed, r.returncode, answered,
                                                                                      len(names), r.stderr[-3000:]))
                failures += 1
            else:
                print("ok: inspect, seed %d: %d read, %d refused" % (seed, len(r.stdout.splitlines()),
                                                                    len(names) - len(r.stdout.splitlines())))
            for name in names[:10]:
                p = subprocess.run([cli, "preprocess", name], capture_output=True, text=True)
                bad = [v for v in p.stdout.split() if v.lower() in ("nan", "-nan", "inf", "-inf")]
                if p.returncode not in (0, 1) or bad or (p.returncode == 1 and name not in p.stderr):
                    print("not ok: preprocess %s: exit %d\n%s" % (name, p.returncode, p.stderr[-2000:]))
                    failures += 1
    return 1 if failures else 0


sys.exit(main())
