"""Long runs: every step's statistics (Trace.series) against the same model run by hand, and full values only for the
steps a policy picks."""
import math
import os
import subprocess
import sys
import json
import unittest

import torch

from helpers import model_file, record, temp_path

MODEL = """import torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.5)
x = torch.randn(16, 3)
y = torch.randint(0, 2, (16,))

def step():
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss
"""


def by_hand(steps):
    """The MODEL's run without the recorder, every number the series should hold computed here in plain Python."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    x = torch.randn(16, 3)
    y = torch.randint(0, 2, (16,))
    out = []
    for _ in range(steps):
        opt.zero_grad()
        h = model[1](model[0](x))
        logits = model[2](h)
        h.retain_grad()
        logits.retain_grad()
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        before = {n: p.detach().clone() for n, p in model.named_parameters()}
        grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
        opt.step()
        params = {}
        for n, p in model.named_parameters():
            b, a, g = before[n].reshape(-1).tolist(), p.detach().reshape(-1).tolist(), grads[n].reshape(-1).tolist()
            norm_b = math.sqrt(sum(v * v for v in b))
            params["model." + n] = (math.sqrt(sum(v * v for v in g)), math.sqrt(sum((u - v) ** 2 for u, v in zip(a, b))) / norm_b)
        out.append({"loss": float(loss), "h": summary(h), "h.grad": summary(h.grad), "logits": summary(logits), "logits.grad": summary(logits.grad), "params": params})
    return out


def summary(t):
    """min, max, mean, population std, zero fraction and the 32 bins over [min, max], the last bin closed."""
    v = t.detach().reshape(-1).tolist()
    lo, hi, n = min(v), max(v), len(v)
    mean = sum(v) / n
    std = math.sqrt(sum((x - mean) ** 2 for x in v) / n)
    bins = [0] * 32
    for x in v:
        bins[min(31, int((x - lo) * (32 / (hi - lo))))] += 1
    return {"min": lo, "max": hi, "mean": mean, "std": std, "zeroFraction": v.count(0.0) / n, "hist": bins}


class Series(unittest.TestCase):
    def test_every_step_summarised_as_the_same_run_by_hand_computes_it(self):
        steps = 12
        trace, _ = record(model_file(MODEL), steps=steps, policy={"last": 2})
        s = trace["series"]
        ref = by_hand(steps)
        self.assertEqual(s["steps"], list(range(steps)))
        self.assertEqual(s["fullSteps"], [10, 11])
        self.assertEqual(s["policy"], {"last": 2})
        self.assertEqual(s["loss"], [r["loss"] for r in ref])
        self.assertEqual(s["loss"], trace["losses"])
        # the layers: the Tanh module's output, and the last Linear's (no activation takes it)
        self.assertEqual([(l["name"], l["op"], l.get("module")) for l in s["layers"]], [("model.1", "tanh", "model.1"), ("model.2", "linear", "model.2")])
        for layer, key in zip(s["layers"], ("h", "logits")):
            for which, ref_key in (("act", key), ("grad", key + ".grad")):
                col = layer[which]
                self.assertEqual(len(col["hist"]), 32 * steps)
                for i, r in enumerate(ref):
                    want = r[ref_key]
                    where = "%s %s at step %d" % (layer["name"], which, i)
                    for stat in ("min", "max", "mean", "std"):
                        self.assertAlmostEqual(col[stat][i], want[stat], delta=1e-9 * max(1.0, abs(want[stat])), msg=where + " " + stat)
                    self.assertEqual(col["zeroFraction"][i], want["zeroFraction"], where)
                    self.assertEqual((col["nan"][i], col["inf"][i]), (0, 0), where)
                    self.assertEqual(col["hist"][32 * i:32 * (i + 1)], want["hist"], where)
        self.assertEqual([p["name"] for p in s["params"]], list(ref[0]["params"]))
        for p in s["params"]:
            for i, r in enumerate(ref):
                norm, ratio = r["params"][p["name"]]
                self.assertAlmostEqual(p["gradNorm"][i], norm, delta=1e-9 * norm)
                self.assertAlmostEqual(p["updateRatio"][i], ratio, delta=1e-9 * ratio)

    def test_summaries_bin_as_the_typescript_recorder_does_even_where_histc_rounds_otherwise(self):
        from backstep_torch.series import summarize
        # 15/7 lands in bin 23 by ⌊(v − min)·32/(max − min)⌋ (src/trace/summary.ts) and in bin 24 by torch.histc
        for values in ([0.0, 15 / 7, 20 / 7], [float(i % 13) / 3 for i in range(200)], [-1e-3, 0.0, 0.0, 2.5e-4]):
            stats, hist = summarize(torch.tensor(values, dtype=torch.float64))
            lo, hi = min(values), max(values)
            want = [0] * 32
            for v in values:
                want[min(31, int((v - lo) * (32 / (hi - lo))))] += 1
            self.assertEqual(hist, want, values)
            self.assertEqual(stats[:2], [lo, hi])
            self.assertAlmostEqual(stats[2], sum(values) / len(values), delta=1e-15)
            self.assertEqual(stats[6], values.count(0.0) / len(values))
        edge = torch.histc(torch.tensor([0.0, 15 / 7, 20 / 7], dtype=torch.float64), 32, 0, 20 / 7).tolist()
        self.assertEqual((edge[23], edge[24], summarize(torch.tensor([0.0, 15 / 7, 20 / 7]).double())[1][23]), (0, 1, 1))
        # non-finite values are counted and left out of the statistics and the bins; an empty tensor has none
        stats, hist = summarize(torch.tensor([1.0, float("nan"), float("-inf"), 0.0, 3.0]))
        self.assertEqual((stats[:2], stats[4:]), ([0.0, 3.0], [1, 1, 0.2]))
        self.assertEqual((hist[0], hist[10], hist[31], sum(hist)), (1, 1, 1, 3))
        stats, hist = summarize(torch.tensor([]))
        self.assertTrue(all(math.isnan(v) for v in stats[:4]))
        self.assertEqual((stats[4:], sum(hist)), ([0, 0, 0.0], 0))

    def test_statistics_only_steps_keep_no_ops_tensors_or_events(self):
        trace, _ = record(model_file(MODEL), steps=7, policy={"every": 3, "steps": [5]})
        full = [0, 3, 5, 6]
        self.assertEqual(trace["series"]["fullSteps"], full)
        self.assertEqual([e["index"] for e in trace["events"] if e["kind"] == "step"], full)
        self.assertEqual(sorted({o["trainingStep"] for o in trace["ops"]}), full)
        self.assertEqual(len(trace["losses"]), 7)
        # a full step is recorded as without a policy: the same ops, events and update events
        plain, _ = record(model_file(MODEL), steps=1)
        per_step = len(plain["ops"])
        self.assertEqual(len(trace["ops"]), 4 * per_step)
        self.assertEqual(sum(1 for e in trace["events"] if e["kind"] == "update"), 4 * sum(1 for e in plain["events"] if e["kind"] == "update"))

    def test_stats_only_alone_keeps_no_step_in_full(self):
        trace, _ = record(model_file(MODEL), steps=3, policy={})
        self.assertEqual((trace["ops"], trace["series"]["fullSteps"], len(trace["series"]["steps"])), ([], [], 3))
        self.assertTrue(all(math.isfinite(v) for v in trace["series"]["params"][0]["updateRatio"]))

    def test_a_top_level_loop_without_step_function_is_summarised_per_backward(self):
        path = model_file("import torch\nw = torch.ones(4, requires_grad=True)\nfor i in range(6):\n    h = torch.relu(w * (i - 2))\n    loss = h.sum()\n    loss.backward()\n    with torch.no_grad():\n        w -= 0.1 * w.grad\n    w.grad = None\n")
        trace, _ = record(path, steps=6, policy={"last": 1})
        s = trace["series"]
        self.assertEqual((s["steps"], s["fullSteps"]), (list(range(6)), [5]))
        self.assertEqual([l["name"] for l in s["layers"]], ["h"])
        # relu(w·(i−2)) with w = 1 − 0.1·Σ… : the max of h by hand, and ∂L/∂h = 1 everywhere
        w, maxes = [1.0] * 4, []
        for i in range(6):
            h = [max(0.0, x * (i - 2)) for x in w]
            maxes.append(max(h))
            w = [x - 0.1 * ((i - 2) if x * (i - 2) > 0 else 0.0) for x in w]
        for got, want in zip(s["layers"][0]["act"]["max"], maxes):
            self.assertAlmostEqual(got, want, places=6)
        self.assertEqual(s["layers"][0]["grad"]["min"], [1.0] * 6)
        self.assertEqual(s["params"][0]["name"], "w")

    def test_the_command_line_takes_the_long_run_flags(self):
        out = temp_path("t.json")
        here = os.path.dirname(os.path.abspath(__file__))
        r = subprocess.run([sys.executable, "-m", "backstep_torch", model_file(MODEL), "--out", out, "--steps", "9", "--full-every", "4", "--full-steps", "1,2"],
                           cwd=os.path.dirname(here), capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            s = json.load(f)["series"]
        self.assertEqual((s["fullSteps"], s["policy"]), ([0, 1, 2, 4, 8], {"every": 4, "steps": [1, 2]}))


if __name__ == "__main__":
    unittest.main()
