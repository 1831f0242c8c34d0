"""Each example in examples/python: the recorded gradients are PyTorch's own, op by op and parameter by parameter."""
import os
import unittest

import torch

from helpers import EXAMPLES, check_gradients, plain_grads, record, values

NAMES = ["mlp.py", "nielsen.py", "makemore4.py", "gpt_block.py"]


class ExampleGradients(unittest.TestCase):
    def check_example(self, name):
        path = os.path.join(EXAMPLES, name)
        trace, rec = record(path, steps=1, retain=True)
        self.assertEqual(trace["diagnostics"], [], trace["diagnostics"])
        self.assertGreater(len(trace["ops"]), 3)
        self.assertGreater(check_gradients(self, trace, rec, plain_grads(path, steps=1)), 3)
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
