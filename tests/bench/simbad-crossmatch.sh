#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Cross-match of N candidates (default 5000) against the local SIMBAD TAP
# replay server (tests/vo/simbad-replay.py) with the default politeness
# (about 3 requests/s, 1000 rows per request), then again from the cache.
# Usage: tests/bench/simbad-crossmatch.sh BUILDDIR [N]
# Prints: simbad_crossmatch rows=N chunk=1000 requests=R seconds=S cached_requests=R2 cached_seconds=S2
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: $0 BUILDDIR [N]}
n=${2:-5000}
python=/usr/bin/python3
tmp=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT

"$python" "$src/tests/vo/simbad-replay.py" --objects "$src/tests/data/simbad/replay-objects.tsv" \
  --log "$tmp/requests.log" --port-file "$tmp/port" &
server=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port=$(cat "$tmp/port")

"$python" - "$n" "$src/tests/data/simbad/replay-objects.tsv" "$tmp/cands.vot" <<'PY'
import random, sys
n, objects, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rows = [l.split("\t") for l in open(objects) if not l.startswith("#")][1:]
random.seed(1)
with open(out, "w") as f:
    f.write('<?xml version="1.0"?>\n<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">'
            '<RESOURCE><TABLE name="cands"><FIELD name="id" datatype="char" arraysize="*"/>'
            '<FIELD name="ra" datatype="double" unit="deg" ucd="pos.eq.ra;meta.main"/>'
            '<FIELD name="dec" datatype="double" unit="deg" ucd="pos.eq.dec;meta.main"/>'
            '<DATA><TABLEDATA>\n')
    for i in range(n):
        if i % 50 == 0:
            o = rows[(i // 50) % len(rows)]
            ra, dec = float(o[1]) + 0.3 / 3600, float(o[2])
        else:
            ra, dec = random.uniform(0, 360), random.uniform(-90, 90)
        f.write("<TR><TD>c%d</TD><TD>%r</TD><TD>%r</TD></TR>\n" % (i, ra, dec))
    f.write("</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>\n")
PY

export XDG_CACHE_HOME=$tmp/cache
url=http://127.0.0.1:$port/ok/simbad/sim-tap/sync
first=$("$build/src/cli/emissary-cli" simbad crossmatch "$tmp/cands.vot" -o "$tmp/out.vot" --simbad-url "$url")
second=$("$build/src/cli/emissary-cli" simbad crossmatch "$tmp/cands.vot" -o "$tmp/out2.vot" --simbad-url "$url")
field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/" <<<"$2"; }
echo "simbad_crossmatch rows=$n chunk=1000 requests=$(field requests "$first") seconds=$(field seconds "$first") cached_requests=$(field requests "$second") cached_seconds=$(field seconds "$second") emission=$(field emission "$first") other=$(field other "$first")"
