#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""emissary-cli samp end to end under a JSAMP hub, with a second
emissary-cli as the peer: `samp listen` prints what `samp call`,
`samp point` and `samp send-spectrum` send (SSA meta keys included),
`samp clients` lists it with its subscriptions, and the failures exit as
documented (1: no hub, unknown recipient, MType not accepted; 2: usage)."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samp_peers  # noqa: E402

DATA = os.path.join(os.environ["G_TEST_SRCDIR"], "data", "samp-candidates.vot")

s = samp_peers.Session()
listener = None
try:
    # Usage errors: 2.  No hub: 1, naming the lockfile.
    for args in (["no-such-sub"], ["point", "400", "0"], ["point", "1"], ["call", "x.y", "novalue"]):
        s.cli(*args, expect=2)
    env = dict(s.env, SAMP_HUB="std-lockurl:file:///nonexistent/emissary/.samp")
    r = subprocess.run([samp_peers.CLI, "samp", "clients"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "/nonexistent/emissary/.samp" in r.stderr, (r.returncode, r.stderr)
    s.cli("send-table", "/nonexistent.vot", expect=1)

    out = open(os.path.join(s.dir, "listen.out"), "w+")
    listener = subprocess.Popen([samp_peers.CLI, "samp", "listen", "--count", "3",
                                 "--subscribe", "spectrum.load.ssa-generic", "--subscribe", "x.test.*"],
                                env=s.env, stdout=out, stderr=subprocess.PIPE, text=True)
    s.wait_for_client("emissary", "spectrum.load.ssa-generic", 20)
    clients = s.clients()
    assert len(clients) == 1 and "coord.pointAt.sky" in clients[0]["subscriptions"], clients

    reply = s.call("EMISSARY", "x.test.echo", a="1", b="two words")
    assert reply["samp.status"] == "samp.ok", reply
    s.cli("point", "83.63308", "-5.39111", "--to", "emissary")
    s.cli("send-spectrum", DATA, "--meta", "ssa:Target.Name=LAMOST J0534", "--name", "spec")
    s.cli("send-table", DATA, "--to", "emissary", expect=1)  # not subscribed: refused before sending
    listener.wait(20)
    assert listener.returncode == 0, listener.stderr.read()
    out.seek(0)
    got = [json.loads(line) for line in out]
    assert [m["mtype"] for m in got] == ["x.test.echo", "coord.pointAt.sky", "spectrum.load.ssa-generic"], got
    assert got[0]["params"] == {"a": "1", "b": "two words"} and got[0]["call"] is True, got[0]
    assert got[1]["params"] == {"ra": "83.63308000", "dec": "-5.39111000"}, got[1]
    spec = got[2]["params"]
    assert spec["url"].startswith("file:///") and spec["url"].endswith("/samp-candidates.vot"), spec
    assert spec["meta"]["ssa:Access.Reference"] == spec["url"], spec
    assert spec["meta"]["ssa:Access.Format"] == "application/x-votable+xml", spec
    assert spec["meta"]["ssa:Target.Name"] == "LAMOST J0534", spec
    assert spec["name"] == "spec", spec
    print("ok")
except BaseException:
    print(s.log_tail())
    raise
finally:
    if listener and listener.poll() is None:
        listener.terminate()
        listener.wait()
    s.close()
