"""The recorder: a TorchFunctionMode that records the user's torch calls as ops, and autograd-node hooks for their backward."""
import contextlib
import math
import re
import sys

import torch
from torch.overrides import TorchFunctionMode

from .dispatch import Dispatch, suspend
from .names import Names
from .source import SourceMap
from .tensors import TensorTable, encode_number
from .updates import Updates, is_inplace, optimizer_of
from .wiring import collect, emit, key_of, reset, wire

# Tensor properties (x.grad, x.shape …) reach the mode as their descriptors' __get__/__set__: never ops
_NOT_OPS = {"__get__", "__set__", "__repr__", "__format__", "__len__", "__iter__", "__bool__", "__hash__", "__eq__", "__ne__"}
# `2 - x` reaches the mode as x.__rsub__(2): the op is sub with its operands swapped back
_REVERSED = {"__radd__": "add", "__rsub__": "sub", "__rmul__": "mul", "__rtruediv__": "div", "__rdiv__": "div", "__rpow__": "pow", "__rmatmul__": "matmul"}
_RENAMED = {"truediv": "div", "true_divide": "div", "divide": "div", "multiply": "mul", "subtract": "sub", "getitem": "index", "negative": "neg", "concat": "cat"}


def op_name(name, args):
    """The op's name in the trace and its operands in mathematical order."""
    if name in _REVERSED and len(args) >= 2:
        return _REVERSED[name], (args[1], args[0]) + tuple(args[2:])
    base = name.strip("_") if name.startswith("__") else name
    if name.startswith("__i") and name.endswith("__"):
        base = base[1:] + "_"
    return _RENAMED.get(base, base), tuple(args)


def _tensors_in(args, kwargs):
    out = []
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, torch.Tensor):
            out.append(a)
        elif isinstance(a, (list, tuple)):
            out.extend(x for x in a if isinstance(x, torch.Tensor))
    return out


def _attrs(args, kwargs):
    attrs = {}
    for i, a in enumerate(args):
        if isinstance(a, (bool, int, float, str)) or (isinstance(a, (list, tuple)) and a and all(isinstance(x, int) for x in a)):
            attrs["arg%d" % i] = encode_number(a) if isinstance(a, float) else (list(a) if isinstance(a, (list, tuple)) else a)
    for k, a in kwargs.items():
        if isinstance(a, (bool, int, float, str)) or a is None:
            attrs[k] = encode_number(a) if isinstance(a, float) else a
    return attrs


class _Retained:
    """An op output's gradient after backward, the tests' reference for its upstream: retain_grad(), or for one of
    several outputs a tensor hook (on torch 1.13, retain_grad() on an unused output of split fails the whole backward).
    `stale`: an in-place op changed the tensor before or after this op (`h += b`), and retain_grad() holds the gradient of
    one version only."""

    __slots__ = ("tensor", "version", "hooked", "again")

    def __init__(self, t, multi):
        self.tensor, self.version, self.hooked, self.again = t, t._version, None, t.retains_grad
        if multi:
            self.hooked = []
            t.register_hook(self.hooked.append)
        else:
            t.retain_grad()

    @property
    def grad(self):
        if self.hooked is None:
            return self.tensor.grad
        return sum(self.hooked[1:], self.hooked[0]) if self.hooked else None

    @property
    def stale(self):
        return self.again or self.tensor._version != self.version


class _Mode(TorchFunctionMode):
    def __init__(self, recorder):
        super().__init__()
        self.recorder = recorder

    def __torch_function__(self, func, types, args=(), kwargs=None):
        return self.recorder.call(func, args, kwargs or {})


class _Counter(TorchFunctionMode):
    def __init__(self, recorder):
        super().__init__()
        self.recorder = recorder

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") == "backward":
            self.recorder.backward_calls += 1
        return func(*args, **(kwargs or {}))


class Recorder:
    def __init__(self, program, namespace, max_steps=5, values="capped", max_per_tensor=100_000, max_per_trace=5_000_000, retain=False):
        self.program = program
        self.max_steps = max_steps
        self.table = TensorTable(values, max_per_tensor, max_per_trace)
        self.source = SourceMap()
        self.names = Names(namespace)
        self.updates = Updates(self)
        self.ops, self.events, self.losses, self.diagnostics = [], [], [], []
        self.step = -1
        self.recording = False
        self.done = False
        self.step_closed = False
        self.explicit_steps = False
        self.steps_dropped = 0
        self.events_dropped = 0
        self.backward_calls = 0
        self.ids = {}
        self.owned = set()
        self.node_out = {}
        self.handles = []
        self.grad_leaves = {}
        self.pass_totals = {}
        self.partial = set()
        self.module_stack = []
        self.busy = False
        self.failure = None
        self.retain = retain
        self.retained = []
        self._step_event = None
        self.suspended = None  # the profiler range of an optimizer call the recorder waits out
        self._mode = None
        self._dispatch = None
        self._module_hooks = []

    # ── installing and removing ────────────────────────────────────────────
    def install(self):
        mod = torch.nn.modules.module
        self._module_hooks = [mod.register_module_forward_pre_hook(self._enter_module), mod.register_module_forward_hook(self._leave_module)]
        self._mode = _Mode(self)
        self._dispatch = Dispatch(self._mode, passes_reads=True)
        self._dispatch.enter()

    def install_counter(self):
        """Only counts backward() calls: the contract without recording (PyTorch's own run, to compare with)."""
        self._mode = _Counter(self)
        self._dispatch = Dispatch(self._mode, passes_reads=True)
        self._dispatch.enter()

    def uninstall(self):
        self._resume()
        if self._mode is not None:
            self._dispatch.exit()
            self._mode = None
        for h in self._module_hooks + self.handles:
            h.remove()
        self._module_hooks, self.handles = [], []

    def _enter_module(self, module, _inputs):
        if self.recording:
            self.module_stack.append(self.names.module_path(module))

    def _leave_module(self, module, _inputs, _output):
        if self.recording and self.module_stack:
            self.module_stack.pop()

    # ── steps ───────────────────────────────────────────────────────────────
    def quiet(self):
        """Our own torch calls outside the mode's handler (between steps) skip the mode."""
        if self._mode is not None and torch._C._len_torch_function_stack() > 0 and torch.overrides._get_current_function_mode() is self._mode:
            return torch.overrides._pop_mode_temporarily()
        return contextlib.nullcontext()

    def begin_step(self, index):
        """An explicit step: the runner calls step() for the index-th time."""
        self.explicit_steps = True
        self._resume()
        with self.quiet():
            self.updates.flush()
        if index >= self.max_steps:
            self.recording, self.done = False, True
            self.steps_dropped += 1
            return
        self._start_step(index)

    def _next_step(self):
        self.updates.flush()
        if self.step + 1 >= self.max_steps:
            self.recording, self.done = False, True
            return
        self._start_step(self.step + 1)

    def _start_step(self, index):
        self.step = index
        self.recording = True
        self.step_closed = False
        self.ids.clear()
        self.owned.clear()
        self.node_out.clear()
        for h in self.handles:
            h.remove()
        self.handles = []
        self.module_stack = []
        self.names.new_step()
        self._step_event = {"kind": "step", "index": index}
        self.events.append(self._step_event)
        self.losses.append(math.nan)

    def note_loss(self, value):
        if self.recording and 0 <= self.step < len(self.losses) and math.isnan(self.losses[self.step]):
            self.losses[self.step] = value
            self._step_event["loss"] = value

    # ── the mode's entry point ─────────────────────────────────────────────
    def call(self, func, args, kwargs):
        name = getattr(func, "__name__", "")
        if self.suspended is not None:
            if name == "_record_function_exit" and args and args[0] is self.suspended:
                self._resume()
            return func(*args, **kwargs)
        if name == "_record_function_enter" and self.recording and not self.busy and args and isinstance(args[0], str):
            return self._profiler_range(func, args, kwargs)
        if name in _NOT_OPS:  # the most frequent calls (an optimizer reads p.grad several times a parameter): kept short
            if name == "__set__" and self.recording and not self.busy and getattr(getattr(func, "__self__", None), "__name__", None) == "grad":
                self.updates.before_reset(name, args, sys._getframe(2), self.source)
            return func(*args, **kwargs)
        if self.busy:
            return func(*args, **kwargs)
        if name == "backward":
            return self._backward(func, args, kwargs)
        if self.done:
            return func(*args, **kwargs)
        frame = sys._getframe(2)
        if self.updates.params and is_inplace(name):
            if name == "zero_" and self.recording:
                self.updates.before_reset(name, args, frame, self.source)
            self.updates.before_inplace(args, frame, self.source)
        tensors = _tensors_in(args, kwargs)
        keys = [key_of(t) for t in tensors] if torch.is_grad_enabled() else ()
        try:
            out = func(*args, **kwargs)
        except Exception:
            if self.failure is None:
                self.failure = (op_name(name, args)[0], [list(t.shape) for t in tensors])
            raise
        if not any(keys):
            return out
        # `g[:, 0] = v` returns nothing: its result is the tensor it wrote into, with a new autograd node
        result = args[0] if out is None and name == "__setitem__" and isinstance(args[0], torch.Tensor) else out
        outs = [o for o in (result if isinstance(result, (tuple, list)) else (result,)) if isinstance(o, torch.Tensor) and o.grad_fn is not None]
        if not outs:
            return out
        if self.step < 0 or (self.step_closed and not self.explicit_steps):
            self._next_step()
        if self.recording:
            self.busy = True
            try:
                self.updates.flush()
                self._record(name, args, kwargs, tensors, keys, outs, frame)
            finally:
                self.busy = False
        return out

    def _profiler_range(self, func, args, kwargs):
        """torch 1.13 opens a profiler range named "Optimizer.zero_grad#…" or "Optimizer.step#…" around an optimizer's
        zero_grad() and step(): their resets and updates are read from its param_groups at once, and the recorder is
        suspended inside (those are dozens of calls a step: every p.grad read, each parameter's in-place ops)."""
        handle = func(*args, **kwargs)
        what = "zero_grad" if args[0].startswith("Optimizer.zero_grad#") else "step" if args[0].startswith("Optimizer.step#") else None
        if what is not None:
            frame = sys._getframe(2)
            opt = optimizer_of(frame)
            if opt is not None:
                self.updates.optimizer_call(opt, what, frame, self.source)
                self.suspended = handle
                suspend(True)
        return handle

    def _resume(self):
        self.suspended = None
        suspend(False)

    # ── forward ─────────────────────────────────────────────────────────────
    def id_of(self, t, user=None):
        hit = self.ids.get(id(t))
        if hit is not None and hit[0] is t:
            return hit[1]
        if t.grad_fn is not None and user is not None and t.grad_fn not in self.owned:
            return self._adopt(t, user)
        name, is_param = self.names.tensor_name(t)
        if is_param:
            kind = "param"
        elif t.grad_fn is not None:
            kind = "activation"
        else:
            kind = "input" if (t.requires_grad or name or t.numel() != 1) else "constant"
        tid = self.table.snapshot(t, kind, name=name)
        if t.is_leaf and t.requires_grad:
            if name is None:
                name = "tensor#%d" % tid
                self.grad_leaves.setdefault(id(t), (t, name))
            self.updates.watch(t, name)
        self.ids[id(t)] = (t, tid)
        return tid

    def _record(self, name, args, kwargs, tensors, keys, outs, frame):
        first = outs[0]
        root = first.grad_fn
        if any(k is not None and k[0] is root and k[1] == first.output_nr for k in keys):
            return  # the op returned one of its inputs (x.contiguous(), x.to(x.dtype)): nothing new
        opname, operands = op_name(name, args)
        user = self.source.user_frames(frame)
        inputs = [self.id_of(t, user) for t in tensors]
        op_id = len(self.ops)
        var = self.source.assigned_var(user[0]) if user else None
        rec = {"id": op_id, "op": opname, "step": self.step, "inputs": inputs, "output": -1, "attrs": _attrs(args, kwargs)}
        if var:
            rec["var"] = var
        module = next((m for m in reversed(self.module_stack) if m), None)
        if module:
            rec["module"] = module
        stack = self.source.stack(user)
        if stack:
            top = stack[0]
            rec["loc"] = {"file": top["file"], "line": top["line"], "column": top["column"]}
        rec["stack"] = stack
        out_ids = []
        for k, o in enumerate(outs):
            tid = self.table.snapshot(o, "activation", op=op_id, name=var if k == 0 else None)
            self.ids[id(o)] = (o, tid)
            self.node_out[(o.grad_fn, o.output_nr)] = o
            out_ids.append(tid)
        rec["output"] = out_ids[0]
        if len(outs) > 1:  # split, chunk, unbind …: every output, each with its own upstream in the backward event
            rec["attrs"]["outputs"] = len(outs)
            rec["outputs"] = out_ids
        self.ops.append(rec)
        self.events.append({"kind": "forward", "op": op_id})
        wire(self, op_id, opname, operands, tensors, keys, inputs, outs)
        if self.retain:
            for k, o in enumerate(outs):
                self.retained.append((op_id, k, _Retained(o, len(outs) > 1)))

    def _adopt(self, t, user):
        """Records an op the mode did not see (torch 1.13 skips it for `x[tensor]`) from its output's autograd node."""
        node = t.grad_fn
        opname = re.sub(r"(?<!^)(?=[A-Z])", "_", re.sub(r"Backward\d*$", "", type(node).__name__)).lower()
        tensors = []
        for nf, _nr in node.next_functions:
            if nf is not None and type(nf).__name__ == "AccumulateGrad":
                tensors.append(nf.variable)
            elif nf is not None:
                known = self.node_out.get((nf, _nr))
                if known is not None:
                    tensors.append(known)
        var, loc = self.source.assignment_of(t, user[0]) if user else (None, None)
        inputs = [self.id_of(x) for x in tensors]
        op_id = len(self.ops)
        rec = {"id": op_id, "op": opname, "step": self.step, "inputs": inputs, "output": -1, "attrs": {}}
        if var:
            rec["var"] = var
        stack = self.source.stack(user)
        if loc:  # where its variable was assigned
            rec["loc"] = loc
            rec["stack"] = [dict(loc, name=stack[0]["name"])] + stack[1:]
        else:  # a temporary (`both[:5] @ W`): the line that uses it
            if user:
                rec["loc"] = self.source.loc(user[0])
            rec["stack"] = stack
        rec["output"] = self.table.snapshot(t, "activation", op=op_id, name=var)
        self.ids[id(t)] = (t, rec["output"])
        self.ops.append(rec)
        self.events.append({"kind": "forward", "op": op_id})
        wire(self, op_id, opname, (), tensors, [key_of(x) for x in tensors], inputs, [t])
        return rec["output"]

    # ── backward ────────────────────────────────────────────────────────────
    def _backward(self, func, args, kwargs):
        self.updates.flush()
        self.backward_calls += 1
        self.pass_totals = {}
        root = args[0] if args else None
        if self.done and not self.explicit_steps:
            self.steps_dropped += 1
        elif isinstance(root, torch.Tensor) and root.numel() == 1:
            self.note_loss(float(root.detach()))
        try:
            return func(*args, **kwargs)
        finally:
            self._flush_partial()
            self.step_closed = True

    def on_node(self, w, idx, grad_inputs, grad_outputs):
        if collect(w, idx, grad_inputs, grad_outputs):
            self.partial.discard(w)
            self._emit(w)
        elif w.fired == 1:
            self.partial.add(w)

    def _emit(self, w):
        busy, self.busy = self.busy, True
        try:
            if self.recording:
                emit(self, w)
            else:
                self.events_dropped += 1
        finally:
            self.busy = busy
            reset(w)

    def _flush_partial(self):
        """Ops some of whose nodes never ran (an output the loss does not use, as of torch.tensor_split): what reached them."""
        for w in sorted(self.partial, key=lambda w: -w.op):
            self._emit(w)
        self.partial.clear()

    # ── the end ────────────────────────────────────────────────────────────
    def final_params(self):
        self.updates.flush()
        out, seen = [], set()
        for name, t in self.names.parameters() + [(n, t) for (t, n) in self.grad_leaves.values()]:
            if id(t) in seen:
                continue
            seen.add(id(t))
            tid = self.table.snapshot(t, "param", name=name, always=True)
            grad = self.table.snapshot(t.grad, "grad", always=True) if t.grad is not None else None
            out.append({"name": name, "tensor": tid, "grad": grad})
        return out
