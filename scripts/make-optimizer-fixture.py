#!/usr/bin/env python3
"""Writes test/fixtures/torch-optimizers.json: PyTorch's own parameters after mini-batch steps of
torch.optim.Adam, AdamW and RMSprop (and Adam after torch.nn.utils.clip_grad_norm_) on a small
[4, 6, 3] network (Linear, Tanh, Linear, then softmax with cross-entropy), from the same initial
parameters and the same fixed batches each time. test/81-torch-optimizers.test.ts trains blasnet
from them and compares, so the tests need no torch at run time.

The optimizers run with their defaults (foreach=False, amsgrad=False, RMSprop non-centred without
momentum: the single-tensor CPU code) and blasnet's own defaults otherwise. Parameters are stored
in blasnet's flat layout (w^1 [6, 4], b^1 [6], w^2 [3, 6], b^2 [3]; a Linear's weight is
[out, in], as blasnet's w^l), each float32 written as the exact decimal of its value.

Run once (Debian: apt-get install python3-torch), then commit the output:
    /usr/bin/python3 scripts/make-optimizer-fixture.py
"""
import json
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "torch-optimizers.json")

SIZES = [4, 6, 3]
BATCH = 8
STEPS = 25

torch.manual_seed(14)
x = torch.randn(BATCH * STEPS, SIZES[0])
labels = torch.randint(0, SIZES[2], (BATCH * STEPS,))
y = nn.functional.one_hot(labels, SIZES[2]).to(torch.float32)
template = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.Tanh(), nn.Linear(SIZES[1], SIZES[2]))


def flat(model):
    return [float(v) for p in model.parameters() for v in p.detach().reshape(-1)]


CASES = [
    {"optimizer": {"type": "adam"}, "learningRate": 0.01,
     "make": lambda ps: torch.optim.Adam(ps, lr=0.01, foreach=False)},
    {"optimizer": {"type": "adam", "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}, "learningRate": 0.05,
     "make": lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6, foreach=False)},
    {"optimizer": {"type": "adamw"}, "learningRate": 0.01,
     "make": lambda ps: torch.optim.AdamW(ps, lr=0.01, foreach=False)},
    {"optimizer": {"type": "adamw", "weightDecay": 0.5}, "learningRate": 0.02,
     "make": lambda ps: torch.optim.AdamW(ps, lr=0.02, weight_decay=0.5, foreach=False)},
    {"optimizer": {"type": "rmsprop"}, "learningRate": 0.01,
     "make": lambda ps: torch.optim.RMSprop(ps, lr=0.01, foreach=False)},
    {"optimizer": {"type": "rmsprop", "alpha": 0.9, "eps": 1e-6}, "learningRate": 0.003,
     "make": lambda ps: torch.optim.RMSprop(ps, lr=0.003, alpha=0.9, eps=1e-6, foreach=False)},
    {"optimizer": {"type": "adam"}, "learningRate": 0.01, "clipNorm": 0.05,
     "make": lambda ps: torch.optim.Adam(ps, lr=0.01, foreach=False)},
]

cases = []
for case in CASES:
    model = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.Tanh(), nn.Linear(SIZES[1], SIZES[2]))
    model.load_state_dict(template.state_dict())
    opt = case["make"](model.parameters())
    norms = []
    for s in range(STEPS):
        xb = x[s * BATCH:(s + 1) * BATCH]
        yb = y[s * BATCH:(s + 1) * BATCH]
        opt.zero_grad()
        # blasnet's cross-entropy: −1/N Σ_n Σ_j y_nj log softmax(z)_nj
        loss = -(yb * torch.log_softmax(model(xb), dim=1)).sum(dim=1).mean()
        loss.backward()
        if "clipNorm" in case:
            norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), case["clipNorm"])))
        opt.step()
    out = {"optimizer": case["optimizer"], "learningRate": case["learningRate"], "params": flat(model)}
    if "clipNorm" in case:
        out["clipNorm"] = case["clipNorm"]
        out["norms"] = norms
    cases.append(out)

fixture = {
    "about": "written by scripts/make-optimizer-fixture.py with torch " + torch.__version__,
    "sizes": SIZES,
    "activations": ["tanh", "softmax"],
    "loss": "crossEntropy",
    "batchSize": BATCH,
    "steps": STEPS,
    "initial": flat(template),
    "x": [float(v) for v in x.reshape(-1)],
    "y": [float(v) for v in y.reshape(-1)],
    "cases": cases,
}
with open(OUT, "w") as f:
    json.dump(fixture, f)
    f.write("\n")
print("wrote", os.path.relpath(OUT), len(cases), "cases")
