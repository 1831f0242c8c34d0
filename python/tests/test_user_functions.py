"""A user's torch.autograd.Function: its backward's ops recorded (phase "backward") and its backward checked on first
use against float64 finite differences, as the TypeScript engine does for a defineFunction (functions.py)."""
import contextlib
import io
import unittest

import torch

from helpers import check_gradients, model_file, plain_grads, record, values

SRC = """import torch
torch.manual_seed(0)


class MyTanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.tanh()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        local = 1 - y * y%s
        return g * local


class Scaled(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, k):
        ctx.save_for_backward(a, b)
        ctx.k = k
        return a * b * k

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b * ctx.k, g * a * ctx.k, None


W = torch.randn(3, 3, requires_grad=True)
x = torch.randn(4, 3)
opt = torch.optim.SGD([W], lr=0.1)
for _ in range(3):
    opt.zero_grad()
    h = MyTanh.apply(x @ W)
    loss = Scaled.apply(h, W[0], 0.5).sum()
    loss.backward()
    opt.step()
"""


class UserFunctions(unittest.TestCase):
    def run_model(self, src):
        path = model_file(src)
        with contextlib.redirect_stdout(io.StringIO()):
            trace, rec = record(path, steps=3, retain=True)
        return trace, rec, path

    def test_a_right_backward_passes_once_and_its_ops_are_recorded_at_their_lines(self):
        trace, rec, path = self.run_model(SRC % "")
        checks = [e for e in trace["events"] if e["kind"] == "gradCheck"]
        self.assertEqual([(e["label"], e["verdict"] in ("close", "exact"), e["loc"]["line"]) for e in checks],
                         [("MyTanh input 0", True, 5), ("Scaled input 0 (h)", True, 19), ("Scaled input 1", True, 19)],
                         "each Function checked on its first use only, at its class")
        ops = trace["ops"]
        self.assertEqual(ops[checks[0]["op"]]["op"], "MyTanh")
        back = [(o["op"], o["loc"]["line"], o.get("var")) for o in ops if o.get("phase") == "backward" and o["trainingStep"] == 0]
        self.assertEqual(back, [("mul", 29, None), ("mul", 29, None), ("mul", 29, None), ("mul", 29, None),
                                ("mul", 15, None), ("sub", 15, "local"), ("mul", 16, None)])
        tanh = next(o for o in ops if o["op"] == "MyTanh" and o["trainingStep"] == 0)
        square = next(o for o in ops if o.get("phase") == "backward" and o["loc"]["line"] == 15)
        self.assertEqual(square["inputs"], [tanh["output"], tanh["output"]], "y of ctx.saved_tensors is MyTanh's output")
        check_gradients(self, trace, rec, plain_grads(path, steps=3))
        self.assertEqual(plain_grads(path, steps=3)["W"].tolist(), rec.names.parameters()[0][1].grad.tolist(), "the run's numbers")

    def test_a_wrong_backward_is_flagged_at_its_definition_with_its_relative_error(self):
        trace, _, _ = self.run_model(SRC % " + 1")
        [bad] = [e for e in trace["events"] if e["kind"] == "gradCheck" and e["label"].startswith("MyTanh")]
        self.assertEqual((bad["verdict"], bad["source"], bad["loc"]["line"], bad["manualShape"]), ("mismatch", "function", 5, [4, 3]))
        manual, reference = values(trace, bad["manual"]), values(trace, bad["reference"])
        diff = (manual - reference).abs()
        self.assertAlmostEqual(bad["maxAbsDiff"], float(diff.max()), places=6)
        self.assertAlmostEqual(bad["relErr"], float((diff / torch.maximum(manual.abs(), reference.abs())).max()), places=6)
        self.assertGreater(bad["relErr"], 0.1)
        backward = next(e for e in trace["events"] if e["kind"] == "backward" and e["op"] == bad["op"])
        self.assertEqual(backward["local"][0]["formula"], "\\text{user-defined backward}")

    def test_a_function_first_in_its_step_and_read_only_by_another_is_its_own_op(self):
        """`a, b = Split2.apply(W)` first in an iteration, `a` read only by another Function: Split2 was adopted at no op
        (its autograd node taken inside Double's op), and its check had no op; a shape error is flagged as such."""
        src = ("import torch\n\n\nclass Split2(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"  # 1-6
               "        return x * 2, x * x\n\n    @staticmethod\n    def backward(ctx, g1, g2):\n"  # 7-10
               "        return g1 * 2\n\n\nclass Double(torch.autograd.Function):\n    @staticmethod\n"  # 11-15
               "    def forward(ctx, x):\n        return x * 2\n\n    @staticmethod\n    def backward(ctx, g):\n"  # 16-20
               "        return (g * 2).sum(0)\n\n\nW = torch.randn(3, 2, requires_grad=True)\nfor _ in range(2):\n"  # 21-25
               "    a, b = Split2.apply(W)\n    c = Double.apply(a)\n    (c.detach().sum() + b.sum()).backward()\n")  # 26-28
        trace, _, _ = self.run_model(src)
        ops = [(o["op"], o["trainingStep"], o.get("phase")) for o in trace["ops"]]
        self.assertEqual(ops[:5], [("Split2", 0, None), ("Double", 0, None), ("sum", 0, None), ("add", 0, None), ("mul", 0, "backward")])
        self.assertEqual([o[0] for o in ops if o[1] == 1 and o[2] is None], ["Split2", "Double", "sum", "add"])
        checks = [(e["label"], e["verdict"], e.get("op")) for e in trace["events"] if e["kind"] == "gradCheck"]
        self.assertEqual(checks, [("Split2 input 0 (W)", "mismatch", 0), ("Double input 0 (a)", "shape", 1)])


if __name__ == "__main__":
    unittest.main()
