"""A final parameter's gradient is the one the run's last backward pass left (reset_grads.py): a loop that resets the
gradients after its update (`loss.backward(); opt.step(); opt.zero_grad()`) ended with every gradient 0 in the trace,
and Backstep warned of a vanishing gradient."""
import unittest

import torch

from helpers import model_file, record, values

ZERO_AFTER = """import torch, torch.nn as nn
torch.manual_seed(8)
model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
x = torch.randn(16, 3); y = torch.randn(16, 1)
for epoch in range(4):
    loss = nn.MSELoss()(model(x), y)
    loss.backward()
    opt.step()
    RESET
"""

BY_HAND = """import torch
torch.manual_seed(7)
W = torch.randn(4, 3, requires_grad=True)
b = torch.zeros(3, requires_grad=True)
x = torch.randn(10, 4); y = torch.randint(0, 3, (10,))
for it in range(4):
    loss = torch.nn.functional.cross_entropy(x @ W + b, y)
    loss.backward()
    with torch.no_grad():
        for p in (W, b):
            p.add_(p.grad, alpha=-0.1)
            RESET
"""


def last_grads(source, reset):
    """The gradients of the program's last backward pass, by PyTorch alone: the program run without the recorder and
    without its last reset."""
    ns = {"__name__": "__main__"}
    exec(compile(source.replace("RESET", "if %s < 3: %s" % ("it" if "it in" in source else "epoch", reset)), "<model>", "exec"), ns)
    if "model" in ns:
        return {"model." + n: p.grad.detach().clone() for n, p in ns["model"].named_parameters()}
    return {n: ns[n].grad.detach().clone() for n in ("W", "b")}


def final_grads(source, steps):
    trace, _ = record(model_file(source), steps=steps)
    return {p["name"]: values(trace, p["grad"]) if p["grad"] is not None else None for p in trace["params"]}


class GradientsResetAfterTheUpdate(unittest.TestCase):
    def check(self, source, reset):
        expected = last_grads(source, reset)
        for steps in (2, 4):  # the last iteration recorded, or run past the recorded steps
            got = final_grads(source.replace("RESET", reset), steps)
            self.assertEqual(sorted(got), sorted(expected))
            for n, g in expected.items():
                self.assertGreater(float(g.norm()), 0, n)
                torch.testing.assert_close(got[n], g.double(), msg="%s, %d steps" % (n, steps))

    def test_an_optimizers_zero_grad(self):
        self.check(ZERO_AFTER, "opt.zero_grad()")

    def test_a_modules_zero_grad(self):
        self.check(ZERO_AFTER, "model.zero_grad()")

    def test_zero_grad_set_to_none(self):
        self.check(ZERO_AFTER, "opt.zero_grad(set_to_none=True)")

    def test_a_gradient_zeroed_by_hand(self):
        self.check(BY_HAND, "p.grad.zero_()")

    def test_a_gradient_dropped_by_hand(self):
        self.check(BY_HAND, "p.grad = None")

    def test_a_backward_pass_after_the_reset_is_the_last(self):
        """Its gradients, not those kept at the reset."""
        src = ZERO_AFTER.replace("RESET", "opt.zero_grad()") + "(model(x) ** 2).mean().backward()\n"
        ns = {"__name__": "__main__"}
        exec(compile(src, "<model>", "exec"), ns)
        got = final_grads(src, 2)
        torch.testing.assert_close(got["model.2.bias"], ns["model"][2].bias.grad.double())


if __name__ == "__main__":
    unittest.main()
