#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# emissary-cli inspect, preprocess and demo-data on the test data.
# Expected numbers come from the FITS headers (read with astropy, see
# tests/data/make-spectra-fixtures.py).
set -u
data="$G_TEST_SRCDIR/data"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/emissary-cli-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
check () {
  if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}

# inspect: one JSON line per good file, an error line per bad one, status 1
printf 'not fits' > "$tmp/bad.fits"
"$EM_CLI" inspect "$data/lamost/spec-55859-F5902_sp01-001.fits.gz" "$tmp/bad.fits" \
  "$data/lamost/spec-55859-F5902_sp01-013.fits.gz" "$data/ondrejov/ua280060.fits" >"$tmp/out" 2>"$tmp/err"
status=$?
check "inspect exits 1 when a file is bad" '[ $status = 1 ]'
check "inspect prints three objects" '[ "$(wc -l <"$tmp/out")" = 3 ]'
check "inspect names the bad file" 'grep -q "bad.fits: not a FITS file" "$tmp/err"'
check "inspect DR7 values" 'head -1 "$tmp/out" | grep -q "\"format\":\"lamost-lrs-image\",\"id\":\"spec-55859-F5902_sp01-001\",\"designation\":\"J220848.54-020324.3\",\"ra\":332.202274,\"dec\":-2.056767,\"obsid\":101001,\"n_pixels\":3908,"'
check "inspect DR7 S/N and class" 'head -1 "$tmp/out" | grep -q "\"snr\":27.16,\"class\":\"STAR G7\""'
check "inspect DR8 table" 'sed -n 2p "$tmp/out" | grep -q "\"format\":\"lamost-lrs-coadd\",\"id\":\"spec-55859-F5902_sp01-013\".*\"obsid\":101013.*\"class\":\"STAR A2\""'
check "inspect Ondřejov" 'sed -n 3p "$tmp/out" | grep -q "\"format\":\"wcs-linear\",\"id\":\"ua280060\",\"designation\":\"17 Sex\",\"ra\":152.5314167,\"dec\":-8.408166667,\"obsid\":null"'
"$EM_CLI" inspect "$data/lamost/spec-58397-EG014118N254444M01_sp03-031.fits" >/dev/null 2>&1
check "inspect exits 0 on good files" '[ $? = 0 ]'

# preprocess
"$EM_CLI" preprocess "$data/lamost/spec-58397-EG014118N254444M01_sp03-031.fits" >"$tmp/flux"
check "preprocess exits 0" '[ $? = 0 ]'
check "preprocess prints 140 lines" '[ "$(wc -l <"$tmp/flux")" = 140 ]'
check "preprocess scales to [-1, 1]" 'sort -g "$tmp/flux" | sed -n "1p;\$p" | tr "\n" " " | grep -qx -- "-1 1 "'
"$EM_CLI" preprocess --grid 6500:6600:11 --no-scale "$data/lamost/spec-58397-EG014118N254444M01_sp03-031.fits" >"$tmp/flux"
check "preprocess --grid gives 11 lines" '[ "$(wc -l <"$tmp/flux")" = 11 ]'
check "preprocess --no-scale keeps fluxes" '[ "$(sort -g "$tmp/flux" | head -1 | cut -d. -f1)" -gt 100 ]'
"$EM_CLI" preprocess --grid 3000:4000:10 "$data/lamost/spec-58397-EG014118N254444M01_sp03-031.fits" >/dev/null 2>"$tmp/err"
check "preprocess outside the spectrum exits 1" '[ $? = 1 ] && grep -q "does not contain the grid" "$tmp/err"'
"$EM_CLI" preprocess --grid 1:2 "$data/ondrejov/ua280060.fits" >/dev/null 2>&1
check "preprocess bad --grid exits 2" '[ $? = 2 ]'
"$EM_CLI" preprocess "$tmp/bad.fits" >/dev/null 2>&1
check "preprocess bad file exits 1" '[ $? = 1 ]'
"$EM_CLI" preprocess a b >/dev/null 2>&1
check "preprocess two files exits 2" '[ $? = 2 ]'

# demo-data
"$EM_CLI" demo-data --pool 20 --seed-set 30 --seed 5 "$tmp/demo" >"$tmp/out"
check "demo-data exits 0" '[ $? = 0 ]'
check "demo-data writes 20 pool files" '[ "$(ls "$tmp/demo/pool" | wc -l)" = 20 ]'
check "demo-data writes truth" '[ "$(wc -l <"$tmp/demo/truth.csv")" = 21 ]'
check "demo-data writes the seed set" '[ "$(wc -l <"$tmp/demo/seed.csv")" = 31 ]'
check "demo pool inspects" '"$EM_CLI" inspect "$tmp"/demo/pool/* >/dev/null'
"$EM_CLI" demo-data --seed x "$tmp/demo2" >/dev/null 2>&1
check "demo-data bad --seed exits 2" '[ $? = 2 ]'
"$EM_CLI" demo-data --pool 1 --seed-set 1 /proc/no/such/dir >/dev/null 2>&1
check "demo-data unwritable dir exits 1" '[ $? = 1 ]'
exit $fail
