"""Names the recorder finds where scripts keep their models: in a function's locals (main(), train()), bound after the
step's first op, or made by weight_norm; and the script's own view of how it was started (sys.argv, __file__)."""
import contextlib
import io
import os
import subprocess
import sys
import unittest

from helpers import model_file, record, run_file

IN_MAIN = """import torch
torch.manual_seed(0)
def main():
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(4, 3)
    for i in range(2):
        loss = model(x).pow(2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
        print(i, loss.item())
if __name__ == "__main__":
    main()
"""

# main() binds the model, train() takes it as `net`, and MLP.forward holds it as `self`: the outermost name is kept
IN_TRAIN = """import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 3)
    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))
def train(net, args):
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))
    for epoch in range(2):
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print("epoch %d loss %.6f" % (epoch, loss.item()))
def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=3e-3)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = MLP()
    train(model, args)
if __name__ == "__main__":
    main()
"""

EARLY_OP = """import torch, torch.nn as nn
torch.manual_seed(0)
temperature = torch.tensor(2.0, requires_grad=True)
inv_t = 1 / temperature
net = nn.Linear(3, 2)
opt = torch.optim.SGD([*net.parameters(), temperature], lr=0.1)
x, y = torch.randn(4, 3), torch.tensor([0, 1, 1, 0])
for it in range(2):
    loss = nn.functional.cross_entropy(net(x) / temperature, y)
    opt.zero_grad(); loss.backward(); opt.step(); print(it, "%.6f" % loss.item())
"""

WEIGHT_NORM = """import torch
import torch.nn as nn
from torch.nn.utils import weight_norm
torch.manual_seed(0)
net = weight_norm(nn.Linear(3, 1))
opt = torch.optim.SGD(net.parameters(), lr=0.1)
x = torch.randn(4, 3)
for it in range(2):
    loss = net(x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(it, "loss %.6f" % loss.item())
"""

# a deque's items are not walked for names: `w` is a leaf no variable holds, updated by hand
NO_VARIABLE = """import collections
import torch
torch.manual_seed(0)
store = collections.deque([torch.randn(3, 1, requires_grad=True)])
x = torch.randn(4, 3)
for i in range(3):
    loss = (x @ store[0]).square().mean()
    loss.backward()
    with torch.no_grad():
        store[0] -= 0.1 * store[0].grad
        store[0].grad.zero_()
"""



def traced(source, steps=3):
    """(trace, what the script printed traced, what it printed run plainly under the same contract)."""
    path = model_file(source)
    out, plain = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out):
        trace, _ = record(path, steps=steps)
    with contextlib.redirect_stdout(plain):
        run_file(path, steps=steps, record=False)
    return trace, out.getvalue(), plain.getvalue()


def ops_named(trace, op, step):
    """(module, [(name, kind) of each input]) of each `op` of the step."""
    tensors = trace["tensors"]
    return [(o.get("module"), [(tensors[i].get("name"), tensors[i]["kind"]) for i in o["inputs"]])
            for o in trace["ops"] if o["op"] == op and o["trainingStep"] == step]


def updates_by_step(trace):
    out = []
    for e in trace["events"]:
        if e["kind"] == "step":
            out.append([])
        elif e["kind"] == "update":
            out[-1].append(e["param"])
    return out


class ModelsInFunctions(unittest.TestCase):
    def test_a_model_made_in_main_is_named_by_its_variable_in_every_step(self):
        """Only the globals were walked for names: the model main() holds had none (its parameters `tensor#1` and
        `tensor#2`, inputs, no module), and its updates another name each step (`tensor#21` in step 1)."""
        trace, out, plain = traced(IN_MAIN)
        self.assertEqual(out, plain)
        self.assertEqual([p["name"] for p in trace["params"]], ["model.weight", "model.bias"])
        for step in (0, 1):
            self.assertEqual(ops_named(trace, "linear", step), [("model", [("x", "input"), ("model.weight", "param"), ("model.bias", "param")])], "step %d" % step)
        self.assertEqual(updates_by_step(trace), [["model.weight", "model.bias"]] * 2)

    def test_the_outermost_frames_name_is_kept(self):
        """main()'s `model`, not train()'s `net` or forward's `self`; argparse reads the script's own sys.argv."""
        trace, out, plain = traced(IN_TRAIN)
        self.assertEqual(out, plain)
        names = ["model.fc1.weight", "model.fc1.bias", "model.fc2.weight", "model.fc2.bias"]
        self.assertEqual([p["name"] for p in trace["params"]], names)
        for step in (0, 1):
            self.assertEqual([o.get("module") for o in trace["ops"] if o["trainingStep"] == step], ["model.fc1", "model", "model.fc2", None])
            self.assertEqual(ops_named(trace, "linear", step)[1][1][1:], [("model.fc2.weight", "param"), ("model.fc2.bias", "param")])
        self.assertEqual(updates_by_step(trace), [names] * 2)


    def test_a_leaf_no_variable_holds_keeps_one_name(self):
        """It was named `tensor#<its trace id>` anew each step: its updates were tensor#1, tensor#16, tensor#31."""
        trace, out, plain = traced(NO_VARIABLE)
        self.assertEqual(out, plain)
        self.assertEqual(updates_by_step(trace), [["tensor#1"]] * 3)
        self.assertEqual([p["name"] for p in trace["params"]], ["tensor#1"])

class BoundAfterTheFirstOp(unittest.TestCase):
    def test_a_model_bound_after_the_steps_first_op_is_named_in_that_step(self):
        """`inv_t = 1 / temperature` begins step 0 before `net` is bound: the globals were walked once a step, so step
        0's linear had no module, unnamed inputs, and its updates were tensor#3 and tensor#4."""
        trace, out, plain = traced(EARLY_OP)
        self.assertEqual(out, plain)
        expected = [("net", [("x", "input"), ("net.weight", "param"), ("net.bias", "param")])]
        self.assertEqual(ops_named(trace, "linear", 0), expected)
        self.assertEqual(ops_named(trace, "linear", 1), expected)
        self.assertEqual(updates_by_step(trace), [["net.weight", "net.bias", "temperature"]] * 2)
        self.assertEqual([p["name"] for p in trace["params"]], ["temperature", "net.weight", "net.bias"])

    def test_weight_norms_construction_leaves_no_spurious_parameter(self):
        """weight_norm's construction reads the Linear's `weight` (then discarded) and net's weight_g and weight_v before
        `net` is bound, in step 0: the discarded weight was a parameter `tensor#0`, and step 0's updates tensor#N."""
        for steps in (1, 3):
            trace, out, plain = traced(WEIGHT_NORM, steps)
            self.assertEqual(out, plain)
            self.assertEqual([p["name"] for p in trace["params"]], ["net.bias", "net.weight_g", "net.weight_v"], "%d steps" % steps)
        for step in (0, 1):
            self.assertEqual(ops_named(trace, "_weight_norm", step), [("net", [("net.weight_v", "param"), ("net.weight_g", "param")])])
        self.assertEqual(updates_by_step(trace), [["net.bias", "net.weight_g", "net.weight_v"]] * 2)



VAE_METHODS = """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
class Dec(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 4)
    def sample(self, z):
        return torch.sigmoid(self.lin(z))
class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(4, 2)
        self.dec = Dec()
    def encode(self, x):
        return torch.tanh(self.enc(x))
    def forward(self, x):
        return self.dec.sample(self.encode(x))
model = VAE()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.rand(8, 4)
for i in range(2):
    mu = model.encode(x)
    loss = F.mse_loss(model.dec.sample(mu), x) + F.mse_loss(model(x), x)
    opt.zero_grad(); loss.backward(); opt.step()
    print(i, round(loss.item(), 6))
"""


class ModuleMethods(unittest.TestCase):
    def test_ops_in_a_modules_other_methods_are_that_modules(self):
        """Only forward is seen by the module hooks: tanh in `model.encode(x)` called from the loop had no module, and
        sigmoid in the submodule's `sample` called in forward was the outer module's."""
        trace, out, plain = traced(VAE_METHODS, steps=2)
        self.assertEqual(out, plain)
        for step in (0, 1):
            self.assertEqual([m for m, _ in ops_named(trace, "tanh", step)], ["model", "model"], "step %d" % step)
            self.assertEqual([m for m, _ in ops_named(trace, "sigmoid", step)], ["model.dec", "model.dec"], "step %d" % step)


class HowTheScriptWasStarted(unittest.TestCase):
    def test_argv_and_file_are_plain_pythons(self):
        """sys.argv[0] was the absolute path traced (`['/tmp/…/introspect.py']`), the path as given plainly."""
        path = model_file("import sys\nprint(sys.argv, __file__)\nimport torch\nw = torch.ones(2, requires_grad=True)\n(w * 2).sum().backward()\n")
        folder, name = os.path.split(path)
        for given in (name, os.path.join(".", name), path):
            plain = subprocess.run([sys.executable, given], cwd=folder, capture_output=True, text=True, check=True).stdout
            out, here = io.StringIO(), os.getcwd()
            os.chdir(folder)
            try:
                with contextlib.redirect_stdout(out):
                    run_file(given, steps=1)
            finally:
                os.chdir(here)
            self.assertEqual(out.getvalue(), plain, given)

    def test_arguments_after_dashes_are_the_scripts(self):
        """`python -m backstep_torch train.py --out … -- ARGS` gives the script ARGS as sys.argv[1:], as `python3 train.py
        ARGS` does, options of the recorder's own names and a second `--` among them; before, only the path."""
        path = model_file("import sys\nprint(sys.argv)\nimport torch\nw = torch.ones(2, requires_grad=True)\n(w * 2).sum().backward()\n")
        folder, name = os.path.split(path)
        args = ["--steps", "9", "--batch_size=8", "--", "two words"]
        plain = subprocess.run([sys.executable, name, *args], cwd=folder, capture_output=True, text=True, check=True).stdout
        out = os.path.join(folder, name + ".json")
        env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        traced = subprocess.run([sys.executable, "-m", "backstep_torch", name, "--out", out, "--steps", "1", "--", *args],
                                cwd=folder, env=env, capture_output=True, text=True)
        self.assertEqual(traced.returncode, 0, traced.stderr)
        self.assertEqual(traced.stdout, plain)
        self.assertEqual(plain, repr([name, *args]) + "\n")
        os.remove(out)


if __name__ == "__main__":
    unittest.main()
