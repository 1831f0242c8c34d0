"""The update events' rules state the settings each update ran with, as the TypeScript optimizers state them."""
import contextlib
import io
import unittest

import torch

from helpers import model_file, record, values

SCHEDULED = """import torch
torch.manual_seed(0)
model = torch.nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.9)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
x, y = torch.randn(4, 3), torch.randn(4, 1)
for epoch in range(4):
    loss = torch.nn.functional.mse_loss(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    print(epoch, opt.param_groups[0]["lr"])
"""


class UpdateRules(unittest.TestCase):
    def test_a_schedulers_learning_rate_is_stated_to_6_significant_digits(self):
        """0.7 · 0.7 was stated `lr=0.48999999999999994` (and 0.343 `lr=0.3429999999999999`): the TypeScript rule's η
        is rounded to 6 digits (src/optim/optimizer.ts)."""
        with contextlib.redirect_stdout(io.StringIO()):
            trace, _ = record(model_file(SCHEDULED), steps=4)
        rules = [e["rule"] for e in trace["events"] if e["kind"] == "update" and e["param"] == "model.weight"]
        self.assertEqual([r.split("[SGD: ")[1] for r in rules], ["lr=%s, momentum=0.9]" % lr for lr in ("1.0", "0.7", "0.49", "0.343")])

    def test_an_update_assigning_data_is_recorded(self):
        """`W.data = W.data - lr * W.grad` (older tutorials' update) had no update event, and W was no parameter: an
        input of every op, and left out of Trace.params (b, updated in place, was listed)."""
        with contextlib.redirect_stdout(io.StringIO()):
            trace, _ = record(model_file(BY_DATA), steps=3)
        updates = [e for e in trace["events"] if e["kind"] == "update"]
        self.assertEqual([e["param"] for e in updates], ["W", "b"] * 3)
        self.assertEqual([e["rule"] for e in updates[:2]], ["W.data = W.data - 0.1 * W.grad", "b.data.sub_(0.1 * b.grad)"])
        for e in updates:
            torch.testing.assert_close(values(trace, e["after"]), values(trace, e["before"]) - 0.1 * values(trace, e["grad"]))
        torch.manual_seed(0)
        x, y, W = torch.randn(8, 3), torch.randn(8, 1), torch.randn(3, 1, requires_grad=True)
        ((x @ W - y) ** 2).mean().backward()  # (b is 0 in the first step)
        torch.testing.assert_close(values(trace, updates[0]["grad"]), W.grad.double())
        ws = {trace["tensors"][i]["kind"] for o in trace["ops"] for i in o["inputs"] if trace["tensors"][i].get("name") == "W"}
        self.assertEqual(ws, {"param"})
        self.assertEqual([p["name"] for p in trace["params"]], ["W", "b"])

    def test_a_gradient_reset_after_data_is_assigned_is_recorded(self):
        """After `W.data = …` gave W new storage, its `W.grad = None` found no parameter at that address: no zeroGrad
        event, and the trace's final gradient of W was missing (as `W -= …` under no_grad records both)."""
        with contextlib.redirect_stdout(io.StringIO()):
            trace, _ = record(model_file(REBOUND_RESET), steps=3)
        kinds = [(e["kind"], e["loc"]["line"]) for e in trace["events"] if e["kind"] in ("update", "zeroGrad")]
        self.assertEqual(kinds, [("update", 8), ("zeroGrad", 9)] * 3)
        [w] = trace["params"]
        self.assertIsNotNone(w["grad"])
        torch.manual_seed(0)
        W, x = torch.randn(3, 2, requires_grad=True), torch.randn(4, 3)
        for _ in range(3):
            W.grad = None
            (x @ W).pow(2).mean().backward()
            last = W.grad.clone()
            W.data = W.data - 0.1 * W.grad
        torch.testing.assert_close(values(trace, w["grad"]), last.double())

    def test_a_tensor_at_a_replaced_storage_is_no_parameter(self):
        """After `W.data = …`, W was still watched under its old storage's address: an in-place op on a tensor there
        (here the old values, kept and scaled) was recorded as an update of W."""
        with contextlib.redirect_stdout(io.StringIO()):
            trace, _ = record(model_file(KEPT_OLD), steps=3)
        updates = [e for e in trace["events"] if e["kind"] == "update"]
        self.assertEqual([e["param"] for e in updates], ["W", "b"] * 3)
        for e in updates:
            torch.testing.assert_close(values(trace, e["after"]), values(trace, e["before"]) - 0.1 * values(trace, e["grad"]))

    def test_a_parameter_clamped_by_hand_after_the_optimizer_is_an_update_of_its_own(self):
        """A WGAN critic's `p.data.clamp_(-c, c)` after `opt.step()` was folded into the optimizer's update: one event,
        SGD's rule beside the values the clamp made (after ≠ before − η·grad)."""
        with contextlib.redirect_stdout(io.StringIO()):
            trace, _ = record(model_file(CLAMPED), steps=2)
        updates = [e for e in trace["events"] if e["kind"] == "update"]
        self.assertEqual([e["rule"].split("  [")[0] for e in updates], ["W ← W − η·∂L/∂W", "W.data.clamp_(-0.1, 0.1)"] * 2)
        for sgd, clamp in (updates[0:2], updates[2:4]):
            torch.testing.assert_close(values(trace, sgd["after"]), values(trace, sgd["before"]) - values(trace, sgd["grad"]))
            torch.testing.assert_close(values(trace, clamp["before"]), values(trace, sgd["after"]))
            torch.testing.assert_close(values(trace, clamp["after"]), values(trace, sgd["after"]).clamp(-0.1, 0.1))
        # the next step's op reads the clamped weights
        read = [o["inputs"][0] for o in trace["ops"] if o["op"] == "mul"]
        torch.testing.assert_close(values(trace, read[1]), values(trace, updates[1]["after"]))

    def test_a_parameter_changed_by_hand_before_the_optimizer_is_an_update_of_its_own_before_it(self):
        """Weights decayed by hand before `opt.step()`: the op's update was pending when the step began, and the optimizer's
        was folded into it: one event, the op's line as the rule beside the values SGD made."""
        with contextlib.redirect_stdout(io.StringIO()):
            trace, _ = record(model_file(DECAYED), steps=2)
        updates = [e for e in trace["events"] if e["kind"] == "update"]
        self.assertEqual([e["rule"].split("  [")[0] for e in updates], ["W.data.mul_(0.5)", "W ← W − η·∂L/∂W"] * 2)
        for decay, sgd in (updates[0:2], updates[2:4]):
            torch.testing.assert_close(values(trace, decay["after"]), values(trace, decay["before"]) * 0.5)
            torch.testing.assert_close(values(trace, sgd["before"]), values(trace, decay["after"]))
            torch.testing.assert_close(values(trace, sgd["after"]), values(trace, sgd["before"]) - values(trace, sgd["grad"]))


SGD_STEP = """import torch
W = torch.nn.Parameter(torch.tensor([0.5, -0.5]))
opt = torch.optim.SGD([W], lr=1.0)

def step():
    opt.zero_grad()
    (W * torch.tensor([2., -2.])).sum().backward()
    {}
"""
DECAYED = SGD_STEP.format("W.data.mul_(0.5)\n    opt.step()")
CLAMPED = SGD_STEP.format("opt.step()\n    W.data.clamp_(-0.1, 0.1)")

BY_DATA = """import torch
torch.manual_seed(0)
x = torch.randn(8, 3)
y = torch.randn(8, 1)
W = torch.randn(3, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for i in range(3):
    loss = ((x @ W + b - y) ** 2).mean()
    loss.backward()
    W.data = W.data - 0.1 * W.grad
    b.data.sub_(0.1 * b.grad)
    W.grad.zero_()
    b.grad.zero_()
"""

KEPT_OLD = (BY_DATA.replace("for i in range(3):\n", "old = torch.zeros(3, 1)\nfor i in range(3):\n")
            .replace("    loss.backward()\n", "    loss.backward()\n    old.mul_(2)\n")
            .replace("    W.data = W.data - 0.1 * W.grad\n", "    old = W.data\n    W.data = W.data - 0.1 * W.grad\n"))


if __name__ == "__main__":
    unittest.main()


class OtherOptimizers(unittest.TestCase):
    def test_each_torch_optimizer_states_its_update_rule(self):
        """An optimizer the TypeScript engine does not have read `Adadelta.step()  [Adadelta: lr=1.0, eps=1e-06]`:
        each torch.optim optimizer states its rule, with its own settings (ρ, λ, the step sizes …)."""
        from backstep_torch.updates import describe_optimizer

        p = [torch.nn.Parameter(torch.zeros(2))]
        o = torch.optim
        made = [o.Adadelta(p), o.Adamax(p), o.NAdam(p), o.RAdam(p), o.ASGD(p), o.Rprop(p), o.LBFGS(p), o.SparseAdam(p)]
        rules = [describe_optimizer(opt) for opt in made]
        for opt, rule in zip(made, rules):
            formula, settings = rule.split("  [")
            self.assertNotIn(".step()", formula, rule)
            self.assertIn("W ← ", formula, rule)
            self.assertTrue(settings.startswith(type(opt).__name__ + ": lr="), rule)
        self.assertTrue(rules[0].startswith("s ← ρ·s + (1−ρ)·∂L/∂W²;  Δ ← √(u + ε)/√(s + ε)·∂L/∂W"), rules[0])
        self.assertIn("rho=0.9", rules[0])
        self.assertIn("etas=(0.5, 1.2), step_sizes=(1e-06, 50)", rules[5])
        decayed = describe_optimizer(o.Adadelta(p, weight_decay=0.1))
        self.assertIn("(∂L/∂W + λ·W)", decayed)

REBOUND_RESET = """import torch
torch.manual_seed(0)
W = torch.randn(3, 2, requires_grad=True)
x = torch.randn(4, 3)
for i in range(3):
    loss = (x @ W).pow(2).mean()
    loss.backward()
    W.data = W.data - 0.1 * W.grad
    W.grad = None
"""
