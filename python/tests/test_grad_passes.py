"""torch.autograd.grad inside a step (a WGAN-GP's gradient penalty): its backward pass's events, and loss.backward()'s."""
import collections
import contextlib
import io
import unittest

import torch

from helpers import model_file, record, upstream_of, values

PENALTY = """import torch
import torch.nn as nn
torch.manual_seed(0)
D = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
opt = torch.optim.Adam(D.parameters(), lr=1e-3)
real, fake = torch.randn(6, 2), torch.randn(6, 2)
for it in range(2):
    alpha = torch.rand(6, 1)
    interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    out = D(interp)
    grads = torch.autograd.grad(outputs=out, inputs=interp, grad_outputs=torch.ones_like(out), create_graph=True)[0]
    gp = ((grads.norm(2, dim=1) - 1) ** 2).mean()
    loss = D(fake).mean() - D(real).mean() + 10 * gp
    opt.zero_grad(); loss.backward(); opt.step()
"""


def reference():
    """The first step's interp and ∂(Σ out)/∂interp, computed by torch as the script does."""
    torch.manual_seed(0)
    D = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    real, fake = torch.randn(6, 2), torch.randn(6, 2)
    alpha = torch.rand(6, 1)
    interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    return torch.autograd.grad(D(interp).sum(), interp)[0]


class GradPasses(unittest.TestCase):
    def test_autograd_grads_pass_is_its_own(self):
        """The critic's layers on interp: the penalty's pass ran their nodes toward interp only, and the half-collected
        layers were emitted by loss.backward() with that pass's upstream (the last layer: 1) and both passes'
        contributions, the first layer twice."""
        with contextlib.redirect_stdout(io.StringIO()):
            trace, _ = record(model_file(PENALTY), steps=2)
        for step in (0, 1):
            ops = [o for o in trace["ops"] if o["trainingStep"] == step]
            grad_op = next(o for o in ops if o["op"] == "grad")
            critic = [o["id"] for o in ops if o["id"] < grad_op["id"]][-3:]  # linear, tanh, linear on interp
            self.assertEqual([trace["ops"][i]["op"] for i in critic], ["linear", "tanh", "linear"])
            # (the grad op's forward event comes once its pass is over)
            first = next(i for i, e in enumerate(trace["events"]) if e["kind"] == "forward" and e["op"] == critic[-1])
            nxt = next(i for i, e in enumerate(trace["events"]) if e["kind"] == "forward" and e["op"] == grad_op["id"])
            # each layer once (the linears, whose weights' nodes did not run, once the pass is over)
            inner = {e["op"]: e for e in trace["events"][first:nxt] if e["kind"] == "backward"}
            self.assertEqual(sorted(e["op"] for e in trace["events"][first:nxt] if e["kind"] == "backward"), critic)
            self.assertEqual(values(trace, upstream_of(inner[critic[-1]], 0)).unique().tolist(), [1.0])
            self.assertEqual(inner[critic[0]]["contributions"][1:], [None, None])  # ∂/∂interp only
            if step == 0:
                torch.testing.assert_close(values(trace, inner[critic[0]]["contributions"][0]), reference().double())
            step_ops = {o["id"] for o in ops}
            later = collections.Counter(e["op"] for e in trace["events"][nxt:] if e["kind"] == "backward" and e["op"] in step_ops)
            self.assertEqual([op for op, n in later.items() if n > 1], [], "an op emitted twice by loss.backward()")


if __name__ == "__main__":
    unittest.main()
