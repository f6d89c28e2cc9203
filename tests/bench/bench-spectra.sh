#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Throughput of the spectra layer through emissary-cli: writing the demo
# survey, reading every pool file (inspect), and preprocessing a sample.
# Usage: tests/bench/bench-spectra.sh BUILDDIR [N_POOL] [N_SEED]
# Prints: spectra_demo_data pool=N seed_set=M seconds=S cpu_seconds=C mbytes=B
#         spectra_inspect files=N seconds=S cpu_seconds=C files_per_second=R
#         spectra_preprocess files=K seconds=S files_per_second=R
set -euo pipefail
build=${1:?usage: $0 BUILDDIR [N_POOL] [N_SEED]}
n=${2:-3000}
m=${3:-1500}
cli="$build/src/cli/emissary-cli"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now () { date +%s.%N; }
t0=$(now)
/usr/bin/time -f "%U %S" -o "$tmp/cpu" "$cli" demo-data --pool "$n" --seed-set "$m" --seed 1 "$tmp/demo" >/dev/null
t1=$(now)
mb=$(du -sm "$tmp/demo" | cut -f1)
cpu=$(awk '{print $1 + $2}' "$tmp/cpu")
echo "spectra_demo_data pool=$n seed_set=$m seconds=$(echo "$t1 - $t0" | bc) cpu_seconds=$cpu mbytes=$mb"

t0=$(now)
/usr/bin/time -f "%U %S" -o "$tmp/cpu" "$cli" inspect "$tmp"/demo/pool/* >/dev/null
t1=$(now)
s=$(echo "$t1 - $t0" | bc)
cpu=$(awk '{print $1 + $2}' "$tmp/cpu")
echo "spectra_inspect files=$n seconds=$s cpu_seconds=$cpu files_per_second=$(echo "$n / $s" | bc)"

k=$(( n < 200 ? n : 200 ))
t0=$(now)
for f in $(ls "$tmp"/demo/pool/* | head -n "$k"); do "$cli" preprocess "$f" >/dev/null 2>&1 || true; done
t1=$(now)
s=$(echo "$t1 - $t0" | bc)
echo "spectra_preprocess files=$k seconds=$s files_per_second=$(echo "$k / $s" | bc) (one process per file)"
