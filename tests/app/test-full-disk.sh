#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A full disk, for real: the experiment, the pool and the exports live on
# small tmpfs file systems (mounted in a private mount namespace, so no
# privilege is needed where user namespaces are allowed) that we fill up.
# Every command must fail with a message that names the file and says the
# disk is full, leave no partial file behind, and lose nothing: once space
# is freed, the labels given before are all there and the same commands
# succeed.  Skipped (77) where a mount namespace cannot be made.
set -u
CLI=${EM_CLI:?EM_CLI names emissary-cli}

if [ "${EM_FULL_DISK_INNER:-}" != 1 ]; then
  if ! unshare -rm true 2>/dev/null; then
    echo "SKIP: cannot make a mount namespace here (unshare -rm failed)"
    exit 77
  fi
  EM_FULL_DISK_INNER=1 exec unshare -rm sh "$0" "$@"
fi

failures=0
fail () { echo "FAIL: $*"; failures=$((failures + 1)); }
ok () { echo "ok: $*"; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/em-full-disk-XXXXXX")
trap 'umount "$TMP/disk" "$TMP/tiny" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
mkdir -p "$TMP/disk" "$TMP/tiny"
mount -t tmpfs -o size=8m tmpfs "$TMP/disk" || { echo "SKIP: tmpfs mount refused"; exit 77; }
mount -t tmpfs -o size=64k tmpfs "$TMP/tiny" || { echo "SKIP: tmpfs mount refused"; exit 77; }

# expect_failure WHAT OUTPUT_FILE PATTERN... : exit status 1, every pattern
# in the message
expect_failure () {
  what=$1 status=$2 out=$3
  shift 3
  if [ "$status" -ne 1 ]; then
    fail "$what: exit status $status, expected 1 ($(cat "$out"))"
    return
  fi
  for pattern in "$@"; do
    if ! grep -q -- "$pattern" "$out"; then
      fail "$what: message lacks “$pattern”: $(cat "$out")"
      return
    fi
  done
  ok "$what: $(head -c 300 "$out")"
}

fill () { dd if=/dev/zero of="$1/filler" bs=16k 2>/dev/null; sync; }
info_field () { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1"; }

"$CLI" demo-data "$TMP/demo" --pool 300 --seed-set 200 --seed 3 >/dev/null 2>&1 ||
  { echo "demo-data failed"; exit 1; }
"$CLI" ingest "$TMP/reference.fits" "$TMP/demo/pool" --threads 2 >/dev/null 2>&1 ||
  { echo "reference ingest failed"; exit 1; }
"$CLI" train "$TMP/demo/seed.csv" -o "$TMP/model.safetensors" --preset small --epochs 1 >/dev/null 2>&1 ||
  { echo "train failed"; exit 1; }
ids=$(sed -n '2,40p' "$TMP/demo/truth.csv" | cut -d, -f1)
id1=$(echo "$ids" | sed -n 1p)
id2=$(echo "$ids" | sed -n 2p)
id3=$(echo "$ids" | sed -n 3p)

# --- a pool that fills the disk half-way through its ingest -------------
# leave room for about half of the pool (it is ~330 kB)
free_kb=$(df -k "$TMP/disk" | awk 'NR == 2 { print $4 }')
dd if=/dev/zero of="$TMP/disk/filler" bs=1k count=$((free_kb - 170)) 2>/dev/null
"$CLI" ingest "$TMP/disk/pool.fits" "$TMP/demo/pool" --threads 2 >"$TMP/out" 2>&1
expect_failure "ingest onto a disk that fills" $? "$TMP/out" "pool" "No space left on device"
ls "$TMP/disk" | grep -q '\.new' && fail "ingest left a temporary file: $(ls "$TMP/disk")"
rm -f "$TMP/disk/filler"
if "$CLI" ingest "$TMP/disk/pool.fits" "$TMP/demo/pool" --threads 2 >"$TMP/out" 2>&1; then
  "$CLI" pool info "$TMP/disk/pool.fits" >"$TMP/info" 2>&1
  "$CLI" pool info "$TMP/reference.fits" >"$TMP/info-ref" 2>&1
  rows=$(info_field "$TMP/info" rows)
  if [ -n "$rows" ] && [ "$rows" = "$(info_field "$TMP/info-ref" rows)" ] &&
     [ "$(info_field "$TMP/info" distinct_ids)" = "$rows" ] &&
     [ "$(info_field "$TMP/info" failures)" = "$(info_field "$TMP/info-ref" failures)" ] &&
     "$CLI" score "$TMP/disk/pool.fits" "$TMP/model.safetensors" -o "$TMP/scores.csv" >/dev/null 2>&1 &&
     "$CLI" score "$TMP/reference.fits" "$TMP/model.safetensors" -o "$TMP/scores-ref.csv" >/dev/null 2>&1 &&
     cmp -s "$TMP/scores.csv" "$TMP/scores-ref.csv"; then
    ok "ingest resumed after space was freed: $rows rows, none twice, scored the same as an uninterrupted ingest"
  else
    fail "resumed pool: $(cat "$TMP/info") (reference: $(cat "$TMP/info-ref"))"
  fi
else
  fail "ingest after space was freed: $(cat "$TMP/out")"
fi

# --- an experiment on the disk, then the disk fills ---------------------
EXP=$TMP/disk/full.emissary
"$CLI" experiment new "$EXP" --seed-set "$TMP/demo/seed.csv" --pool "$TMP/disk/pool.fits" \
  --preset small --epochs 2 >/dev/null 2>&1 || { echo "experiment new failed"; exit 1; }
"$CLI" iterate "$EXP" >/dev/null 2>&1 || { echo "first iterate failed"; exit 1; }
"$CLI" label "$EXP" "$id1" emission >/dev/null 2>&1 || fail "label $id1 with space left"
"$CLI" label "$EXP" "$id2" absorption >/dev/null 2>&1 || fail "label $id2 with space left"

fill "$TMP/disk"
"$CLI" label "$EXP" "$id3" emission >"$TMP/out" 2>&1
expect_failure "label on a full disk" $? "$TMP/out" "experiment.sqlite" "disk is full"
"$CLI" iterate "$EXP" >"$TMP/out" 2>&1
expect_failure "iterate on a full disk" $? "$TMP/out" "full.emissary" "No space left on device"
"$CLI" experiment info "$EXP" >"$TMP/out" 2>&1
status=$?
if [ $status -eq 0 ]; then
  ok "experiment info on a full disk still reads"
else
  expect_failure "experiment info on a full disk" $status "$TMP/out" "experiment.sqlite" "disk is full"
fi
grep -q "not an Emissary experiment" "$TMP/out" && fail "a full disk reported as a foreign file"

rm -f "$TMP/disk/filler"
"$CLI" experiment info "$EXP" >"$TMP/info" 2>&1 || fail "experiment info after freeing space"
if [ "$(info_field "$TMP/info" oracle_labels)" = 2 ] && [ "$(info_field "$TMP/info" iterations)" = 1 ]; then
  ok "after freeing space: both labels given before are there, one iteration"
else
  fail "after freeing space: $(cat "$TMP/info")"
fi
find "$EXP" -name '*.tmp*' -o -name '*.part*' | grep -q . &&
  fail "partial files left in the experiment: $(find "$EXP" -name '*.tmp*' -o -name '*.part*')"
"$CLI" label "$EXP" "$id3" emission >/dev/null 2>&1 || fail "label after freeing space"
"$CLI" iterate "$EXP" >/dev/null 2>&1 || fail "iterate after freeing space"
"$CLI" experiment info "$EXP" >"$TMP/info" 2>&1
if [ "$(info_field "$TMP/info" oracle_labels)" = 3 ] && [ "$(info_field "$TMP/info" iterations)" = 2 ]; then
  ok "the experiment goes on: 3 oracle labels, 2 iterations"
else
  fail "after freeing space: $(cat "$TMP/info")"
fi

# --- an export onto a full disk -----------------------------------------
fill "$TMP/tiny"
for format in votable csv fits; do
  "$CLI" candidates "$EXP" -o "$TMP/tiny/candidates.$format" --format $format >"$TMP/out" 2>&1
  expect_failure "candidates --format $format onto a full disk" $? "$TMP/out" \
    "candidates.$format" "No space left on device"
  [ -e "$TMP/tiny/candidates.$format" ] && fail "a partial candidates.$format was left behind"
done
ls -A "$TMP/tiny" | grep -v '^filler$' | grep -q . && fail "export left files: $(ls -A "$TMP/tiny")"

[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
