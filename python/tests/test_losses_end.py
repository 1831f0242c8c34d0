"""Trace.losses ends at the last step with a loss, as the TypeScript recorder's (StepLosses.list()); a step between
keeps its NaN, and the statistics (Trace.series) keep every step."""
import unittest

from helpers import model_file, record

AFTER_LOOP = """import torch
torch.manual_seed(0)
model = torch.nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(16, 4), torch.randn(16, 1)
for i in range(3):
    loss = torch.nn.functional.mse_loss(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
print((model.weight * 2).sum().item())
"""

DIVERGED = """import torch
w = torch.tensor([1.0], requires_grad=True)
for i in range(2):
    loss = (w * (float('nan') if i == 1 else 1.0)).sum()
    loss.backward()
"""


class LossesEnd(unittest.TestCase):
    def test_statements_after_the_loop_add_no_trailing_nan(self):
        trace, _ = record(model_file(AFTER_LOOP), steps=5)
        self.assertEqual(len([e for e in trace["events"] if e["kind"] == "step"]), 4)
        self.assertEqual(len(trace["losses"]), 3)
        self.assertTrue(all(isinstance(v, float) for v in trace["losses"]))
        self.assertEqual(len(trace["series"]["loss"]), 4)  # the statistics' step after the loop, with its NaN loss

    def test_a_nan_loss_of_the_last_step_is_kept(self):
        trace, _ = record(model_file(DIVERGED), steps=5)
        self.assertEqual(trace["losses"][0], 1.0)
        self.assertEqual(trace["losses"][1:], [{"$nf": "NaN"}])


if __name__ == "__main__":
    unittest.main()
