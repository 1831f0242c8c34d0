"""The recorder's contract: lines, columns and variable names, errors at the user's line, limits, caps, and a clean torch afterwards."""
import json
import math
import os
import unittest

import torch

from helpers import model_file, record, unpack, values
from backstep_torch import dispatch, source
from backstep_torch.run import build_trace, run_file


class Contract(unittest.TestCase):
    def test_returned_loss_without_backward_is_backpropagated_once(self):
        path = model_file("import torch\nw = torch.ones(3, requires_grad=True)\n\ndef step():\n    y = (w * 2).sum()\n    return y\n")
        trace, _ = record(path, steps=2)
        self.assertEqual(trace["losses"], [6.0, 6.0])
        # two steps, each backpropagated once: the gradients accumulate to 2 + 2
        self.assertEqual(values(trace, trace["params"][0]["grad"]).tolist(), [4.0, 4.0, 4.0])
        self.assertEqual(trace["params"][0]["name"], "w")

    def test_the_returned_scalar_is_the_steps_loss_whichever_backward_came_first(self):
        # a GAN's step: the discriminator's loss differentiated first, the generator's returned (the TypeScript runner's
        # rule, test/runner/stepLoss.test.ts)
        path = model_file("import torch\nw = torch.ones(3, requires_grad=True)\n\ndef step():\n    (w * 5).sum().backward()\n"
                          "    g = (w * 2).sum()\n    g.backward()\n    return g\n")
        trace, _ = record(path, steps=2)
        self.assertEqual(trace["losses"], [6.0, 6.0])
        self.assertEqual(trace["series"]["loss"], [6.0, 6.0])
        self.assertEqual([e.get("loss") for e in trace["events"] if e["kind"] == "step"], [6.0, 6.0])
        # a number returned (`return g.item()`, a mean of the step's batches' losses) is its loss as well
        with open(path) as f:
            trace, _ = record(model_file(f.read().replace("return g\n", "return g.item() / 4\n")), steps=2)
        self.assertEqual(trace["losses"], [1.5, 1.5])
        self.assertEqual([e.get("loss") for e in trace["events"] if e["kind"] == "step"], [1.5, 1.5])

    def test_top_level_training_loop_records_one_step_per_backward_up_to_steps(self):
        path = model_file("import torch\nw = torch.ones(2, requires_grad=True)\nfor i in range(5):\n    loss = (w * w).sum()\n    loss.backward()\n")
        trace, _ = record(path, steps=3)
        self.assertEqual([e["index"] for e in trace["events"] if e["kind"] == "step"], [0, 1, 2])
        self.assertEqual(trace["truncated"]["stepsDropped"], 2)
        self.assertEqual(len(trace["ops"]), 6)

    def test_locations_columns_and_variable_names(self):
        src = "import torch\nx = torch.randn(4, 3)\nW = torch.randn(3, 2, requires_grad=True)\nb = torch.zeros(2, requires_grad=True)\n\ndef step():\n    z = x @ W + b\n    h = torch.relu(z)\n    return h.sum()\n"
        path = model_file(src)
        trace, _ = record(path)
        ops = [(o["op"], o.get("var"), o["loc"]["line"], o["loc"]["column"]) for o in trace["ops"]]
        self.assertEqual(ops, [("matmul", None, 7, 9), ("add", "z", 7, 9), ("relu", "h", 8, 9), ("sum", None, 9, 12)])
        self.assertEqual(trace["ops"][0]["stack"][0]["name"], "step")
        self.assertEqual(trace["ops"][0]["loc"]["file"], os.path.abspath(path))
        kinds = {trace["tensors"][i].get("name"): trace["tensors"][i]["kind"] for i in trace["ops"][0]["inputs"]}
        self.assertEqual(kinds, {"x": "input", "W": "input"})  # (nothing updates W: see test_leaf_kinds)

    def test_without_columns_names_come_from_the_bytecode(self):
        """Python < 3.11 has no co_positions: lines, the line's first column, and names from the store after the call."""
        src = ("import torch\nx = torch.randn(4, 3)\nW = torch.randn(3, 2, requires_grad=True)\nb = torch.zeros(2, requires_grad=True)\n\n"
               "class Box:\n    pass\n\nbox = Box()\n\ndef step():\n    z = x @ W + b\n    box.h = torch.relu(z)\n    "
               "a, c = box.h.split(1, dim=1)\n    s = (a * c).sum()\n    s += 0.0\n    h = x @ W\n    return s + h[0, 0] + torch.tanh(z).mean()\n")
        path = model_file(src)
        with_columns, _ = record(path)
        saved = source.HAS_POSITIONS
        source.HAS_POSITIONS = False
        try:
            trace, _ = record(path)
            [d] = record(model_file("import torch\n\ndef step():\n    if True:\n        raise ValueError('x')\n"))[0]["diagnostics"]
        finally:
            source.HAS_POSITIONS = saved
        ops = [(o["op"], o.get("var"), o["loc"]["line"], o["loc"]["column"]) for o in trace["ops"]]
        self.assertEqual(ops[:4], [("matmul", None, 12, 5), ("add", "z", 12, 5), ("relu", "box.h", 13, 5), ("split", "a", 14, 5)])
        self.assertEqual([(o["op"], o.get("var")) for o in trace["ops"][4:7]], [("mul", None), ("sum", "s"), ("add_", "s")])
        self.assertIn(("matmul", "h"), [(o["op"], o.get("var")) for o in trace["ops"]])
        # the same ops, lines and names as where Python gives columns
        self.assertEqual([(o["op"], o.get("var"), o["loc"]["line"]) for o in trace["ops"]], [(o["op"], o.get("var"), o["loc"]["line"]) for o in with_columns["ops"]])
        self.assertEqual((d["loc"]["line"], d["loc"]["column"]), (5, 9))

    def test_every_op_names_its_module_from_a_steps_first_op(self):
        """A step begins at its first op, inside modules entered before it; a module whose forward raised, caught by
        the user, leaves no name behind."""
        src = ("import torch\nimport torch.nn as nn\n\nclass Boom(nn.Module):\n    def forward(self, x):\n"
               "        raise ValueError('no')\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
               "        self.inp = nn.Sequential(nn.Linear(3, 4), nn.Tanh())\n        self.boom = Boom()\n"
               "        self.head = nn.Linear(4, 1)\n\n    def forward(self, x):\n        h = self.inp(x)\n"
               "        try:\n            self.boom(h)\n        except ValueError:\n            pass\n"
               "        return (self.head(h) * 2).sum()\n\ntorch.manual_seed(0)\nmodel = Net()\nx = torch.randn(5, 3)\n"
               "for i in range(3):\n    model.zero_grad()\n    loss = model(x)\n    loss.backward()\n")
        trace, _ = record(model_file(src), steps=3)
        per_step = {}
        for o in trace["ops"]:
            per_step.setdefault(o["trainingStep"], []).append((o["op"], o.get("module")))
        want = [("linear", "model.inp.0"), ("tanh", "model.inp.1"), ("linear", "model.head"), ("mul", "model"), ("sum", "model")]
        self.assertEqual(per_step, {0: want, 1: want, 2: want})

    def test_gradient_accumulation_is_one_step_per_update(self):
        """zero_grad, two micro-batches' backward passes, step(): three iterations are three steps, as PyTorch counts them."""
        def loop(zero, update):
            return ("import torch\nw = torch.tensor([0.5, -1.0], requires_grad=True)\nopt = torch.optim.SGD([w], lr=0.1)\n"
                    "for it in range(3):\n" + ("    opt.zero_grad()\n" if zero else "") + "    for mb in range(2):\n"
                    "        (w * (mb + 1)).sum().backward()\n" + ("    opt.step()\n" if update else ""))
        trace, _ = record(model_file(loop(True, True)), steps=10)
        self.assertEqual([e["index"] for e in trace["events"] if e["kind"] == "step"], [0, 1, 2])
        for s in range(3):
            self.assertEqual([o["op"] for o in trace["ops"] if o["trainingStep"] == s], ["mul", "sum", "mul", "sum"])
        self.assertEqual([e["kind"] for e in trace["events"] if e["kind"] in ("step", "update")], ["step", "update"] * 3)
        # a step's loss is its micro-batches' summed, whose gradient the update follows: Σw·1 + Σw·2 = 3·Σw, Σw moving
        # −0.5, −1.1, −1.7 (the first micro-batch's alone was the step's loss)
        for got, want in zip(trace["losses"], [-1.5, -3.3, -5.1]):
            self.assertAlmostEqual(got, want, places=6)
        # without updates or resets each backward pass is a step, as before. With updates and no resets, from the first
        # iteration: the loop around the backward passes that calls step() is the training loop (loops.py), and its
        # iteration is a step before any update has told that gradients accumulate (its micro-batches were a step each)
        no_updates, _ = record(model_file(loop(False, False)), steps=10)
        self.assertEqual(len([e for e in no_updates["events"] if e["kind"] == "step"]), 6)
        no_resets, _ = record(model_file(loop(False, True)), steps=10)
        by_step = [[o["op"] for o in no_resets["ops"] if o["trainingStep"] == s] for s in range(4)]
        self.assertEqual(by_step, [["mul", "sum", "mul", "sum"]] * 3 + [[]])

    def test_makemores_loop_is_one_step_per_iteration(self):
        """makemore's order: forward, `p.grad = None`, backward, an update by assignment (no in-place op to see)."""
        src = ("import torch\nw = torch.tensor([0.5, -1.0], requires_grad=True)\n"
               "for it in range(3):\n    loss = (w * (it + 1)).sum()\n    w.grad = None\n    loss.backward()\n"
               "    w.data = w.data - 0.1 * w.grad\n")
        trace, _ = record(model_file(src), steps=10)
        self.assertEqual([e["index"] for e in trace["events"] if e["kind"] == "step"], [0, 1, 2])
        for s in range(3):
            self.assertEqual([o["op"] for o in trace["ops"] if o["trainingStep"] == s], ["mul", "sum"])
        for got, want in zip(trace["losses"], [-0.5, -1.4, -3.3]):
            self.assertAlmostEqual(got, want, places=6)

    def test_a_read_of_the_steps_tensors_after_its_update_keeps_it_closed(self):
        """REINFORCE logs `dist.probs` after `opt.step()`: a read of the step's tensors without a parameter. It reopened
        the step as a GAN's generator pass does, and the next iteration joined it (src/trace/recorderSteps.ts alike)."""
        src = ("import torch\ntorch.manual_seed(0)\nlin = torch.nn.Linear(2, 3)\nx = torch.randn(4, 2)\n"
               "opt = torch.optim.SGD(lin.parameters(), lr=0.1)\nfor it in range(3):\n    logits = lin(x)\n"
               "    loss = -logits.log_softmax(-1)[:, 0].mean()\n    opt.zero_grad()\n    loss.backward()\n    opt.step()\n"
               "    print(logits.softmax(-1)[0].tolist())\n")
        trace, _ = record(model_file(src), steps=10)
        self.assertEqual([e["index"] for e in trace["events"] if e["kind"] == "step"], [0, 1, 2])
        ops = [[o["op"] for o in trace["ops"] if o["trainingStep"] == s] for s in range(3)]
        self.assertIn("softmax", ops[0])
        self.assertEqual(ops[1], ops[0])
        self.assertEqual(ops[2], ops[0])

    def test_a_gans_iteration_of_two_updates_is_one_step_and_ops_on_its_loss_after_them_stay_in_it(self):
        """D's loss on G's output detached, D's update, G's loss through D on the same output, G's update, then the loss's
        log10 (makemore's lossi) and a running total: each iteration is one step (src/trace/recorderSteps.ts alike)."""
        src = ("import torch\ng = torch.tensor([0.5, -1.0], requires_grad=True)\nd = torch.tensor([2.0, 1.0], requires_grad=True)\n"
               "optG = torch.optim.SGD([g], lr=0.1)\noptD = torch.optim.SGD([d], lr=0.1)\nz = torch.tensor([1.0, 2.0])\n"
               "total = torch.zeros(())\nfor it in range(3):\n    fake = z * g\n    optD.zero_grad()\n"
               "    lossD = (fake.detach() * d).sum()\n    lossD.backward()\n    optD.step()\n    optG.zero_grad()\n"
               "    lossG = -(fake * d).sum()\n    lossG.backward()\n    optG.step()\n    lossG.log10()\n    total = total + lossG\n")
        trace, _ = record(model_file(src), steps=10)
        self.assertEqual([e["index"] for e in trace["events"] if e["kind"] == "step"], [0, 1, 2])
        for s in range(3):
            # (from step 1 on, the running total of the step before is adopted into the step: a second add)
            ops = [o["op"] for o in trace["ops"] if o["trainingStep"] == s]
            self.assertEqual(ops, ["mul", "mul", "sum", "mul", "sum", "neg", "log10", "add"] + ["add"] * (s > 0))
        self.assertAlmostEqual(trace["losses"][0], 0.5 * 2 - 2 * 1, places=6)

    def test_shape_error_at_the_users_line(self):
        path = model_file("import torch\nW = torch.randn(3, 2, requires_grad=True)\nx = torch.randn(4, 5)\n\ndef step():\n    h = x @ W\n    return h.sum()\n")
        trace, _ = record(path)
        [d] = trace["diagnostics"]
        self.assertEqual(d["code"], "shape-mismatch")
        self.assertEqual((d["loc"]["line"], d["loc"]["column"]), (6, 9))
        self.assertIn("[4, 5] and [3, 2]", d["message"])

    def test_exception_and_syntax_error_and_exit_name_the_line(self):
        trace, _ = record(model_file("import torch\n\ndef step():\n    raise ValueError('bad data')\n"))
        self.assertEqual((trace["diagnostics"][0]["code"], trace["diagnostics"][0]["loc"]["line"]), ("runtime-error", 4))
        self.assertIn("ValueError: bad data", trace["diagnostics"][0]["message"])
        trace, _ = record(model_file("import torch\nx = (1,\n"))
        self.assertEqual(trace["diagnostics"][0]["code"], "syntax-error")
        trace, _ = record(model_file("import sys\nsys.exit(2)\n"))
        self.assertIn("sys.exit(2)", trace["diagnostics"][0]["message"])
        self.assertEqual(trace["diagnostics"][0]["loc"]["line"], 2)
        self.assertEqual(trace["diagnostics"][0]["severity"], "error")

    def test_an_exit_with_status_0_ends_the_run_as_a_plain_run_ends_not_as_an_error(self):
        # `sys.exit(main())` of a script whose main returns None, or an explicit sys.exit(0): status 0 when run plainly
        for call in ("sys.exit(main())", "sys.exit(0)", "sys.exit()", "sys.exit(False)"):
            src = "import sys, torch\ndef main():\n    w = torch.ones(2, requires_grad=True)\n    (w * 3).sum().backward()\n%s\nprint('not reached')\n" % call
            trace, _ = record(model_file(src))
            [d] = trace["diagnostics"]
            self.assertEqual((d["severity"], d["loc"]["line"]), ("info", 5), call)
            self.assertIn("status 0", d["message"])
            self.assertEqual(len(trace["ops"]), 2 if call == "sys.exit(main())" else 0, call)  # mul, sum

    def test_timeout_keeps_the_partial_trace_and_names_the_line(self):
        path = model_file("import torch\nw = torch.ones(2, requires_grad=True)\ny = (w * 3).sum()\nwhile True:\n    pass\n")
        trace, _ = record(path, timeout_s=0.5)
        [d] = [d for d in trace["diagnostics"] if d["severity"] == "error"]
        self.assertEqual(d["code"], "timeout")
        self.assertIn(d["loc"]["line"], (4, 5), "the endless loop")
        self.assertEqual(len(trace["ops"]), 2)

    def test_the_runners_memory_signal_stops_the_model_at_its_line_and_keeps_the_trace(self):
        # the runner sends SIGUSR1 when the process is over its memory limit; here the model sends it to itself
        path = model_file("import os, signal, torch\nw = torch.ones(2, requires_grad=True)\ny = (w * 3).sum()\nos.kill(os.getpid(), signal.SIGUSR1)\nz = y * 2\n")
        trace, _ = record(path)
        [d] = [d for d in trace["diagnostics"] if d["severity"] == "error"]
        self.assertEqual((d["code"], d["loc"]["line"]), ("memory-limit", 4))
        self.assertEqual(len(trace["ops"]), 2, "stopped before z")

    def test_nan_is_encoded_as_the_typescript_codec_reads_it(self):
        path = model_file("import torch\nw = torch.tensor([1.0, -1.0], requires_grad=True)\n\ndef step():\n    y = torch.log(w)\n    return y.sum()\n")
        trace, _ = record(path)
        y = trace["tensors"][trace["ops"][0]["output"]]
        self.assertEqual(y["stats"]["nan"], 1)
        self.assertTrue(math.isnan(unpack(y["values"])[1]), "values are floats' bytes: NaN as NaN")
        self.assertEqual(y["stats"]["mean"], 0.0, "stats over the finite values")
        json.dumps(trace, allow_nan=False)

    def test_stats_of_huge_values_overflow_to_infinity_without_a_warning_on_the_models_stderr(self):
        import warnings

        import numpy as np
        from backstep_torch.tensors import array_stats

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            stats = array_stats(np.array([1e200, -1e200, 0.0]))
        self.assertEqual(caught, [])
        self.assertEqual((stats["mean"], stats["norm"], stats["zeros"]), (0.0, {"$nf": "Infinity"}, 1))

    def test_value_caps(self):
        path = model_file("import torch\nw = torch.ones(100, requires_grad=True)\n\ndef step():\n    y = w * 2\n    return y.sum()\n")
        rec, _ = run_file(path, steps=1, max_per_tensor=10)
        trace = build_trace(rec)
        y = trace["tensors"][trace["ops"][0]["output"]]
        self.assertNotIn("values", y)
        self.assertEqual(y["stats"]["mean"], 2.0)
        self.assertGreater(trace["truncated"]["valuesDropped"], 0)
        self.assertIn("values", trace["tensors"][trace["params"][0]["grad"]], "final gradients are kept whatever the caps")

    def test_gradient_resets_are_zero_grad_events_at_their_line(self):
        src = "import torch\nm = torch.nn.Linear(2, 1)\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n\ndef step():\n    opt.zero_grad(set_to_none=True)\n    loss = m(torch.ones(1, 2)).sum()\n    loss.backward()\n    m.bias.grad = None\n    return loss\n"
        trace, _ = record(model_file(src), steps=2)
        resets = [(e["params"], e["loc"]["line"]) for e in trace["events"] if e["kind"] == "zeroGrad"]
        # step 0: zero_grad finds no gradient yet, then `m.bias.grad = None` (line 9); step 1: zero_grad resets the weight, then line 9 again
        self.assertEqual(resets, [(["m.bias"], 9), (["m.weight"], 6), (["m.bias"], 9)])
        kinds = [e["kind"] for e in trace["events"]]
        self.assertLess(kinds.index("zeroGrad"), kinds.index("step", 1))

    def test_an_optimizer_failing_inside_step_leaves_nothing_suspended(self):
        src = ("import torch\nm = torch.nn.Linear(2, 1)\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n\ndef step():\n"
               "    loss = m(torch.ones(1, 2)).sum()\n    loss.backward()\n    opt.param_groups[0][\"lr\"] = \"fast\"\n    opt.step()\n")
        trace, rec = record(model_file(src))
        self.assertEqual(trace["diagnostics"][0]["loc"]["line"], 9)
        self.assertIsNone(rec.suspended)
        self.assertFalse(dispatch._SUSPENDED)

    def test_nothing_of_the_recorder_stays_installed(self):
        path = model_file("import torch\nm = torch.nn.Linear(2, 1)\n\ndef step():\n    return m(torch.ones(1, 2)).sum()\n")
        rec, ns = run_file(path, steps=1)
        self.assertEqual(torch._C._len_torch_function_stack(), 0)
        self.assertFalse(torch._C._is_torch_function_mode_enabled())
        if hasattr(torch.overrides, "_TorchFunctionStackMode"):  # torch 1.13: the lean trampoline is gone again
            self.assertEqual(torch.overrides._TorchFunctionStackMode.__module__, "torch.overrides")
        self.assertFalse(dispatch._SUSPENDED or dispatch._PASS_READS)
        mod = torch.nn.modules.module
        self.assertEqual((len(mod._global_forward_pre_hooks), len(mod._global_forward_hooks)), (0, 0))
        # a later backward through a graph the model built records nothing
        out = ns["m"](torch.ones(1, 2)).sum()
        n = len(rec.events)
        out.backward()
        self.assertEqual(len(rec.events), n)


if __name__ == "__main__":
    unittest.main()
