"""What an optimizer reaches, as the trace shows it: `opt.step(closure)` a step per call with its closure's passes and
its update (LBFGS's several evaluations one step), the parameters its param_groups hold (a checkpointed layer's too),
each group's rule with the lr in force at that update, and the leaves it trains as the run's parameters (not a
WGAN-GP's interpolates). Each update's before, grad and after are held against the same run in plain torch."""
import contextlib
import io
import re
import unittest

import torch

from helpers import model_file, record, values
from test_loop_steps import steps_of

ADAM_CLOSURE = """import torch
torch.manual_seed(0)
model = torch.nn.Linear(3, 1)
opt = torch.optim.Adam(model.parameters(), lr=0.1)
x, y = torch.randn(8, 3), torch.randn(8, 1)
def closure():
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    return loss
for it in range(3):
    loss = opt.step(closure)
    print("d %.6f" % loss.item())
"""

LBFGS = """import torch
torch.manual_seed(14)
x = torch.linspace(-2, 2, 50).unsqueeze(1)
y = torch.sin(2 * x) + 0.05 * torch.randn_like(x)
model = torch.nn.Sequential(torch.nn.Linear(1, 20), torch.nn.Tanh(), torch.nn.Linear(20, 1))
opt = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=4, history_size=5)
def closure():
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    return loss
for it in range(3):
    loss = opt.step(closure)
    print("d %.6f" % loss.item())
"""

GAN_CLOSURE = """import torch
torch.manual_seed(0)
G, D = torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)
optG = torch.optim.SGD(G.parameters(), lr=0.1)
optD = torch.optim.SGD(D.parameters(), lr=0.1)
real = torch.randn(8, 2)
for it in range(3):
    fake = G(torch.randn(8, 2))
    d_loss = D(fake.detach()).mean() - D(real).mean()
    optD.zero_grad()
    d_loss.backward()
    optD.step()
    def g_closure():
        optG.zero_grad()
        g = -D(fake).mean()
        g.backward()
        return g
    g_loss = optG.step(g_closure)
    print("d %.6f" % d_loss.item())
"""

CHECKPOINTED = """import torch
from torch.utils.checkpoint import checkpoint
torch.manual_seed(0)
l1, l2 = torch.nn.Linear(3, 4), torch.nn.Linear(4, 1)
opt = torch.optim.SGD([*l1.parameters(), *l2.parameters()], lr=0.1)
x = torch.randn(5, 3)
for i in range(2):
    loss = checkpoint(l2, torch.relu(l1(x))).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    print("d %.6f" % loss.item())
"""

GROUPS = """import torch
torch.manual_seed(0)
a, b = torch.nn.Linear(2, 1), torch.nn.Linear(1, 1)
opt = torch.optim.SGD([{"params": a.parameters()}, {"params": b.parameters(), "lr": 1.0, "momentum": 0.9}], lr=0.01)
x = torch.randn(4, 2)
for i in range(2):
    loss = b(a(x)).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    print("d %.6f" % loss.item())
"""

SCHEDULED = """import torch
torch.manual_seed(0)
model = torch.nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
x = torch.randn(4, 2)
for i in range(3):
    loss = model(x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    scheduler.step()
    print("d %.6f" % loss.item())
"""

PENALTY = """import torch
torch.manual_seed(0)
D = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
opt = torch.optim.Adam(D.parameters(), lr=1e-3)
real = torch.randn(16, 2)
def penalty(x):
    x = x.clone().requires_grad_(True)
    g, = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return ((g.norm(dim=1) - 1) ** 2).mean()
for it in range(2):
    loss = -D(real).mean() + 10 * penalty(real)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print("d %.6f" % loss.item())
"""

MANUAL_IN_A_FUNCTION = """import torch
torch.manual_seed(0)
x = torch.randn(6, 2)
def train():
    w = torch.randn(2, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for i in range(2):
        noise = torch.randn(6, 2).requires_grad_()
        loss = ((x + noise) @ w + b).pow(2).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
        w.grad = None
        b.grad = None
        print("d %.6f" % loss.item())
train()
"""


def traced(source, steps=10):
    """(trace, what the traced script printed, what it prints run plainly)."""
    path = model_file(source)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        trace, _ = record(path, steps=steps)
    plain = io.StringIO()
    with contextlib.redirect_stdout(plain):
        exec(compile(source, path, "exec"), {"__name__": "__main__"})
    return trace, out.getvalue(), plain.getvalue()


def updates_of(trace):
    """Each step's update events, by step."""
    out, step = {}, None
    for e in trace["events"]:
        if e["kind"] == "step":
            step = e["index"]
        elif e["kind"] == "update":
            out.setdefault(step, []).append(e)
    return out


def kinds_of(trace, step):
    """The kinds of a step's events, runs of one kind as one."""
    out, inside = [], False
    for e in trace["events"]:
        if e["kind"] == "step":
            inside = e["index"] == step
        elif inside and (not out or out[-1] != e["kind"]):
            out.append(e["kind"])
    return out


class Base(unittest.TestCase):
    def check_update(self, trace, event, before, grad, after):
        for key, want in (("before", before), ("grad", grad), ("after", after)):
            torch.testing.assert_close(values(trace, event[key]), want.detach().double(), msg="%s %s" % (event["param"], key))

    def check_run(self, trace, output, plain, steps):
        self.assertEqual(output, plain, "tracing changed what the script prints")
        self.assertEqual(steps_of(trace), list(range(steps)))
        self.assertEqual(["%.6f" % v for v in trace["losses"]], re.findall(r"^d (\S+)", output, re.M)[:steps])
        self.assertEqual(trace["diagnostics"], [])


class ClosureSteps(Base):
    def test_adam_step_with_a_closure_is_a_step_per_call_with_its_own_update(self):
        """Only the first call (before any op) was recorded, as one step whose update's after was the value after all
        three; every later call suspended the recorder for its closure too, and its step was lost (stepsDropped 0)."""
        trace, output, plain = traced(ADAM_CLOSURE)
        self.check_run(trace, output, plain, 3)
        self.assertEqual(re.findall(r"^d (\S+)", output, re.M), ["1.209466", "1.022779", "0.910933"])
        self.assertEqual(trace["truncated"]["stepsDropped"], 0)
        # the same run in plain torch: each call's values before it, the closure's gradient, the values after it
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 1)
        opt = torch.optim.Adam(model.parameters(), lr=0.1)
        x, y = torch.randn(8, 3), torch.randn(8, 1)

        def closure():
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            return loss

        by_step = updates_of(trace)
        for s in range(3):
            before = [p.detach().clone() for p in model.parameters()]
            opt.step(closure)
            self.assertEqual([e["param"] for e in by_step[s]], ["model.weight", "model.bias"], "step %d" % s)
            for e, p, b in zip(by_step[s], model.parameters(), before):
                self.check_update(trace, e, b, p.grad, p)
            self.assertIn("[Adam: lr=0.1", by_step[s][0]["rule"])
            ops = [o["op"] for o in trace["ops"] if o["trainingStep"] == s]
            self.assertEqual(ops, ["linear", "sub", "pow", "mean"], "step %d: the closure's forward pass" % s)
            # the closure's forward and backward passes, then the update the call ends with
            self.assertEqual(kinds_of(trace, s), (["zeroGrad"] if s else []) + ["forward", "backward", "update"])

    def test_calls_past_max_steps_are_counted_once_each(self):
        trace, output, plain = traced(ADAM_CLOSURE, steps=2)
        self.check_run(trace, output, plain, 2)
        self.assertEqual(trace["truncated"]["stepsDropped"], 1)
        self.assertEqual(sorted(updates_of(trace)), [0, 1])

    def test_a_step_function_returning_step_closure(self):
        """The runner's step() returns opt.step(closure)'s loss, whose backward pass the closure ran: not run again."""
        source = ADAM_CLOSURE.split("for it in range(3):")[0] + "def step():\n    return opt.step(closure)\n"
        trace, _, _ = traced(source, steps=3)
        self.assertEqual(steps_of(trace), [0, 1, 2])
        self.assertEqual(sorted(updates_of(trace)), [0, 1, 2])
        self.assertEqual([e["index"] for e in trace["events"] if e["kind"] == "step"], [0, 1, 2])
        self.assertEqual(sum(1 for e in trace["events"] if e["kind"] == "backward" and trace["ops"][e["op"]]["op"] == "mean"), 3)
        self.assertEqual(trace["diagnostics"], [])

    def test_a_closure_step_later_in_the_iteration_is_the_iterations_step(self):
        """As without a closure: a GAN's generator half, after the discriminator's update, is its iteration's step."""
        trace, output, plain = traced(GAN_CLOSURE)
        self.check_run(trace, output, plain, 3)
        for s, events in updates_of(trace).items():
            self.assertEqual([e["param"] for e in events], ["D.weight", "D.bias", "G.weight", "G.bias"], "step %d" % s)
            self.assertEqual({o["loc"]["line"] for o in trace["ops"] if o["trainingStep"] == s}, {8, 9, 15})

    def test_lbfgs_evaluations_in_one_call_are_one_step(self):
        """LBFGS evaluates its closure several times a call: those passes are that call's one step, its loss the first
        evaluation's (what step() returns), its update from the values before the call to those after it."""
        trace, output, plain = traced(LBFGS)
        self.check_run(trace, output, plain, 3)
        torch.manual_seed(14)
        x = torch.linspace(-2, 2, 50).unsqueeze(1)
        y = torch.sin(2 * x) + 0.05 * torch.randn_like(x)
        model = torch.nn.Sequential(torch.nn.Linear(1, 20), torch.nn.Tanh(), torch.nn.Linear(20, 1))
        opt = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=4, history_size=5)
        grads = []

        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            grads.append([p.grad.detach().clone() for p in model.parameters()])
            return loss

        by_step = updates_of(trace)
        names = ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"]
        for s in range(3):
            before, first = [p.detach().clone() for p in model.parameters()], len(grads)
            opt.step(closure)
            evaluations = len(grads) - first
            self.assertGreater(evaluations, 1)
            passes = [e for e in trace["events"] if e["kind"] == "backward" and trace["ops"][e["op"]]["op"] == "mse_loss"
                      and trace["ops"][e["op"]]["trainingStep"] == s]
            self.assertEqual(len(passes), evaluations, "step %d holds every evaluation" % s)
            self.assertEqual([e["param"] for e in by_step[s]], names)
            for e, p, b, g in zip(by_step[s], model.parameters(), before, grads[first]):
                # the gradient the call's first direction follows: its first evaluation's
                self.check_update(trace, e, b, g, p)
                self.assertEqual(e["rule"], "d ← −H·∂L/∂W (H: the inverse Hessian estimated from the last history_size steps);  W ← W + η·d  "
                                 "[LBFGS: lr=0.5, history_size=5; one step of %d backward passes]" % evaluations)
            self.assertEqual(kinds_of(trace, s)[-1], "update")


class ParamGroups(Base):
    def test_a_checkpointed_layers_parameters_are_updated_and_reset(self):
        """The reentrant checkpoint runs l2's forward under no_grad: l2's parameters were never an op's input, and
        their updates and resets were left out (only l1's)."""
        trace, output, plain = traced(CHECKPOINTED)
        self.check_run(trace, output, plain, 2)
        torch.manual_seed(0)
        l1, l2 = torch.nn.Linear(3, 4), torch.nn.Linear(4, 1)
        opt = torch.optim.SGD([*l1.parameters(), *l2.parameters()], lr=0.1)
        x = torch.randn(5, 3)
        names = ["l1.weight", "l1.bias", "l2.weight", "l2.bias"]
        by_step = updates_of(trace)
        for s in range(2):
            loss = l2(torch.relu(l1(x))).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            before = [p.detach().clone() for p in opt.param_groups[0]["params"]]
            opt.step()
            self.assertEqual([e["param"] for e in by_step[s]], names)
            for e, p, b in zip(by_step[s], opt.param_groups[0]["params"], before):
                self.check_update(trace, e, b, p.grad, p)
        self.assertEqual([e["params"] for e in trace["events"] if e["kind"] == "zeroGrad"], [names])

    def test_each_group_has_its_own_rule(self):
        trace, output, plain = traced(GROUPS)
        self.check_run(trace, output, plain, 2)
        for s, events in updates_of(trace).items():
            rules = {e["param"]: e["rule"] for e in events}
            self.assertEqual(rules["a.weight"], "W ← W − η·∂L/∂W  [SGD: lr=0.01]")
            self.assertEqual(rules["a.bias"], rules["a.weight"])
            self.assertEqual(rules["b.weight"], "v ← μ·v + ∂L/∂W;  W ← W − η·v  [SGD: lr=1.0, momentum=0.9]", "step %d" % s)
            self.assertEqual(rules["b.bias"], rules["b.weight"])
        torch.manual_seed(0)
        a, b = torch.nn.Linear(2, 1), torch.nn.Linear(1, 1)
        opt = torch.optim.SGD([{"params": a.parameters()}, {"params": b.parameters(), "lr": 1.0, "momentum": 0.9}], lr=0.01)
        x = torch.randn(4, 2)
        for s in range(2):
            loss = b(a(x)).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            before = [p.detach().clone() for p in [*a.parameters(), *b.parameters()]]
            opt.step()
            for e, p, w in zip(updates_of(trace)[s], [*a.parameters(), *b.parameters()], before):
                self.check_update(trace, e, w, p.grad, p)

    def test_the_rule_shows_the_lr_a_scheduler_set_for_that_update(self):
        trace, output, plain = traced(SCHEDULED)
        self.check_run(trace, output, plain, 3)
        lrs = [{e["rule"].split("[SGD: ")[1] for e in events} for _, events in sorted(updates_of(trace).items())]
        self.assertEqual(lrs, [{"lr=0.1]"}, {"lr=0.05]"}, {"lr=0.025]"}])


class TrainedLeaves(Base):
    def test_an_interpolate_made_each_step_is_no_parameter(self):
        """`x.clone().requires_grad_(True)`, differentiated by autograd.grad, was listed as a parameter x with its
        gradient of 0 (a vanishing-gradient warning)."""
        trace, output, plain = traced(PENALTY)
        self.check_run(trace, output, plain, 2)
        self.assertEqual([p["name"] for p in trace["params"]], ["D.0.weight", "D.0.bias", "D.2.weight", "D.2.bias"])
        self.assertTrue(all(p["grad"] is not None for p in trace["params"]))

    def test_leaves_updated_by_hand_stay_parameters_among_throwaway_leaves(self):
        """In a run that updates by hand, the leaves it updates are its parameters, the noise made each step is not."""
        trace, output, plain = traced(MANUAL_IN_A_FUNCTION)
        self.check_run(trace, output, plain, 2)
        self.assertEqual(sorted(p["name"] for p in trace["params"]), ["b", "w"])
        self.assertEqual({e["param"] for e in trace["events"] if e["kind"] == "update"}, {"b", "w"})


if __name__ == "__main__":
    unittest.main()
