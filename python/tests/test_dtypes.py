"""Tensor dtypes in the trace: int64 labels and indices, argmax's result and masks say what torch has them as, and their
values read back exactly (an int64's to 2^53; past that the trace keeps only its statistics)."""
import unittest

import torch

from helpers import model_file, record, unpack
from backstep_torch.tensors import TensorTable

MODEL = """import torch
import torch.nn.functional as F
torch.manual_seed(0)
ids = torch.tensor([3, 2 ** 40 + 1, -(2 ** 40 + 1), 2 ** 60 + 1, 7])
labels = torch.tensor([0, 2, 1, 2, 0, 1])
W = torch.randn(4, 3, requires_grad=True)


def step():
    ix = torch.randint(0, 6, (4,))
    yb = labels[ix]
    big = ids[torch.tensor([1, 2, 0])]
    huge = ids[torch.tensor([3, 0])]
    logits = W * 2
    pred = logits.argmax(1, keepdim=True)
    mask = logits > 0
    loss = F.cross_entropy(logits, yb) + logits.gather(1, pred).sum() + logits.masked_fill(mask, 0).sum()
    return loss + (W[0, 0] * big).sum() * 0 + (W[0, 0] * huge).sum() * 0
"""


def op_inputs(trace, name):
    """The trace tensors the first op `name` read."""
    op = next(o for o in trace["ops"] if o["op"] == name)
    return [trace["tensors"][i] for i in op["inputs"]]


class Dtypes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.trace, _ = record(model_file(MODEL))

    def test_labels_indices_and_masks_are_recorded_as_torch_has_them(self):
        _, yb = op_inputs(self.trace, "cross_entropy")
        self.assertEqual(yb["dtype"], "int64")
        self.assertIn("$f64", yb["values"])
        self.assertTrue(all(v in (0, 1, 2) for v in unpack(yb["values"])))
        self.assertEqual(op_inputs(self.trace, "gather")[1]["dtype"], "int64")
        self.assertEqual(op_inputs(self.trace, "masked_fill")[1]["dtype"], "bool")
        self.assertEqual(op_inputs(self.trace, "cross_entropy")[0]["dtype"], "float32")

    def test_int64_values_past_2_24_are_exact_and_past_2_53_only_summarised(self):
        by_name = {t.get("name"): t for t in self.trace["tensors"]}
        big, huge = by_name["big"], by_name["huge"]
        self.assertEqual((big["dtype"], huge["dtype"]), ("int64", "int64"))
        # as float32, 2^40 + 1 read back as 2^40
        self.assertEqual(unpack(big["values"]), [2 ** 40 + 1, -(2 ** 40 + 1), 3])
        # float64 would read 2^60 + 1 as 2^60: statistics only, counted as dropped
        self.assertNotIn("values", huge)
        self.assertEqual(huge["stats"]["min"], 3)
        self.assertGreaterEqual(self.trace["truncated"]["valuesDropped"], 1)

    def test_the_table_names_each_dtype_and_packs_ints_wide(self):
        table = TensorTable()
        cases = [
            (torch.tensor([2 ** 31 - 1, -5], dtype=torch.int32), "int32", "$f64"),
            (torch.tensor([True, False]), "bool", "$f32"),
            (torch.tensor([1.5, 2.0], dtype=torch.float16), "float16", "$f32"),
            (torch.tensor([255, 0], dtype=torch.uint8), "uint8", "$f32"),
            (torch.tensor([0.25, 1.0], dtype=torch.float64), "float64", "$f64"),
        ]
        for t, _, _ in cases:
            table.snapshot(t, "input")
        # over the caps, an int tensor keeps its dtype with its statistics
        small = TensorTable(max_per_tensor=2)
        small.snapshot(torch.arange(5, dtype=torch.int32), "input")
        rows = table.finish()
        for (t, dtype, key), row in zip(cases, rows):
            self.assertEqual(row["dtype"], dtype)
            self.assertEqual(list(row["values"]), [key])
            self.assertEqual(unpack(row["values"]), [float(v) for v in t.tolist()])
        capped = small.finish()[0]
        self.assertEqual((capped["dtype"], capped["stats"]["max"]), ("int32", 4))
        self.assertNotIn("values", capped)


if __name__ == "__main__":
    unittest.main()
