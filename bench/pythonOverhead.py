"""Recorder overhead on a PyTorch model: seconds per training step traced ÷ plain PyTorch, in the same process, alternating.

Seconds are the process's CPU time (torch on one thread), the least of several rounds (as timeit advises): on a machine
shared with other jobs, wall-clock time mostly measures the waits for a core, and the ratio of two such times varied 2×
from run to run.
"""
import json
import os
import sys
import time

clock = time.process_time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))

from backstep_torch.recorder import Recorder  # noqa: E402
from backstep_torch.run import build_trace  # noqa: E402


def load(path):
    ns = {"__name__": "__main__", "__file__": path}
    with open(path, encoding="utf-8") as f:
        exec(compile(f.read(), path, "exec"), ns)
    return ns


def plain(path, steps):
    ns = load(path)
    ns["step"]()  # warm-up
    t0 = clock()
    for _ in range(steps):
        ns["step"]()
    return (clock() - t0) / steps


def traced(path, steps, values):
    ns = load(path)
    ns["step"]()
    rec = Recorder(path, ns, max_steps=steps, values=values)
    rec.install()
    try:
        t0 = clock()
        for i in range(steps):
            rec.begin_step(i)
            ns["step"]()
        per_step = (clock() - t0) / steps
    finally:
        rec.uninstall()
    t1 = clock()
    text = json.dumps(build_trace(rec), allow_nan=False)
    return per_step, (clock() - t1) / steps, len(text)


def measure(path, steps=20, rounds=7, values="capped"):
    p, t, w = [], [], []
    for _ in range(rounds):
        p.append(plain(path, steps))
        step_s, write_s, size = traced(path, steps, values)
        t.append(step_s)
        w.append(write_s)
    plain_s, traced_s, write_s = min(p), min(t), min(w)
    return {
        "model": os.path.relpath(path, ROOT), "steps": steps, "rounds": rounds, "values": values,
        "plainMsPerStep": round(plain_s * 1e3, 3), "tracedMsPerStep": round(traced_s * 1e3, 3),
        "overhead": round(traced_s / plain_s, 2),
        "writeJsonMsPerStep": round(write_s * 1e3, 3), "overheadWithJson": round((traced_s + write_s) / plain_s, 2),
        "traceBytes": size,
    }


if __name__ == "__main__":
    import torch

    torch.set_num_threads(1)
    models = sys.argv[1:] or [os.path.join(ROOT, "examples", "python", "mlp.py")]
    print(json.dumps({"torch": torch.__version__, "python": sys.version.split()[0], "results": [measure(m) for m in models]}))
