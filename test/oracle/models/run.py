# Runs an example's PyTorch twin (models/<name>.py) on the initial weights and batch its Backstep trace recorded.
#
# stdin: {"model", "dtype", "weights": {name: spec}, "inputs": {name: spec}} with specs as torch_oracle.py decodes them.
# The twin's run(W, I, dtype, rec) builds the model from W (parameter names as the trace has them), calls rec(module,
# var, tensor) for every value the example assigns to a variable (in the example's order; module as the trace names
# it), and returns (parameters by name, loss). stdout: {"loss", "report": {"module|var|n": {"value", "grad"}},
# "grads": {name: ...}}, each gradient read with retain_grad() after loss.backward().
import importlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import torch  # noqa: E402
from torch_oracle import decode, encode  # noqa: E402

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def main():
    req = json.load(sys.stdin)
    torch.set_num_threads(1)
    dtype = DTYPES[req["dtype"]]
    twin = importlib.import_module(req["model"])
    weights = {k: decode(v).to(dtype) for k, v in req["weights"].items()}
    inputs = {k: decode(v) for k, v in req["inputs"].items()}
    counts = {}
    recorded = []

    def rec(module, var, t):
        n = counts.get((module, var), 0)
        counts[(module, var)] = n + 1
        if t.requires_grad and not t.is_leaf:
            t.retain_grad()
        recorded.append((f"{module or ''}|{var}|{n}", t))
        return t

    params, loss = twin.run(weights, inputs, dtype, rec)
    loss.backward()
    json.dump({
        "loss": loss.item(),
        "report": {k: {"value": encode(t), "grad": encode(t.grad) if t.requires_grad else None} for k, t in recorded},
        "grads": {k: encode(p.grad) for k, p in params.items()},
    }, sys.stdout)


if __name__ == "__main__":
    main()
