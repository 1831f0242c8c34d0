"""Local derivatives of the ops real models use: a formula for each (not the generic ∂op/∂x_i), and for the elementwise
ones a tensor that, times the upstream gradient, is the op's contribution (derivatives.py, formulas.py)."""
import unittest

import torch

from helpers import model_file, record, values

_GENERIC = "\\frac{\\partial\\,\\mathrm"

SRC = """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
conv = nn.Conv2d(1, 2, 3, padding=1)
bn = nn.BatchNorm2d(2)
ln = nn.LayerNorm(8)
emb = nn.Embedding(5, 8, padding_idx=0)
x = torch.randn(2, 1, 4, 4)
h = F.max_pool2d(bn(conv(x)), 2).flatten(1)
a, b = h.split(4, dim=1)
h = torch.cat([b, a], 1)
h = ln(h + emb(torch.tensor([0, 3])))
h = F.gelu(h) + F.gelu(h, approximate="tanh") + F.leaky_relu(h, 0.2) + F.elu(h, 0.5) + F.softplus(h, beta=2)
h = F.hardtanh(h * 2) + F.relu6(h * 4) + h.clamp(-0.5, 0.5) + torch.erf(h)
h = h.masked_fill(h > 2, 0.0) + torch.where(h > 0, h, h * 3) + (h * h + 1).reciprocal()
loss = F.dropout(h, 0.25).pow(2).mean()
loss.backward()
"""


class LocalFormulas(unittest.TestCase):
    def test_each_op_of_a_cnn_and_a_transformer_block_has_its_formula(self):
        trace, _ = record(model_file(SRC))
        ops = trace["ops"]
        local = {}
        for e in trace["events"]:
            if e["kind"] == "backward":
                local.setdefault(ops[e["op"]]["op"], []).append(e)
        for op in ("conv2d", "batch_norm", "max_pool2d", "split", "cat", "layer_norm", "embedding", "gelu", "leaky_relu", "elu",
                   "softplus", "hardtanh", "relu6", "clamp", "erf", "masked_fill", "where", "reciprocal", "dropout", "flatten"):
            for e in local[op]:
                for entry in e["local"]:
                    if entry is not None:
                        self.assertFalse(entry["formula"].startswith(_GENERIC), "%s: %s" % (op, entry["formula"]))
                        self.assertNotIn("\\partial y}{\\partial x_{", entry["formula"], op)
        [bn] = local["batch_norm"]
        self.assertEqual(bn["local"][3]["formula"], "\\frac{\\partial y}{\\partial \\gamma} = \\hat{x} = \\frac{x - \\mu}{\\sigma}")
        [ln] = local["layer_norm"]
        self.assertEqual(ln["local"][2]["formula"], "\\frac{\\partial y}{\\partial \\beta} = 1")
        [e] = local["embedding"]
        self.assertIn("padding", e["local"][1]["formula"])
        checked = 0
        for op in ("gelu", "leaky_relu", "elu", "softplus", "hardtanh", "relu6", "clamp", "erf", "masked_fill", "where", "reciprocal"):
            for e in local[op]:
                for entry, c in zip(e["local"], e["contributions"]):
                    if entry is None:
                        continue
                    self.assertIn("tensor", entry, op)
                    up = values(trace, e["upstream"])
                    self.assertTrue(torch.allclose(up * values(trace, entry["tensor"]), values(trace, c), atol=1e-6), op)
                    checked += 1
        self.assertEqual(checked, 13)


EXTREMA = """import torch
w = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
b = torch.tensor([[1.0, 0.0, 4.0], [2.0, 5.0, -1.0]], requires_grad=True)
v1 = torch.max(w, 1).values
v2 = w.max(dim=0, keepdim=True).values
v3, i3 = w.min(-1)
v4 = w.max()
v5 = torch.amax(w, 1)
v6 = w.amin(dim=0)
v7 = torch.max(w, b)
v8 = torch.minimum(w, b)
v9 = torch.max(w, other=b)
loss = v1.sum() + v2.sum() + v3.sum() + v4 + v5.sum() + v6.sum() + (v7 * 2).sum() + (v8 * 3).sum() + v9.sum()
loss.backward()
"""


class ExtremumFormulas(unittest.TestCase):
    def test_max_and_min_with_a_dim_send_the_gradient_to_the_index_and_the_others_share_it(self):
        """PyTorch 1.13 sends max(dim)'s and min(dim)'s gradient to the index they return; max() over all elements, amax
        and amin share it among ties (extremum.ts's two formulas); torch.max(a, b) is maximum's, halves at ties."""
        trace, _ = record(model_file(EXTREMA))
        ops = trace["ops"]
        by_var = {}
        for e in trace["events"]:
            if e["kind"] == "backward" and "var" in ops[e["op"]]:
                by_var[ops[e["op"]]["var"]] = e
        first = lambda v: by_var[v]["local"][0]["formula"]  # noqa: E731
        self.assertEqual(first("v1"), "\\mathbb{1}[i = \\arg\\max_j x_j]")
        self.assertEqual(first("v2"), "\\mathbb{1}[i = \\arg\\max_j x_j]")
        self.assertEqual(first("v3"), "\\mathbb{1}[i = \\arg\\min_j x_j]")
        self.assertEqual(first("v4"), "\\mathbb{1}[x_i = \\max_j x_j]")
        self.assertEqual(first("v5"), "\\mathbb{1}[x_i = \\max_j x_j]")
        self.assertEqual(first("v6"), "\\mathbb{1}[x_i = \\min_j x_j]")
        for var, cmp in (("v7", ">"), ("v8", "<")):
            e = by_var[var]
            self.assertEqual([entry["formula"] for entry in e["local"]],
                             ["\\mathbb{1}[a %s b] + \\tfrac{1}{2}\\mathbb{1}[a = b]" % cmp, "\\mathbb{1}[b %s a] + \\tfrac{1}{2}\\mathbb{1}[a = b]" % cmp])
            up = values(trace, e["upstream"])
            for entry, c in zip(e["local"], e["contributions"]):
                self.assertTrue(torch.equal(up * values(trace, entry["tensor"]), values(trace, c)), var)
            # the ties (w[0][0] = b[0][0], w[1][0] = b[1][0]) took half each, as PyTorch's gradient
            self.assertEqual(values(trace, e["contributions"][0])[:, 0].tolist(), (up[:, 0] / 2).tolist())
        # (b by keyword: maximum's formulas, the same)
        self.assertEqual([entry["formula"] for entry in by_var["v9"]["local"]], [entry["formula"] for entry in by_var["v7"]["local"]])


if __name__ == "__main__":
    unittest.main()


INPLACE = """import torch
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
c = torch.tensor([4.0, 5.0, 6.0], requires_grad=True)
z = w * 1.0
z.mul_(c)
u = w + 1.0
u.log_()
v = w * 2.0
v.div_(c)
loss = z.sum() + u.sum() + v.sum()
loss.backward()
"""


class InPlaceLocals(unittest.TestCase):
    def test_an_in_place_ops_local_derivative_reads_its_operand_before_the_op_wrote_into_it(self):
        trace, _ = record(model_file(INPLACE))
        ops = trace["ops"]
        by_op = {ops[e["op"]]["op"]: e for e in trace["events"] if e["kind"] == "backward"}
        w = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
        c = torch.tensor([4.0, 5.0, 6.0], dtype=torch.float64)
        # z.mul_(c): ∂/∂z = c, ∂/∂c = the old z (w); u.log_(): 1/(old u); v.div_(c): ∂/∂v = 1/c, ∂/∂c = −(old v)/c²
        expected = {"mul_": [c, w], "log_": [1 / (w + 1)], "div_": [1 / c, -(2 * w) / c ** 2]}
        for op, locals_ in expected.items():
            e = by_op[op]
            for k, want in enumerate(locals_):
                got = values(trace, e["local"][k]["tensor"])
                self.assertTrue(torch.allclose(got, want), "%s input %d: %s, not %s" % (op, k, got.tolist(), want.tolist()))
                # local × upstream is the contribution the trace records
                up = values(trace, e["upstream"])
                self.assertTrue(torch.allclose(got * up, values(trace, e["contributions"][k])), op)
