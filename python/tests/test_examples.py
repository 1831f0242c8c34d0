"""Each example in examples/python: the recorded gradients are PyTorch's own, op by op and parameter by parameter."""
import os
import unittest

import torch

from helpers import EXAMPLES, plain_grads, record, values

NAMES = ["mlp.py", "nielsen.py", "makemore4.py", "gpt_block.py"]


class ExampleGradients(unittest.TestCase):
    def check_example(self, name):
        path = os.path.join(EXAMPLES, name)
        trace, rec = record(path, steps=1, retain=True)
        self.assertEqual(trace["diagnostics"], [], trace["diagnostics"])
        self.assertGreater(len(trace["ops"]), 3)
        by_op = {e["op"]: e for e in trace["events"] if e["kind"] == "backward"}

        # parameter gradients equal those PyTorch computes without the recorder
        expected = plain_grads(path, steps=1)
        got = {p["name"]: values(trace, p["grad"]) for p in trace["params"] if p["grad"] is not None}
        self.assertEqual(sorted(got), sorted(expected))
        for pname, g in expected.items():
            torch.testing.assert_close(got[pname], g.double(), rtol=1e-5, atol=1e-6, msg=pname)

        # the upstream of each op is its output's gradient (retain_grad)
        checked = 0
        for op_id, out in rec.retained:
            if out.grad is None:
                continue
            self.assertIn(op_id, by_op, "op %d (%s) has no backward event" % (op_id, trace["ops"][op_id]["op"]))
            torch.testing.assert_close(values(trace, by_op[op_id]["upstream"]), out.grad.double(), rtol=1e-5, atol=1e-7)
            checked += 1
        self.assertGreater(checked, 3)

        # Σ contributions into a tensor = its gradient (an op's output: that op's upstream; a parameter: its .grad)
        sums = {}
        for e in trace["events"]:
            if e["kind"] != "backward":
                continue
            for tid, c in zip(trace["ops"][e["op"]]["inputs"], e["contributions"]):
                if c is not None:
                    sums[tid] = sums.get(tid, 0) + values(trace, c)
        producer = {o["output"]: o["id"] for o in trace["ops"]}
        params = {p["name"]: values(trace, p["grad"]) for p in trace["params"] if p["grad"] is not None}
        for tid, total in sums.items():
            t = trace["tensors"][tid]
            if tid in producer and producer[tid] in by_op:
                torch.testing.assert_close(total, values(trace, by_op[producer[tid]]["upstream"]), rtol=1e-5, atol=1e-6)
            elif t["kind"] == "param":
                torch.testing.assert_close(total, params[t["name"]], rtol=1e-5, atol=1e-6)

        # fan-out: the last accumulate event's total is that Σ
        last_total = {}
        for e in trace["events"]:
            if e["kind"] == "accumulate":
                last_total[e["tensor"]] = e["total"]
        for tid, total_id in last_total.items():
            torch.testing.assert_close(values(trace, total_id), sums[tid], rtol=1e-5, atol=1e-6)
        return trace

    def test_mlp(self):
        trace = self.check_example("mlp.py")
        ops = [(o["op"], o.get("var"), o.get("module")) for o in trace["ops"]]
        self.assertEqual(ops[:4], [("linear", "z1", "model.fc1"), ("tanh", "h", "model"), ("linear", "logits", "model.fc2"), ("cross_entropy", "loss", None)])
        # the elementwise local derivative: contribution = upstream ⊙ (1 − tanh²)
        tanh = next(e for e in trace["events"] if e["kind"] == "backward" and trace["ops"][e["op"]]["op"] == "tanh")
        up, local, contrib = values(trace, tanh["upstream"]), values(trace, tanh["local"][0]["tensor"]), values(trace, tanh["contributions"][0])
        torch.testing.assert_close(up * local, contrib, rtol=1e-5, atol=1e-7)
        self.assertEqual(tanh["local"][0]["formula"], "1 - \\tanh^2(x)")
        updates = [e for e in trace["events"] if e["kind"] == "update"]
        self.assertEqual([u["param"] for u in updates], ["model.fc1.weight", "model.fc1.bias", "model.fc2.weight", "model.fc2.bias"])
        for u in updates:  # W ← W − η·∂L/∂W with η = 0.5
            torch.testing.assert_close(values(trace, u["after"]), values(trace, u["before"]) - 0.5 * values(trace, u["grad"]), rtol=1e-5, atol=1e-6)
            self.assertIn("SGD", u["rule"])

    def test_nielsen(self):
        trace = self.check_example("nielsen.py")
        self.assertEqual(sorted(p["name"] for p in trace["params"]), ["net.biases[0]", "net.biases[1]", "net.weights[0]", "net.weights[1]"])
        self.assertEqual({e["rule"] for e in trace["events"] if e["kind"] == "update"}, {"p -= eta * p.grad"})

    def test_makemore4(self):
        trace = self.check_example("makemore4.py")
        named = {o.get("var") for o in trace["ops"]}
        for v in ("emb", "embcat", "hprebn", "bnmeani", "bndiff", "bnvar_inv", "hpreact", "h", "logits", "counts", "probs", "logprobs", "loss"):
            self.assertIn(v, named)
        self.assertTrue(any(e["kind"] == "accumulate" for e in trace["events"]), "bndiff and counts fan out")

    def test_gpt_block(self):
        trace = self.check_example("gpt_block.py")
        modules = {o.get("module") for o in trace["ops"]}
        self.assertIn("model.h.0.attn.c_attn", modules)
        self.assertIn("model.h.0.mlp.c_fc", modules)
        self.assertEqual(sum(1 for e in trace["events"] if e["kind"] == "update"), len(trace["params"]))


if __name__ == "__main__":
    unittest.main()
