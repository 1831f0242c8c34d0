"""expect_grad: a learner's hand-computed gradient held against autograd's, as a gradCheck event of the trace."""
import contextlib
import io
import os
import subprocess
import sys
import unittest

import torch

from helpers import model_file, record, values
from backstep_torch.checks import compare

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A two-layer net whose gradients a learner derives by hand, stated before and after backward(), with and without
# retain_grad(), with a wrong one, a wrong shape, a tensor that needs no gradient and one off the loss's path.
NET = '''
import torch
from backstep_torch import expect_grad

torch.manual_seed(0)
x = torch.randn(4, 3)
W = torch.randn(3, 2, requires_grad=True)
b = torch.zeros(2, requires_grad=True)
z = x @ W + b
h = torch.tanh(z)
loss = (h ** 2).sum()
off = (W * 3).sum()
dh = 2 * h.detach()
dz = (1 - h.detach() ** 2) * dh
expect_grad(z, dz)  # before backward: decided when the pass ends
expect_grad(off, 1.0)  # before backward, never reached: missing at the end
loss.backward()
expect_grad(h, dh)  # after backward, without retain_grad
expect_grad(W, x.T @ dz, label="dW")
expect_grad(b, dz.sum(0) * 1.5)  # wrong
expect_grad(b, dz)  # wrong shape
expect_grad(x, torch.zeros(4, 3))  # needs no gradient
print("done", float(loss))
'''


def checks(trace):
    return [e for e in trace["events"] if e["kind"] == "gradCheck"]


class Compare(unittest.TestCase):
    def test_verdicts_numbers_and_the_worst_element_as_compareGrads(self):
        r = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        self.assertEqual(compare(r.clone(), r)["verdict"], "exact")
        c = compare(r + torch.tensor([[0.0, 1e-6], [0.0, 0.0]]), r)
        self.assertEqual(c["verdict"], "close")
        m = r.clone()
        m[1, 0] = 3.5
        m[0, 1] = 2.25
        c = compare(m, r)
        self.assertEqual((c["verdict"], c["maxAbsDiff"], c["worst"]), ("mismatch", 0.5, {"index": [1, 0], "manual": 3.5, "reference": 3.0}))
        self.assertAlmostEqual(c["relErr"], 0.5 / 3.5)
        # relative to the values below 1 too, as gradCompare.ts (it was the absolute difference there)
        self.assertAlmostEqual(compare(torch.tensor([0.3516]), torch.tensor([0.3511]))["relErr"], (0.3516 - 0.3511) / 0.3516, places=6)
        m[0, 0] = float("nan")
        c = compare(m, r)
        self.assertTrue(c["maxAbsDiff"] != c["maxAbsDiff"] and c["worst"]["index"] == [0, 0])
        self.assertEqual(compare(r, r.reshape(4))["verdict"], "shape")
        # one number stands for any one-element shape, as in the TypeScript twin
        self.assertEqual(compare(torch.tensor(2.0, dtype=torch.float64), torch.tensor([[2.0]]))["verdict"], "exact")
        inf = torch.tensor([float("inf")])
        self.assertEqual(compare(inf, inf.clone())["verdict"], "exact")


class ExpectGrad(unittest.TestCase):
    def test_checks_before_and_after_backward_against_autograds_gradients(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            trace, _ = record(model_file(NET))
        self.assertIn("done", out.getvalue())
        by = {c["label"]: c for c in checks(trace)}
        self.assertEqual([c["label"] for c in checks(trace)], ["z", "h", "dW", "b", "b", "x", "off"])
        self.assertEqual(by["z"]["verdict"], "close")  # the same math, rounded in a different order
        self.assertIn(by["h"]["verdict"], ("exact", "close"))
        self.assertIn(by["dW"]["verdict"], ("exact", "close"))
        wrong, shape = [c for c in checks(trace) if c["label"] == "b"]
        self.assertEqual(wrong["verdict"], "mismatch")
        self.assertEqual(shape["verdict"], "shape")
        self.assertEqual((shape["manualShape"], shape["referenceShape"]), ([4, 2], [2]))
        self.assertEqual(by["x"]["verdict"], "missing")
        self.assertIn("does not require grad", by["x"]["note"])
        self.assertEqual(by["off"]["verdict"], "missing")
        self.assertIn("no backward pass reached off", by["off"]["note"])
        # the reference is autograd's own gradient: W's is its .grad, z's and h's what the pass computed for them
        torch.manual_seed(0)
        x = torch.randn(4, 3)
        W = torch.randn(3, 2, requires_grad=True)
        b = torch.zeros(2, requires_grad=True)
        z = x @ W + b
        z.retain_grad()
        h = torch.tanh(z)
        h.retain_grad()
        (h ** 2).sum().backward()
        for label, grad in (("dW", W.grad), ("z", z.grad), ("h", h.grad)):
            self.assertTrue(torch.equal(values(trace, by[label]["reference"]).to(grad.dtype), grad), label)
        diff = (W.grad.double() - values(trace, by["dW"]["manual"])).abs().max()
        self.assertEqual(by["dW"]["maxAbsDiff"], float(diff))
        # each check at its own line, with the user's stack
        self.assertEqual(by["dW"]["loc"]["line"], NET.splitlines().index('expect_grad(W, x.T @ dz, label="dW")') + 1)
        self.assertEqual(trace["tensors"][by["dW"]["tensor"]]["name"], "W")

    def test_a_wrong_check_is_a_warning_at_its_line_in_the_typescript_views(self):
        # (the views' side, gradCheckDiagnostics, reads the event as it reads expectGrad's: test/python/recorder.test.ts)
        with contextlib.redirect_stdout(io.StringIO()):
            trace, _ = record(model_file(NET))
        failed = [c for c in checks(trace) if c["verdict"] in ("mismatch", "shape", "missing")]
        self.assertEqual(len(failed), 4)

    def test_checks_in_a_helper_taking_the_tensor_are_at_each_call_of_the_helper(self):
        """makemore part 4's `cmp(label, manual, t)` around expect_grad: every check was at the helper's one line."""
        src = ("import torch\nfrom backstep_torch import expect_grad\n\n\ndef cmp(label, manual, t):\n"
               "    expect_grad(t, manual, label=label)\n\n\nx = torch.tensor([1.0, 2.0], requires_grad=True)\n"
               "(x * x).sum().backward()\ncmp('ok', 2 * x.detach(), x)\ncmp('wrong', 3 * x.detach(), x)\n"
               "expect_grad(x, 2 * x.detach(), label='direct')\n")
        trace, _ = record(model_file(src))
        self.assertEqual([(c["label"], c["loc"]["line"]) for c in checks(trace)], [("ok", 11), ("wrong", 12), ("direct", 13)])

    def test_without_backstep_it_changes_nothing_and_prints_nothing(self):
        path = model_file(NET)
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
        plain = subprocess.run([sys.executable, path], capture_output=True, text=True, env=env, check=True)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            record(path)
        self.assertEqual(plain.stdout, out.getvalue())
        self.assertEqual(plain.stderr, "")

    def test_a_check_after_backward_in_the_next_step_finds_the_pass_gradient(self):
        # the manual gradient computed from graph tensors (`(1 - h**2) * dh` with h requiring grad) in a step of its own
        # (begun by an op on the parameter alone), whose tensors get new trace ids: the check still finds h's and z's
        # gradient from the pass. (Right after the pass, ops on its graph would join its step: Steps.joins.)
        trace, _ = record(model_file('''
import torch
from backstep_torch import expect_grad
w = torch.tensor([0.5, -1.0], requires_grad=True)
z = w * 3
h = torch.tanh(z)
h.sum().backward()
w2 = w * 2
dh = torch.ones_like(h)
dz = (1 - h**2) * dh
expect_grad(h, dh)
expect_grad(z, dz)
'''), steps=2)
        steps = [e for e in trace["events"] if e["kind"] == "step"]
        self.assertEqual(len(steps), 2, "the manual gradient's ops are a step of their own")
        self.assertEqual([(c["label"], c["verdict"]) for c in checks(trace)], [("h", "exact"), ("z", "close")])

    def test_the_manual_gradient_is_kept_as_it_was_when_stated(self):
        # makemore's exercise grows a gradient in place after stating it (`dcounts += …`)
        trace, _ = record(model_file('''
import torch
from backstep_torch import expect_grad
w = torch.ones(3, requires_grad=True)
(w * 2).sum().backward()
d = torch.full((3,), 2.0)
expect_grad(w, d)
d += 1
'''))
        (c,) = checks(trace)
        self.assertEqual(c["verdict"], "exact")
        self.assertEqual(values(trace, c["manual"]).tolist(), [2.0, 2.0, 2.0])

    def test_a_numpy_array_is_a_gradient_as_a_tensor_is(self):
        trace, _ = record(model_file('''
import torch
from backstep_torch import expect_grad
w = torch.ones(3, requires_grad=True)
(w * 2).sum().backward()
expect_grad(w, (torch.ones(3) * 2).numpy())
expect_grad(w, (torch.ones(3) * 3).double().numpy())
'''))
        self.assertEqual([c["verdict"] for c in checks(trace)], ["exact", "mismatch"])
        self.assertFalse([d for d in trace["diagnostics"] if d["severity"] == "error"])

    def test_bad_arguments_are_a_clear_error_at_the_line(self):
        trace, _ = record(model_file('''
import torch
from backstep_torch import expect_grad
w = torch.ones(3, requires_grad=True)
(w * 2).sum().backward()
expect_grad(w, "2")
'''))
        (d,) = [d for d in trace["diagnostics"] if d["severity"] == "error"]
        self.assertIn("expect_grad: the hand-computed gradient must be a tensor", d["message"])
        self.assertEqual(d["loc"]["line"], 6)


if __name__ == "__main__":
    unittest.main()
