#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""An independent safetensors reader (standard library only) for the models
src/nn writes: the file must be plain safetensors (8-byte little-endian
header length, a JSON header, raw little-endian tensors), and a forward
pass computed here from the tensors alone must give src/nn's
probabilities.  Usage: test-safetensors-reader.py NN-WRITE-MODEL"""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile


def fail(msg):
    print("not ok 1 safetensors reader: " + msg)
    sys.exit(1)


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        fail("__metadata__ must map strings to strings")
    tensors, end = {}, 0
    for name, t in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, stop = t["data_offsets"]
        if t["dtype"] != "F32":
            fail(f"{name}: dtype {t['dtype']}")
        if begin != end:
            fail(f"{name}: the data is not contiguous ({begin} after {end})")
        count = math.prod(t["shape"])
        if stop - begin != 4 * count:
            fail(f"{name}: {stop - begin} bytes for shape {t['shape']}")
        tensors[name] = (t["shape"], list(struct.unpack(f"<{count}f", data[begin:stop])))
        end = stop
    if end != len(data):
        fail(f"{len(data) - end} bytes after the last tensor")
    return meta, tensors


def conv_relu(x, L, C, shape, w, b):
    # x: L x C (position-major); w: (C_out, K, C_in)
    C_out, K, C_in = shape
    assert C_in == C
    out = []
    for t in range(L - K + 1):
        row = []
        for o in range(C_out):
            s = b[o]
            for k in range(K):
                for c in range(C):
                    s += w[(o * K + k) * C + c] * x[(t + k) * C + c]
            row.append(max(s, 0.0))
        out.extend(row)
    return out, L - K + 1, C_out


def pool(x, L, C, P):
    out = []
    for t in range(L // P):
        for c in range(C):
            out.append(max(x[(t * P + p) * C + c] for p in range(P)))
    return out, L // P, C


def dense(x, shape, w, b, relu):
    n_out, n_in = shape
    assert n_in == len(x)
    y = [b[o] + sum(w[o * n_in + i] * x[i] for i in range(n_in)) for o in range(n_out)]
    return [max(v, 0.0) for v in y] if relu else y


def main():
    tool = sys.argv[1]
    print("1..1")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.safetensors")
        out = json.loads(subprocess.run([tool, path], check=True, capture_output=True, text=True).stdout)
        meta, tensors = read_safetensors(path)
    if meta.get("format") != "emissary-cnn-1" or json.loads(meta["classes"])[1] != "emission":
        fail(f"metadata {meta}")
    x, L, C = out["input"], int(meta["n_in"]), 1
    n_conv = n_dense = 0
    for tok in meta["architecture"].split(","):
        if tok.startswith("conv"):
            n_conv += 1
            shape, w = tensors[f"conv{n_conv}.weight"]
            x, L, C = conv_relu(x, L, C, shape, w, tensors[f"conv{n_conv}.bias"][1])
        elif tok.startswith("pool"):
            x, L, C = pool(x, L, C, int(tok[4:]))
        elif tok.startswith("dense"):
            n_dense += 1
            shape, w = tensors[f"dense{n_dense}.weight"]
            x = dense(x, shape, w, tensors[f"dense{n_dense}.bias"][1], True)
    n_dense += 1
    shape, w = tensors[f"dense{n_dense}.weight"]
    z = dense(x, shape, w, tensors[f"dense{n_dense}.bias"][1], False)
    if len(tensors) != 2 * (n_conv + n_dense):
        fail(f"{len(tensors)} tensors for {n_conv} conv and {n_dense} dense layers")
    zmax = max(z)
    e = [math.exp(v - zmax) for v in z]
    probs = [v / sum(e) for v in e]
    for mine, theirs in zip(probs, out["probs"]):
        if abs(mine - theirs) > 1e-5 + 1e-4 * abs(theirs):
            fail(f"probabilities {probs} here, {out['probs']} from src/nn")
    print(f"ok 1 safetensors reader: {len(tensors)} tensors, probabilities {probs}")


if __name__ == "__main__":
    main()
