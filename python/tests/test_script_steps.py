"""A script's steps and parameters as the TypeScript recorder counts them: steps past max_steps counted as dropped once a
backward pass runs in them (src/trace/recorderSteps.ts `uncounted`), a weight rebound each iteration listed once
(src/trace/recorderTensors.ts `addGradLeaf`), the training loop settled by its update (src/runner/loopIterations.ts
`settle`), and an indexing op the mode never sees recorded with its index (forward.py `_adopt`)."""
import unittest

import torch

from helpers import check_gradients, model_file, plain_grads, record, values
from test_loop_steps import GAN_IN_LOOP, ops_of, printed, run, steps_of

GAN = GAN_IN_LOOP.replace("range(3)", "range(4)")

ACCUMULATION = """import torch
torch.manual_seed(0)
w = torch.randn(3, 1, requires_grad=True)
opt = torch.optim.AdamW([w], lr=1e-2)
for it in range(4):
    for micro in range(3):
        loss = (torch.randn(4, 3) @ w).square().mean()
        loss.backward()
    opt.step()
    opt.zero_grad()
"""

EVALUATION = """import torch
torch.manual_seed(0)
model = torch.nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(8, 3), torch.randn(8, 1)
for i in range(4):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
val = ((model(x) - y) ** 2).mean()
print("eval", val.item())
"""


def dropped(source, steps):
    trace, _ = run(source, steps=steps)
    return trace["truncated"]["stepsDropped"]


class DroppedSteps(unittest.TestCase):
    def test_an_evaluation_with_grad_after_the_loop_is_no_dropped_step(self):
        self.assertEqual(dropped(EVALUATION, 2), 2, "iterations 2 and 3, not the evaluation")

    def test_a_dropped_step_of_accumulated_micro_batches_counts_once(self):
        """Each of its three backward passes counted as a step that ran unrecorded."""
        self.assertEqual(dropped(ACCUMULATION, 2), 2)

    def test_a_dropped_gan_iteration_of_two_backward_passes_counts_once(self):
        self.assertEqual(dropped(GAN, 1), 3)

    def test_a_loop_without_updates_drops_a_step_a_backward_pass(self):
        src = "import torch\nw = torch.ones(2, requires_grad=True)\nfor i in range(5):\n    (w * w).sum().backward()\n"
        self.assertEqual(dropped(src, 2), 3)
        self.assertEqual(dropped(src.replace("for i in range(5):\n    ", "") * 3, 1), 2)


REBOUND = """import torch
torch.manual_seed(0)
x, y = torch.randn(8, 3), torch.randn(8, 1)
W = torch.randn(3, 1, requires_grad=True)
lr = 0.1
for i in range(3):
    loss = ((x @ W - y) ** 2).mean()
    loss.backward()
    W = (W - lr * W.grad).detach().requires_grad_()
    print("d", loss.item())
"""


REBOUND_LOCAL = """import torch
torch.manual_seed(0)
x, y = torch.randn(8, 3), torch.randn(8, 1)
def train(lr):
    W = torch.randn(3, 1, requires_grad=True)
    for i in range(3):
        loss = ((x @ W - y) ** 2).mean()
        loss.backward()
        W = (W - lr * W.grad).detach().requires_grad_()
        print("d", loss.item())
train(0.1)
"""


class ReboundWeights(unittest.TestCase):
    def test_a_weight_rebound_each_iteration_is_one_parameter(self):
        """`W = (W - lr * W.grad).detach().requires_grad_()` makes a new leaf each iteration: each generation was listed
        in trace["params"] as W (and kept alive)."""
        trace, output = run(REBOUND)
        self.assertEqual([p["name"] for p in trace["params"]], ["W"])
        self.assertEqual(steps_of(trace), [0, 1, 2])
        self.assertEqual([round(v, 5) for v in trace["losses"]], printed(output, "d"))
        # the last generation: the one the last step used and differentiated
        last = [o for o in trace["ops"] if o["trainingStep"] == 2 and o["op"] == "matmul"][0]
        self.assertEqual(trace["tensors"][last["inputs"][1]]["name"], "W")
        torch.testing.assert_close(values(trace, trace["params"][0]["tensor"]), values(trace, last["inputs"][1]))
        self.assertIsNotNone(trace["params"][0]["grad"])

    def test_leaves_made_for_each_layer_stay_apart(self):
        trace, _ = run("""import torch
torch.manual_seed(0)
def layer(n):
    w = torch.randn(n, n, requires_grad=True)
    return w
ws = [layer(3) for _ in range(3)]
x = torch.randn(2, 3)
for i in range(2):
    h = x
    for w in ws:
        h = torch.tanh(h @ w)
    h.sum().backward()
    with torch.no_grad():
        for w in ws:
            w -= 0.1 * w.grad
            w.grad = None
""")
        self.assertEqual([p["name"] for p in trace["params"]], ["ws[0]", "ws[1]", "ws[2]"])

    def test_a_functions_leaves_are_named_by_their_variables(self):
        """Leaves the globals do not hold were `tensor#<id>`, each generation of a rebound W a parameter of its own. Named
        by the variable the function holds them in, as the TypeScript recorder names them by their declaration: W
        once, and the three layers' weights as the list `ws` holds them, as for a list in the globals (names.py walks
        the frames outermost first: `ws` in train(), before the loop's `w`)."""
        trace, output = run(REBOUND_LOCAL)
        self.assertEqual([p["name"] for p in trace["params"]], ["W"])
        self.assertEqual([round(v, 5) for v in trace["losses"]], printed(output, "d"))
        trace, _ = run("""import torch
torch.manual_seed(0)
def train():
    ws = [torch.randn(3, 3, requires_grad=True) for _ in range(3)]
    x = torch.randn(2, 3)
    for i in range(2):
        h = x
        for w in ws:
            h = torch.tanh(h @ w)
        h.sum().backward()
train()
""")
        self.assertEqual([p["name"] for p in trace["params"]], ["ws[0]", "ws[1]", "ws[2]"])


SCHEDULED = """import torch
torch.manual_seed(4)
model = torch.nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
batches = [torch.randn(4, 3) for _ in range(3)]
def train_batch(x):
%s
for epoch in range(2):
    for x in batches:
        loss = train_batch(x)
        print("d", loss)
    scheduler.step()
"""

RESET_LAST = "    loss = model(x).square().mean()\n    loss.backward()\n    opt.step()\n    opt.zero_grad()\n    return loss.item()"
RESET_FIRST = "    opt.zero_grad()\n    loss = model(x).square().mean()\n    loss.backward()\n    opt.step()\n    return loss.item()"


class SettledLoop(unittest.TestCase):
    def check_a_step_a_batch(self, source, line):
        trace, output = run(source)
        self.assertEqual(steps_of(trace), list(range(6)), "a step a batch, not an epoch")
        self.assertEqual([round(v, 5) for v in trace["losses"]], printed(output, "d"))
        for s in range(6):
            self.assertEqual(ops_of(trace, s), ["linear@%d" % line, "square@%d" % line, "mean@%d" % line], "step %d" % s)

    def test_the_batches_loop_is_taken_once_an_update_runs_in_a_function_it_calls(self):
        """The epochs' loop calls scheduler.step() and the batches' loop does not: the text alone took the epochs' loop
        for the training loop, and an epoch was one step."""
        with self.subTest("reset after the update"):
            self.check_a_step_a_batch(SCHEDULED % RESET_LAST, 8)
        # the reset at the top of the next batch is in a later iteration of the batches' loop: it must not move the
        # mark back out to the epochs' loop, in whose iteration it still is
        with self.subTest("reset before the forward pass"):
            self.check_a_step_a_batch(SCHEDULED % RESET_FIRST, 9)

    def test_a_nested_loop_with_the_scheduler_inline_is_a_step_a_batch(self):
        source = SCHEDULED.replace("def train_batch(x):\n%s\n", "").replace(
            "        loss = train_batch(x)\n", "        opt.zero_grad()\n        loss = model(x).square().mean()\n"
            "        loss.backward()\n        opt.step()\n        loss = loss.item()\n")
        self.check_a_step_a_batch(source, 10)


class AdoptedIndex(unittest.TestCase):
    def test_an_index_by_a_tensor_has_the_index_among_its_inputs(self):
        """torch 1.13's mode never sees `C[idx]` (nor `C[mask]`): the op adopted from IndexBackward0 had C alone as its
        input and no attrs. Its saved indices are its other inputs now, with TypeScript's `slots` (slots[d]: the input
        indexing dim d, -1 for a whole dim)."""
        path = model_file("""import torch
torch.manual_seed(0)
C = torch.randn(10, 4, requires_grad=True)
idx = torch.tensor([1, 3, 3, 7])
mask = torch.arange(10) % 3 == 0
emb = C[idx]
rows = C[mask]
loss = emb.pow(2).sum() + rows.sum()
loss.backward()
""")
        trace, rec = record(path, retain=True)
        by_var = {o.get("var"): o for o in trace["ops"]}
        names = lambda o: [trace["tensors"][i].get("name") for i in o["inputs"]]  # noqa: E731
        self.assertEqual(names(by_var["emb"]), ["C", "idx"])
        self.assertEqual(by_var["emb"]["attrs"], {"slots": [1, -1]})
        self.assertEqual(values(trace, by_var["emb"]["inputs"][1]).tolist(), [1, 3, 3, 7])
        self.assertEqual(names(by_var["rows"]), ["C", "mask"])
        self.assertEqual(by_var["rows"]["attrs"], {"slots": [1, -1]})
        back = {e["op"]: e for e in trace["events"] if e["kind"] == "backward"}
        for var in ("emb", "rows"):
            e = back[by_var[var]["id"]]
            self.assertIsNone(e["contributions"][1], "an index has no gradient")
            self.assertIsNone(e["local"][1])
            self.assertIn("index", e["local"][0]["formula"])
        check_gradients(self, trace, rec, plain_grads(path))


if __name__ == "__main__":
    unittest.main()
