"""Sparse gradients (Embedding(sparse=True), SparseAdam): the recorder reads them as their dense form. Reading one
raised `reshape is not implemented for sparse tensors` (or `Cannot access data pointer`) inside the recorder, and the run
had no trace."""
import math
import unittest

import torch

from helpers import model_file, record, values

MODEL = """import torch
torch.manual_seed(0)
emb = torch.nn.Embedding(10, 4, sparse=SPARSE)
lin = torch.nn.Linear(4, 1)
opt = torch.optim.SGD(list(emb.parameters()) + list(lin.parameters()), lr=0.1)
idx = torch.tensor([1, 2, 3, 2])
for i in range(3):
    if i:
        for p in (lin.weight, lin.bias, emb.weight):
            p.grad.zero_()  # by hand, sparse gradient included (torch 1.13's zero_grad() does the same)
    loss = lin(emb(idx)).pow(2).sum()
    loss.backward()
    opt.step()
"""

SPARSE_ADAM = """import torch
torch.manual_seed(0)
emb = torch.nn.Embedding(20, 8, sparse=True)
opt = torch.optim.SparseAdam(list(emb.parameters()), lr=0.01)
for i in range(3):
    loss = emb(torch.randint(0, 20, (6,))).pow(2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
"""


def _numbers(xs):
    return [math.nan if isinstance(v, dict) else v for v in xs]


class SparseGradients(unittest.TestCase):
    def test_sparse_run_records_what_its_dense_twin_does(self):
        sparse, _ = record(model_file(MODEL.replace("SPARSE", "True")), steps=3)
        dense, _ = record(model_file(MODEL.replace("SPARSE", "False")), steps=3)
        self.assertEqual([d for d in sparse["diagnostics"] if d["severity"] == "error"], [])
        self.assertEqual(len(sparse["losses"]), 3)
        for a, b in zip(sparse["losses"], dense["losses"]):
            self.assertAlmostEqual(a, b, places=5)
        grads = {p["name"]: values(dense, p["grad"]) for p in dense["params"]}
        for p in sparse["params"]:
            self.assertTrue(torch.allclose(values(sparse, p["grad"]), grads[p["name"]], atol=1e-6), p["name"])
        # each step's gradient norm (Trace.series), the update events' gradients
        norms = {p["name"]: _numbers(p["gradNorm"]) for p in dense["series"]["params"]}
        for p in sparse["series"]["params"]:
            for a, b in zip(_numbers(p["gradNorm"]), norms[p["name"]]):
                self.assertAlmostEqual(a, b, places=5)
        updates = lambda t: [values(t, e["grad"]) for e in t["events"] if e["kind"] == "update" and e["param"] == "emb.weight"]
        got, want = updates(sparse), updates(dense)
        self.assertEqual(len(got), 3)
        for a, b in zip(got, want):
            self.assertTrue(torch.allclose(a, b, atol=1e-6))

    def test_sparse_adam_completes(self):
        trace, _ = record(model_file(SPARSE_ADAM), steps=3)
        self.assertEqual([d for d in trace["diagnostics"] if d["severity"] == "error"], [])
        self.assertEqual(len(trace["losses"]), 3)
        self.assertTrue(all(e["kind"] != "update" or e["grad"] is not None for e in trace["events"]))
        self.assertEqual([p["name"] for p in trace["params"]], ["emb.weight"])


if __name__ == "__main__":
    unittest.main()
