# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by the TOPCAT and Aladin tests: a JSAMP hub in a private
directory, Java peers started with -Duser.home there, a display, and
emissary-cli runs against that hub."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
CLI = os.environ.get("EM_CLI", "emissary-cli")
JSAMP_JAR = "/usr/share/java/jsamp.jar"


def need(program):
    """Exit with the skip status when a peer is genuinely absent."""
    if shutil.which(program) is None:
        print(f"skip: {program} is not installed")
        sys.exit(SKIP)


def ensure_display():
    """Java GUI peers need an X display: CI provides one (xvfb-run); run
    ourselves under xvfb-run when there is none."""
    if os.environ.get("DISPLAY"):
        return
    if shutil.which("xvfb-run") is None:
        print("skip: no DISPLAY and no xvfb-run")
        sys.exit(SKIP)
    os.execvp("xvfb-run", ["xvfb-run", "-a", sys.executable] + sys.argv)


class Session:
    def __init__(self):
        need("java")
        if not os.path.exists(JSAMP_JAR):
            print("skip: JSAMP is not installed")
            sys.exit(SKIP)
        self.dir = tempfile.mkdtemp(prefix="emissary-samp-")
        self.lockfile = os.path.join(self.dir, ".samp")
        self.env = dict(os.environ)
        self.env["SAMP_HUB"] = "std-lockurl:file://" + self.lockfile
        # Java looks in user.home, not $HOME.
        self.env["JAVA_TOOL_OPTIONS"] = f"-Duser.home={self.dir} -Djava.awt.headless=false"
        self.env["HOME"] = self.dir
        self.procs = []
        hub = self.spawn(["java", "-classpath", JSAMP_JAR, "org.astrogrid.samp.JSamp",
                          "hub", "-mode", "no-gui", "-profiles", "std"])
        self.hub = hub
        self.wait(lambda: os.path.exists(self.lockfile)
                  and "samp.profile.version" in open(self.lockfile).read(), 30, "the JSAMP hub lockfile")

    def spawn(self, argv):
        log = open(os.path.join(self.dir, os.path.basename(argv[0]) + ".log"), "ab")
        p = subprocess.Popen(argv, env=self.env, stdout=log, stderr=log, start_new_session=True)
        self.procs.append(p)
        return p

    def wait(self, cond, seconds, what):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if cond():
                return
            time.sleep(0.3)
        raise AssertionError(f"timed out after {seconds} s waiting for {what}")

    def cli(self, *args, expect=0, timeout=90):
        r = subprocess.run([CLI, "samp", *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if expect is not None and r.returncode != expect:
            raise AssertionError(f"emissary-cli samp {' '.join(args)}: exit {r.returncode}, "
                                 f"expected {expect}\nstdout: {r.stdout}\nstderr: {r.stderr}")
        return r

    def clients(self):
        return json.loads(self.cli("clients").stdout)

    def wait_for_client(self, name, mtype, seconds):
        def ready():
            return any((c["name"] or "").lower() == name.lower() and mtype in c["subscriptions"]
                       for c in self.clients())
        self.wait(ready, seconds, f"{name} to register and subscribe to {mtype}")

    def call(self, to, mtype, **params):
        r = self.cli("call", mtype, *[f"{k}={v}" for k, v in params.items()], "--to", to)
        replies = json.loads(r.stdout)
        assert len(replies) == 1, replies
        return next(iter(replies.values()))

    def close(self):
        # Peers first, then the hub; whole process groups, by their ids.
        for p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self):
        out = []
        for name in os.listdir(self.dir):
            if name.endswith(".log"):
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    out.append(f"--- {name}\n" + f.read()[-3000:])
        return "\n".join(out)
