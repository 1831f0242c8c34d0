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


    def test_data_written_through_data_is_taken_again_and_the_same_values_are_one_tensor(self):
        # x.data.copy_(batch) is not counted in x._version (.data has a version counter of its own)
        model = """import torch
X = torch.zeros(4)
big = torch.arange(50000, dtype=torch.float32) % 1000
V = torch.ones(4, requires_grad=True)
U = torch.ones(50000, requires_grad=True)
nan = float("nan")
batches = [[0., 0., 0., 0.], [1., 2., 3., 4.], [1., 2., 3., 4.], [nan, -0., 5., 6.], [nan, -0., 5., 6.]]
k = 0

def step():
    global k
    X.data.copy_(torch.tensor(batches[k]))
    k += 1
    ((X * V).sum() + (big * U).sum()).backward()
    big.data.copy_(big.data.flip(0))  # a permutation: its sum stays the same
"""
        trace, _ = record(model_file(model), steps=5)
        muls = [o["inputs"] for o in trace["ops"] if o["op"] == "mul"]
        fours = [i[0] for i in muls if trace["tensors"][i[1]]["shape"] == [4]]
        self.assertEqual(len(fours), 5)
        self.assertEqual([values(trace, i).tolist()[:2] for i in fours[:3]], [[0, 0], [1, 2], [1, 2]])
        self.assertTrue(all(values(trace, i)[0].isnan() for i in fours[3:]))
        self.assertEqual([values(trace, i).tolist()[2:] for i in fours], [[0, 0], [3, 4], [3, 4], [5, 6], [5, 6]])
        self.assertEqual([fours.index(i) for i in fours], [0, 1, 1, 3, 3], "the same values again: the same tensor")
        bigs = [i[0] for i in muls if trace["tensors"][i[0]]["shape"] == [50000]]
        self.assertEqual(len(set(bigs)), 5, "the 50,000 values, reversed after each step, are taken in each")
        self.assertEqual([values(trace, i)[0].item() for i in sorted(set(bigs))], [0.0, 999.0, 0.0, 999.0, 0.0])

    def test_values_a_print_cannot_read_are_taken_again(self):
        """A sparse tensor's values cannot be flattened to compare: it is taken again at each step, as changed (the
        comparison raised inside the recorder, and the model's run stopped)."""
        import torch
        from backstep_torch.forward import same_values, values_print

        dense = torch.arange(10.0)
        taken = values_print(dense)
        self.assertTrue(same_values(taken, dense))
        dense[3] = 0
        self.assertFalse(same_values(taken, dense))
        sparse = torch.sparse_coo_tensor([[0, 1]], [1.0, 2.0], (3,))
        self.assertIsNone(values_print(sparse))
        self.assertFalse(same_values(values_print(sparse), sparse))


if __name__ == "__main__":
    unittest.main()
