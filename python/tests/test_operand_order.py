"""A swapped-operand op (`2 - x` reaches the mode as x.__rsub__(2)) keeps its number where it stands in the formula,
as the TypeScript engine's `sub(2, x)` keeps its lifted scalar as input 0 (src/engine/ops/elementwise.ts `pair`): its
attrs were the call's arguments (x, 2), and `2 - x` and `x - 2` were recorded alike, `sub` with {"arg1": 2}."""
import unittest

from helpers import check_gradients, model_file, plain_grads, record

SWAPPED = """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
def step():
    a = 2 - x
    b = x - 2
    c = 2 ** x
    d = x ** 2
    e = 3 / x
    f = x / 3
    return (a + b + c + d + e + f).sum()
"""


class OperandOrder(unittest.TestCase):
    def test_the_number_keeps_its_position(self):
        path = model_file(SWAPPED)
        trace, rec = record(path, retain=True)
        ops = [(o["op"], o.get("var"), o["attrs"]) for o in trace["ops"] if o.get("var")]
        self.assertEqual(ops, [("sub", "a", {"arg0": 2}), ("sub", "b", {"arg1": 2}), ("pow", "c", {"arg0": 2}),
                               ("pow", "d", {"arg1": 2}), ("div", "e", {"arg0": 3}), ("div", "f", {"arg1": 3})])
        check_gradients(self, trace, rec, plain_grads(path))


if __name__ == "__main__":
    unittest.main()
