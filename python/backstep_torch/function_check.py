"""The first-use check of a user's torch.autograd.Function: its backward against float64 central differences on the
actual inputs (src/autodiff/functionCheck.ts is the TypeScript twin: the same tolerances, budget and notes)."""
import contextlib
import io
import re

import torch

from .checks import compare, unravel
from .tensors import dense

# PyTorch's gradcheck tolerances: |backward − numeric| ≤ atol + rtol·|numeric| per element
ATOL, RTOL = 1e-5, 1e-3
# what the check may spend: forward evaluations (two per checked element) times the elements each touches; past it,
# elements are sampled evenly, every input keeping a few (functionCheck.ts's CHECK_WORK)
CHECK_WORK = 4_000_000
MAX_EVALUATIONS = 20_000
MIN_EVALUATIONS = 64
EPS = 1e-6
_SHAPE = re.compile(r"invalid gradient at index (\d+) - got \[([^\]]*)\]")


def _chosen(size, share):
    """Element indices to check: all of them within the share, else an even spread."""
    if size <= share:
        return list(range(size))
    return [k * size // share for k in range(share)]


def _outputs(out):
    return [o for o in (out if isinstance(out, (tuple, list)) else (out,)) if isinstance(o, torch.Tensor)]


def check_function(cls, run, args, kwargs):
    """[finding] for each floating-point tensor argument requiring grad: {input (its index among the tensor arguments),
    tensor, manual (the backward's ∂L/∂input, float64, or None), reference (central differences), fields (checks.compare's,
    with the tolerances), note}, for L = Σ w ⊙ output with a fixed w. `run(*args, **kwargs)` applies the Function. Runs
    on float64 copies: the arguments are not touched, the random generator is where it was (each forward sees the same
    random numbers as the real one), and what the user's code prints is not shown. [] when the forward fails on float64
    copies (the real run goes on)."""
    rng = torch.get_rng_state()
    copies = [a.detach().to(torch.float64).clone() if isinstance(a, torch.Tensor) and a.is_floating_point() else a for a in args]
    tensor_index, checked = {}, []
    for k, a in enumerate(args):
        if isinstance(a, torch.Tensor):
            tensor_index[k] = len(tensor_index)
            if a.requires_grad and a.is_floating_point():
                checked.append(k)

    def forward(inputs):
        torch.set_rng_state(rng)
        outs = _outputs(run(*inputs, **kwargs))
        if not outs:
            raise TypeError("forward returned no Tensor")
        return outs

    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return _check(forward, copies, checked, tensor_index, args)
    except Exception:  # (the forward failed on float64 copies: no check)
        return []
    finally:
        torch.set_rng_state(rng)


def _check(forward, copies, checked, tensor_index, args):
    with torch.no_grad():
        outs = forward(copies)
        gen = torch.Generator().manual_seed(0x9E3779B9)
        weights = [torch.rand(o.shape, generator=gen, dtype=torch.float64) + 0.5 for o in outs]
        total = sum(copies[k].numel() for k in checked)
        touched = sum(o.numel() for o in outs) + sum(a.numel() for a in copies if isinstance(a, torch.Tensor))
        budget = min(MAX_EVALUATIONS, max(MIN_EVALUATIONS, CHECK_WORK // max(1, touched)))
        share = max(1, budget // 2 // max(1, len(checked)))
        picked = [_chosen(copies[k].numel(), total if total * 2 <= budget else share) for k in checked]
        left_out = sum(int((~torch.isfinite(o)).sum()) for o in outs)

        def loss(inputs):
            return sum(float((w * torch.nan_to_num(o, nan=0.0, posinf=0.0, neginf=0.0)).sum()) for w, o in zip(weights, forward(inputs)))

        numeric, kept = [], []
        for c, k in enumerate(checked):
            flat = copies[k].view(-1)
            idx = [e for e in picked[c] if bool(torch.isfinite(flat[e])) and float(flat[e]) + EPS != float(flat[e])]
            d = []
            for e in idx:
                v = float(flat[e])
                flat[e] = v + EPS
                plus = loss(copies)
                flat[e] = v - EPS
                minus = loss(copies)
                flat[e] = v
                d.append((plus - minus) / (2 * EPS))
            numeric.append(torch.tensor(d, dtype=torch.float64))
            kept.append(idx)
    grads, threw = None, None
    xs = [a.detach().requires_grad_() if k in checked else a for k, a in enumerate(copies)]
    try:
        with torch.enable_grad():
            outs = forward(xs)
            grads = torch.autograd.grad(outs, [xs[k] for k in checked], weights, allow_unused=True)
    except Exception as e:  # (the user's backward threw, or gave a wrong shape)
        threw = e
    notes_out = "%d of the output's %d elements left out: not finite" % (left_out, sum(o.numel() for o in outs)) if left_out else None
    findings = []
    for c, k in enumerate(checked):
        x, idx = copies[k], kept[c]
        partial = len(idx) < x.numel()
        shape = [len(idx)] if partial else list(x.shape)
        reference = numeric[c].reshape(shape)
        f = {"input": tensor_index[k], "tensor": args[k], "manual": None, "reference": reference, "note": None}
        findings.append(f)
        g = grads[c] if grads is not None else None
        if g is None:
            m = _SHAPE.search(str(threw)) if threw is not None else None
            if m is not None and int(m.group(1)) == k:
                got = [int(s) for s in m.group(2).split(",") if s.strip()]
                f["fields"] = {"verdict": "shape", "atol": ATOL, "rtol": RTOL, "manualShape": got, "referenceShape": list(x.shape)}
                f["note"] = str(threw).split("\n")[0]
            else:
                f["fields"] = {"verdict": "missing", "atol": ATOL, "rtol": RTOL, "manualShape": [], "referenceShape": list(x.shape)}
                f["note"] = ("the backward threw on float64 copies of the inputs: %s" % str(threw).split("\n")[0]) if threw is not None else "the backward returned None for this input"
            continue
        manual = dense(g).reshape(-1)[idx].reshape(shape) if partial else dense(g)
        f["manual"] = manual
        fields = compare(manual, reference, ATOL, RTOL)
        notes = []
        if partial:
            notes.append("%d of its %d elements checked%s" % (len(idx), x.numel(), ", evenly spread" if len(picked[c]) < x.numel() else ""))
            fields["manualShape"] = fields["referenceShape"] = list(x.shape)
            if "worst" in fields:
                fields["worst"]["index"] = unravel(idx[fields["worst"]["index"][0]], list(x.shape))
        if len(picked[c]) > len(idx):
            notes.append("%d left out: not finite, or too large for a step of %g" % (len(picked[c]) - len(idx), EPS))
        if notes_out:
            notes.append(notes_out)
        f["fields"] = fields
        f["note"] = "; ".join(notes) or None
    return findings
