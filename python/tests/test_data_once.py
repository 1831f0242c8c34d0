"""A model's data (a tensor without gradient: its inputs and targets, read in each step) is one trace tensor for the run,
as in the TypeScript recorder (src/trace/recorderTensors.ts), until its values change in place."""
import unittest

from helpers import model_file, record, values

MODEL = """import torch
torch.manual_seed(0)
X = torch.randn(200, 3)
W = torch.randn(3, 4, requires_grad=True)
mask = torch.ones(4)

def step():
    h = (X @ W) * mask
    h.sum().backward()
    with torch.no_grad():
        mask.mul_(0.5)  # in place: a new value each step
"""


class DataOnce(unittest.TestCase):
    def test_data_is_one_tensor_and_what_changes_in_place_is_taken_again(self):
        trace, _ = record(model_file(MODEL), steps=3)
        steps = {o["trainingStep"] for o in trace["ops"]}
        self.assertEqual(steps, {0, 1, 2})
        x_reads = [o for o in trace["ops"] if o["inputs"] and trace["tensors"][o["inputs"][0]]["shape"] == [200, 3]]
        self.assertEqual(len(x_reads), 3)
        self.assertEqual(len({o["inputs"][0] for o in x_reads}), 1, "X: one trace tensor in every step")
        self.assertEqual(sum(1 for t in trace["tensors"] if t["shape"] == [200, 3]), 1)
        # the mask, halved in place after each step, is read with its value of each step
        mask_ids = [o["inputs"][1] for o in trace["ops"] if o["op"] == "mul"]
        self.assertEqual(len(set(mask_ids)), 3)
        self.assertEqual([values(trace, i)[0] for i in mask_ids], [1.0, 0.5, 0.25])


if __name__ == "__main__":
    unittest.main()
