#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A local stand-in for SIMBAD's TAP service (/simbad/sim-tap/sync).

It answers the ADQL shapes Emissary sends (cone search on basic, look-up
through ident, identifiers of a list of oids, TAP_UPLOAD cross-match)
from tests/data/simbad/replay-objects.tsv, in SIMBAD TAP's format: a
VOTable 1.4 with RESOURCE type="results" and INFO name="QUERY_STATUS",
serialised as BINARY (what TAPLibrary's FORMAT=votable gives), TABLEDATA
or BINARY2.  Errors follow TAP 1.1 / DALI: HTTP 400 with a VOTable whose
QUERY_STATUS is ERROR and whose content is the message.

Every request is checked (POST, REQUEST=doQuery, LANG=ADQL,
FORMAT=votable, QUERY, and for uploads UPLOAD=cands,param:cands with a
multipart part "cands" holding a VOTable of id/ra/dec) and logged as one
JSON line, so that the C tests can check what the client sent.

The first path component selects a behaviour:
  ok (BINARY), td (TABLEDATA), binary2 (BINARY2), taperror (400 + TAP
  error), taperror200 (200 + TAP error), http500, ratelimit (the first
  request of each distinct query gets 429 Retry-After: 1), busy503 (two
  503 without Retry-After, then ok), stall (never answers), truncated
  (Content-Length larger than the body sent), html (200 with an HTML page),
  recorded / recorded-error (a recorded SIMBAD VOTable served verbatim),
  overflow (at most 5 rows, then INFO QUERY_STATUS=OVERFLOW after the table),
  moved (301 to the same path under ok/).

Usage: simbad-replay.py --objects TSV --log FILE --port-file FILE
"""
import argparse
import base64
import email.parser
import email.policy
import json
import math
import os
import re
import struct
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape, quoteattr

OTYPE_DESCRIPTIONS = {
    "?": "Object of Unknown Nature",
    "Psr": "Pulsar",
    "SNR": "SuperNova Remnant",
    "Be*": "Be Star",
    "Ae*": "Herbig Ae/Be Star",
    "TT*": "T Tauri Star",
    "Sy*": "Symbiotic Star",
    "PN": "Planetary Nebula",
}

# name, datatype, arraysize, ucd, unit, description (as SIMBAD TAP's schema)
COLUMNS = {
    "oid": ("long", None, "meta.record;meta.id", None, "Object internal identifier"),
    "oidref": ("long", None, "meta.record;meta.id", None, "Object internal identifier"),
    "id": ("char", "*", "meta.id", None, "Identifier"),
    "main_id": ("char", "*", "meta.id;meta.main", None, "Main identifier for an object"),
    "ra": ("double", None, "pos.eq.ra;meta.main", "deg", "Right ascension"),
    "dec": ("double", None, "pos.eq.dec;meta.main", "deg", "Declination"),
    "otype": ("char", "*", "src.class", None, "Object type"),
    "otype_txt": ("char", "*", "src.class", None, "Object type description"),
    "sp_type": ("char", "*", "src.spType", None, "MK spectral type"),
    "v_mag": ("float", None, "phot.mag", "mag", "Magnitude"),
    "separation": ("double", None, "pos.angDistance", "arcsec", None),
    "cand_id": ("long", None, "meta.id", None, None),
}


def load_objects(path):
    objects = []
    with open(path, encoding="utf-8") as f:
        header = None
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cells = line.rstrip("\n").split("\t")
            if header is None:
                header = cells
                continue
            row = dict(zip(header, cells))
            oid = 1000 + len(objects)
            ids = [row["main_id"]] + [i for i in row["identifiers"].split("|") if i]
            objects.append({
                "oid": oid,
                "main_id": row["main_id"],
                "ra": float(row["ra"]),
                "dec": float(row["dec"]),
                "otype": row["otype"],
                "otype_txt": OTYPE_DESCRIPTIONS.get(row["otype"]),
                "sp_type": row["sp_type"] or None,
                "v_mag": float(row["V"]) if row["V"] else None,
                "ids": ids,
            })
    return objects


def separation_arcsec(ra1, dec1, ra2, dec2):
    r = math.radians
    s = (math.sin((r(dec2) - r(dec1)) / 2) ** 2
         + math.cos(r(dec1)) * math.cos(r(dec2)) * math.sin((r(ra2) - r(ra1)) / 2) ** 2)
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(s)))) * 3600


class TapError(Exception):
    pass


def votable_header():
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<VOTABLE version="1.4" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns="http://www.ivoa.net/xml/VOTable/v1.3" '
            'xsi:schemaLocation="http://www.ivoa.net/xml/VOTable/v1.3 '
            'http://www.ivoa.net/xml/VOTable/v1.3">\n')


def error_document(message):
    return (votable_header()
            + '<RESOURCE type="results">\n'
            + '<INFO name="QUERY_STATUS" value="ERROR">%s</INFO>\n' % escape(message)
            + '<INFO name="PROVIDER" value="CDS">Data provided by SIMBAD (replay)</INFO>\n'
            + '</RESOURCE>\n</VOTABLE>\n').encode("utf-8")


def binary_cell(datatype, value):
    if datatype == "char":
        data = (value or "").encode("ascii", "replace")
        return struct.pack(">I", len(data)) + data
    if datatype == "long":
        return struct.pack(">q", value if value is not None else -(2 ** 63))
    if datatype == "double":
        return struct.pack(">d", value if value is not None else float("nan"))
    if datatype == "float":
        return struct.pack(">f", value if value is not None else float("nan"))
    raise ValueError(datatype)


def result_document(names, rows, serialisation, query, overflow=False):
    out = [votable_header(), '<RESOURCE type="results">\n',
           '<INFO name="QUERY_STATUS" value="OK"/>\n',
           '<INFO name="PROVIDER" value="CDS">Data provided by SIMBAD (replay)</INFO>\n',
           '<INFO name="QUERY" value=%s/>\n' % quoteattr(query),
           '<TABLE>\n']
    for name in names:
        datatype, arraysize, ucd, unit, description = COLUMNS[name]
        attrs = ' name="%s" datatype="%s"' % (name, datatype)
        if arraysize:
            attrs += ' arraysize="%s"' % arraysize
        if ucd:
            attrs += ' ucd="%s"' % ucd
        if unit:
            attrs += ' unit="%s"' % unit
        if datatype == "long":
            out.append('<FIELD%s>\n<VALUES null="%d"/>\n' % (attrs, -(2 ** 63)))
            if description:
                out.append("<DESCRIPTION>%s</DESCRIPTION>\n" % escape(description))
            out.append("</FIELD>\n")
        elif description:
            out.append('<FIELD%s>\n<DESCRIPTION>%s</DESCRIPTION>\n</FIELD>\n'
                       % (attrs, escape(description)))
        else:
            out.append('<FIELD%s/>\n' % attrs)
    out.append("<DATA>\n")
    if serialisation == "td":
        out.append("<TABLEDATA>\n")
        for row in rows:
            out.append("<TR>")
            for name, value in zip(names, row):
                if value is None:
                    out.append("<TD/>")
                elif isinstance(value, float):
                    out.append("<TD>%r</TD>" % value)
                else:
                    out.append("<TD>%s</TD>" % escape(str(value)))
            out.append("</TR>\n")
        out.append("</TABLEDATA>\n")
    else:
        data = bytearray()
        for row in rows:
            if serialisation == "binary2":
                mask = bytearray((len(names) + 7) // 8)
                for i, value in enumerate(row):
                    if value is None:
                        mask[i // 8] |= 0x80 >> (i % 8)
                data += mask
            for name, value in zip(names, row):
                data += binary_cell(COLUMNS[name][0], value)
        tag = "BINARY2" if serialisation == "binary2" else "BINARY"
        encoded = base64.encodebytes(bytes(data)).decode("ascii")
        out.append('<%s>\n<STREAM encoding="base64">\n%s</STREAM>\n</%s>\n'
                   % (tag, encoded, tag))
    out.append("</DATA>\n</TABLE>\n")
    if overflow:
        # TAP: the status after the table says the rows were cut at MAXREC.
        out.append('<INFO name="QUERY_STATUS" value="OVERFLOW"/>\n')
    out.append("</RESOURCE>\n</VOTABLE>\n")
    return "".join(out).encode("utf-8")


# Row limit of the "overflow" behaviour (SIMBAD's is far larger).
OVERFLOW_MAXREC = 5
NUMBER = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
OBJECT_COLUMNS = ["oid", "main_id", "ra", "dec", "otype", "otype_txt", "sp_type", "v_mag"]
REQUIRED_JOINS = ["LEFT JOIN otypedef ON otypedef.otype = basic.otype",
                  "LEFT JOIN flux ON flux.oidref = basic.oid AND flux.filter = 'V'"]


def object_row(o, extra=()):
    return [o[c] for c in OBJECT_COLUMNS] + list(extra)


def parse_upload(text):
    """Rows (id, ra, dec) of the uploaded VOTable (TABLEDATA)."""
    root = ET.fromstring(text)
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    fields = [f.get("name") for f in root.iter(ns + "FIELD")]
    if fields[:3] != ["id", "ra", "dec"]:
        raise TapError("Upload cands: expected columns id, ra, dec; got %s" % fields)
    rows = []
    for tr in root.iter(ns + "TR"):
        cells = [td.text for td in tr.findall(ns + "TD")]
        rows.append((int(cells[0]), float(cells[1]), float(cells[2])))
    return rows


def answer(query, upload_rows, objects):
    """Evaluates one of the ADQL shapes the client sends; returns (names, rows)."""
    q = " ".join(query.split())
    if "TAP_UPLOAD.cands" in q:
        m = re.search(r"CIRCLE\('ICRS', cands\.ra, cands\.dec, " + NUMBER + r"\)\)", q)
        if not m or upload_rows is None:
            raise TapError("Incorrect ADQL query: cross-match without CIRCLE on cands or upload")
        for j in REQUIRED_JOINS:
            if j not in q:
                raise TapError("Incorrect ADQL query: missing %s" % j)
        radius = float(m.group(1)) * 3600
        rows = []
        for cid, ra, dec in upload_rows:
            for o in objects:
                sep = separation_arcsec(ra, dec, o["ra"], o["dec"])
                if sep <= radius:
                    rows.append([cid] + object_row(o, [sep]))
        return ["cand_id"] + OBJECT_COLUMNS + ["separation"], rows
    m = re.search(r"CONTAINS\(POINT\('ICRS', basic\.ra, basic\.dec\), CIRCLE\('ICRS', "
                  + NUMBER + ", " + NUMBER + ", " + NUMBER + r"\)\) = 1", q)
    if m and q.startswith("SELECT ") and " FROM basic " in q:
        for j in REQUIRED_JOINS:
            if j not in q:
                raise TapError("Incorrect ADQL query: missing %s" % j)
        ra, dec, radius = float(m.group(1)), float(m.group(2)), float(m.group(3)) * 3600
        rows = []
        for o in objects:
            sep = separation_arcsec(ra, dec, o["ra"], o["dec"])
            if sep <= radius:
                rows.append(object_row(o, [sep]))
        if "ORDER BY separation ASC" in q:
            rows.sort(key=lambda r: r[-1])
        return OBJECT_COLUMNS + ["separation"], rows
    m = re.search(r"WHERE ident\.oidref IN \(([0-9, ]+)\)", q)
    if m and "FROM ident" in q:
        wanted = {int(x) for x in m.group(1).split(",")}
        rows = [[o["oid"], i] for o in objects if o["oid"] in wanted for i in o["ids"]]
        rows.sort(key=lambda r: (r[0], r[1]))
        return ["oidref", "id"], rows
    m = re.search(r"FROM ident JOIN basic ON basic\.oid = ident\.oidref .* "
                  r"WHERE ident\.id = '((?:[^']|'')*)'$", q)
    if m:
        # SIMBAD compares identifiers regardless of case and spacing
        # (astroquery's query_object("m101") finds "M 101").
        def norm(x):
            return "".join(x.split()).lower()
        name = norm(m.group(1).replace("''", "'"))
        rows = [object_row(o) for o in objects if name in (norm(i) for i in o["ids"])]
        return OBJECT_COLUMNS, rows
    raise TapError("Incorrect ADQL query: the replay server does not know this query: "
                   + q[:200])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def send_body(self, status, body, content_type="application/x-votable+xml",
                  headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.send_body(405, error_document("Use POST"))

    def do_POST(self):
        server = self.server
        mode = self.path.strip("/").split("/")[0]
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        ctype = self.headers.get("Content-Type", "")
        params, upload_text, upload_type, problems = {}, None, None, []
        if ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True).decode("utf-8")
                if part.get_filename() is not None:
                    upload_text, upload_type = payload, part.get_content_type()
                    params.setdefault("_files", []).append(name)
                else:
                    params[name] = payload
        else:
            if not ctype.startswith("application/x-www-form-urlencoded"):
                problems.append("content type %s" % ctype)
            params = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode("utf-8")).items()}
        for key, want in (("REQUEST", "doQuery"), ("LANG", "ADQL"), ("FORMAT", "votable")):
            if params.get(key) != want:
                problems.append("%s=%r" % (key, params.get(key)))
        if not params.get("QUERY"):
            problems.append("no QUERY")
        upload_rows = None
        if "UPLOAD" in params or upload_text is not None:
            if params.get("UPLOAD") != "cands,param:cands":
                problems.append("UPLOAD=%r" % params.get("UPLOAD"))
            if params.get("_files") != ["cands"]:
                problems.append("upload parts %r" % params.get("_files"))
            try:
                upload_rows = parse_upload(upload_text)
            except Exception as e:  # noqa: BLE001 - any bad upload is a 400
                problems.append("upload unreadable: %s" % e)
        with server.lock:
            server.counts[mode] = server.counts.get(mode, 0) + 1
            count = server.counts[mode]
            key = (mode, params.get("QUERY"), upload_text)
            server.seen[key] = server.seen.get(key, 0) + 1
            seen = server.seen[key]
            server.log.write(json.dumps({
                "mode": mode, "path": self.path, "content_type": ctype.split(";")[0],
                "params": {k: v for k, v in params.items() if k != "_files"},
                "upload_type": upload_type,
                "upload_rows": len(upload_rows) if upload_rows is not None else None,
                "problems": problems, "n": count}) + "\n")
            server.log.flush()
        if problems:
            self.send_body(400, error_document("Bad request: " + "; ".join(problems)))
            return
        if mode == "moved":
            # As simbad.u-strasbg.fr → simbad.cds.unistra.fr: 301 to the new home.
            target = "/ok/" + self.path.strip("/").split("/", 1)[1]
            self.send_body(301, b"Moved", "text/plain", [("Location", target)])
            return
        if mode == "stall":
            time.sleep(60)
            return
        if mode == "http500":
            self.send_body(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>",
                           "text/html")
            return
        if mode == "html":
            self.send_body(200, b"<html><body>Maintenance</body></html>", "text/html")
            return
        if mode in ("recorded", "recorded-error"):
            # Real recorded SIMBAD output, verbatim: a script-query answer
            # (no QUERY_STATUS, other columns) and one cut off mid-way.
            name = {"recorded": "sim-script-query_coo.vot",
                    "recorded-error": "sim-script-query_error.vot"}[mode]
            with open(os.path.join(os.path.dirname(server.objects_path), name), "rb") as f:
                self.send_body(200, f.read())
            return
        if mode == "taperror":
            self.send_body(400, error_document(
                "Incorrect ADQL query: Encountered \"FROMM\" at line 1, column 10."))
            return
        if mode == "taperror200":
            self.send_body(200, error_document("Query timeout: the query took too long"))
            return
        if mode == "ratelimit" and seen == 1:
            self.send_body(429, b"Too many requests", "text/plain", [("Retry-After", "1")])
            return
        if mode == "busy503" and seen <= 2:
            self.send_body(503, b"Service temporarily unavailable", "text/plain")
            return
        try:
            names, rows = answer(params["QUERY"], upload_rows, server.objects)
        except TapError as e:
            self.send_body(400, error_document(str(e)))
            return
        serialisation = {"td": "td", "binary2": "binary2"}.get(mode, "binary")
        overflow = mode == "overflow" and len(rows) > OVERFLOW_MAXREC
        if overflow:
            rows = rows[:OVERFLOW_MAXREC]
        body = result_document(names, rows, serialisation, params["QUERY"], overflow)
        if mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/x-votable+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_body(200, body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.objects = load_objects(args.objects)
    server.objects_path = args.objects
    server.lock = threading.Lock()
    server.counts, server.seen = {}, {}
    server.log = open(args.log, "a", encoding="utf-8")
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(args.port_file + ".tmp", args.port_file)
    # Die with the test program, even when it aborts without killing us.
    parent = os.getppid()

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
