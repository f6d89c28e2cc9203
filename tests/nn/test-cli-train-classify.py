#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""emissary-cli train and classify on small CSV files in the Ondřejov
layout generated here: training reaches the held-out accuracy a separable
problem allows, the same seed writes the same model, and bad input fails
with a message naming the file.  TAP output; needs only the standard
library.  Usage: test-cli-train-classify.py (EM_CLI from the environment)"""
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile

CLI = os.environ["EM_CLI"]
WAVES = [6519.0 + i * (6732.0 - 6519.0) / 139 for i in range(140)]
LABELS = ["absorption", "emission", "double-peak"]
n_test = 0


def ok(cond, what):
    global n_test
    n_test += 1
    print(f"{'ok' if cond else 'not ok'} {n_test} {what}", flush=True)
    if not cond:
        sys.exit(1)


def spectrum(rng, label):
    # H-alpha at 6564.6 Å in vacuum: a dip, a peak, or two peaks.
    flux = []
    depth = rng.uniform(0.3, 0.8)
    for w in WAVES:
        d = (w - 6564.6) / 3.0
        if label == "absorption":
            f = 1.0 - depth * math.exp(-d * d)
        elif label == "emission":
            f = 1.0 + 2 * depth * math.exp(-d * d)
        else:
            f = 1.0 + depth * (math.exp(-(d - 2.5) ** 2) + math.exp(-(d + 2.5) ** 2))
        flux.append(f * rng.uniform(800, 1200) + rng.gauss(0, 8))
    return flux


def write_csv(path, counts, seed, waves=WAVES):
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("id,label,object,ra,dec,expval," + ",".join(repr(w) for w in waves) + "\n")
        i = 0
        for label, n in zip(LABELS, counts):
            for _ in range(n):
                f.write(f"sp{seed}-{i:04d},{label},\"HD {i}, star\",13:25:11.58,-11:09:40.7,600,"
                        + ",".join("%.3f" % v for v in spectrum(rng, label)) + "\n")
                i += 1


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True)


def main():
    print("1..14")
    with tempfile.TemporaryDirectory() as d:
        train_csv, test_csv = os.path.join(d, "train.csv"), os.path.join(d, "test.csv")
        m1, m2 = os.path.join(d, "a.safetensors"), os.path.join(d, "b.safetensors")
        write_csv(train_csv, (150, 45, 25), 1)
        write_csv(test_csv, (40, 40, 40), 2)

        r = run("train", train_csv, "-o", m1, "--preset", "small", "--epochs", "25", "--seed", "3")
        ok(r.returncode == 0, f"train exits 0 ({r.stderr.strip()})")
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        final = lines[-1]
        ok(all("epoch" in l and "loss" in l for l in lines[:-1]) and len(lines) >= 2,
           f"one JSON line per epoch ({len(lines) - 1})")
        ok(final["classes"] == LABELS and final["rows"] == 220 and final["rows_trained"] == 450,
           f"final line: classes in the Ondřejov order, SMOTE to 3 x 150 ({final})")

        with open(m1, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            meta = json.loads(f.read(n))["__metadata__"]
        ok(meta["classes"] == "absorption,emission,double-peak" and meta["grid"] == "6519:6732:140"
           and meta["preprocessing"] == "minmax[-1,1]" and meta["smote"] == "k=5",
           f"model metadata as the experiment layer writes it ({meta['classes']}, {meta['grid']})")

        r = run("classify", m1, "--csv", test_csv)
        ok(r.returncode == 0, f"classify exits 0 ({r.stderr.strip()})")
        rows = [l.split("\t") for l in r.stdout.splitlines()]
        ok(rows[0] == ["id", *LABELS, "entropy"] and len(rows) == 121, f"header and 120 rows ({rows[0]})")
        correct = 0
        for row in rows[1:]:
            p = [float(v) for v in row[1:4]]
            h = -sum(v * math.log(v) for v in p if v > 0)
            assert abs(sum(p) - 1) < 1e-4 and abs(h - float(row[4])) < 1e-4, row
            idx = int(row[0].split("-")[1])
            correct += p.index(max(p)) == idx // 40
        ok(correct / 120 > 0.9, f"held-out accuracy {correct / 120:.3f} > 0.9")

        r = run("train", train_csv, "-o", m2, "--preset", "small", "--epochs", "3", "--seed", "3")
        r2 = run("train", train_csv, "-o", m1, "--preset", "small", "--epochs", "3", "--seed", "3")
        ok(r.returncode == 0 and r2.returncode == 0 and open(m1, "rb").read() == open(m2, "rb").read(),
           "the same seed writes the same model file")

        data = os.path.join(os.environ["G_TEST_SRCDIR"], "data")
        fits = [os.path.join(data, "lamost", "spec-55859-F5902_sp01-001.fits.gz"),
                os.path.join(data, "lamost", "spec-58397-EG014118N254444M01_sp03-031.fits"),
                os.path.join(d, "missing.fits")]
        r = run("classify", m1, *fits)
        rows = [l.split("\t") for l in r.stdout.splitlines()]
        ok(r.returncode == 1 and "missing.fits" in r.stderr and len(rows) == 3
           and rows[1][0] == "spec-55859-F5902_sp01-001" and rows[2][0] == "spec-58397-EG014118N254444M01_sp03-031"
           and all(abs(sum(float(v) for v in row[1:4]) - 1) < 1e-4 for row in rows[1:]),
           f"FITS files are resampled onto the model's grid; a missing one is named, the others printed ({rows[1:]})")

        bad_grid = os.path.join(d, "grid.csv")
        write_csv(bad_grid, (2, 2, 2), 3, waves=[w + 1.0 for w in WAVES])
        r = run("classify", m1, "--csv", bad_grid)
        ok(r.returncode == 1 and "grid.csv" in r.stderr, f"a CSV on another grid is refused: {r.stderr.strip()}")

        junk = os.path.join(d, "junk.safetensors")
        with open(junk, "wb") as f:
            f.write(open(m1, "rb").read()[:100])
        r = run("classify", junk, "--csv", test_csv)
        ok(r.returncode == 1 and "junk.safetensors" in r.stderr, f"a truncated model is refused: {r.stderr.strip()}")

        one = os.path.join(d, "one.csv")
        write_csv(one, (5, 0, 0), 4)
        r = run("train", one, "-o", m2, "--preset", "small")
        ok(r.returncode == 1 and "one.csv" in r.stderr, f"one class is refused: {r.stderr.strip()}")

        broken = os.path.join(d, "broken.csv")
        with open(train_csv) as f, open(broken, "w") as g:
            lines = f.readlines()
            g.writelines(lines[:5] + [lines[5].rstrip().rsplit(",", 1)[0] + ",abc\n"] + lines[6:])
        r = run("train", broken, "-o", m2, "--preset", "small")
        ok(r.returncode == 1 and "broken.csv:6" in r.stderr, f"a bad row is named: {r.stderr.strip()}")

        r = run("train", train_csv)
        ok(r.returncode == 2, "train without --output is a usage error")


if __name__ == "__main__":
    main()
