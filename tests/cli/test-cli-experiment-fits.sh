#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# emissary-cli experiment new --seed-fits DIR --seed-labels CSV: the seed
# set is made from FITS spectra into EXP/seed-set.csv (a corrupt file is
# reported, not fatal); a bad labels file leaves no folder behind.
set -u
tmp=$(mktemp -d "${TMPDIR:-/tmp}/emissary-cli-fits-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
check () {
  if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}

"$EM_CLI" demo-data --pool 40 --seed-set 10 --seed 4 "$tmp/demo" >/dev/null
check "demo data written" '[ -f "$tmp/demo/truth.csv" ]'
"$EM_CLI" ingest --threads 1 "$tmp/pool.fits" "$tmp/demo/pool" >/dev/null 2>&1
check "pool ingested" '[ -f "$tmp/pool.fits" ]'
mkdir "$tmp/seed"
# the first 24 survey files with labels taken round the three classes
i=0
printf 'id,label\n' > "$tmp/labels.csv"
for f in $(ls "$tmp/demo/pool" | sort | head -24); do
  cp "$tmp/demo/pool/$f" "$tmp/seed/"
  case $((i % 3)) in 0) l=absorption;; 1) l=emission;; *) l=double-peak;; esac
  id=${f%.gz}; id=${id%.fits}
  printf '%s,%s\n' "$id" "$l" >> "$tmp/labels.csv"
  i=$((i + 1))
done
printf 'SIMPLE  =                    T / cut short' > "$tmp/seed/spec-broken.fits"
printf 'spec-broken,emission\n' >> "$tmp/labels.csv"

"$EM_CLI" experiment new --seed-fits "$tmp/seed" --seed-labels "$tmp/labels.csv" \
  --pool "$tmp/pool.fits" --preset small "$tmp/exp.emissary" >"$tmp/out" 2>"$tmp/err"
check "experiment new --seed-fits exits 0" '[ $? = 0 ]'
check "24 seed labels" 'grep -q "\"seed_labels\":24," "$tmp/out"'
check "seed set written into the experiment" '[ -f "$tmp/exp.emissary/seed-set.csv" ]'
check "the corrupt file is reported" 'grep -q "spec-broken.fits" "$tmp/exp.emissary/seed-set.failures.tsv" && grep -q "seed-set.failures.tsv" "$tmp/err"'

printf 'id,label\nspec-x\n' > "$tmp/bad-labels.csv"
"$EM_CLI" experiment new --seed-fits "$tmp/seed" --seed-labels "$tmp/bad-labels.csv" \
  --pool "$tmp/pool.fits" "$tmp/bad.emissary" >/dev/null 2>"$tmp/err"
check "bad labels exit 1" '[ $? = 1 ]'
check "the error names the labels file and line" 'grep -q "bad-labels.csv.*line 2" "$tmp/err"'
check "no folder left behind" '[ ! -e "$tmp/bad.emissary" ]'

"$EM_CLI" experiment new --seed-fits "$tmp/seed" --seed-labels "$tmp/labels.csv" \
  --pool "$tmp/pool.fits" --classes a,b "$tmp/bad2.emissary" >/dev/null 2>"$tmp/err"
check "labels outside the classes exit 1" '[ $? = 1 ]'
check "no folder left behind after a failed create" '[ ! -e "$tmp/bad2.emissary" ]'

"$EM_CLI" experiment new --seed-fits "$tmp/seed" --pool "$tmp/pool.fits" "$tmp/x.emissary" >/dev/null 2>&1
check "--seed-fits without --seed-labels is a usage error" '[ $? = 2 ]'
"$EM_CLI" experiment new --seed-set "$tmp/demo/seed.csv" --seed-fits "$tmp/seed" \
  --seed-labels "$tmp/labels.csv" --pool "$tmp/pool.fits" "$tmp/x.emissary" >/dev/null 2>&1
check "--seed-set with --seed-fits is a usage error" '[ $? = 2 ]'
"$EM_CLI" experiment new --seed-fits "$tmp/seed" --seed-labels "$tmp/labels.csv" \
  --pool "$tmp/pool.fits" "$tmp/exp.emissary" >/dev/null 2>"$tmp/err"
check "an existing folder is refused" '[ $? = 1 ] && grep -q "exists already" "$tmp/err" && [ -f "$tmp/exp.emissary/experiment.sqlite" ]'
exit $fail
