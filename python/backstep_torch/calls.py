"""What a torch call is in the trace: the op's name (operands in mathematical order), its tensors and its attributes."""
import torch

from .tensors import encode_number

# Tensor properties (x.grad, x.shape …) reach the mode as their descriptors' __get__/__set__: never ops
NOT_OPS = {"__get__", "__set__", "__repr__", "__format__", "__len__", "__iter__", "__bool__", "__hash__", "__eq__", "__ne__"}
# `2 - x` reaches the mode as x.__rsub__(2): the op is sub with its operands swapped back
_REVERSED = {"__radd__": "add", "__rsub__": "sub", "__rmul__": "mul", "__rtruediv__": "div", "__rdiv__": "div", "__rpow__": "pow", "__rmatmul__": "matmul"}
_RENAMED = {"truediv": "div", "true_divide": "div", "divide": "div", "multiply": "mul", "subtract": "sub", "getitem": "index", "negative": "neg", "concat": "cat"}


def op_name(name, args):
    """The op's name in the trace and its operands in mathematical order."""
    if name in _REVERSED and len(args) >= 2:
        return _REVERSED[name], (args[1], args[0]) + tuple(args[2:])
    base = name.strip("_") if name.startswith("__") else name
    if name.startswith("__i") and name.endswith("__"):
        base = base[1:] + "_"
    return _RENAMED.get(base, base), tuple(args)


def tensors_in(args, kwargs):
    out = []
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, torch.Tensor):
            out.append(a)
        elif isinstance(a, (list, tuple)):
            out.extend(x for x in a if isinstance(x, torch.Tensor))
    return out


def _ints(a):
    """A non-empty list or tuple of ints (dims, sizes): kept as a list."""
    return isinstance(a, (list, tuple)) and a and all(isinstance(x, int) for x in a)


def attrs_of(args, kwargs):
    """An op's settings: its numbers, strings and lists of ints, by position (arg0, arg1, …) or by keyword. A list by
    keyword was dropped: `amax(dim=(0, 1))` had no dims."""
    attrs = {}
    for i, a in enumerate(args):
        if isinstance(a, (bool, int, float, str)) or _ints(a):
            attrs["arg%d" % i] = encode_number(a) if isinstance(a, float) else (list(a) if _ints(a) else a)
    for k, a in kwargs.items():
        if isinstance(a, (bool, int, float, str)) or a is None or _ints(a):
            attrs[k] = encode_number(a) if isinstance(a, float) else (list(a) if _ints(a) else a)
    return attrs
