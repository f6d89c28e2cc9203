#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A SAMP peer with astropy, acting as TOPCAT would towards Emissary.

Connects to the hub of $SAMP_HUB as
"astropy-peer".  On table.load.votable it reads the table at the URL,
answers samp.ok with the row count, then selects rows 1 and 3 of it
(table.select.rowList with the table-id) and highlights row 4 back to the
sender.  On spectrum.load.ssa-generic it checks the SSA meta keys.
x.fail is answered with samp.error.  Prints one line per event on
stdout and exits after stop.now."""
import threading
import time

from astropy.samp import SAMPIntegratedClient
from astropy.table import Table

done = threading.Event()
client = SAMPIntegratedClient(name="astropy-peer", description="astropy test peer")
client.connect()


def say(*words):
    print(*words, flush=True)


def on_table(private_key, sender_id, msg_id, mtype, params, extra):
    try:
        table = Table.read(params["url"], format="votable")
        ids = [str(v) for v in table["obsid"]]
        client.reply(msg_id, {"samp.status": "samp.ok",
                              "samp.result": {"rows": str(len(table)), "ids": ",".join(ids)}})
        say("table", params.get("table-id", ""), len(table))
        # As TOPCAT does when the user selects rows of a table it got.
        client.notify(sender_id, {"samp.mtype": "table.select.rowList",
                                  "samp.params": {"table-id": params["table-id"],
                                                  "url": params["url"], "row-list": ["1", "3"]}})
        client.notify(sender_id, {"samp.mtype": "table.highlight.row",
                                  "samp.params": {"url": params["url"].replace("file:///", "file:/"),
                                                  "row": "4"}})
    except Exception as e:  # report to the sender, as a peer should
        client.reply(msg_id, {"samp.status": "samp.error", "samp.error": {"samp.errortxt": str(e)}})
        say("table-error", e)


def on_spectrum(private_key, sender_id, msg_id, mtype, params, extra):
    meta = params.get("meta", {})
    ok = meta.get("ssa:Access.Reference") == params.get("url") and "ssa:Access.Format" in meta
    client.reply(msg_id, {"samp.status": "samp.ok" if ok else "samp.error",
                          "samp.result": {"format": meta.get("ssa:Access.Format", "")},
                          "samp.error": {"samp.errortxt": "SSA meta keys missing"}})
    say("spectrum", meta.get("ssa:Access.Format", ""), meta.get("ssa:Target.Name", ""))


def on_fail(private_key, sender_id, msg_id, mtype, params, extra):
    client.reply(msg_id, {"samp.status": "samp.error",
                          "samp.error": {"samp.errortxt": "astropy peer refuses " + params.get("what", "")}})


def on_stop(private_key, sender_id, msg_id, mtype, params, extra):
    done.set()


client.bind_receive_call("table.load.votable", on_table)
client.bind_receive_call("spectrum.load.ssa-generic", on_spectrum)
client.bind_receive_call("x.fail", on_fail)
client.bind_receive_notification("stop.now", on_stop)
say("ready", client.get_public_id())
done.wait(120)
client.disconnect()
