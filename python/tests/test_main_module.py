"""The program runs as the module `python3 model.py` runs it as, sys.modules["__main__"] (run.py `_main_module`): run in a
plain dict, a class it defined could not be pickled, dataclasses took a ClassVar for a field, and typing.get_type_hints
raised NameError under `from __future__ import annotations`."""
import contextlib
import io
import subprocess
import sys
import unittest

from helpers import model_file, record

PICKLE = """import pickle, torch
class Box:
    pass
w = torch.ones(2, requires_grad=True)
(w * 3).sum().backward()
print(type(pickle.loads(pickle.dumps(Box()))).__name__)
"""

TORCH_SAVE = """import io, torch, torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)
    def forward(self, x):
        return self.fc(x)
torch.manual_seed(0)
model = Net()
model(torch.ones(3, 2)).sum().backward()
buf = io.BytesIO()
torch.save(model, buf)
buf.seek(0)
print("loaded", type(torch.load(buf)).__name__)
"""

DATACLASS = """from __future__ import annotations
import dataclasses, typing, sys, torch
@dataclasses.dataclass
class Cfg:
    lr: float = 0.1
    n: typing.ClassVar[int] = 3
print("fields", [f.name for f in dataclasses.fields(Cfg)])
print("hints", typing.get_type_hints(Cfg))
print("main mod", Cfg.__module__, sys.modules["__main__"].__dict__.get("Cfg") is Cfg)
w = torch.ones(2, requires_grad=True)
(w * 3).sum().backward()
"""

GLOBALS = """import sys, torch
print("spec", __spec__, "pkg", __package__, "cached", __cached__, "loader", type(__loader__).__name__)
print("main is me", sys.modules["__main__"].__dict__.get("w") is None and sys.modules["__main__"].__dict__.get("sys") is sys)
w = torch.ones(3, requires_grad=True)
def step():
    loss = (w * 0.1).pow(2).sum()
    loss.backward()
    return loss
"""


def plain(path):
    return subprocess.run([sys.executable, path], capture_output=True, text=True, check=True).stdout


def traced(path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        trace, _ = record(path, steps=2)
    return trace, out.getvalue()


class RunAsMain(unittest.TestCase):
    def check(self, source):
        path = model_file(source)
        before = sys.modules.get("__main__")
        trace, out = traced(path)
        self.assertEqual([d["message"] for d in trace["diagnostics"] if d["severity"] == "error"], [])
        self.assertEqual(out, plain(path))
        self.assertIs(sys.modules.get("__main__"), before, "the runner's own __main__ again after the run")
        return out

    def test_a_class_the_program_defines_pickles(self):
        self.assertEqual(self.check(PICKLE), "Box\n")

    def test_torch_save_of_the_model(self):
        self.assertEqual(self.check(TORCH_SAVE), "loaded Net\n")

    def test_dataclass_fields_and_type_hints(self):
        self.assertIn("fields ['lr']", self.check(DATACLASS))

    def test_the_globals_of_a_script(self):
        self.assertIn("spec None pkg None cached None loader SourceFileLoader", self.check(GLOBALS))


if __name__ == "__main__":
    unittest.main()
