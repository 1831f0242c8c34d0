"""Calls that set a model up (weight_norm, register_parametrization, spectral_norm) record no op of a training step."""
import sys
import unittest

import torch.nn.utils.parametrize as parametrize

from test_names_reach import WEIGHT_NORM, traced, updates_by_step

REGISTER = parametrize.register_parametrization
WEIGHT_NORM_CLASS = sys.modules["torch.nn.utils.weight_norm"].WeightNorm
APPLY = WEIGHT_NORM_CLASS.__dict__["apply"]

# a parametrization of the user's own, and spectral_norm, set up before the training loop; one taken off after it
PARAMETRIZED = """import torch
import torch.nn as nn
import torch.nn.utils.parametrize as P
from torch.nn.utils.parametrizations import spectral_norm
torch.manual_seed(0)
class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(0, 1)
def main():
    a = nn.Linear(3, 3)
    P.register_parametrization(a, "weight", Symmetric())
    b = spectral_norm(nn.Linear(3, 2))
    opt = torch.optim.SGD([*a.parameters(), *b.parameters()], lr=0.1)
    x = torch.randn(4, 3)
    for i in range(2):
        loss = b(a(x)).pow(2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
        print(i, loss.item())
    P.remove_parametrizations(a, "weight")
main()
"""


class SettingUp(unittest.TestCase):
    def test_setting_a_model_up_records_no_op(self):
        """The construction's ops (weight_norm's norm_except_dim and _weight_norm at `net = weight_norm(…)`; the checks
        register_parametrization and spectral_norm run on the weight) began step 0, before the training loop: each step
        is the loop's forward, backward and update, as the TypeScript trace's."""
        for source, loop in ((WEIGHT_NORM, {9}), (PARAMETRIZED, {16, 20})):  # (20: `main()`)
            trace, out, plain = traced(source, steps=2)
            self.assertEqual(out, plain)
            # the lines of the script's main() or top level that ran each step's ops
            lines = [{f["line"] for o in trace["ops"] if o["trainingStep"] == step for f in o["stack"] if f["name"] in ("main", "<module>")}
                     for step in (0, 1)]
            self.assertEqual(lines, [loop, loop])
            self.assertEqual([o["op"] for o in trace["ops"] if o["trainingStep"] == 0], [o["op"] for o in trace["ops"] if o["trainingStep"] == 1])
        self.assertEqual(updates_by_step(trace), [["a.bias", "a.parametrizations.weight.original", "b.bias", "b.parametrizations.weight.original"]] * 2)
        self.assertIs(WEIGHT_NORM_CLASS.__dict__["apply"], APPLY)  # the wrappers are taken off
        self.assertIs(parametrize.register_parametrization, REGISTER)


if __name__ == "__main__":
    unittest.main()
