"""Backstep's calls of a module-level step(): only when it takes no arguments (run.py `_step_of`): a helper of the
program's own loop, `def step(xb, yb)`, was called after the loop had trained, and the run failed with `step() missing 2
required positional arguments`, and a false "1 later step(s) ran unrecorded". A forward at top level before them is the
first call's step (Steps.begin_step)."""
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

INITIAL_LOSS = """import torch, torch.nn.functional as F
w = torch.nn.Parameter(torch.tensor([0.5, -0.5]))
opt = torch.optim.SGD([w], lr=0.1)
c = torch.tensor([2., 3.])
print("initial %.6f" % (w * w * c).sum().item())
def step():
    opt.zero_grad()
    loss = (w * w * c).sum()
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

    def test_a_forward_at_top_level_is_the_first_calls_step(self):
        """It was a step 0 of its own, without a loss, and the third call was dropped. Σ c·w² with c = [2, 3] from
        w = [0.5, -0.5]: 1.25, then SGD at lr 0.1 makes w ← w(1 − 0.2c)."""
        trace, out = run(INITIAL_LOSS, steps=3)
        self.assertEqual(printed(out, "initial"), [1.25])
        self.assertEqual(steps_of(trace), [0, 1, 2])
        self.assertEqual(trace["truncated"]["stepsDropped"], 0)
        w, expected = [0.5, -0.5], []
        for _ in range(3):
            expected.append(round(2 * w[0] ** 2 + 3 * w[1] ** 2, 5))
            w = [w[0] * 0.6, w[1] * 0.4]
        self.assertEqual([round(v, 5) for v in trace["losses"]], expected)
        self.assertEqual([(o["trainingStep"], o["loc"]["line"]) for o in trace["ops"] if o["op"] == "sum"], [(0, 5), (0, 8), (1, 8), (2, 8)])


if __name__ == "__main__":
    unittest.main()
