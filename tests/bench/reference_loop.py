#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The authors' method (Škoda, Podsztavek & Tvrdík 2020; podondra/active-cnn)
re-implemented step by step after ARCHITECTURE.md in PyTorch 1.13 and
imbalanced-learn, on the same data and with the same budget as
`emissary-cli simulate`, as a benchmark to compare against (not a test).

    reference_loop.py --pool POOL.fits --seed-set seed.csv --oracle truth.csv \
        [--iterations 5] [--batch 100] [--epochs 30] [--strategy entropy|random] [--seed 0]

Prints one JSON line per iteration with the keys of `emissary-cli simulate`:
iteration, train_size, candidates, true_positives, truth_targets, precision,
recall, seconds (the wall time of SMOTE + training + scoring the pool) and
cpu_seconds (the CPU time of all threads in it).
"""
import argparse
import csv
import json
import sys
import time

import numpy as np
import torch
from torch import nn
from astropy.io import fits
from imblearn.over_sampling import SMOTE

CLASSES = ["absorption", "emission", "double-peak"]
TARGETS = {1, 2}


def read_pool(path):
    with fits.open(path, memmap=True) as hdul:
        header = hdul[0].header
        table = hdul["POOL"].data
        ids = [s.strip() for s in table["ID"]]
        flux = np.array(table["FLUX"], dtype=np.float32)
        grid = (float(header["GRIDSTA"]), float(header["GRIDEND"]), int(header["GRIDN"]))
        scale = bool(header.get("SCALE", True))
    return ids, flux, grid, scale


def minmax(x):
    # sklearn.preprocessing.minmax_scale (feature_range=(-1, 1)) per spectrum
    lo = x.min(axis=1, keepdims=True)
    hi = x.max(axis=1, keepdims=True)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (2 * (x - lo) / span - 1).astype(np.float32)


def read_seed(path, grid, scale):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    wave_cols = []
    for i, name in enumerate(header):
        try:
            wave_cols.append((i, float(name)))
        except ValueError:
            pass
    id_col, label_col = header.index("id"), header.index("label")
    wave = np.array([w for _, w in wave_cols])
    target = np.linspace(*grid)
    x, y = [], []
    for r in rows[1:]:
        if not r:
            continue
        flux = np.array([float(r[i]) for i, _ in wave_cols])
        x.append(np.interp(target, wave, flux))
        label = r[label_col]
        y.append(CLASSES.index(label) if label in CLASSES else int(label))
    x = np.array(x, dtype=np.float32)
    return (minmax(x) if scale else x), np.array(y, dtype=np.int64)


def read_truth(path):
    truth = {}
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for r in reader:
            if len(r) >= 2:
                truth[r[0].strip()] = CLASSES.index(r[1].strip()) if r[1].strip() in CLASSES else 0
    return truth


class CNN(nn.Module):
    """The method's 1-D CNN (ARCHITECTURE.md, step 3)."""

    def __init__(self, n_in=140, n_classes=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(1, 64, 3), nn.ReLU(), nn.Conv1d(64, 64, 3), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(64, 128, 3), nn.ReLU(), nn.Conv1d(128, 128, 3), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(128, 256, 3), nn.ReLU(), nn.Conv1d(256, 256, 3), nn.ReLU(), nn.MaxPool1d(2),
            nn.Flatten())
        with torch.no_grad():
            n_flat = self.features(torch.zeros(1, 1, n_in)).shape[1]
        self.head = nn.Sequential(
            nn.Linear(n_flat, 512), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(512, n_classes))

    def forward(self, x):
        return self.head(self.features(x.unsqueeze(1)))


def train(x, y, epochs, seed):
    """Cross-entropy, Adam (lr 1e-3), batch 64, early stopping on the
    training loss (patience 10, min_delta 1e-3, restore best weights)."""
    torch.manual_seed(seed)
    model = CNN(x.shape[1], len(CLASSES))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    best, best_state, wait = float("inf"), None, 0
    ran = 0
    for _ in range(epochs):
        ran += 1
        model.train()
        perm = torch.randperm(len(xt))
        total = 0.0
        for i in range(0, len(xt), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        total /= len(xt)
        if total < best - 1e-3:
            best, wait = total, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            wait += 1
            if wait >= 10:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return model, ran


def predict(model, x):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 4096):
            out.append(torch.softmax(model(torch.from_numpy(x[i:i + 4096])), dim=1).numpy())
    return np.concatenate(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pool", required=True)
    ap.add_argument("--seed-set", required=True)
    ap.add_argument("--oracle", required=True)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--strategy", default="entropy", choices=["entropy", "random"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    ids, pool_x, grid, scale = read_pool(args.pool)
    seed_x, seed_y = read_seed(args.seed_set, grid, scale)
    truth = read_truth(args.oracle)
    pool_truth = np.array([truth.get(i, -1) for i in ids])
    truth_targets = int(np.isin(pool_truth, list(TARGETS)).sum())
    rng = np.random.default_rng(args.seed)

    oracle = {}  # pool row -> label given by the (simulated) oracle
    for it in range(args.iterations + 1):
        if it > 0:
            # 5-6. the oracle labels the batch; it joins the training set
            for r in batch:
                oracle[int(r)] = int(pool_truth[r])
        t0, c0 = time.perf_counter(), time.process_time()
        rows = np.array(sorted(oracle), dtype=np.int64)
        x = np.concatenate([seed_x, pool_x[rows]]) if len(rows) else seed_x
        y = np.concatenate([seed_y, np.array([oracle[r] for r in rows], dtype=np.int64)]) if len(rows) else seed_y
        # 2. SMOTE, k = 5, every minority class up to the majority
        xb, yb = SMOTE(k_neighbors=5, random_state=args.seed + it).fit_resample(x, y)
        # 3. a fresh network
        model, epochs_run = train(xb.astype(np.float32), yb.astype(np.int64), args.epochs, args.seed + it)
        # 4. predict the pool
        probs = predict(model, pool_x)
        # 5. query: highest entropy among the unlabelled
        if args.strategy == "entropy":
            score = -(probs * np.log(np.clip(probs, 1e-30, 1))).sum(axis=1)
        else:
            score = rng.random(len(probs))
        score[rows] = -np.inf
        batch = np.argsort(-score, kind="stable")[:args.batch]
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        # 7. candidates: predicted targets ∪ oracle-labelled targets; labels override
        cand = np.isin(probs.argmax(axis=1), list(TARGETS))
        for r, label in oracle.items():
            cand[r] = label in TARGETS
        tp = int((cand & np.isin(pool_truth, list(TARGETS))).sum())
        n = int(cand.sum())
        print(json.dumps({"impl": "pytorch", "strategy": args.strategy, "iteration": it,
                          "train_size": int(len(y)), "train_size_balanced": int(len(yb)),
                          "epochs": epochs_run, "candidates": n, "true_positives": tp,
                          "truth_targets": truth_targets,
                          "precision": tp / n if n else 0.0,
                          "recall": tp / truth_targets if truth_targets else 0.0,
                          "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3)}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
