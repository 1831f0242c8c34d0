"""Which leaves requiring grad are parameters in the trace (kind "param") and which are inputs, as the TypeScript
recorder's kindOf tells them (src/trace/recorderTensors.ts): a module's, an optimizer's, or one the run updates."""
import contextlib
import io
import unittest

import torch

from helpers import check_gradients, model_file, plain_grads, record, run_file

# `x` is made each iteration with requires_grad (its gradient is printed): an input, not one of the model's
THROWAWAY = """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Linear(3, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for i in range(2):
    x = torch.randn(4, 3, requires_grad=True)
    loss = model(x).pow(2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
    print(i, round(loss.item(), 6), round(x.grad.norm().item(), 6))
"""

# makemore's MLP: plain leaves in a list, updated by hand after each backward pass
BY_HAND = """import torch
import torch.nn.functional as F
g = torch.Generator().manual_seed(2147483647)
C = torch.randn((27, 2), generator=g)
W1 = torch.randn((6, 10), generator=g)
b1 = torch.randn(10, generator=g)
W2 = torch.randn((10, 27), generator=g)
b2 = torch.randn(27, generator=g)
parameters = [C, W1, b1, W2, b2]
for p in parameters:
    p.requires_grad = True
X = torch.randint(0, 27, (8, 3), generator=g)
Y = torch.randint(0, 27, (8,), generator=g)
for i in range(3):
    emb = C[X]
    h = torch.tanh(emb.view(-1, 6) @ W1 + b1)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Y)
    for p in parameters:
        p.grad = None
    loss.backward()
    for p in parameters:
        p.data += -0.1 * p.grad
    print(i, round(loss.item(), 6))
"""

# an image optimized by Adam (style transfer, adversarial examples): a leaf that is no module's, updated
OPTIMIZED_INPUT = """import torch
torch.manual_seed(0)
target = torch.rand(2, 3)
img = torch.rand(2, 3, requires_grad=True)
opt = torch.optim.Adam([img], lr=0.05)
for i in range(2):
    loss = (img - target).square().sum()
    opt.zero_grad(); loss.backward(); opt.step()
"""

# a gradient taken and nothing updated: nothing tells a parameter from an input, both are listed in Trace.params
NOTHING_TRAINED = """import torch
torch.manual_seed(0)
W = torch.randn(3, 2, requires_grad=True)
x = torch.randn(3, requires_grad=True)
y = (x @ W).tanh().sum()
y.backward()
"""


def traced(source, steps=3):
    """(trace, recorder, what the script printed traced, what it printed run plainly)."""
    path = model_file(source)
    out, plain = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out):
        trace, rec = record(path, steps=steps, retain=True)
    with contextlib.redirect_stdout(plain):
        run_file(path, steps=steps, record=False)
    return trace, rec, out.getvalue(), plain.getvalue(), path


def leaf_kinds(trace):
    """{name: {kinds of its snapshots among the ops' inputs}} of the named leaves (tensors no op made)."""
    made = {o["output"] for o in trace["ops"]}
    out = {}
    for o in trace["ops"]:
        for tid in o["inputs"]:
            t = trace["tensors"][tid]
            if tid not in made and "name" in t and t["kind"] in ("param", "input"):
                out.setdefault(t["name"], set()).add(t["kind"])
    return out


class LeafKinds(unittest.TestCase):
    def test_a_throwaway_leaf_is_an_input(self):
        """`x = torch.randn(4, 3, requires_grad=True)` was a parameter in every op reading it."""
        trace, rec, out, plain, path = traced(THROWAWAY, steps=2)
        self.assertEqual(out, plain)
        self.assertEqual(leaf_kinds(trace), {"x": {"input"}, "model.weight": {"param"}, "model.bias": {"param"}})
        self.assertEqual([p["name"] for p in trace["params"]], ["model.weight", "model.bias"])
        expected = plain_grads(path, steps=2)
        del expected["x"]  # (a leaf the plain run's variables hold: not one of the run's parameters)
        check_gradients(self, trace, rec, expected)

    def test_leaves_updated_by_hand_are_parameters_from_step_0(self):
        """makemore's leaves, before their first update too (the TypeScript trace's are inputs until it)."""
        trace, rec, out, plain, path = traced(BY_HAND)
        self.assertEqual(out, plain)
        self.assertEqual(leaf_kinds(trace), dict({n: {"param"} for n in ("C", "W1", "b1", "W2", "b2")}, X={"input"}, Y={"input"}))
        step0 = {trace["tensors"][i].get("name"): trace["tensors"][i]["kind"] for o in trace["ops"] if o["trainingStep"] == 0 for i in o["inputs"]}
        self.assertEqual(step0["W1"], "param")
        self.assertEqual({p["name"]: trace["tensors"][p["tensor"]]["kind"] for p in trace["params"]}, {n: "param" for n in ("C", "W1", "b1", "W2", "b2")})
        check_gradients(self, trace, rec, plain_grads(path, steps=3))

    def test_a_leaf_an_optimizer_updates_is_a_parameter(self):
        trace, _, _, _, _ = traced(OPTIMIZED_INPUT, steps=2)
        self.assertEqual(leaf_kinds(trace), {"img": {"param"}, "target": {"input"}})
        self.assertEqual([(p["name"], trace["tensors"][p["tensor"]]["kind"]) for p in trace["params"]], [("img", "param")])

    def test_without_training_every_leaf_is_an_input_and_listed(self):
        trace, _, _, _, _ = traced(NOTHING_TRAINED, steps=1)
        self.assertEqual(leaf_kinds(trace), {"W": {"input"}, "x": {"input"}})
        params = {p["name"]: (trace["tensors"][p["tensor"]]["kind"], p["grad"] is not None) for p in trace["params"]}
        self.assertEqual(params, {"W": ("input", True), "x": ("input", True)})
        torch.manual_seed(0)
        W, x = torch.randn(3, 2, requires_grad=True), torch.randn(3, requires_grad=True)
        (x @ W).tanh().sum().backward()
        grads = {p["name"]: trace["tensors"][p["grad"]]["stats"]["norm"] for p in trace["params"]}
        self.assertAlmostEqual(grads["W"], W.grad.norm().item(), places=5)
        self.assertAlmostEqual(grads["x"], x.grad.norm().item(), places=5)


if __name__ == "__main__":
    unittest.main()
