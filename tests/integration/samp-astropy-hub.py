#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs astropy's SAMP hub bound to 127.0.0.1, writing LOCKFILE, until killed."""
import signal
import sys
import time

from astropy.samp import SAMPHubServer

hub = SAMPHubServer(web_profile=False, addr="127.0.0.1", lockfile=sys.argv[1], pool_size=8)
hub.start(wait=False)
signal.signal(signal.SIGTERM, lambda *a: (hub.stop(), sys.exit(0)))
while True:
    time.sleep(1)
