#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""How learnable is the demo survey?  A stand-in for Emissary's loop, with
scikit-learn's MLP instead of the CNN (python3-sklearn, python3-astropy):
train on DIR/seed.csv, predict the pool (read with astropy, unmasked pixels
interpolated onto 6519–6732 Å in 140 points, min-max scaled), then
ITERATIONS times move the 100 pool spectra of highest prediction entropy,
labelled from DIR/truth.csv, into the training set.  Precision and recall
of the "emission" candidates (predicted emission plus oracle-labelled
emission) against the truth.  Not part of the test suite.

Usage: tests/bench/demo-learnability.py DIR [ITERATIONS]
Prints: demo_learnability iteration=I labelled=L emission_precision=P emission_recall=R
        double_peak_precision=P2 double_peak_recall=R2
"""
import glob
import os
import sys
import warnings

import numpy as np
from astropy.io import fits
from sklearn.neural_network import MLPClassifier

warnings.filterwarnings("ignore")
d = sys.argv[1]
iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 8
grid = np.linspace(6519, 6732, 140)
truth = dict(line.strip().split(",") for line in open(os.path.join(d, "truth.csv")).readlines()[1:])


def scale(r):
    lo, hi = r.min(), r.max()
    return 2 * (r - lo) / (hi - lo) - 1 if hi > lo else -np.ones_like(r)


X, y = [], []
for f in sorted(glob.glob(os.path.join(d, "pool", "*"))):
    h = fits.open(f)
    if h[0].data is not None and h[0].data.ndim == 2:
        a = h[0].data.astype(float)
        flux, ivar, wave, andmask = a[0], a[1], a[2], a[3]
    else:
        t = h[1].data
        flux, ivar, wave, andmask = [np.asarray(t[c][0], float) for c in ("FLUX", "IVAR", "WAVELENGTH", "ANDMASK")]
    good = (ivar > 0) & (andmask == 0) & np.isfinite(flux)
    if not good[(wave > 6519) & (wave < 6732)].any():
        continue                       # dead fibre: nothing to classify
    X.append(scale(np.interp(grid, wave[good], flux[good])))
    y.append(truth[os.path.basename(f).split(".fits")[0]])
X, y = np.array(X), np.array(y)

rows = [line.rstrip("\n").split(",") for line in open(os.path.join(d, "seed.csv")).readlines()[1:]]
S = np.array([scale(np.array(r[12:], float)) for r in rows])
sl = np.array([r[1] for r in rows])

labelled = np.zeros(len(y), bool)
for it in range(iterations + 1):
    model = MLPClassifier((256, 128), max_iter=300, random_state=it)
    model.fit(np.vstack([S, X[labelled]]), np.concatenate([sl, y[labelled]]))
    P = model.predict_proba(X)
    pred = model.classes_[P.argmax(1)]
    out = ["demo_learnability iteration=%d labelled=%d" % (it, labelled.sum())]
    for cls, name in (("emission", "emission"), ("double-peak", "double_peak")):
        cand = (pred == cls) | (labelled & (y == cls))
        tp = (cand & (y == cls)).sum()
        out.append("%s_precision=%.3f %s_recall=%.3f" % (name, tp / max(cand.sum(), 1), name,
                                                         tp / max((y == cls).sum(), 1)))
    print(" ".join(out), flush=True)
    entropy = -(P * np.log(np.clip(P, 1e-12, 1))).sum(1)
    entropy[labelled] = -1
    labelled[np.argsort(-entropy)[:100]] = True
