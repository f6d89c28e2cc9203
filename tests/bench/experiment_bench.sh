#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Benchmark of the active-learning loop on the demo survey: Emissary with
# entropy sampling, Emissary with random sampling (passive learning), and
# the authors' method in PyTorch + imbalanced-learn (reference_loop.py), on
# the same data, budget and epoch cap.  Prints the JSON lines of every run,
# then one summary line per run and the ratios.  Not part of `meson test`.
#
#   tests/bench/experiment_bench.sh BUILDDIR [POOL_SIZE] [SEED_SIZE] [ITERATIONS] [EPOCHS] [BATCH] [SEED]
#
# SEED (default 1) draws the demo survey and seeds both sides' networks: a
# final precision or recall differs by a spectrum or two from one seed to
# the next, so compare the methods over several seeds.
set -eu
build=${1:?usage: experiment_bench.sh BUILDDIR [POOL] [SEED_SET] [ITERATIONS] [EPOCHS] [BATCH] [SEED]}
n_pool=${2:-3000}
n_seed=${3:-1500}
iterations=${4:-5}
epochs=${5:-30}
batch=${6:-100}
seed=${7:-1}
here=$(cd "$(dirname "$0")" && pwd)
cli=$(cd "$build" && pwd)/src/cli/emissary-cli
work=$(mktemp -d "${TMPDIR:-/tmp}/em-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
out=$work/lines.jsonl

"$cli" demo-data "$work/demo" --pool "$n_pool" --seed-set "$n_seed" --seed "$seed" >/dev/null
"$cli" ingest "$work/pool.fits" "$work/demo/pool" >/dev/null
echo "{\"bench\":\"experiment\",\"pool\":$n_pool,\"seed_set\":$n_seed,\"iterations\":$iterations,\"batch\":$batch,\"epochs\":$epochs,\"seed\":$seed}"

for strategy in entropy random; do
  "$cli" experiment new "$work/$strategy.emissary" --seed-set "$work/demo/seed.csv" \
    --pool "$work/pool.fits" --strategy "$strategy" --epochs "$epochs" --batch "$batch" --seed "$seed" >/dev/null
  "$cli" simulate "$work/$strategy.emissary" --oracle "$work/demo/truth.csv" --iterations "$iterations" |
    sed -u "s/^{/{\"impl\":\"emissary\",\"strategy\":\"$strategy\",/" | tee -a "$out"
done
/usr/bin/python3 "$here/reference_loop.py" --pool "$work/pool.fits" --seed-set "$work/demo/seed.csv" \
  --oracle "$work/demo/truth.csv" --iterations "$iterations" --batch "$batch" --epochs "$epochs" \
  --strategy entropy --seed "$seed" | tee -a "$out"

/usr/bin/python3 - "$out" <<'PY'
import json, sys
runs = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    runs.setdefault((d["impl"], d["strategy"]), []).append(d)
summary = {}
for (impl, strategy), lines in runs.items():
    last = lines[-1]
    secs = [l["seconds"] for l in lines]
    cpus = [l.get("cpu_seconds", float("nan")) for l in lines]
    # early stopping ends each side after its own number of epochs: the
    # time of one epoch over one balanced sample compares the work itself
    per_sample_epoch = [l["seconds"] / (l["epochs"] * l["train_size_balanced"])
                        for l in lines if l.get("epochs") and l.get("train_size_balanced")]
    summary[(impl, strategy)] = s = {
        "summary": f"{impl}-{strategy}", "final_precision": round(last["precision"], 4),
        "final_recall": round(last["recall"], 4), "candidates": last["candidates"],
        "seconds_per_iteration": round(sum(secs) / len(secs), 2),
        "cpu_seconds_per_iteration": round(sum(cpus) / len(cpus), 2),
        "epochs_per_iteration": round(sum(l.get("epochs", 0) for l in lines) / len(lines), 1),
        "us_per_sample_epoch": round(1e6 * sum(per_sample_epoch) / len(per_sample_epoch), 1)
                               if per_sample_epoch else None}
    print(json.dumps(s))
e, r, p = (summary.get(k) for k in [("emissary", "entropy"), ("emissary", "random"), ("pytorch", "entropy")])
if e and p:
    print(json.dumps({"ratio": "pytorch/emissary seconds per iteration",
                      "value": round(p["seconds_per_iteration"] / e["seconds_per_iteration"], 2)}))
    if e["us_per_sample_epoch"] and p["us_per_sample_epoch"]:
        print(json.dumps({"ratio": "pytorch/emissary seconds per iteration, per epoch and balanced sample",
                          "value": round(p["us_per_sample_epoch"] / e["us_per_sample_epoch"], 2)}))
    print(json.dumps({"ratio": "pytorch/emissary CPU seconds per iteration",
                      "value": round(p["cpu_seconds_per_iteration"] / e["cpu_seconds_per_iteration"], 2)}))
if e and r:
    print(json.dumps({"ratio": "entropy - random", "precision": round(e["final_precision"] - r["final_precision"], 4),
                      "recall": round(e["final_recall"] - r["final_recall"], 4)}))
PY
