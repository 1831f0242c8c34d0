"""A script's training step is an iteration of the loop around its backward pass (loops.py; the TypeScript recorder's
rule, test/runner/loopSteps.test.ts): what runs later in that iteration is the step's, whatever it builds on, and the
loop's next iteration begins the next step."""
import contextlib
import io
import re
import unittest

from helpers import model_file, record
from backstep_torch import source


def run(source, steps=10):
    """(trace, what the script printed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        trace, _ = record(model_file(source), steps=steps)
    return trace, out.getvalue()


def steps_of(trace):
    return [e["index"] for e in trace["events"] if e["kind"] == "step"]


def ops_of(trace, step):
    return ["%s@%d" % (o["op"], o["loc"]["line"]) for o in trace["ops"] if o["trainingStep"] == step]


def lines_of(trace, step):
    return {o["loc"]["line"] for o in trace["ops"] if o["trainingStep"] == step}


def printed(output, tag):
    """The numbers a script printed as `<tag> <x>`, in order, rounded as the tests compare them."""
    return [round(float(m), 5) for m in re.findall(r"^%s (\S+)" % tag, output, re.M)]


GAN_HEAD = """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(1)
G = nn.Linear(4, 1)
D = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
optG = torch.optim.Adam(G.parameters(), lr=1e-2)
optD = torch.optim.Adam(D.parameters(), lr=1e-2)
crit = nn.BCEWithLogitsLoss()
"""

# D's update, then G's half on new noise: nothing of the step's graph, so it began a step of its own.
GAN_IN_LOOP = GAN_HEAD + """for it in range(3):
    optD.zero_grad()
    fake = G(torch.randn(8, 4)).detach()
    errD = crit(D(torch.randn(8, 1) + 2), torch.ones(8, 1)) + crit(D(fake), torch.zeros(8, 1))
    errD.backward()
    optD.step()
    optG.zero_grad()
    errG = crit(D(G(torch.randn(8, 4))), torch.ones(8, 1))
    errG.backward()
    optG.step()
    print("d", errD.item())
"""

GAN_IN_FUNCTION = GAN_HEAD + """def generator_half():
    optG.zero_grad()
    errG = crit(D(G(torch.randn(8, 4))), torch.ones(8, 1))
    errG.backward()
    optG.step()
    return errG.item()


for it in range(3):
    optD.zero_grad()
    fake = G(torch.randn(8, 4)).detach()
    errD = crit(D(torch.randn(8, 1) + 2), torch.ones(8, 1)) + crit(D(fake), torch.zeros(8, 1))
    errD.backward()
    optD.step()
    g = generator_half()
    print("d", errD.item())
"""


class LoopSteps(unittest.TestCase):
    def check_gan(self, source, g_line, d_line):
        trace, output = run(source)
        self.assertEqual(steps_of(trace), [0, 1, 2], "one step an iteration, not two")
        self.assertEqual([round(v, 5) for v in trace["losses"]], printed(output, "d"),
                         "each step's loss is its discriminator's, not alternating with the generator's")
        for s in range(3):
            self.assertIn(g_line, lines_of(trace, s), "step %d has the generator's loss: %s" % (s, ops_of(trace, s)))
            self.assertIn(d_line, lines_of(trace, s), "step %d has the discriminator's loss: %s" % (s, ops_of(trace, s)))

    def assert_steps_run(self, trace, ops, steps=3):
        """The trace has steps 0 … steps − 1, each of them these ops (an update's micro-batches, one step)."""
        self.assertEqual(steps_of(trace), list(range(steps)))
        for s in range(steps):
            self.assertEqual(ops_of(trace, s), ops, "step %d" % s)

    def test_a_gans_generator_half_on_new_noise_stays_in_its_iterations_step(self):
        self.check_gan(GAN_IN_LOOP, 17, 13)

    def test_a_gans_generator_half_in_a_function_the_loop_calls_stays_in_its_iterations_step(self):
        self.check_gan(GAN_IN_FUNCTION, 12, 21)

    def test_nanogpts_accumulation_is_one_step_per_iteration_from_the_first(self):
        """The backward pass is in the micro-batches' loop, the update after it in the loop around: a step is the outer
        loop's iteration. Before the first update nothing told the recorder that gradients accumulate, and iteration 0
        was a step per micro-batch. nanoGPT's own loop is a `while`: the next iteration's first op is back in the loop
        of micro-batches, and the update after that loop tells it is a later iteration."""
        head = ("import torch\ntorch.manual_seed(0)\nw = torch.randn(3, 1, requires_grad=True)\n"
                "optimizer = torch.optim.AdamW([w], lr=1e-2)\naccum = 2\n")
        body = ("    total = 0.0\n    for micro in range(accum):\n        x = torch.randn(4, 3)\n"
                "        loss = (x @ w).square().mean() / accum\n        loss.backward()\n        total += loss.item()\n"
                "    optimizer.step()\n    optimizer.zero_grad(set_to_none=True)\n    print('total', total)\n")
        for where, src, line in (("for", head + "for it in range(3):\n" + body, 10),
                                 ("while", head + "it = 0\nwhile True:\n" + body + "    it += 1\n    if it == 3:\n        break\n", 11)):
            with self.subTest(where):
                trace, output = run(src)
                self.assertEqual(steps_of(trace), [0, 1, 2])
                # each step's loss is its micro-batches' summed, as the loop's `total` (the first one's alone was)
                self.assertEqual([round(v, 5) for v in trace["losses"]], printed(output, "total"))
                for s in range(3):
                    self.assertEqual(ops_of(trace, s), ["matmul@%d" % line, "square@%d" % line, "mean@%d" % line, "div@%d" % line] * 2,
                                     "step %d" % s)
                self.assertEqual(len(trace["losses"]), 3)

    def test_an_update_every_few_micro_batches_is_a_step_from_the_first(self):
        """One loop accumulates micro-batches' gradients and updates every `accum` of them (`if (i + 1) % accum == 0:`
        opt.step()). Before the first update its micro-batches were a step each, with no update; past max_steps each
        counted as a dropped step. The loop's text calls step(): its update ends the step."""
        src = ("import torch\ntorch.manual_seed(0)\nw = torch.randn(3, 1, requires_grad=True)\n"
               "opt = torch.optim.SGD([w], lr=0.1)\naccum = 4\ntotal = 0.0\nfor i in range(12):\n"
               "    loss = (torch.randn(2, 3) @ w).square().mean() / accum\n    loss.backward()\n"
               "    total += loss.item()\n    if (i + 1) % accum == 0:\n        opt.step()\n        opt.zero_grad()\n"
               "        print('total', total)\n        total = 0.0\n")
        trace, output = run(src, steps=3)
        self.assert_steps_run(trace, ["matmul@8", "square@8", "mean@8", "div@8"] * 4)
        steps_and_updates = [e["kind"] for e in trace["events"] if e["kind"] in ("step", "update")]
        self.assertEqual(steps_and_updates, ["step", "update"] * 3)
        self.assertEqual([round(v, 5) for v in trace["losses"]], printed(output, "total"))
        trace, _ = run(src, steps=1)
        self.assertEqual(trace["truncated"]["stepsDropped"], 2, "three updates: two steps past the first")

    def test_an_environments_step_in_a_loop_without_an_optimizer_leaves_each_pass_a_step(self):
        """env.step() is no update: the loop's text calls a `step` method, yet the run made no optimizer, so each
        backward pass still ends its step (all five were one step, their losses summed; past max_steps, one dropped step
        was counted for the three)."""
        src = ("import torch\n\n\nclass Env:\n    t = 0\n\n    def step(self):\n        self.t += 1\n\n\n"
               "env = Env()\nw = torch.tensor([1.0, 2.0], requires_grad=True)\nfor i in range(5):\n"
               "    (w * (i + 1)).sum().backward()\n    env.step()\n")
        trace, _ = run(src, steps=5)
        self.assertEqual(steps_of(trace), [0, 1, 2, 3, 4])
        self.assertEqual(trace["losses"], [3, 6, 9, 12, 15], "each pass's own loss, none summed")
        trace, _ = run(src, steps=2)
        self.assertEqual(trace["truncated"]["stepsDropped"], 3)

    def test_an_optimizer_a_trainer_makes_tells_its_loops_step_is_an_update_from_the_first(self):
        """The optimizer is made inside a trainer's __init__ (no variable of the loop's frame holds it) and updates
        every 3 micro-batches: one step an update, its first too (the recorder notes the optimizer's construction)."""
        import torch
        init = torch.optim.Optimizer.__init__
        src = ("import torch\ntorch.manual_seed(0)\n\n\nclass Trainer:\n    def __init__(self):\n"
               "        self.w = torch.randn(3, 1, requires_grad=True)\n        self.opt = torch.optim.Adam([self.w], lr=0.1)\n"
               "\n\nt = Trainer()\nfor i in range(9):\n    loss = (torch.randn(2, 3) @ t.w).square().mean()\n"
               "    loss.backward()\n    if (i + 1) % 3 == 0:\n        t.opt.step()\n        t.opt.zero_grad()\n")
        trace, _ = run(src, steps=3)
        self.assert_steps_run(trace, ["matmul@13", "square@13", "mean@13"] * 3)
        self.assertIs(torch.optim.Optimizer.__init__, init, "restored when the run ends")

    def test_a_step_the_files_own_loop_trains_with_is_not_called_again(self):
        """`if __name__ == "__main__": for i in range(3): step()`: Backstep called step() on up to the run's steps, and
        the trace trained the model two steps beyond what `python model.py` does (its last losses and final parameters
        were no plain run's). A step() the file does not call is still Backstep's to call."""
        body = ("import torch\ntorch.manual_seed(0)\nw = torch.randn(3, 1, requires_grad=True)\n"
                "opt = torch.optim.SGD([w], lr=0.1)\nx = torch.randn(4, 3)\n\n\ndef step():\n    opt.zero_grad()\n"
                "    loss = (x @ w).square().mean()\n    loss.backward()\n    opt.step()\n    return loss\n")
        own = body + '\n\nif __name__ == "__main__":\n    for i in range(3):\n        print("loss", round(step().item(), 5))\n'
        trace, output = run(own, steps=5)
        self.assertEqual(steps_of(trace), [0, 1, 2])
        self.assertEqual([round(v, 5) for v in trace["losses"]], printed(output, "loss"))
        notes = [d["message"] for d in trace["diagnostics"] if d["severity"] == "info"]
        self.assertTrue(any("the file's own code trains with it" in m for m in notes), notes)
        trace, _ = run(body, steps=5)
        self.assertEqual(steps_of(trace), [0, 1, 2, 3, 4], "a step() the file does not call: Backstep calls it")

    def test_a_step_functions_loss_is_its_micro_batches_summed(self):
        """step() accumulates four micro-batches and updates, returning nothing: each backward pass closes its call's
        step, and the first micro-batch's loss alone was the step's."""
        src = ("import torch\ntorch.manual_seed(0)\nw = torch.randn(3, 1, requires_grad=True)\n"
               "opt = torch.optim.SGD([w], lr=0.1)\n\n\ndef step():\n    total = 0.0\n    for i in range(4):\n"
               "        loss = (torch.randn(2, 3) @ w).square().mean() / 4\n        loss.backward()\n"
               "        total += loss.item()\n    opt.step()\n    opt.zero_grad()\n    print('total', total)\n")
        trace, output = run(src, steps=3)
        self.assertEqual(steps_of(trace), [0, 1, 2])
        self.assertEqual(len(printed(output, "total")), 3)
        self.assertEqual([round(v, 5) for v in trace["losses"]], printed(output, "total"))
        self.assertEqual([round(v, 5) for v in trace["series"]["loss"]], printed(output, "total"))

    def test_a_dataloaders_batches_are_a_step_each_and_a_read_after_the_update_stays_in_it(self):
        """Two epochs of two batches. `lin.weight.norm()` logged after the update (an op on a parameter alone) began a
        step of its own; `lin.weight.grad.norm()` is no op (the gradient is not differentiable)."""
        trace, output = run("""import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(0)
lin = nn.Linear(3, 1)
opt = torch.optim.SGD(lin.parameters(), lr=0.1)
loader = DataLoader(TensorDataset(torch.randn(8, 3), torch.randn(8, 1)), batch_size=4)
for epoch in range(2):
    lin.train()
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.mse_loss(lin(xb), yb)
        loss.backward(); opt.step()
        print("d", loss.item(), lin.weight.grad.norm().item(), lin.weight.norm().item())
""")
        self.assertEqual(steps_of(trace), [0, 1, 2, 3], "two epochs of two batches")
        for s in range(4):
            self.assertEqual(ops_of(trace, s), ["linear@13", "mse_loss@13", "norm@15"], "step %d" % s)
        self.assertEqual([round(v, 5) for v in trace["losses"]], printed(output, "d"))

    def test_each_iteration_over_batches_sliced_before_the_loop_is_a_step(self):
        """Batches of an input that requires grad, made before the loop. torch 1.13's mode does not see `X[a:b]`: each
        slice is adopted where its batch is used, and the loop was a step an iteration before too. `X.split(4)` it sees:
        the batches are outputs of the first step's op, and an op on one of them and a parameter reopened that step, so
        that three iterations were one step. (A batch of an earlier step's op is adopted into each step that uses it.)"""
        for batches, first in (("[X[4 * b:4 * b + 4] for b in range(3)]", ["slice@9"]), ("X.split(4)", ["split@9"])):
            with self.subTest(batches):
                trace, output = run("""import torch
torch.manual_seed(0)
W = torch.randn(3, 1, requires_grad=True)
opt = torch.optim.SGD([W], lr=0.1)
X = torch.randn(12, 3, requires_grad=True)
batches = %s
for xb in batches:
    opt.zero_grad()
    loss = ((xb @ W - xb.sum(1, keepdim=True)) ** 2).mean()
    loss.backward()
    opt.step()
    print("d", loss.item())
""" % batches)
                self.assertEqual(steps_of(trace), [0, 1, 2])
                self.assertEqual([round(v, 5) for v in trace["losses"]], printed(output, "d"))
                forward = first + ["matmul@9", "sum@9", "sub@9", "pow@9", "mean@9"]
                for s in (1, 2):
                    self.assertEqual(ops_of(trace, s), forward, "step %d" % s)

    def test_an_update_at_the_top_of_the_next_iteration_ends_its_step_there(self):
        """The update of iteration i runs at the top of iteration i + 1: the step must not take in that iteration's
        forward pass."""
        trace, _ = run("""import torch
torch.manual_seed(2)
model = torch.nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(4, 3)
for i in range(4):
    if i > 0:
        opt.step(); opt.zero_grad()
    loss = model(x).square().mean()
    loss.backward()
    print(loss.item(), model.weight.norm().item())
""")
        self.assertEqual(steps_of(trace), [0, 1, 2, 3])
        for s in range(4):
            self.assertEqual(ops_of(trace, s), ["linear@9", "square@9", "mean@9", "norm@11"], "step %d" % s)
        self.assertEqual(len(trace["losses"]), 4)

    def test_a_while_loops_iterations_are_told_apart_by_how_far_through_its_body_the_run_got(self):
        """A `while` loop binds no target: an op at a statement before the last one the iteration reached, or at the
        same statement in a new call of the function it makes, is in a later iteration."""
        head = ("import torch\ntorch.manual_seed(2)\nmodel = torch.nn.Linear(3, 1)\n"
                "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nx = torch.randn(4, 3)\n")
        body = ("    opt.zero_grad()\n    loss = model(x).square().mean()\n    loss.backward()\n    opt.step()\n"
                "    print(model.weight.norm().item())\n")
        in_body = head + "it = 0\nwhile it < 3:\n" + body + "    it += 1\n"
        in_function = head + "def train():\n" + body + "\n\nit = 0\nwhile it < 3:\n    train()\n    it += 1\n"
        for where, src, lines in (("in the body", in_body, (9, 12)), ("in a function", in_function, (8, 11))):
            with self.subTest(where):
                trace, _ = run(src)
                self.assertEqual(steps_of(trace), [0, 1, 2])
                for s in range(3):
                    self.assertEqual(ops_of(trace, s), ["linear@%d" % lines[0], "square@%d" % lines[0], "mean@%d" % lines[0],
                                                        "norm@%d" % lines[1]], "step %d" % s)
        # without updates each backward pass is still a step, a statement's own ops before it a new iteration's
        trace, _ = run("import torch\nw = torch.ones(2, requires_grad=True)\ni = 0\nwhile i < 3:\n"
                       "    (w * w).sum().backward(); i += 1\n")
        self.assertEqual(steps_of(trace), [0, 1, 2])

    def test_a_loop_on_one_line_is_told_by_its_instructions(self):
        """Its header, body and statements share a line: the instructions tell which op comes later in an iteration."""
        trace, _ = run("import torch\nw = torch.ones(2, requires_grad=True)\nopt = torch.optim.SGD([w], lr=0.1)\n"
                       "for i in range(3): opt.zero_grad(); (w * w).sum().backward(); opt.step(); print(w.norm().item())\n")
        self.assertEqual(steps_of(trace), [0, 1, 2])
        for s in range(3):
            self.assertEqual(ops_of(trace, s), ["mul@4", "sum@4", "norm@4"], "step %d" % s)

    def test_the_same_steps_where_python_gives_lines_only(self):
        """Before Python 3.11 an instruction has a line and no columns: a loop's header and its statements are told by
        lines (and a one-line loop's header by its instruction)."""
        saved = source.HAS_POSITIONS
        source.HAS_POSITIONS = False
        try:
            for name in sorted(dir(self)):
                if name.startswith("test_") and name != "test_the_same_steps_where_python_gives_lines_only":
                    with self.subTest(name):
                        getattr(self, name)()
        finally:
            source.HAS_POSITIONS = saved


if __name__ == "__main__":
    unittest.main()
