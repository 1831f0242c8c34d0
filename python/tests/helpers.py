"""Shared helpers of the recorder's tests: run a model file with and without the recorder, read trace tensors."""
import json
import os
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from backstep_torch.run import build_trace, run_file  # noqa: E402
from backstep_torch.names import Names  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples", "python")


def record(path, steps=1, retain=False, **kw):
    """(trace as JSON round-tripped, recorder) for a model file."""
    rec, _ = run_file(path, steps=steps, values="all", retain=retain, **kw)
    return json.loads(json.dumps(build_trace(rec), allow_nan=False)), rec


def plain_grads(path, steps=1):
    """Each parameter's gradient after running the file under the same contract, without the recorder."""
    _, ns = run_file(path, steps=steps, record=False)
    return {name: t.grad.detach().clone() for name, t in Names(ns).parameters() if t.grad is not None}


def values(trace, tid):
    t = trace["tensors"][tid]
    v = [float(x) for x in t["values"]]
    return torch.tensor(v, dtype=torch.float64).reshape(t["shape"])


def model_file(source):
    """Writes `source` to a temporary .py file and returns its path."""
    fd, path = tempfile.mkstemp(suffix=".py", prefix="model_")
    with os.fdopen(fd, "w") as f:
        f.write(source)
    return path
