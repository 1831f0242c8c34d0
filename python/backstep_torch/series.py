"""Every step's statistics for long runs (Trace.series, as src/trace/seriesCollector.ts and seriesAssembler.ts make it)."""
import math

import numpy as np
import torch

from .tensors import dense, encode_number

HIST_BINS = 32
# The ops a layer ends with (src/trace/seriesCollector.ts' ACTIVATION_OPS, in torch's spellings too)
ACTIVATION_OPS = {"relu", "tanh", "sigmoid", "gelu", "silu", "leaky_relu", "leakyRelu", "elu", "softplus", "softsign"}
_COLUMNS = ("min", "max", "mean", "std", "nan", "inf", "zeroFraction")


def is_full_step(policy, step, max_steps):
    """Whether `step` (0-based) keeps its full record under `policy` (src/trace/fullSteps.ts; None: every step)."""
    if policy is None:
        return True
    last, every = policy.get("last"), policy.get("every")
    if last and step >= max_steps - last:
        return True
    if every and step % every == 0:
        return True
    return step in policy.get("steps", ())


def _flat64(t):
    """`t`'s values as a flat float64 NumPy array, a copy. NumPy's calls on small arrays cost a few µs, torch's tens:
    a summary of the MLP example's tensors took 47 µs with torch's reductions, 13 µs with NumPy's (load 8), and the
    series' share of a traced step went 453 → 280 µs."""
    d = dense(t).reshape(-1)
    if d.dtype != torch.float32 and d.dtype != torch.float64:
        d = d.to(torch.float64)
    return d.numpy().astype(np.float64)


def summarize(t):
    """min, max, mean, std (population) over the finite values, NaN and ±Inf counts, the fraction of zeros, and a
    32-bin histogram linear over [min, max] of the finite values, the last bin closed: a value v goes in bin
    ⌊(v − min)·32/(max − min)⌋, as src/trace/summary.ts computes it (torch.histc rounds some edges the other way)."""
    d = _flat64(t)
    n = d.size
    nan = inf = 0
    with np.errstate(all="ignore"):
        if n:
            lo, hi, s, sq, zeros = float(d.min()), float(d.max()), float(d.sum()), float(d.dot(d)), n - np.count_nonzero(d)
        else:
            lo = hi = s = sq = zeros = math.nan
        if not (math.isfinite(s) and math.isfinite(sq)) and n:
            isnan, isinf = np.isnan(d), np.isinf(d)
            nan, inf = int(isnan.sum()), int(isinf.sum())
            d = d[~(isnan | isinf)]
            if d.size:
                lo, hi, s, sq = float(d.min()), float(d.max()), float(d.sum()), float(d.dot(d))
            else:
                lo = hi = s = sq = math.nan
        finite = d.size
        mean = s / finite if finite else math.nan
        std = math.sqrt(max(0.0, sq / finite - mean * mean)) if finite else math.nan
        hist = [0] * HIST_BINS
        if finite and hi > lo:
            bins = np.minimum(((d - lo) * (HIST_BINS / (hi - lo))).astype(np.int64), HIST_BINS - 1)
            hist = np.bincount(bins, minlength=HIST_BINS).tolist()
        elif finite:
            hist[0] = finite
    return [lo + 0.0, hi + 0.0, mean, std, nan, inf, (int(zeros) / n) if n else 0.0], hist


def norm(t):
    """‖t‖₂ in float64."""
    d = _flat64(t)
    return math.sqrt(float(d.dot(d)))


def update_ratio(before, after):
    """‖after − before‖ / ‖before‖, NaN when ‖before‖ is 0 (src/trace/summary.ts' updateRatio)."""
    b = _flat64(before)
    w = math.sqrt(float(b.dot(b)))
    if not w:
        return math.nan
    with np.errstate(all="ignore"):
        d = _flat64(after) - b
        return math.sqrt(float(d.dot(d))) / w


class _Column:
    """One tensor summarised per step: the statistics' columns and the histograms, step after step."""

    def __init__(self, steps_before):
        self.cols = {k: [math.nan] * steps_before for k in _COLUMNS}
        self.hist = [0] * (HIST_BINS * steps_before)

    def push(self, summary):
        stats, hist = summary if summary is not None else ((math.nan,) * len(_COLUMNS), [0] * HIST_BINS)
        for k, v in zip(_COLUMNS, stats):
            self.cols[k].append(v)
        self.hist.extend(hist)

    def json(self):
        out = {k: [encode_number(v) for v in self.cols[k]] for k in _COLUMNS}
        out["hist"] = self.hist
        return out


class Series:
    """Collects the layers' outputs and gradients and the parameters' updates of each step; `end_step` appends them as
    one column of every series. A layer is an activation's output, or a module's when no activation takes it next."""

    def __init__(self, policy, quiet):
        self.policy = policy
        self._quiet = quiet  # our own torch calls, outside the recording mode
        self.steps, self.full_steps, self.layers, self.params = [], [], [], []
        self._layer_ids, self._param_ids, self._last_at = {}, {}, []
        self._reset()

    def _reset(self):
        self._step_layers = []  # [layer id, act summary, grad summary]
        self._step_params = {}  # param id → (‖∂L/∂W‖, ‖ΔW‖/‖W‖)
        self._blocks = {}  # id(output) → (output, its block)
        self._ordinal = 0
        self._prev = None  # (op, module, output, where the op was called: (code, lasti, lineno) or None)

    def forward(self, op, first_input, output, module, where, source):
        """An op ran forward: settles whether the previous op's output was a layer's, and remembers this one."""
        if self._prev is not None:
            self._settle(module, first_input is self._prev[2] and op in ACTIVATION_OPS, source)
        self._prev = (op, module, output, where)

    def backward_begins(self, source):
        if self._prev is not None:
            self._settle(None, False, source)

    def update(self, name, before, grad, after):
        pid = self._param_ids.get(name)
        if pid is None:
            pid = self._param_ids[name] = len(self.params)
            self.params.append({"name": name, "gradNorm": [math.nan] * len(self.steps), "updateRatio": [math.nan] * len(self.steps)})
        if pid not in self._step_params:
            with self._quiet():
                self._step_params[pid] = (norm(grad), update_ratio(before, after))

    def end_step(self, step, full, source):
        if self._prev is not None:
            self._settle(None, False, source)
        self.steps.append(step)
        if full:
            self.full_steps.append(step)
        seen = {}
        for lid, act, grad in self._step_layers:
            seen.setdefault(lid, (act, grad))  # a layer met twice in a step keeps the first
        for lid, layer in enumerate(self.layers):
            act, grad = seen.get(lid, (None, None))
            layer["act"].push(act)
            layer["grad"].push(grad)
        for pid, p in enumerate(self.params):
            norm, ratio = self._step_params.get(pid, (math.nan, math.nan))
            p["gradNorm"].append(norm)
            p["updateRatio"].append(ratio)
        self._reset()

    def _settle(self, next_module, activated, source):
        op, module, output, where = self._prev
        self._prev = None
        module_output = not activated and module is not None and next_module != module and not (next_module is not None and next_module.startswith(module + "."))
        if not module_output and op not in ACTIVATION_OPS:
            return
        if id(output) in self._blocks and self._blocks[id(output)][0] is output:
            return
        # the k-th layer of a step is the last step's k-th, unless its op or module differ
        k = self._ordinal
        self._ordinal += 1
        key = (k, op, module)
        last = self._last_at[k] if k < len(self._last_at) else None
        lid = last[1] if last is not None and last[0] == key else self._layer_ids.get(key)
        if lid is None:
            lid = self._layer_ids[key] = len(self.layers)
            var = source.assigned_var_at(*where) if where is not None else None
            layer = {"name": module if module_output else (var or op), "op": op, "act": _Column(len(self.steps)), "grad": _Column(len(self.steps))}
            if module is not None:
                layer["module"] = module
            if var:
                layer["var"] = var
            self.layers.append(layer)
        if last is None or last[1] != lid:
            if k < len(self._last_at):
                self._last_at[k] = (key, lid)
            else:
                self._last_at.append((key, lid))
        with self._quiet():
            block = [lid, summarize(output), None]
        self._step_layers.append(block)
        self._blocks[id(output)] = (output, block)
        if output.requires_grad:
            output.register_hook(lambda g, block=block: self._gradient(block, g))

    def _gradient(self, block, g):
        """∂L/∂output of a layer, complete when its tensor hook runs; the first backward pass of the step counts."""
        if block[2] is None:
            with self._quiet():
                block[2] = summarize(g)

    def json(self, losses):
        out = {"steps": self.steps, "loss": [encode_number(losses[s]) if s < len(losses) else encode_number(math.nan) for s in self.steps], "fullSteps": self.full_steps}
        if self.policy is not None:
            out["policy"] = self.policy
        out["layers"] = [dict(layer, act=layer["act"].json(), grad=layer["grad"].json()) for layer in self.layers]
        out["params"] = [{"name": p["name"], "gradNorm": [encode_number(v) for v in p["gradNorm"]], "updateRatio": [encode_number(v) for v in p["updateRatio"]]} for p in self.params]
        return out
