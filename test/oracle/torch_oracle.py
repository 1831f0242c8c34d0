# The PyTorch side of the oracle tests: runs every case's snippet on the inputs it is sent, in one process.
#
# stdin: {"cases": [{"id", "code", "dtype", "backward", "inputs": {name: {"shape", "dtype", "grad", "data"}}}]}
# where "data" is base64 of little-endian float64 values. A snippet sees torch, nn, F, math, each input by name,
# T (all inputs by name), dtype (the float dtype of the run) and state(prefix) (the inputs named prefix + key, as a
# state dict). It sets `out` (a tensor, or a list of tensors) and may set `report` (a dict of tensors whose values
# and gradients are compared too). When "backward" is set, out is backpropagated with the same fixed weighting the
# TypeScript side uses. stdout: {"results": [{"id", "out": [...], "grads": {...}, "report": {...}} or {"id", "error"}]}.
import base64
import json
import math
import sys
import traceback

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64, "bool": torch.bool}


def decode(spec):
    raw = base64.b64decode(spec["data"])
    values = torch.frombuffer(bytearray(raw), dtype=torch.float64) if raw else torch.zeros(0, dtype=torch.float64)
    t = values.reshape(spec["shape"]).to(DTYPES[spec["dtype"]]).clone()
    if spec.get("grad"):
        t.requires_grad_(True)
    return t


def encode(t):
    if t is None:
        return None
    v = t.detach().to(torch.float64).contiguous().reshape(-1)
    return {"shape": list(t.shape), "data": base64.b64encode(v.numpy().tobytes()).decode("ascii")}


def projection(size):
    """The fixed pseudo-random weighting of the output (the same LCG as the TypeScript side)."""
    s = 0x2545F491
    out = []
    for _ in range(size):
        s = (s * 1664525 + 1013904223) % 2**32
        out.append(0.5 + s / 2**32)
    return torch.tensor(out, dtype=torch.float64)


def run(case):
    dtype = DTYPES[case["dtype"]]
    inputs = {name: decode(spec) for name, spec in case["inputs"].items()}

    def state(prefix):
        return {k[len(prefix):]: v.detach() for k, v in inputs.items() if k.startswith(prefix)}

    scope = {"torch": torch, "nn": nn, "F": F, "math": math, "T": inputs, "dtype": dtype, "state": state}
    scope.update({k: v for k, v in inputs.items() if k.isidentifier()})
    exec(compile(case["code"], case["id"], "exec"), scope)
    outs = scope["out"] if isinstance(scope["out"], (list, tuple)) else [scope["out"]]
    report = scope.get("report", {})
    if case["backward"]:
        for t in report.values():
            if t.requires_grad and not t.is_leaf:
                t.retain_grad()
        total = None
        for o in outs:
            if not o.requires_grad:
                continue
            w = projection(o.numel()).to(o.dtype).reshape(o.shape)
            term = (o * w).sum()
            total = term if total is None else total + term
        if total is not None:
            total.backward()
    return {
        "id": case["id"],
        "out": [encode(o) for o in outs],
        "grads": {k: encode(v.grad) for k, v in inputs.items() if v.requires_grad},
        "report": {k: {"value": encode(v), "grad": encode(v.grad) if case["backward"] else None} for k, v in report.items()},
    }


def main():
    cases = json.load(sys.stdin)["cases"]
    results = []
    for case in cases:
        torch.manual_seed(0)
        try:
            results.append(run(case))
        except Exception:  # reported per case, so one bad snippet fails one test
            results.append({"id": case["id"], "error": traceback.format_exc(limit=4)})
    json.dump({"torch": torch.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
