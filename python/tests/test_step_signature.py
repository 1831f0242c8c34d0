"""Backstep calls a module-level step() only when it takes no arguments (run.py `_step_of`): a helper of the program's
own loop, `def step(xb, yb)`, was called after the loop had trained, and the run failed with `step() missing 2 required
positional arguments`, and a false "1 later step(s) ran unrecorded"."""
import unittest

from test_loop_steps import printed, run, steps_of

HELPER = """import torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(19)
model = nn.Linear(4, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
def step(xb, yb):
    opt.zero_grad()
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()
    return loss.item()
for i in range(3):
    xb, yb = torch.randn(8, 4), torch.randint(0, 3, (8,))
    print("LOSS %.6f" % step(xb, yb))
"""

DEFAULTS = """import torch
w = torch.ones(2, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
def step(scale=2.0, *rest, **options):
    opt.zero_grad()
    loss = (w * scale).pow(2).sum()
    loss.backward()
    opt.step()
    return loss
"""


class StepSignature(unittest.TestCase):
    def test_a_step_with_required_parameters_is_the_loops_helper(self):
        trace, out = run(HELPER, steps=5)
        self.assertEqual([d["message"] for d in trace["diagnostics"]], [])
        self.assertEqual(steps_of(trace), [0, 1, 2])
        self.assertEqual([round(v, 5) for v in trace["losses"]], printed(out, "LOSS"))
        self.assertEqual(trace["truncated"]["stepsDropped"], 0)

    def test_a_step_whose_parameters_all_have_defaults_is_called(self):
        """Σ (2w)² from w = 1: 8, and SGD at lr 0.1 makes w ← w − 0.1 · 8w = 0.2w."""
        trace, _ = run(DEFAULTS, steps=3)
        self.assertEqual(steps_of(trace), [0, 1, 2])
        self.assertEqual([round(v, 5) for v in trace["losses"]], [8.0, 0.32, 0.0128])


if __name__ == "__main__":
    unittest.main()
