"""Names of what scripts keep in containers: a dict's values (as nn.ModuleDict's keys name modules), a module's buffers."""
import unittest

from test_names_reach import ops_named, traced, updates_by_step

# dicts in main()'s locals, of modules and of leaves, and an nn.ModuleDict
IN_DICTS = """import torch
import torch.nn as nn
torch.manual_seed(0)
def main():
    layers = {"enc": nn.Linear(3, 4), "dec": nn.Linear(4, 2)}
    heads = nn.ModuleDict({"out": nn.Linear(2, 1)})
    params = {"W": torch.randn(3, 3, requires_grad=True), 1: torch.zeros(3, requires_grad=True)}
    everything = [p for l in layers.values() for p in l.parameters()] + list(heads.parameters()) + list(params.values())
    opt = torch.optim.SGD(everything, lr=0.1)
    x = torch.randn(5, 3)
    for i in range(2):
        h = (x @ params["W"] + params[1]).relu()
        loss = heads["out"](layers["dec"](layers["enc"](h).tanh())).pow(2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
        print(i, loss.item())
if __name__ == "__main__":
    main()
"""

BUFFERS = """import torch
import torch.nn as nn
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)
        self.register_buffer("scale", torch.tensor(0.5))
    def forward(self, x):
        return self.norm(self.fc(x)) * self.scale
def main():
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(6, 3)
    for i in range(2):
        loss = model(x).pow(2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
        print(i, loss.item())
main()
"""


class Containers(unittest.TestCase):
    def test_dicts_values_are_named_by_their_keys(self):
        """A dict's values were not walked: `layers = {"enc": nn.Linear(…)}` gave modules no path and parameters the
        names of the list that also held them (`everything[0]`), `params["W"]` was `everything[6]`."""
        trace, out, plain = traced(IN_DICTS, steps=2)
        self.assertEqual(out, plain)
        names = ["layers.enc.weight", "layers.enc.bias", "layers.dec.weight", "layers.dec.bias", "heads.out.weight", "heads.out.bias", "params.W", "params[1]"]
        self.assertEqual(updates_by_step(trace), [names] * 2)
        self.assertEqual(sorted(p["name"] for p in trace["params"]), sorted(names))
        for step in (0, 1):
            self.assertEqual([m for m, _ in ops_named(trace, "linear", step)], ["layers.enc", "layers.dec", "heads.out"])
            self.assertEqual(ops_named(trace, "matmul", step), [(None, [("x", "input"), ("params.W", "param")])])

    def test_buffers_are_named_as_state_dict_names_them(self):
        """A batch norm's running statistics and a registered buffer were unnamed inputs of the ops reading them."""
        trace, out, plain = traced(BUFFERS, steps=2)
        self.assertEqual(out, plain)
        for step in (0, 1):
            [(module, inputs)] = ops_named(trace, "batch_norm", step)
            self.assertEqual((module, inputs[1:3]), ("model.norm", [("model.norm.running_mean", "input"), ("model.norm.running_var", "input")]))
            self.assertEqual(ops_named(trace, "mul", step), [("model", [(None, "activation"), ("model.scale", "input")])])


if __name__ == "__main__":
    unittest.main()
