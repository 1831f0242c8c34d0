"""Parameter updates seen as in-place ops on parameters: by an optimizer's step() or by hand (`p.data += -lr * p.grad`)."""
import torch

from .optim_rules import describe_optimizer

_INPLACE_DUNDERS = {"__iadd__", "__isub__", "__imul__", "__itruediv__"}


# In-place by name but leaving the values alone (zero_grad calls requires_grad_ on every gradient)
_KEEP_VALUES = {"requires_grad_", "detach_", "retain_grad", "share_memory_", "record_stream", "resize_", "set_"}
_inplace = {}


def is_inplace(name):
    """Whether an op of this name may change its first argument's values (cached: asked for every op)."""
    hit = _inplace.get(name)
    if hit is None:
        hit = _inplace[name] = name in _INPLACE_DUNDERS or (name.endswith("_") and not name.endswith("__") and name not in _KEEP_VALUES)
    return hit


def optimizer_of(frame, depth=6):
    """The optimizer whose zero_grad() or step() wrapper opened a profiler range, from the frames that opened it."""
    while frame is not None and depth > 0:
        loc = frame.f_locals
        for v in (loc.get("self"), loc.get("obj"), (loc.get("args") or (None,))[0]):
            if isinstance(v, torch.optim.Optimizer):
                return v
        frame, depth = frame.f_back, depth - 1
    return None


def step_closure(frame, depth=6):
    """(optimizer, closure) of the `opt.step(closure)` call whose profiler range opens, from the frames that open it
    (torch's step wrapper holds its arguments as `args` and `kwargs`); (None, None) when there is no closure."""
    while frame is not None and depth > 0:
        loc = frame.f_locals
        args = loc.get("args")
        if isinstance(args, tuple) and args and isinstance(args[0], torch.optim.Optimizer):
            kwargs = loc.get("kwargs") or {}
            closure = args[1] if len(args) > 1 else kwargs.get("closure") if isinstance(kwargs, dict) else None
            return (args[0], closure) if callable(closure) else (None, None)
        frame, depth = frame.f_back, depth - 1
    return None, None


def _group_of(opt, p):
    for group in opt.param_groups:
        if any(q is p for q in group["params"]):
            return group
    return None


def _optimizer_in_stack(frame):
    while frame is not None:
        me = frame.f_locals.get("self") if frame.f_code.co_name == "step" else None
        if isinstance(me, torch.optim.Optimizer):
            return me
        frame = frame.f_back
    return None


class Updates:
    """Pending updates of parameters (by storage), flushed into `update` events before the next op, backward or step."""

    def __init__(self, recorder):
        self.rec = recorder
        self.params = {}  # data_ptr → (param, name)
        self.pending = {}  # data_ptr → [param, name, before, grad, rule]
        self.by_optimizer = set()  # the data_ptrs of pending updates an optimizer's step() made: see before_inplace
        self.resets = []  # names of parameters whose gradient was reset, one zeroGrad event until the next op
        self.reset_site = None
        self._grads = {}  # a gradient's data_ptr → (param, name)
        self._seq = 0  # pending updates are numbered as they come; reset_at: how many had come at the first pending reset
        self.reset_at = 0
        self.trained = {}  # id → a leaf an optimizer holds or the run updated in place: see keeps
        self.call = None  # the `opt.step(closure)` call being recorded: data_ptr → [param, name, before, grad, rule]
        self._call_site = None
        self._call_grads_taken = False

    def watch(self, t, name):
        if t.numel() > 0:
            self.params[t.data_ptr()] = (t, name)

    def name_of(self, p):
        """A parameter's name: the one it is watched under, else the one the user's globals give it (then it is
        watched). A checkpointed layer's parameters (torch.utils.checkpoint's reentrant forward runs under no_grad) were
        never an op's input, so never watched: their optimizer's updates and resets were left out of the trace."""
        hit = self.params.get(p.data_ptr()) if p.numel() else None
        if hit is not None and hit[0] is p:
            return hit[1]
        name = self.rec.names.tensor_name(p)[0]
        if name is not None:
            self.watch(p, name)
        return name

    def keeps(self, t):
        """Whether a tensor found as a parameter is one of the run's parameters: a module's (an nn.Parameter) always;
        a plain leaf requiring grad when an optimizer holds it or the run updates it in place (by hand: makemore's
        `p.data += -lr * p.grad`), and in a run that does neither to any tensor, every one (its weights rebound,
        `W = (W - lr * W.grad).detach().requires_grad_()`, or a gradient taken and no update: nothing tells a parameter
        from an input there). A WGAN-GP's interpolates, `x.clone().requires_grad_()` made each step for
        autograd.grad, which nothing updates, were listed as a parameter (with a gradient of 0: a vanishing gradient)."""
        return isinstance(t, torch.nn.Parameter) or not self.trained or id(t) in self.trained

    def before_inplace(self, args, frame, source_map):
        """Called before an in-place op: remembers the value of every parameter it is about to change."""
        if not self.params:
            return
        target = args[0] if args else None
        targets = target if isinstance(target, (list, tuple)) else (target,)
        for t in targets:
            # (a sparse tensor, `p.grad.zero_()` of an Embedding(sparse=True), has no data_ptr() and is no parameter)
            if not isinstance(t, torch.Tensor) or t.numel() == 0 or t.layout != torch.strided:
                continue
            hit = self.params.get(t.data_ptr())
            # (a parameter whose storage `W.data = …` replaced is watched under its old address, which a later tensor of
            # its shape may get: that tensor's in-place op is no update of it)
            if hit is None or hit[0].shape != t.shape or hit[0].data_ptr() != t.data_ptr():
                continue
            if t.data_ptr() in self.pending:
                # The program's own op on a parameter an optimizer has just updated (a WGAN's `p.data.clamp_(-c, c)`
                # after `opt.step()`): that update is written first, its values after as the optimizer left them, and
                # this op is an update by hand of its own. It was one event, the optimizer's rule beside the values
                # the clamp made. (An optimizer's own ops, and a second op by hand, add to the update pending.)
                if t.data_ptr() not in self.by_optimizer or self.call is not None or _optimizer_in_stack(frame):
                    continue
                self.flush()
            if self.call is not None and t.data_ptr() in self.call:
                self._call_grads()
                continue
            param, name = hit
            self.trained[id(param)] = param
            opt = _optimizer_in_stack(frame)
            group = _group_of(opt, param) if opt is not None else None
            if opt is not None:
                self.by_optimizer.add(t.data_ptr())
            if group is not None:
                rule = describe_optimizer(opt, group)
            elif opt is not None:
                rule = describe_optimizer(opt)
            else:
                user = source_map.user_frames(frame)
                rule = source_map.source_line(user[0].f_code.co_filename, user[0].f_lineno) if user else "in-place update"
            before = param.detach().clone()  # detached: no autograd work, under an optimizer's no_grad or not
            grad = param.grad.detach().clone() if param.grad is not None else torch.zeros_like(before)
            self.pending[t.data_ptr()] = [param, name, before, grad, rule, self._seq, self._site(frame, source_map)]
            self._seq += 1
            self.rec.loops.note(frame, settle=True)

    def optimizer_call(self, opt, what, frame, source_map):
        """An optimizer's zero_grad() or step() begins: its gradient resets, or each parameter's value and gradient
        before its update, taken at once from its param_groups (the params with a gradient, which it resets or updates),
        each with its group's rule. Its param_groups say which tensors it updates, watched or not (see name_of)."""
        site = self._site(frame, source_map) if what == "step" else None  # one step() call updates them all
        if what == "step" and any(ptr not in self.by_optimizer for ptr in self.pending):
            # The program's own op on a parameter before this step (weights decayed by hand before `opt.step()`) is an
            # update of its own, written first: folded into the optimizer's, it was one event, the op's line as the rule
            # beside the values the optimizer made.
            self.flush()
        for group in opt.param_groups:
            rule = describe_optimizer(opt, group) if what == "step" else None
            for p in group["params"]:
                self.trained[id(p)] = p
                if p.grad is None or p.numel() == 0:
                    continue
                name = self.name_of(p)
                if name is None:
                    continue
                if rule is None:
                    self._reset(name, frame, source_map)
                elif p.data_ptr() not in self.pending:
                    self.pending[p.data_ptr()] = [p, name, p.detach().clone(), p.grad.detach().clone(), rule, self._seq, site]
                    self.by_optimizer.add(p.data_ptr())
                    self._seq += 1

    # ── opt.step(closure) ──────────────────────────────────────────────────
    # The closure's forward and backward passes run inside the step call, so the update cannot be read at the call's
    # start as optimizer_call reads it: each parameter's value is taken then (`before`), its gradient when the call
    # first writes a parameter (Adam: once its closure returned; LBFGS: after its first evaluation, the gradient its
    # first direction follows, before its line search moves the parameters and evaluates again), else at the end, and
    # the value after the update at the call's end, where the update events are written.
    def call_begins(self, opt, frame, source_map):
        self.call, self._call_site = {}, self._site(frame, source_map)
        self._call_grads_taken = False
        for group in opt.param_groups:
            rule = describe_optimizer(opt, group)
            for p in group["params"]:
                self.trained[id(p)] = p
                if p.numel() == 0:
                    continue
                name = self.name_of(p)
                if name is not None:
                    self.call[p.data_ptr()] = [p, name, p.detach().clone(), None, rule]

    def _call_grads(self):
        if self._call_grads_taken:
            return
        self._call_grads_taken = True
        for entry in self.call.values():
            g = entry[0].grad
            entry[3] = g.detach().clone() if g is not None else None

    def call_ends(self, note=""):
        """The step call is over: its updates, now (`note`: said after the settings, as LBFGS's several evaluations)."""
        entries, self.call = self.call, None
        if entries is None:
            return
        for p, name, before, grad, rule in entries.values():
            if grad is None and not self._call_grads_taken and p.grad is not None:
                grad = p.grad.detach().clone()
            if grad is None:
                continue
            if note:
                rule = rule[:-1] + "; " + note + "]" if rule.endswith("]") else rule + "  [" + note + "]"
            self.pending[p.data_ptr()] = [p, name, before, grad, rule, self._seq, self._call_site]
            self.by_optimizer.add(p.data_ptr())
            self._seq += 1
        self.flush()

    @staticmethod
    def _site(frame, source_map):
        """Where an update runs (the optimizer's step() call, or the in-place op), as the Trace's loc and stack."""
        user = source_map.user_frames(frame)
        return (source_map.loc(user[0]), source_map.stack(user)) if user else None

    def before_reset(self, name, args, frame, source_map):
        """`p.grad = None` (the grad descriptor's __set__) or an optimizer's `p.grad.zero_()`: remembers a gradient reset."""
        if not args or not self.params:
            return
        if name == "__set__":
            if len(args) < 2 or args[1] is not None or not isinstance(args[0], torch.Tensor):
                return
            hit = self.param_entry(args[0])
        else:
            t = args[0]
            if not isinstance(t, torch.Tensor) or t.numel() == 0:
                return
            hit = self.grad_owner(t)
        if hit is not None:
            self.rec.reset_grads.before(hit[:1], copy=name != "__set__")
            self._reset(hit[1], frame, source_map)

    def param_entry(self, t):
        """The watched (parameter, name) that is `t`, by its storage's address, else by identity: `W.data = W.data - …`
        gave W new storage, so its `W.grad = None` after that found nothing and the reset was left out of the trace (it
        is re-keyed under its new address then)."""
        if t.numel() == 0 or t.layout != torch.strided:
            return None
        ptr = t.data_ptr()
        hit = self.params.get(ptr)
        if hit is not None and hit[0] is t:
            return hit
        for old, entry in self.params.items():
            if entry[0] is t:
                del self.params[old]
                self.params[ptr] = entry
                return entry
        return None

    def _reset(self, name, frame, source_map):
        self.rec.grads_changed(False)
        if name in self.resets:
            return
        if not self.resets:
            self.rec.reset_begins(frame)
            self.rec.loops.note(frame, settle=not self.rec.forward_since_backward)
            self.reset_at = self._seq
            user = source_map.user_frames(frame)
            self.reset_site = (source_map.loc(user[0]), source_map.stack(user)) if user else None
        self.resets.append(name)

    def grad_owner(self, grad):
        """The watched parameter whose .grad is `grad` (an optimizer zeroing gradients one by one: one scan per miss)."""
        ptr = _grad_key(grad)
        hit = self._grads.get(ptr)
        if hit is None or hit[0].grad is None or _grad_key(hit[0].grad) != ptr:
            self._grads = {_grad_key(p.grad): (p, n) for p, n in self.params.values() if p.grad is not None and p.grad.numel()}
            hit = self._grads.get(ptr)
        return hit

    def flush(self):
        """The pending updates and resets as events, in the order they happened: `opt.step()` then the next iteration's
        `opt.zero_grad()` are the update events, then the zeroGrad event. (The zeroGrad event was written first, as if
        the gradients had been reset before the update that used them.)"""
        reset = None
        if self.resets:
            rec = self.rec
            if rec.recording and rec.full:
                reset = {"kind": "zeroGrad", "params": list(self.resets)}
                if self.reset_site:
                    reset["loc"], reset["stack"] = self.reset_site
            self.resets = []
            self.reset_site = None
        if not self.pending:
            if reset is not None:
                self.rec.events.append(reset)
            return
        rec = self.rec
        for param, name, before, grad, rule, seq, site in self.pending.values():
            if reset is not None and seq >= self.reset_at:
                rec.events.append(reset)
                reset = None
            if not rec.recording:
                continue
            if rec.step >= 0:
                rec.series.update(name, before, grad, param)
            if not rec.full:  # statistics only
                rec.grads_changed(True)
                continue
            b = rec.table.snapshot(before, "param", name=name, owned=True)
            g = rec.table.snapshot(grad, "grad", owned=True)
            a = rec.table.snapshot(param, "param", name=name)
            e = {"kind": "update", "param": name, "before": b, "grad": g, "after": a, "rule": rule}
            if site is not None:
                e["loc"], e["stack"] = site
            rec.events.append(e)
            rec.grads_changed(True)
        if reset is not None:
            rec.events.append(reset)
        self.pending.clear()
        self.by_optimizer.clear()


def _grad_key(g):
    """A gradient's key in grad_owner: its data_ptr; a sparse one's (Embedding(sparse=True)) has no storage to point at,
    data_ptr() raised "Cannot access data pointer" at a `p.grad.zero_()` and ended the run: the tensor object then."""
    return g.data_ptr() if g.layout == torch.strided else ("sparse", id(g))
