#!/usr/bin/env python3
"""Writes test/fixtures/torch-activations.json: PyTorch's own values and derivatives for the
activations and losses blasnet copies from torch.nn, for test/85-87 to hold blasnet to without
needing torch at test time.

- `activations`: nn.LeakyReLU() (negative_slope 0.01) and nn.ELU() (alpha 1.0) on float32 points
  that include the kink at 0; the forward value and autograd's derivative d a / d z at each point
  (the derivative at 0 is torch's choice of subgradient: 0.01 and 1.0).
- `losses`: nn.L1Loss() and nn.HuberLoss() (delta 1.0), reduction 'mean', over a [3, 4] batch whose
  differences a − y include 0 (L1's kink) and exactly ±1 (Huber's), in float64; the loss and
  autograd's gradient with respect to a.
- `networks`: a [3, 5, 4, 2] MLP, nn.Sequential(Linear, LeakyReLU, Linear, ELU, Linear), with given
  weights, in float64; for each loss its value on a batch of 6 and the gradient of every
  parameter, in blasnet's layout (w^l as [nl, n(l−1)] row-major, then b^l, layer by layer).

Run once (Debian: apt-get install python3-torch), then commit this script and the JSON:
    /usr/bin/python3 scripts/make-torch-activations-fixture.py
    npx biome format --write test/fixtures/torch-activations.json
"""
import json
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "torch-activations.json")

torch.manual_seed(14)

POINTS = [-20.0, -3.0, -1.0, -0.5, -1e-3, -1e-7, 0.0, 1e-7, 1e-3, 0.5, 1.0, 3.0, 20.0]


def activation_case(name, module):
    z = torch.tensor(POINTS, dtype=torch.float32, requires_grad=True)
    a = module(z)
    a.sum().backward()
    return {
        "name": name,
        "module": repr(module),
        "z": z.detach().tolist(),
        "a": a.detach().tolist(),
        "derivative": z.grad.tolist(),
    }


def loss_batch():
    y = torch.tensor([[0.5, -1.0, 2.0, 0.25],
                      [1.0, 0.0, -0.75, 3.0],
                      [-2.0, 0.5, 0.125, -0.5]], dtype=torch.float64)
    # Differences: 0, +1, −1 exactly (the kinks), and small and large ones of either sign.
    d = torch.tensor([[0.0, 1.0, -1.0, 0.3],
                      [-0.2, 2.5, -3.0, 0.0],
                      [1.0, -1.0, 0.9999, -1.0001]], dtype=torch.float64)
    return y + d, y


def loss_case(name, module):
    a, y = loss_batch()
    a = a.clone().requires_grad_(True)
    value = module(a, y)
    value.backward()
    return {
        "name": name,
        "module": repr(module),
        "a": a.detach().tolist(),
        "y": y.tolist(),
        "value": value.item(),
        "gradient": a.grad.tolist(),
    }


def flat_params(model):
    out = []
    for layer in model:
        if isinstance(layer, nn.Linear):
            out += layer.weight.detach().reshape(-1).tolist() + layer.bias.detach().tolist()
    return out


def flat_grads(model):
    out = []
    for layer in model:
        if isinstance(layer, nn.Linear):
            out += layer.weight.grad.reshape(-1).tolist() + layer.bias.grad.tolist()
    return out


def network_cases():
    model = nn.Sequential(nn.Linear(3, 5), nn.LeakyReLU(), nn.Linear(5, 4), nn.ELU(),
                          nn.Linear(4, 2)).to(torch.float64)
    # Scaled so that a fair share of the pre-activations fall below 0 and the output errors
    # straddle Huber's δ = 1.
    x = torch.randn(6, 3, dtype=torch.float64) * 1.5
    y = torch.randn(6, 2, dtype=torch.float64) * 1.5
    # Rounded to float32 values, so blasnet's float32 buffers hold exactly these numbers.
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.float32).to(torch.float64))
        x = x.to(torch.float32).to(torch.float64)
        y = y.to(torch.float32).to(torch.float64)
    cases = []
    for name, loss in [("meanAbsoluteError", nn.L1Loss()), ("huber", nn.HuberLoss())]:
        model.zero_grad()
        value = loss(model(x), y)
        value.backward()
        cases.append({"loss": name, "module": repr(loss), "value": value.item(),
                      "grad": flat_grads(model)})
    return {
        "module": repr(model),
        "sizes": [3, 5, 4, 2],
        "activations": ["leakyRelu", "elu", "identity"],
        "params": flat_params(model),
        "x": x.reshape(-1).tolist(),
        "y": y.reshape(-1).tolist(),
        "outputs": model(x).detach().reshape(-1).tolist(),
        "cases": cases,
    }


fixture = {
    "description": "PyTorch's values and derivatives, made by scripts/make-torch-activations-fixture.py",
    "torch": torch.__version__,
    "activations": [activation_case("leakyRelu", nn.LeakyReLU()),
                    activation_case("elu", nn.ELU())],
    "losses": [loss_case("meanAbsoluteError", nn.L1Loss()),
               loss_case("huber", nn.HuberLoss())],
    "network": network_cases(),
}
with open(OUT, "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
