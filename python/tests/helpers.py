"""Shared helpers of the recorder's tests: run a model file with and without the recorder, read trace tensors."""
import atexit
import json
import os
import shutil
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
    """A trace tensor's values as float64, decoded from the recorder's compact form (tensors.packed_values)."""
    t = trace["tensors"][tid]
    return torch.tensor(unpack(t["values"]), dtype=torch.float64).reshape(t["shape"])


def unpack(values):
    """The floats of {"$f32"|"$f64": base64 of little-endian floats}, as src/trace/json.ts reads them."""
    import base64
    import numpy as np

    (key, text), = values.items()
    return np.frombuffer(base64.b64decode(text), dtype="<f4" if key == "$f32" else "<f8").astype(np.float64).tolist()


# The tests' model files and outputs, in one folder removed when the tests end (left in the temporary folder, they
# were 1,147 files after two days of runs here).
_MODELS = tempfile.mkdtemp(prefix="backstep-py-tests-")
atexit.register(shutil.rmtree, _MODELS, True)


def temp_path(name):
    """A path for a file a test writes, in the folder removed when the tests end."""
    return os.path.join(tempfile.mkdtemp(dir=_MODELS), name)


def model_file(source):
    """Writes `source` to a temporary .py file (removed when the tests end) and returns its path."""
    fd, path = tempfile.mkstemp(suffix=".py", prefix="model_", dir=_MODELS)
    with os.fdopen(fd, "w") as f:
        f.write(source)
    return path


def upstream_of(event, k):
    """The recorded ∂L/∂(output k) of an op's backward event."""
    return event["upstreams"][k] if "upstreams" in event else event["upstream"]


def check_gradients(test, trace, rec, expected_params, rtol=1e-5, atol=1e-6, clip=None):
    """What every traced model must satisfy, against PyTorch's own numbers: the recorded parameter gradients equal
    `expected_params` (PyTorch without the recorder); each op output's recorded upstream equals its gradient from
    retain_grad (run with retain=True); Σ contributions into a tensor equal its gradient; accumulate totals are those Σ.
    `clip`: the model clips the gradients' total norm to this after backward (clip_grad_norm_), so a parameter's .grad
    is its Σ scaled by min(1, clip / ‖all Σ‖). Returns how many op outputs were compared."""
    by_op = {e["op"]: e for e in trace["events"] if e["kind"] == "backward"}
    got = {p["name"]: values(trace, p["grad"]) for p in trace["params"] if p["grad"] is not None}
    test.assertEqual(sorted(got), sorted(expected_params))
    for pname, g in expected_params.items():
        torch.testing.assert_close(got[pname], g.double(), rtol=rtol, atol=atol, msg=pname)

    checked = 0
    for op_id, k, out in rec.retained:
        if out.grad is None or out.stale:  # stale: changed in place later, checked by the Σ below only
            continue
        test.assertIn(op_id, by_op, "op %d (%s) has no backward event" % (op_id, trace["ops"][op_id]["op"]))
        torch.testing.assert_close(values(trace, upstream_of(by_op[op_id], k)), out.grad.double(), rtol=rtol, atol=atol,
                                   msg="upstream of op %d (%s) output %d" % (op_id, trace["ops"][op_id]["op"], k))
        checked += 1

    sums, last_step = {}, {}
    for e in trace["events"]:
        if e["kind"] != "backward":
            continue
        op = trace["ops"][e["op"]]
        for tid, c in zip(op["inputs"], e["contributions"]):
            if c is not None:
                sums[tid] = sums.get(tid, 0) + values(trace, c)
                last_step[tid] = op["trainingStep"]
    final_step = max(last_step.values(), default=0)
    producer = {}
    for o in trace["ops"]:
        for k, tid in enumerate(o.get("outputs", [o["output"]])):
            producer[tid] = (o["id"], k)
    scale = 1.0
    if clip is not None:
        norm = sum(float((total ** 2).sum()) for tid, total in sums.items()
                   if trace["tensors"][tid]["kind"] == "param" and last_step[tid] == final_step) ** 0.5
        scale = min(1.0, clip / (norm + 1e-6))
    for tid, total in sums.items():
        t = trace["tensors"][tid]
        if tid in producer and producer[tid][0] in by_op:
            op_id, k = producer[tid]
            torch.testing.assert_close(total, values(trace, upstream_of(by_op[op_id], k)), rtol=rtol, atol=atol, msg="Σ into tensor %d" % tid)
        elif t["kind"] == "param" and last_step[tid] == final_step:  # .grad after the run: the last step's
            torch.testing.assert_close(total * scale, got[t["name"]], rtol=rtol, atol=atol, msg="Σ into %s" % t["name"])

    last_total = {}
    for e in trace["events"]:
        if e["kind"] == "accumulate":
            last_total[e["tensor"]] = e["total"]
    for tid, total_id in last_total.items():
        torch.testing.assert_close(values(trace, total_id), sums[tid], rtol=rtol, atol=atol)
    return checked
