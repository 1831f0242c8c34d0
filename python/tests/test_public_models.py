"""Models in the shape of public PyTorch code nobody here wrote (nanoGPT, the PyTorch examples' word-language model
and MNIST network) and real code's in-place ops and views: every gradient the recorder writes is PyTorch's own."""
import os
import unittest

from helpers import HERE, check_gradients, plain_grads, record

FIXTURES = os.path.join(HERE, "fixtures")


class PublicModels(unittest.TestCase):
    def check(self, name, steps=2, **kw):
        path = os.path.join(FIXTURES, name)
        trace, rec = record(path, steps=steps, retain=True)
        self.assertEqual([d for d in trace["diagnostics"] if d["severity"] == "error"], [])
        checked = check_gradients(self, trace, rec, plain_grads(path, steps=steps), **kw)
        self.assertGreater(checked, 5)
        self.assertEqual(len(trace["losses"]), steps)
        return trace

    def test_tied_gpt(self):
        trace = self.check("tied_gpt.py")
        params = [p["name"] for p in trace["params"]]
        # a tied weight is one parameter, under the name named_parameters gives it
        self.assertIn("model.wte.weight", params)
        self.assertNotIn("model.lm_head.weight", params)

    def test_rnn_lm(self):
        trace = self.check("rnn_lm.py", clip=0.25)
        lstm = [o for o in trace["ops"] if len(o.get("outputs", [])) == 3]
        self.assertEqual(len(lstm), 2, "the LSTM's output, h and c, in each step")
        updates = [e for e in trace["events"] if e["kind"] == "update"]
        self.assertEqual({u["rule"] for u in updates}, {"p.data.add_(p.grad, alpha=-lr)"})

    def test_mnist_cnn(self):
        self.check("mnist_cnn.py")

    def test_makemore_layers(self):
        # no step of its own for the weight printed between the backward pass and the update: one loss a step
        trace = self.check("makemore_layers.py")
        names = [p["name"] for p in trace["params"]]
        # named by where the user's objects hold them, not by the flat list of parameters
        self.assertEqual(names, ["C", "model.layers[0].weight", "model.layers[1].gamma", "model.layers[1].beta", "model.layers[3].weight", "model.layers[3].bias"])

    def test_inplace_views(self):
        self.check("inplace_views.py")


if __name__ == "__main__":
    unittest.main()
