#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""emissary-cli samp against Aladin (under a JSAMP hub found through
-Duser.home, since Aladin ignores SAMP_HUB): coord.pointAt.sky moves the
view there, twice, and coord.get.sky says where it points.

Not tested here: table.load.votable and script.aladin.send.  Offline
under Xvfb, Aladin 12 (whose start-up fails to reach VizieR) never
answers either call (timed out after 60 s), and queues later calls
behind them."""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samp_peers  # noqa: E402

samp_peers.need("aladin")
samp_peers.ensure_display()


def where(s):
    reply = s.call("aladin", "coord.get.sky")
    assert reply["samp.status"] == "samp.ok", reply
    return float(reply["samp.result"]["ra"]), float(reply["samp.result"]["dec"])


def near(a, b, tol=1e-3):
    # degrees on the sky, RA scaled by cos(dec)
    dra = (a[0] - b[0] + 180) % 360 - 180
    return math.hypot(dra * math.cos(math.radians(b[1])), a[1] - b[1]) < tol


s = samp_peers.Session()
try:
    s.spawn(["aladin"])
    s.wait_for_client("aladin", "coord.pointAt.sky", 90)

    for ra, dec in ((83.63308, 22.0145), (279.23473, 38.78369)):
        s.cli("point", str(ra), str(dec), "--to", "ALADIN", "--timeout", "30")
        got = where(s)
        assert near(got, (ra, dec)), f"Aladin points at {got}, sent {(ra, dec)}"
        print("coord.get.sky after point:", got)
    print("ok")
except BaseException:
    print(s.log_tail())
    raise
finally:
    s.close()
