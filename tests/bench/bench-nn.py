#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Side-by-side benchmark of Emissary's neural-network engine.

Measures, in one run on the same machine: a large sgemm through the
OpenBLAS that Emissary links (via numpy when it uses OpenBLAS, else
`emissary-cli bench`'s own figure), the reference CNN in PyTorch (float32
training at batch 64, float32 inference and bfloat16-autocast inference
under inference_mode, after a warm-up), imbalanced-learn's SMOTE on
12,936 x 140, and `emissary-cli bench`.  Prints one `key=value` line per
figure and the ratios.  Not part of the test suite (needs python3-torch and
python3-imblearn).

Every figure is the best of three runs (as `emissary-cli bench` does), and
the two sides alternate over --rounds rounds (best of each over the rounds,
with each round's ratios printed too, and their medians), since the
machine may be shared and a virtual machine's speed drifts over minutes.

Usage: tests/bench/bench-nn.py [PATH/TO/emissary-cli] [--threads N]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

if "--cpu-time" in sys.argv:
    # One thread everywhere, before numpy and torch load their libraries.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

import numpy as np  # noqa: E402

DIM = 140
CLASSES = 3
TRAIN_ROWS = 1024
INFER_ROWS = 4096
REPEATS = 3  # every figure is the best of three runs, as in emissary-cli bench


def log(key, value):
    if isinstance(value, float):
        print(f"{key}={value:.4g}", flush=True)
    else:
        print(f"{key}={value}", flush=True)


def torch_model(torch):
    nn = torch.nn

    class ChannelsLastFlatten(nn.Module):
        # Emissary's flatten order (position-major, as Keras).
        def forward(self, x):
            return x.permute(0, 2, 1).flatten(1)

    return nn.Sequential(
        nn.Conv1d(1, 64, 3), nn.ReLU(), nn.Conv1d(64, 64, 3), nn.ReLU(), nn.MaxPool1d(2),
        nn.Conv1d(64, 128, 3), nn.ReLU(), nn.Conv1d(128, 128, 3), nn.ReLU(), nn.MaxPool1d(2),
        nn.Conv1d(128, 256, 3), nn.ReLU(), nn.Conv1d(256, 256, 3), nn.ReLU(), nn.MaxPool1d(2),
        ChannelsLastFlatten(),
        nn.Linear(14 * 256, 512), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(512, CLASSES))


clock = time.perf_counter


def bench_torch(threads):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = torch_model(torch)
    x = torch.rand(max(TRAIN_ROWS, INFER_ROWS), 1, DIM) * 2 - 1
    y = torch.arange(TRAIN_ROWS) % CLASSES
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        model.train()
        perm = torch.randperm(TRAIN_ROWS)
        for start in range(0, TRAIN_ROWS, 64):
            idx = perm[start:start + 64]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()

    def infer(ctx):
        model.eval()
        with torch.inference_mode():
            for start in range(0, INFER_ROWS, 512):
                if ctx is None:
                    model(x[start:start + 512])
                else:
                    with torch.autocast("cpu", dtype=ctx):
                        model(x[start:start + 512])

    # Warm-up.  PyTorch trains twice as fast once the process has run one
    # float32 inference pass (Zen 5, python3-torch 1.13: 440-720 samples/s
    # before, 1,070-1,300 after, the same epochs), so one is run first:
    # the figure taken is its best.
    epoch()
    infer(None)
    epoch()
    best = float("inf")
    for _ in range(REPEATS):  # the best epoch: the machine may be shared
        t = clock()
        epoch()
        best = min(best, clock() - t)
    train = TRAIN_ROWS / best

    res = {"torch_train_samples_per_s": train}
    for name, ctx in (("float32", None), ("bfloat16", torch.bfloat16)):
        try:
            infer(ctx)  # warm-up (oneDNN picks and caches its kernels)
            best = float("inf")
            for _ in range(REPEATS):
                run_t = clock()
                infer(ctx)
                best = min(best, clock() - run_t)
            rate = INFER_ROWS / best
        except RuntimeError as e:  # no bfloat16 kernels on this CPU
            print(f"# torch {name}: {e}", file=sys.stderr)
            rate = float("nan")
        res[f"torch_infer_{name}_spectra_per_s"] = rate
    return res


def bench_imblearn():
    from imblearn.over_sampling import SMOTE
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, size=(12936, DIM)).astype(np.float32)
    y = np.array([0] * 8000 + [1] * 3000 + [2] * 1936)
    best = float("inf")
    for _ in range(REPEATS):
        t = clock()
        SMOTE(k_neighbors=5, random_state=1).fit_resample(x, y)
        best = min(best, clock() - t)
    return best


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cli", nargs="?", default=os.path.join(here, "..", "..", "build", "src", "cli", "emissary-cli"))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--cpu-time", action="store_true",
                    help="one thread on every side, timed by that thread's CPU time: figures "
                         "that a machine busy with other work does not disturb")
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternations of the two sides; each figure is the best (default 3)")
    args = ap.parse_args()
    if args.cpu_time:
        global clock
        args.threads = 1
        clock = time.thread_time

    cpuinfo = open("/proc/cpuinfo").read().splitlines()
    log("cpu", next((l.split(":", 1)[1].strip() for l in cpuinfo if l.startswith("model name")), "?"))
    # What PyTorch's bfloat16 runs on: AMX tiles, AVX-512 BF16 dot
    # products, or neither (emulated, slow); the reference's figure means
    # little without it.
    flags = set(next((l.split(":", 1)[1].split() for l in cpuinfo if l.startswith("flags")), []))
    log("cpu_bfloat16", "amx" if "amx_bf16" in flags else
        "avx512_bf16" if "avx512_bf16" in flags else "none")
    log("threads", args.threads)
    log("clock", "thread-cpu-time" if args.cpu_time else "wall")
    # Rounds alternate the two sides, and each figure is the best over the
    # rounds: a virtual machine whose speed drifts over minutes otherwise
    # favours whichever side ran in the fast minute.
    em, tr = None, None
    paired = {"train_vs_torch_float32": [], "infer_vs_torch_float32": [],
              "infer_vs_torch_bfloat16": []}
    for r in range(args.rounds):
        e = json.loads(subprocess.run([args.cli, "bench", "--threads", str(args.threads)]
                                      + (["--cpu-time"] if args.cpu_time else []),
                                      check=True, capture_output=True, text=True).stdout)
        t = bench_torch(args.threads)
        paired["train_vs_torch_float32"].append(
            e["train_samples_per_s"] / t["torch_train_samples_per_s"])
        paired["infer_vs_torch_float32"].append(
            e["infer_spectra_per_s"] / t["torch_infer_float32_spectra_per_s"])
        paired["infer_vs_torch_bfloat16"].append(
            e["infer_spectra_per_s"] / t["torch_infer_bfloat16_spectra_per_s"])
        for k, v in paired.items():
            log(f"round{r + 1}_ratio_{k}", v[-1])
        if em is None:
            em, tr = e, t
        else:
            for k in ("train_samples_per_s", "infer_spectra_per_s", "sgemm_gflops",
                      "train_gflops", "infer_gflops"):
                em[k] = max(em[k], e[k])
            em["smote_seconds"] = min(em["smote_seconds"], e["smote_seconds"])
            for k in tr:
                tr[k] = max(tr[k], t[k])
    em["infer_to_sgemm"] = em["infer_gflops"] / em["sgemm_gflops"]
    for k, v in em.items():
        log(f"emissary_{k}", v)
    for k, v in tr.items():
        log(k, v)
    smote = bench_imblearn()
    log("imblearn_smote_seconds", smote)

    mflop = em["mflop_per_spectrum"]
    log("torch_infer_float32_gflops", tr["torch_infer_float32_spectra_per_s"] * mflop / 1e3)
    log("ratio_infer_to_sgemm", em["infer_gflops"] / em["sgemm_gflops"])
    log("ratio_infer_vs_torch_float32", em["infer_spectra_per_s"] / tr["torch_infer_float32_spectra_per_s"])
    log("ratio_infer_vs_torch_bfloat16", em["infer_spectra_per_s"] / tr["torch_infer_bfloat16_spectra_per_s"])
    log("ratio_train_vs_torch_float32", em["train_samples_per_s"] / tr["torch_train_samples_per_s"])
    log("ratio_smote_speedup_vs_imblearn", smote / em["smote_seconds"])
    # The ratios of the rounds, each of two sides measured within a minute
    # of each other: their median does not depend on which side a fast
    # minute of the machine happened to fall on, as the ratio of the two
    # best figures does.
    for k, v in paired.items():
        log(f"ratio_{k}_median_of_rounds", statistics.median(v))


if __name__ == "__main__":
    main()
