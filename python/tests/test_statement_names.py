"""The variable a statement assigns names the op that made its value, wherever that op ran (statements.py)."""
import unittest

from helpers import model_file, record


class StatementNames(unittest.TestCase):
    def test_a_helper_or_a_module_call_names_only_the_op_that_returned_the_value(self):
        """`loss = mse(out, y)` left the mean inside mse unnamed, and `out = net(x)` named all five of the Sequential's
        ops `out`; a loop's `x = layer(x)` names each layer's output."""
        src = ("import torch\nimport torch.nn as nn\ntorch.manual_seed(0)\n\n\n"  # 1-5
               "def mse(a, b):\n    d = a - b\n    return (d * d).mean()\n\n\n"  # 6-10
               "net = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 4))\nlayers = [nn.Linear(4, 4), nn.Linear(4, 1)]\n"  # 11-12
               "x = torch.randn(5, 4)\nout = net(x)\nfor layer in layers:\n    out = layer(out)\n"  # 13-16
               "loss = mse(out, torch.randn(5, 1))\nloss.backward()\n")  # 17-18
        trace, _ = record(model_file(src))
        ops = [(o["op"], o.get("var"), o["loc"]["line"]) for o in trace["ops"]]
        self.assertEqual(ops, [("linear", None, 14), ("gelu", None, 14), ("linear", "out", 14), ("linear", "out", 16),
                               ("linear", "out", 16), ("sub", "d", 7), ("mul", None, 8), ("mean", "loss", 8)])
        names = [trace["tensors"][o["output"]].get("name") for o in trace["ops"]]
        self.assertEqual(names, [o[1] for o in ops], "each op output's tensor has its variable's name")

    def test_a_name_given_inside_the_callee_is_kept(self):
        """`y = self.fc(h)` in forward names the linear `y`; `out = model(x)` then names nothing else (the TypeScript
        runner's first name wins); `self.cache = …` and `outs[0] = …` name theirs."""
        src = ("import torch\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n"  # 1-5
               "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(3, 3)\n\n"  # 6-9
               "    def forward(self, x):\n        y = self.fc(x)\n        self.cache = torch.tanh(y)\n        return y\n\n\n"  # 10-15
               "model = M()\nouts = [None]\nout = model(torch.randn(2, 3))\nouts[0] = model.cache.exp()\n"  # 16-19
               "(out.sum() + outs[0].sum()).backward()\n")  # 20
        trace, _ = record(model_file(src))
        ops = [(o["op"], o.get("var")) for o in trace["ops"]]
        self.assertEqual(ops[:3], [("linear", "y"), ("tanh", "self.cache"), ("exp", "outs[0]")])

    def test_an_op_inside_the_right_hand_side_that_made_the_value_is_named(self):
        """`pooled = out.max(dim=1).values`: the max op's output is the value, though its call is not the whole
        right-hand side (the TypeScript runner names the op produced since the statement began)."""
        src = ("import torch\nx = torch.randn(2, 3, 4, requires_grad=True)\n"
               "pooled = (x * 2).max(dim=1).values\nloss = pooled.sum()\nloss.backward()\n")
        trace, _ = record(model_file(src))
        self.assertEqual([(o["op"], o.get("var")) for o in trace["ops"]], [("mul", None), ("max", "pooled"), ("sum", "loss")])

    def test_each_name_of_an_unpacking_names_its_element(self):
        """`h, c = cell(x, (h, c))` and `mu, logvar = model.encode(x)` left every op unnamed."""
        src = ("import torch\nimport torch.nn as nn\ntorch.manual_seed(0)\ncell = nn.LSTMCell(3, 4)\n\n\n"  # 1-6
               "def encode(x):\n    return x * 2, x.exp()\n\n\n"  # 7-10
               "h, c = torch.zeros(2, 4), torch.zeros(2, 4)\nx = torch.randn(2, 3, requires_grad=True)\n"  # 11-12
               "mu, logvar = encode(x)\nh, c = cell(mu + logvar, (h, c))\n(h.sum() + c.sum()).backward()\n")  # 13-15
        trace, _ = record(model_file(src))
        ops = [(o["op"], o.get("var")) for o in trace["ops"]]
        self.assertEqual(ops[:4], [("mul", "mu"), ("exp", "logvar"), ("add", None), ("lstm_cell", "h")])
        cell = trace["ops"][3]
        self.assertEqual([trace["tensors"][t].get("name") for t in cell["outputs"]], ["h", "c"])

    def test_the_last_statement_of_a_step_names_its_op(self):
        """`norm = w.norm()` as the loop body's last line, after `opt.step()`, settled at the next step's first op:
        its op was unnamed in every step but the last (the step's trace ids were cleared first). In a step() too."""
        loop = ("import torch\ntorch.manual_seed(38)\nw = torch.randn(3, requires_grad=True)\n"
                "opt = torch.optim.SGD([w], lr=0.1)\nfor i in range(3):\n    opt.zero_grad()\n"
                "    loss = (w * w).sum()\n    loss.backward()\n    opt.step()\n    norm = w.norm()\n")
        function = loop.replace("for i in range(3):", "def step():") + "    return loss\n"
        for src in (loop, function):
            trace, _ = record(model_file(src), steps=3)
            ops = [(o["trainingStep"], o["op"], o.get("var")) for o in trace["ops"]]
            self.assertEqual(ops, [(k, op, var) for k in range(3) for op, var in (("mul", None), ("sum", "loss"), ("norm", "norm"))])


if __name__ == "__main__":
    unittest.main()
