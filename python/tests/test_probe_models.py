"""What models written the way users write them found: an in-place write into a tensor the recorder had not seen, ops the
mode never sees (`x[idx]`, `h[0]`, a custom autograd Function) made in a caller or reassigned on the next line,
DCGAN's `netD.zero_grad()` before any gradient exists, and the order of an update and the next iteration's reset."""
import unittest

import torch

from helpers import check_gradients, model_file, plain_grads, record, values


def ops_of(trace):
    return [(o["op"], o.get("var"), o.get("module"), o["loc"]["line"]) for o in trace["ops"]]


class ProbeModels(unittest.TestCase):
    def check(self, src, steps=1):
        path = model_file(src)
        trace, rec = record(path, steps=steps, retain=True)
        self.assertEqual([d for d in trace["diagnostics"] if d["severity"] == "error"], [])
        check_gradients(self, trace, rec, plain_grads(path, steps=steps))
        return trace

    def test_an_in_place_write_into_an_unseen_tensor_is_one_op_on_its_values_before(self):
        """MoE's `out = torch.zeros_like(x)` then `out.index_add_(0, idx, y)`, and `d += 1` on a custom Function's output:
        each was recorded twice (an op adopted from the written tensor's new node, then the in-place op reading the
        values it wrote), and the Function's own op was lost."""
        src = ("import torch\ntorch.manual_seed(0)\nw = torch.randn(3, requires_grad=True)\n\n\n"  # 1-5
               "class Double(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        return x * 2\n\n"  # 6-10
               "    @staticmethod\n    def backward(ctx, g):\n        return g * 2\n\n\n"  # 11-15
               "out = torch.zeros(3)\nout.index_add_(0, torch.tensor([0, 2, 2]), w * 3)\nd = Double.apply(w)\nd += 1\n"  # 16-19
               "loss = (out * d).sum()\nloss.backward()\n")  # 20-21
        trace = self.check(src)
        self.assertEqual([(op, line) for op, _v, _m, line in ops_of(trace)],
                         [("mul", 17), ("index_add_", 17), ("Double", 18), ("add_", 19), ("mul", 20), ("sum", 20), ("mul", 13)])
        self.assertEqual(trace["ops"][-1].get("phase"), "backward", "Double.backward's `g * 2`")
        index_add = trace["ops"][1]
        zeros = trace["tensors"][index_add["inputs"][0]]
        self.assertEqual(zeros["kind"], "input")
        self.assertEqual(values(trace, zeros["id"]).tolist(), [0.0, 0.0, 0.0], "the values before the write")
        double, add = trace["ops"][2], trace["ops"][3]
        self.assertEqual(double["var"], "d")
        self.assertEqual(add["inputs"][0], double["output"])

    def test_an_unseen_op_made_in_a_caller_is_at_its_line_in_its_module(self):
        """`self.inner(h[idx])`: the mode does not see `h[idx]` (torch 1.13), so the op is adopted when Inner's linear
        reads it. It was placed in Inner.forward, as its argument `x`, without a module; `h = h[0]` then `h = h * 2` put
        the select on the line after its own."""
        src = ("import torch\nimport torch.nn as nn\n\n\nclass Inner(nn.Module):\n    def __init__(self):\n"  # 1-6
               "        super().__init__()\n        self.fc = nn.Linear(3, 2)\n\n    def forward(self, x):\n"  # 7-10
               "        return self.fc(x)\n\n\nclass Outer(nn.Module):\n    def __init__(self):\n"  # 11-15
               "        super().__init__()\n        self.inp = nn.Linear(3, 3)\n        self.inner = Inner()\n\n"  # 16-19
               "    def forward(self, x, idx):\n        h = self.inp(x)\n        y = self.inner(h[idx])\n"  # 20-22
               "        h = h[0]\n        h = h * 2\n        return y.sum() + h.sum()\n\n\n"  # 23-27
               "torch.manual_seed(0)\nmodel = Outer()\nloss = model(torch.randn(4, 3), torch.tensor([0, 2]))\nloss.backward()\n")
        trace = self.check(src)
        ops = ops_of(trace)
        self.assertEqual(ops[:5], [("linear", "h", "model.inp", 21), ("index", None, "model", 22), ("linear", "y", "model.inner.fc", 11),
                                   ("select", "h", "model", 23), ("mul", "h", "model", 24)])
        self.assertEqual([f["name"] for f in trace["ops"][1]["stack"][:2]], ["Outer.forward", "<module>"])

    def test_module_zero_grad_before_any_gradient_keeps_a_gans_first_iteration_one_step(self):
        """DCGAN's `netD.zero_grad()` at the top of the loop: in the first iteration no gradient exists, so nothing
        was seen to reset, and that iteration was two steps (D's real pass, then the rest)."""
        src = ("import torch\nimport torch.nn as nn\ntorch.manual_seed(0)\nG, D = nn.Linear(2, 2), nn.Linear(2, 1)\n"
               "optD = torch.optim.SGD(D.parameters(), lr=0.1)\noptG = torch.optim.SGD(G.parameters(), lr=0.1)\n"
               "for i in range(3):\n    D.zero_grad()\n    errD_real = D(torch.randn(4, 2)).mean()\n    errD_real.backward()\n"
               "    fake = G(torch.randn(4, 2))\n    errD_fake = -D(fake.detach()).mean()\n    errD_fake.backward()\n"
               "    optD.step()\n    G.zero_grad()\n    errG = D(fake).mean()\n    errG.backward()\n    optG.step()\n")
        original = torch.nn.Module.__dict__["zero_grad"]
        trace = self.check(src, steps=3)
        self.assertIs(torch.nn.Module.__dict__["zero_grad"], original, "Module.zero_grad is torch's again")
        self.assertEqual([e["index"] for e in trace["events"] if e["kind"] == "step"], [0, 1, 2])
        for s in range(3):
            self.assertEqual([o["loc"]["line"] for o in trace["ops"] if o["trainingStep"] == s], [9, 9, 11, 12, 12, 12, 16, 16])

    def test_an_update_is_written_before_the_next_iterations_reset(self):
        """`opt.step()`, then the next iteration's `opt.zero_grad()` before its first op: the zeroGrad event came
        before the update events that used the gradients it reset; then it was the end of the step before, where the
        TypeScript recorder begins the next step with it (StepBook.resetBegins), as it is here now, whichever way the
        gradients are reset."""
        src = ("import torch\nm = torch.nn.Linear(2, 1)\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
               "for it in range(2):\n    opt.zero_grad()\n    loss = m(torch.ones(1, 2)).sum()\n    loss.backward()\n    opt.step()\n")
        trace, _ = record(model_file(src), steps=2)
        kinds = [e["kind"] for e in trace["events"] if e["kind"] in ("step", "update", "zeroGrad")]
        self.assertEqual(kinds, ["step", "update", "update", "step", "zeroGrad", "update", "update"])
        for reset in ("    m.zero_grad()\n", "    for p in m.parameters():\n        p.grad = None\n"):
            trace, _ = record(model_file(src.replace("    opt.zero_grad()\n", reset)), steps=2)
            kinds = [e["kind"] for e in trace["events"] if e["kind"] in ("step", "update", "zeroGrad")]
            self.assertEqual(kinds, ["step", "update", "update", "step", "zeroGrad", "update", "update"], reset)
        # and a reset before its step's update (nanoGPT's `opt.step(); opt.zero_grad()` order) stays after it
        src = src.replace("    opt.zero_grad()\n", "").replace("    opt.step()\n", "    opt.step()\n    opt.zero_grad()\n")
        trace, _ = record(model_file(src), steps=2)
        kinds = [e["kind"] for e in trace["events"] if e["kind"] in ("step", "update", "zeroGrad")]
        self.assertEqual(kinds, ["step", "update", "update", "zeroGrad", "step", "update", "update", "zeroGrad"])


    def test_a_step_begun_by_its_reset_sums_its_passes(self):
        """Two backward passes a step (a reconstruction and a regulariser; micro-batches), gradients reset at the top of
        the loop: each step's loss is their sum, as step 0's was. Begun by the reset (reset_begins), a step was settled
        by its second parameter's reset, and every later step's loss was its first pass's alone."""
        src = ("import torch\ntorch.manual_seed(23)\nenc = torch.nn.Linear(4, 3)\n"
               "opt = torch.optim.SGD(enc.parameters(), lr=0.1)\nx = torch.randn(10, 4)\ntotals = []\n"
               "for i in range(3):\n    opt.zero_grad()\n    h = enc(x)\n    recon = (h ** 2).mean()\n"
               "    reg = h.abs().mean()\n    recon.backward(retain_graph=True)\n    reg.backward()\n    opt.step()\n"
               "    totals.append(recon.item() + reg.item())\n")
        for reset in ("opt.zero_grad()", "opt.zero_grad(set_to_none=True)", "enc.zero_grad()"):
            path = model_file(src.replace("opt.zero_grad()", reset))
            trace, _ = record(path, steps=3)
            plain = {}
            exec(compile(open(path).read(), path, "exec"), plain)
            self.assertEqual(len(trace["losses"]), 3, reset)
            for got, want in zip(trace["losses"], plain["totals"]):
                self.assertAlmostEqual(got, want, places=5, msg=reset)

    def test_an_update_is_located_at_the_optimizers_step_call(self):
        """The update events carried no location: the debugger and the panels placed them at the last op before."""
        src = ("import torch\nm = torch.nn.Linear(2, 1)\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n\n\ndef update():\n"
               "    opt.step()\n\n\nfor it in range(2):\n    opt.zero_grad()\n    m(torch.ones(1, 2)).sum().backward()\n    update()\n")
        trace, _ = record(model_file(src), steps=2)
        updates = [e for e in trace["events"] if e["kind"] == "update"]
        self.assertEqual(len(updates), 4)
        for u in updates:
            self.assertEqual((u["loc"]["line"], u["loc"]["column"]), (7, 5))
            self.assertEqual([f["line"] for f in u["stack"][:2]], [7, 13])


if __name__ == "__main__":
    unittest.main()
