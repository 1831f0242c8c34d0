"""expect_grad: a learner states a hand-computed ∂L/∂t; a recorded run holds it against autograd's and records a
gradCheck event (src/autodiff/expectGrad.ts is the TypeScript twin; the verdicts and numbers are its compareGrads')."""
import math
import sys

DEFAULT_ATOL = 1e-8
DEFAULT_RTOL = 1e-5

_active = None  # the Recorder of the run being recorded, else None: outside Backstep expect_grad does nothing


def activate(rec):
    global _active
    _active = rec


def unravel(flat, shape):
    """Row-major flat index → index per dimension (torch 1.13 has no unravel_index)."""
    index = [0] * len(shape)
    for d in range(len(shape) - 1, -1, -1):
        flat, index[d] = divmod(flat, shape[d])
    return index


def compare(manual, reference, atol=DEFAULT_ATOL, rtol=DEFAULT_RTOL):
    """The gradCheck fields of manual against reference: exact (every element equal), close (|m − r| ≤ atol + rtol·|r|
    everywhere, NaN never close: torch.allclose), mismatch, or shape; the largest difference, the relative
    error max |m − r| / max(|m|, |r|) (as the TypeScript side's gradCompare.ts) and the worst element (the first NaN difference, else the first largest)."""
    import torch

    ms, rs = list(manual.shape), list(reference.shape)
    out = {"verdict": "shape", "atol": atol, "rtol": rtol, "manualShape": ms, "referenceShape": rs}
    one_each = manual.numel() == 1 and reference.numel() == 1 and (not ms or not rs)
    if ms != rs and not one_each:
        return out
    from .tensors import dense

    m = dense(manual).reshape(-1).to(torch.float64)  # (a sparse gradient: see dense)
    r = dense(reference).reshape(-1).to(torch.float64)
    differs = m != r  # NaN differs from itself; equal infinities do not
    if not bool(differs.any()):
        out.update(verdict="exact", maxAbsDiff=0.0, relErr=0.0)
        return out
    diff = (m - r).abs()
    close = bool((~differs | (diff <= atol + rtol * r.abs())).all())
    nan = differs & torch.isnan(diff)
    if bool(nan.any()):
        worst = int(nan.nonzero()[0, 0])
        max_abs = rel = math.nan
    else:
        d = torch.where(differs, diff, torch.zeros_like(diff))
        worst = int(torch.argmax(d))  # the first of the largest
        max_abs = float(d[worst])
        scale = torch.maximum(m.abs(), r.abs())  # (non-zero where they differ)
        rel = float(torch.where(differs, diff / scale, torch.zeros_like(diff)).max())
    out.update(
        verdict="close" if close else "mismatch", maxAbsDiff=max_abs, relErr=rel,
        worst={"index": unravel(worst, rs), "manual": float(m[worst]), "reference": float(r[worst])},
    )
    return out


def encode_fields(fields):
    """A comparison's numbers as the trace writes them (NaN and ±Inf tagged): expect_grad's and a Function's checks."""
    from .tensors import encode_number

    for k in ("maxAbsDiff", "relErr"):
        if k in fields:
            fields[k] = encode_number(fields[k])
    if "worst" in fields:
        w = fields["worst"]
        w["manual"], w["reference"] = encode_number(w["manual"]), encode_number(w["reference"])


def expect_grad(t, manual, atol=DEFAULT_ATOL, rtol=DEFAULT_RTOL, label=None):
    """States that `manual` (a tensor, a numpy array, a number or nested lists of numbers) is ∂loss/∂`t`. When Backstep records the run
    (Trace Backprop on a .py model, `backstep trace model.py`), the check is decided once autograd's gradient of `t`
    exists (now, after backward(); else when the next backward pass ends) and shown at this line: ✓ exact, ≈ close
    (torch.allclose's tolerances), ✗ with the largest difference, ✗ for a shape mismatch, or missing. It changes
    nothing else: no output, no gradient, no result differs; run without Backstep it does nothing."""
    import torch

    if not isinstance(t, torch.Tensor):
        raise TypeError("expect_grad: the first argument must be the tensor whose gradient you computed by hand")
    if not isinstance(manual, torch.Tensor) and hasattr(manual, "__array__") and hasattr(manual, "dtype"):
        manual = torch.as_tensor(manual)  # a numpy array (`(probs - onehot).numpy()`): the TypeError ended the run
    if not isinstance(manual, torch.Tensor):
        if not isinstance(manual, (int, float, list, tuple)) or isinstance(manual, bool):
            raise TypeError("expect_grad: the hand-computed gradient must be a tensor, a number or nested lists of numbers, got %s" % type(manual).__name__)
        manual = torch.tensor(manual, dtype=torch.float64)
    rec = _active
    if rec is None:
        return
    frame = sys._getframe(1)
    if _in_helper(frame, t) and frame.f_back is not None:
        frame = frame.f_back  # makemore part 4's `cmp(label, manual, t)`: each check at the helper's call
    rec.grad_check(t, manual, atol, rtol, label, frame)


def _in_helper(frame, t):
    """Whether `frame` is a function that was passed the checked tensor as an argument: a helper around the check, whose
    checks belong at each of its calls, not all at its one line (the TypeScript runner's isHelperCheck)."""
    code = frame.f_code
    if code.co_name == "<module>":
        return False
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    return any(frame.f_locals.get(n) is t for n in names)


def settle_pending():
    """The checks still waiting for a gradient when the run ends: missing (run_file calls it)."""
    if _active is not None:
        _active.settle_grad_checks(final=True)


class Checks:
    """Mixin of Recorder: expect_grad's checks, each a gradCheck event decided at once or at the end of the backward pass
    that reaches its tensor. `keep_grads` (the program names expect_grad): each op output's gradient is kept from its
    backward pass, for a check stated after backward() on a tensor that did not retain it."""

    def grad_check(self, t, manual, atol, rtol, label, frame):
        import torch

        busy, self.busy = self.busy, True
        self.statements.settle(moved_only=True)  # (`h = model(x)` then expect_grad(h, …): the check's label is h)
        try:
            with self.quiet(), torch.no_grad():
                user = self.source.user_frames(frame)
                site = (self.source.loc(user[0]), self.source.stack(user)) if user else (None, [])
                label = label or self._label_of(t) or "tensor"
                manual = manual.detach().clone()
                if not t.requires_grad:
                    self._check_event(t, manual, None, atol, rtol, label, site, "%s does not require grad, so autograd computes no gradient for it" % label)
                    return
                # (a non-leaf's .grad, unless retained, is None with a warning on stderr: not read)
                kept = t.grad if t.is_leaf or t.retains_grad else None
                now = kept if kept is not None else (None if t.is_leaf else self._last_grad_of(t))
                if now is not None:
                    self._check_event(t, manual, now, atol, rtol, label, site)
                    return
                # stated before backward(): decided when the pass that reaches t ends (a leaf's .grad is complete then)
                check = {"t": t, "manual": manual, "atol": atol, "rtol": rtol, "label": label, "site": site, "grad": None, "hook": None}
                if not t.is_leaf:
                    check["hook"] = t.register_hook(lambda g, c=check: self._hooked(c, g))
                self.pending_checks.append(check)
        finally:
            self.busy = busy

    def _hooked(self, check, g):
        if check["grad"] is None:
            with self.quiet():
                check["grad"] = g.detach().clone()

    def settle_grad_checks(self, final=False):
        """At the end of a backward pass: the checks whose gradient came; at the end of the run (`final`), the rest, as
        missing."""
        left = []
        for c in self.pending_checks:
            t = c["t"]
            g = t.grad if t.is_leaf else c["grad"]
            if g is None and not final:
                left.append(c)
                continue
            if c["hook"] is not None:
                c["hook"].remove()
            note = None if g is not None else "no backward pass reached %s after this check: is it on the loss's path?" % c["label"]
            with self.quiet():
                self._check_event(t, c["manual"], g, c["atol"], c["rtol"], c["label"], c["site"], note)
        self.pending_checks = left

    def _label_of(self, t):
        hit = self.ids.get(id(t))
        if hit is not None and hit[0] is t:
            name = self.table.name_of(hit[1])
            if name:
                return name
        return self.names.tensor_name(t)[0]

    def _last_grad_of(self, t):
        return self.last_grads.get((t.grad_fn, t.output_nr))

    def keep_upstreams(self, keys, upstreams):
        """An op's upstream gradients (∂L/∂ each output, by its autograd node and output number: trace ids are per
        step, and a check may come in the next one) from the pass that just emitted it, for checks after it."""
        for key, u in zip(keys, upstreams):
            if u is not None:
                self.last_grads[key] = u.detach().clone()

    def _check_event(self, t, manual, reference, atol, rtol, label, site, note=None):
        if not (self.recording and self.full):
            if self.recording or self.step >= 0:
                self.events_dropped += 1
            return
        if reference is not None:
            fields = compare(manual, reference, atol, rtol)
        else:
            fields = {"verdict": "missing", "atol": atol, "rtol": rtol, "manualShape": list(manual.shape), "referenceShape": []}
        encode_fields(fields)
        e = {"kind": "gradCheck", "source": "expectGrad", "label": label, "tensor": self.id_of(t), "manual": self.table.snapshot(manual, "grad", owned=True)}
        if reference is not None:
            e["reference"] = self.table.snapshot(reference, "grad")
        e.update(fields)
        if note is not None:
            e["note"] = note
        loc, stack = site
        if loc is not None:
            e["loc"], e["stack"] = loc, stack
        self.events.append(e)
