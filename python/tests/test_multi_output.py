"""Ops with several outputs (split, chunk, unbind, max/topk/sort with indices, tensor_split): an upstream per output."""
import unittest

import torch

from helpers import check_gradients, model_file, plain_grads, record, upstream_of, values

HEAD = "import torch\ntorch.manual_seed(0)\nW = torch.randn(4, 6, requires_grad=True)\nx = torch.randn(3, 4)\n\ndef step():\n    y = x @ W\n"


def model(body):
    return model_file(HEAD + "".join("    %s\n" % line for line in body))


# Each model uses the outputs unequally (weights, one unused), so a wrong per-output upstream shows.
CASES = {
    "split": ["a, b, c = y.split(2, dim=1)", "return (a * 2).sum() + (c ** 2).sum()"],
    "split_sizes": ["a, b = torch.split(y, [1, 5], dim=1)", "return (a * b).sum()"],
    "chunk": ["parts = y.chunk(3, dim=1)", "return parts[0].sum() + 3 * parts[2].tanh().sum()"],
    "unbind": ["r0, r1, r2 = y.unbind(0)", "return (r0 * r1).sum() - r2.sum()"],
    "max": ["m, i = torch.max(y, dim=1)", "return (m * m).sum() + i.sum() * 0"],
    "topk": ["v, i = y.topk(2, dim=1)", "return (v[:, 0] - 2 * v[:, 1]).sum()"],
    "sort": ["s, i = torch.sort(y, dim=1)", "return (s * torch.arange(6.0)).sum()"],
    "tensor_split": ["p, q = torch.tensor_split(y, 2, dim=1)", "return (p ** 2).sum()"],
}


class MultiOutput(unittest.TestCase):
    def test_every_output_has_its_upstream_and_contributions_sum_to_the_gradient(self):
        for name, body in CASES.items():
            with self.subTest(op=name):
                path = model(body)
                trace, rec = record(path, retain=True)
                self.assertEqual(trace["diagnostics"], [])
                check_gradients(self, trace, rec, plain_grads(path))
                # the op itself: every differentiable output recorded, each with a retained gradient compared above
                outs = [k for op_id, k, o in rec.retained if trace["ops"][op_id]["op"] not in ("matmul",) and o.grad is not None]
                self.assertTrue(outs, name)

    def test_split_records_each_outputs_upstream(self):
        trace, rec = record(model(CASES["split"]), retain=True)
        op = next(o for o in trace["ops"] if o["op"] == "split")
        self.assertEqual(len(op["outputs"]), 3)
        self.assertEqual(op["output"], op["outputs"][0])
        [e] = [e for e in trace["events"] if e["kind"] == "backward" and e["op"] == op["id"]]
        # ∂L/∂a = 2, ∂L/∂b = 0 (unused), ∂L/∂c = 2c
        self.assertEqual(values(trace, upstream_of(e, 0)).unique().tolist(), [2.0])
        self.assertEqual(values(trace, upstream_of(e, 1)).abs().sum().item(), 0.0)
        c = values(trace, op["outputs"][2])
        self.assertTrue(values(trace, upstream_of(e, 2)).allclose(2 * c))
        self.assertEqual([trace["tensors"][t]["op"] for t in op["outputs"]], [op["id"]] * 3)

    def test_tensor_split_output_the_loss_does_not_use_still_gets_its_event(self):
        # tensor_split makes one autograd node per output; the unused one never runs, and the op's event still comes
        trace, _ = record(model(CASES["tensor_split"]))
        op = next(o for o in trace["ops"] if o["op"] == "tensor_split")
        [e] = [e for e in trace["events"] if e["kind"] == "backward" and e["op"] == op["id"]]
        self.assertEqual(len(e["upstreams"]), 2)
        self.assertEqual(values(trace, e["upstreams"][1]).abs().sum().item(), 0.0)

    def test_an_output_the_op_computes_another_from_has_its_consumers_upstream(self):
        """lstm_cell computes h′ = o·tanh(c′) from its c′: c′'s upstream, taken at its autograd node, held h′'s path too,
        and each step's cell contributed to its c input other than that upstream (check_gradients' Σ, by 20-30%). The
        last cell's c′ is unused: upstream 0. Its weight_ih (input 3, operand 2 after the (h, c) pair) was `x_2`."""
        path = model_file(LSTM_CELLS)
        trace, rec = record(path, retain=True)
        check_gradients(self, trace, rec, plain_grads(path))
        cells = [o for o in trace["ops"] if o["op"] == "lstm_cell"]
        events = {e["op"]: e for e in trace["events"] if e["kind"] == "backward"}
        for before, after in zip(cells, cells[1:]):
            self.assertEqual(after["inputs"][2], before["outputs"][1])
            torch.testing.assert_close(values(trace, upstream_of(events[before["id"]], 1)), values(trace, events[after["id"]]["contributions"][2]))
        self.assertEqual(values(trace, upstream_of(events[cells[-1]["id"]], 1)).abs().sum().item(), 0.0)
        # (its local derivative is the cell's recurrence now, for every input: formulas.py)
        self.assertIn("c_t = f_t", events[cells[0]["id"]]["local"][3]["formula"])


LSTM_CELLS = """import torch
torch.manual_seed(0)
cell = torch.nn.LSTMCell(3, 4)
xs = torch.randn(4, 2, 3)

def step():
    h, c = torch.zeros(2, 4), torch.zeros(2, 4)
    for x in xs:
        h, c = cell(x, (h, c))
    return h.pow(2).sum()
"""


if __name__ == "__main__":
    unittest.main()
