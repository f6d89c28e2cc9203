#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the PyTorch reference for test-nn's fixed-weight forward pass.

A small network that uses every layer kind of src/nn (two convolutions of
kernel 3, one of kernel 5, max-pools of 2 and of 3 with a dropped partial
window, flatten, dense + ReLU, dropout, the classifier) gets random weights
in PyTorch; they are written as an Emissary model (safetensors, written here
with the standard library, so the file also proves that a model from
another writer loads), together with inputs and PyTorch's softmax outputs.

Run only where torch is installed; the test reads the committed files:
  tests/data/nn-reference.safetensors, tests/data/nn-reference.csv
"""
import json
import os
import struct

import torch

ARCH = "conv4k3,conv6k3,pool2,conv8k5,pool3,flatten,dense16,dropout0.5,dense8"
N_IN, N_CLASSES, N_SAMPLES = 40, 3, 6


class ChannelsLastFlatten(torch.nn.Module):
    # Emissary keeps activations position-major (length x channels), so
    # its flatten order is l * C + c, as in Keras.
    def forward(self, x):
        return x.permute(0, 2, 1).flatten(1)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = os.path.join(here, "..", "data")
    torch.manual_seed(20201124)
    nn = torch.nn
    layers = [
        ("conv1", nn.Conv1d(1, 4, 3)), (None, nn.ReLU()),
        ("conv2", nn.Conv1d(4, 6, 3)), (None, nn.ReLU()), (None, nn.MaxPool1d(2)),
        ("conv3", nn.Conv1d(6, 8, 5)), (None, nn.ReLU()), (None, nn.MaxPool1d(3)),
        (None, ChannelsLastFlatten()),
        ("dense1", nn.Linear(4 * 8, 16)), (None, nn.ReLU()), (None, nn.Dropout(0.5)),
        ("dense2", nn.Linear(16, 8)), (None, nn.ReLU()),
        ("dense3", nn.Linear(8, N_CLASSES)),
    ]
    model = nn.Sequential(*[m for _, m in layers]).eval()
    for name, m in layers:
        if name is not None:
            # Larger than the default init so that ReLUs and pools matter.
            torch.nn.init.uniform_(m.weight, -0.8, 0.8)
            torch.nn.init.uniform_(m.bias, -0.3, 0.3)

    tensors, offset, blobs = {}, 0, []
    for name, m in layers:
        if name is None:
            continue
        w = m.weight.detach()
        if w.dim() == 3:
            w = w.permute(0, 2, 1)  # (out, in, k) -> Emissary's (out, k, in)
        for suffix, t in (("weight", w), ("bias", m.bias.detach())):
            data = t.contiguous().numpy().astype("<f4").tobytes()
            tensors[f"{name}.{suffix}"] = {"dtype": "F32", "shape": list(t.shape),
                                           "data_offsets": [offset, offset + len(data)]}
            blobs.append(data)
            offset += len(data)
    header = {"__metadata__": {"format": "emissary-cnn-1", "architecture": ARCH,
                               "n_in": str(N_IN), "n_classes": str(N_CLASSES),
                               "source": "tests/nn/make-reference.py (PyTorch %s)" % torch.__version__}}
    header.update(tensors)
    text = json.dumps(header).encode()
    text += b" " * (-(len(text)) % 8)
    with open(os.path.join(out_dir, "nn-reference.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)

    x = torch.rand(N_SAMPLES, 1, N_IN) * 2 - 1
    with torch.no_grad():
        probs = torch.softmax(model(x).double(), dim=1)
    with open(os.path.join(out_dir, "nn-reference.csv"), "w") as f:
        f.write("# PyTorch %s: %d inputs of %d values, then %d softmax outputs\n"
                % (torch.__version__, N_SAMPLES, N_IN, N_CLASSES))
        for i in range(N_SAMPLES):
            f.write(",".join("%.9g" % v for v in x[i, 0].tolist()) + ","
                    + ",".join("%.9g" % v for v in probs[i].tolist()) + "\n")


if __name__ == "__main__":
    main()
