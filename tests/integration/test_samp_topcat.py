#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""emissary-cli samp against TOPCAT (under a JSAMP hub): the table sent is
the table TOPCAT holds (table.get.stil hands it back, rows compared),
coord.pointAt.sky is accepted, a spectrum is refused before sending
(TOPCAT does not subscribe), unknown recipients fail with exit 1."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samp_peers  # noqa: E402

samp_peers.need("topcat")
samp_peers.ensure_display()

from astropy.io.votable import parse_single_table  # noqa: E402

DATA = os.path.join(os.environ["G_TEST_SRCDIR"], "data", "samp-candidates.vot")


def rows(path_or_url):
    t = parse_single_table(path_or_url).to_table()
    return [(str(r["obsid"]), round(float(r["ra"]), 5), round(float(r["dec"]), 5)) for r in t]


s = samp_peers.Session()
try:
    s.spawn(["topcat", "-nohub"])
    s.wait_for_client("topcat", "table.load.votable", 60)

    r = s.cli("send-table", DATA, "--to", "TopCat", "--name", "candidates")
    print("send-table:", r.stdout.strip())

    reply = s.call("topcat", "table.get.stil", format="votable")
    assert reply["samp.status"] == "samp.ok", reply
    url = reply["samp.result"]["url"]
    held = rows(url)
    sent = rows(DATA)
    assert held == sent, f"TOPCAT holds {held}, sent {sent}"
    print(f"table.get.stil: TOPCAT holds the {len(held)} rows sent ({url})")

    r = s.cli("point", "83.63308", "22.0145", "--to", "topcat")
    print("point:", r.stdout.strip())

    r = s.cli("send-spectrum", DATA, "--to", "topcat", expect=1)
    assert "does not accept spectrum.load.ssa-generic" in r.stderr, r.stderr
    r = s.cli("point", "1", "2", "--to", "no-such-client", expect=1)
    assert "no SAMP client" in r.stderr, r.stderr
    print("ok")
except BaseException:
    print(s.log_tail())
    raise
finally:
    s.close()
