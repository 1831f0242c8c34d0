"""An op's settings in the trace (calls.attrs_of): numbers, strings and lists of ints, passed by position or keyword."""
import unittest

from helpers import model_file, record

SETTINGS = """import torch
w = torch.tensor([[1.0, 3.0], [2.0, 0.5]], requires_grad=True)
a = w.amax(dim=(0, 1))
s = w.sum(dim=[0], keepdim=True)
p = w.sum((0, 1))
loss = a + s.sum() + p
loss.backward()
"""


class CallSettings(unittest.TestCase):
    def test_dims_given_as_a_tuple_or_list_by_keyword_are_kept_as_by_position(self):
        """`amax(dim=(0, 1))` lost its dims (only a tuple passed by position was kept), so the op read as over every
        element only by luck, and `sum(dim=[0])` as a sum over everything."""
        trace, _ = record(model_file(SETTINGS))
        by_var = {o["var"]: o for o in trace["ops"] if "var" in o}
        self.assertEqual(by_var["a"]["attrs"].get("dim"), [0, 1])
        self.assertEqual(by_var["s"]["attrs"].get("dim"), [0])
        self.assertIs(by_var["s"]["attrs"].get("keepdim"), True)
        self.assertEqual(by_var["p"]["attrs"].get("arg1"), [0, 1], "by position, as before")


if __name__ == "__main__":
    unittest.main()
