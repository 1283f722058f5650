#!/usr/bin/env python3
"""Writes test/fixtures/torch-mlp.safetensors and torch-mlp.json: a [4, 5, 3] PyTorch MLP
(nn.Sequential of Linear, Tanh, Linear, Softmax) trained a little, saved as its state_dict in the
safetensors format, and its predictions on a few inputs, made by PyTorch itself.

The `safetensors` Python package is not in Debian, so the file is written here following the
format's specification (the reference implementation's layout): an 8-byte little-endian header
length, a compact JSON header with tensors sorted by name and padded with spaces to a multiple
of 8, then each tensor's float32 little-endian bytes, back to back. Only PyTorch's own metadata
({"format": "pt"}) is written: blasnet's loader must be told the activations, as for any
PyTorch file.

Run once (Debian: apt-get install python3-torch), then commit both files:
    /usr/bin/python3 scripts/make-torch-fixture.py
"""
import json
import os
import struct

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures")


def save_safetensors(state, path, metadata):
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name in sorted(state):
        t = state[name].detach().to(torch.float32).contiguous()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main():
    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3), nn.Softmax(dim=-1))
    # A little training on a toy task, so the weights are not just the initialization:
    # the class is which of the first three inputs is largest.
    x = torch.randn(256, 4)
    y = x[:, :3].argmax(dim=1)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(200):
        opt.zero_grad()
        loss = nn.functional.nll_loss(torch.log(model(x)), y)
        loss.backward()
        opt.step()

    inputs = torch.randn(7, 4)
    with torch.no_grad():
        outputs = model(inputs)
    save_safetensors(model.state_dict(), os.path.join(OUT, "torch-mlp.safetensors"),
                     {"format": "pt"})
    expected = {
        "description": "PyTorch's predictions of torch-mlp.safetensors, made by "
                       "scripts/make-torch-fixture.py",
        "torch": torch.__version__,
        "module": "nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3), nn.Softmax(dim=-1))",
        "sizes": [4, 5, 3],
        "activations": ["tanh", "softmax"],
        "trainingLoss": float(loss),
        # float32 values written as the doubles they equal: they read back exactly.
        "inputs": [[float(v) for v in row] for row in inputs],
        "outputs": [[float(v) for v in row] for row in outputs],
    }
    with open(os.path.join(OUT, "torch-mlp.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
