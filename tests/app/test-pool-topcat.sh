#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A pool opens in TOPCAT as it is: STILTS (TOPCAT's engine) reads its table
# with every column, and the fluxes it reads are the ones Emissary wrote.
set -eu
command -v topcat >/dev/null 2>&1 || { echo "1..0 # SKIP topcat not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$EM_CLI" ingest "$tmp/p.fits" "$G_TEST_SRCDIR/data/lamost" >/dev/null 2>&1
count=$(topcat -stilts tpipe in="$tmp/p.fits" omode=count 2>/dev/null)
echo "$count"
echo "$count" | grep -Eq '^columns: 10 +rows: 6$' || { echo "FAIL: STILTS sees “$count”"; exit 1; }
# Flux 70 of the DR7 row as STILTS reads it and as `emissary-cli preprocess` computes it.
stilts=$(topcat -stilts tpipe in="$tmp/p.fits" cmd='select "ID == \"spec-58397-EG014118N254444M01_sp03-031\""' \
  cmd='addcol f70 FLUX[70]' cmd='keepcols f70' ofmt=csv-noheader 2>/dev/null)
ours=$("$EM_CLI" preprocess "$G_TEST_SRCDIR/data/lamost/spec-58397-EG014118N254444M01_sp03-031.fits" | sed -n 71p)
echo "STILTS flux[70] = $stilts, emissary-cli preprocess = $ours"
awk -v a="$stilts" -v b="$ours" 'BEGIN { d = a - b; if (a == "" || d > 1e-6 || d < -1e-6) exit 1 }' ||
  { echo "FAIL: the fluxes differ"; exit 1; }
echo ok
