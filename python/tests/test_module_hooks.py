"""A model's own module backward hooks (register_full_backward_hook) are torch's plumbing in the trace, not ops: the
identity Function they pass a layer's inputs and outputs through adds no op, the layer's output keeps its variable, and
the gradients are the plain run's."""
import unittest

import torch

from helpers import model_file, plain_grads, record, values

SRC = """import torch
import torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
seen = []
for m in net:
    m.register_full_backward_hook(lambda m, gin, gout: seen.append(type(m).__name__))
x = torch.randn(5, 3)
out = net(x)
loss = out.pow(2).mean()
loss.backward()
"""


class ModuleBackwardHooks(unittest.TestCase):
    def test_hooked_layers_are_their_ops_with_their_variables_and_gradients(self):
        path = model_file(SRC)
        trace, rec = record(path)
        ops = trace["ops"]
        self.assertEqual([o["op"] for o in ops], ["linear", "tanh", "linear", "pow", "mean"])
        self.assertEqual(ops[2].get("var"), "out")
        self.assertEqual(ops[3]["inputs"], [ops[2]["output"]])  # pow reads the layer's output itself
        plain = plain_grads(path)
        got = {p["name"]: values(trace, p["grad"]) for p in trace["params"]}
        self.assertEqual(sorted(got), sorted(plain))
        for name, g in plain.items():
            self.assertTrue(torch.allclose(got[name].float(), g), name)
        # each op's backward event: local × upstream is its contribution, through the hooks
        backward = {e["op"]: e for e in trace["events"] if e["kind"] == "backward"}
        self.assertEqual(sorted(backward), [0, 1, 2, 3, 4])
        tanh = backward[1]
        up, local = values(trace, tanh["upstream"]), values(trace, tanh["local"][0]["tensor"])
        self.assertTrue(torch.allclose(up * local, values(trace, tanh["contributions"][0])))
