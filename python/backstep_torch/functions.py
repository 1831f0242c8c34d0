"""A user's torch.autograd.Function, as the TypeScript engine treats a defineFunction (src/autodiff/defineFunction.ts):
the ops its backward runs inside loss.backward() are recorded at their own lines (phase "backward"), and on its first
use its backward is checked against float64 central differences (function_check.py), a gradCheck event of source
"function" per input, at the class's definition."""
import ast
import inspect
import os
import sys

import torch

from .calls import op_name
from .checks import encode_fields
from .function_check import check_function

_FUNCTION = torch.autograd.Function
_BASE_APPLY = torch._C._FunctionBase.__dict__.get("apply")


class Functions:
    """Mixin of Recorder: wraps Function.apply for the run (install_functions) and each user Function's backward."""

    def init_functions(self):
        self.function_names = set()  # the user Functions' op names: their local derivative is the user's backward
        self.bw_grads = None  # inside a user backward being recorded: id → [a gradient it was given, its trace id]
        self._fn_checked, self._fn_backwards, self._fn_pending = set(), {}, []
        self._fn_codes = {}  # class → its own backward function (where the class is defined: _definition)
        self._fn_user = {}  # class → whether it is the user's (_users)

    def install_functions(self):
        """Wraps torch.autograd.Function.apply; returns the undo (which also restores each wrapped backward)."""
        if _BASE_APPLY is None or "apply" in _FUNCTION.__dict__:
            return lambda: None
        rec = self

        def apply(cls, *args, **kwargs):
            return rec._apply(cls, args, kwargs)

        _FUNCTION.apply = classmethod(apply)

        def restore():
            del _FUNCTION.apply
            for cls, original in self._fn_backwards.items():
                if original is None:
                    delattr(cls, "backward")
                else:
                    setattr(cls, "backward", original)
            self._fn_backwards = {}

        return restore

    def _apply(self, cls, args, kwargs):
        run = _BASE_APPLY.__get__(None, cls)
        if cls.__name__ == "BackwardHookFunction" and cls.__module__.startswith("torch."):
            out = run(*args, **kwargs)
            self._pass_through(args, out)
            return out
        if self.busy or self.done or not self._users(cls):
            return run(*args, **kwargs)
        self._wrap_backward(cls)
        wanted = any(isinstance(a, torch.Tensor) and a.requires_grad and a.is_floating_point() for a in args)
        findings = None
        if cls not in self._fn_checked and wanted and torch.is_grad_enabled():
            self._fn_checked.add(cls)
            busy, self.busy = self.busy, True
            try:
                with self.quiet():
                    findings = check_function(cls, run, args, kwargs)
            finally:
                self.busy = busy
        out = run(*args, **kwargs)
        if findings:
            self._fn_pending.append((out, cls, findings))
        self._adopt_now(out, args, sys._getframe(2))
        return out

    def _pass_through(self, args, out):
        """torch's module backward hooks (register_full_backward_hook) pass a layer's inputs and outputs through an
        identity Function: each tensor out is the trace's tensor that went in (forward.py's _hooked, for one not seen
        yet), so the variable `out = layer(x)` names the layer's op and no torch plumbing becomes an op."""
        outs = out if isinstance(out, (tuple, list)) else (out,)
        ins = [a for a in args if isinstance(a, torch.Tensor)]
        for a, o in zip(ins, outs):
            hit = self.ids.get(id(a))
            if isinstance(o, torch.Tensor) and hit is not None and hit[0] is a:
                self.ids[id(o)] = (o, hit[1])
                if o.grad_fn is not None:
                    self.node_out[(o.grad_fn, o.output_nr)] = o

    def _adopt_now(self, out, args, frame):
        """The application's op, recorded now when a step is being recorded (else when an op reads its output, the
        step's first op then): adopted later, a Function whose output only another Function read (`Scaled.apply(h, …)`
        of `h = MyTanh.apply(z)`) was never recorded, nor its check's op known."""
        first = out[0] if isinstance(out, (tuple, list)) and out else out
        if not (isinstance(first, torch.Tensor) and first.grad_fn is not None and torch.is_grad_enabled()):
            return
        user = self.source.user_frames(frame)
        if not user:
            return
        tensors = [a for a in args if isinstance(a, torch.Tensor)]
        # (the step's first op, as the mode's call would begin it: `a, b = Split2.apply(W)` first in an iteration)
        self.updates.flush()
        if self.step < 0 or (self.step_closed and not self.explicit_steps and self.begins(type(first.grad_fn).__name__, tensors, frame)):
            self._next_step()
        if not (self.recording and self.full and self.step >= 0 and not self.step_closed):
            return
        self.forward_since_backward = True
        self.made([first])
        self.busy = True
        try:
            for a in args:  # its arguments first: `W[0]`, which torch 1.13's mode does not see, is an input of its op
                if isinstance(a, torch.Tensor) and a.grad_fn is not None:
                    self.id_of(a, user)
            tid = self.id_of(first, user)
            op = self.table.op_of(tid)
            if op is not None:
                self.statements.op_made(user, op)  # `h = MyTanh.apply(z)`: its variable once bound
        finally:
            self.busy = False

    def _users(self, cls):
        """Whether the Function is the user's: its backward is in the user's files (not torch's, not a library's)."""
        known = self._fn_user.get(cls)
        if known is None:
            fn = inspect.getattr_static(cls, "backward", None)
            code = getattr(getattr(fn, "__func__", fn), "__code__", None)
            known = self._fn_user[cls] = code is not None and self.source.is_user(code.co_filename)
        return known

    def _wrap_backward(self, cls):
        if cls in self._fn_backwards or not callable(getattr(cls, "backward", None)):
            return
        self.function_names.add(cls.__name__)
        original = cls.__dict__.get("backward")
        fn = inspect.getattr_static(cls, "backward")
        fn = fn.__func__ if isinstance(fn, (staticmethod, classmethod)) else fn
        rec = self

        def backward(ctx, *grads):
            if rec.bw_grads is not None or rec.busy or rec.done or rec._mode is None or not (rec.recording and rec.full):
                return fn(ctx, *grads)
            if torch._C._len_torch_function_stack() > 0:  # (the mode is still on: entered twice, each op came twice)
                return fn(ctx, *grads)
            rec.bw_grads = {id(g): [g, None] for g in grads if isinstance(g, torch.Tensor)}
            # (torch 1.13's autograd engine runs the backward without the mode: entered again for its ops)
            rec._mode.__enter__()
            try:
                return fn(ctx, *grads)
            finally:
                rec._mode.__exit__(None, None, None)
                rec.bw_grads = None

        self._fn_backwards[cls] = original
        self._fn_codes[cls] = fn
        cls.backward = staticmethod(backward)

    # ── the backward's ops ─────────────────────────────────────────────────
    def backward_op(self, name, args, tensors, out, frame):
        """An op the user's backward ran: recorded at its line, phase "backward" (its inputs the gradients it was given
        and the tensors it saved; no backward event of its own: gradients are not differentiated, create_graph=False)."""
        outs = [o for o in (out if isinstance(out, (tuple, list)) else (out,)) if isinstance(o, torch.Tensor)]
        if not outs or not tensors or self.step < 0:
            return out
        self.busy = True
        try:
            self.statements.settle(moved_only=True)
            opname, _operands = op_name(name, args)
            user = self.source.user_frames(frame)
            inputs = [self._bw_input(t) for t in tensors]
            op_id = len(self.ops)
            rec = {"id": op_id, "op": opname, "trainingStep": self.step, "inputs": inputs, "output": -1, "attrs": {}, "phase": "backward"}
            stack = self.source.stack(user)
            if stack:
                rec["loc"] = {k: stack[0][k] for k in ("file", "line", "column")}
            rec["stack"] = stack
            out_ids = []
            for o in outs:
                tid = self.table.snapshot(o, "activation", op=op_id)
                self.ids[id(o)] = (o, tid)
                out_ids.append(tid)
            rec["output"] = out_ids[0]
            if len(outs) > 1:
                rec["outputs"] = out_ids
            self.ops.append(rec)
            self.events.append({"kind": "forward", "op": op_id})
            self.statements.op_made(user, op_id)
        finally:
            self.busy = False
        return out

    def _bw_input(self, t):
        hit = self.bw_grads.get(id(t))
        if hit is not None and hit[0] is t:
            if hit[1] is None:
                hit[1] = self.table.snapshot(t, "grad")
            return hit[1]
        known = self.ids.get(id(t))
        if known is None or known[0] is not t:
            saved = self._saved_as(t)
            if saved is not None:
                self.ids[id(t)] = (t, saved)
                return saved
        return self.id_of(t)

    def _saved_as(self, t):
        """The trace id of the recorded tensor that `t`, unpacked from ctx.saved_tensors (a new tensor object on the
        same memory), is: `y, = ctx.saved_tensors` then `y * y` read the Function's output, not a new input."""
        try:
            ptr, shape, dtype, version = t.data_ptr(), t.shape, t.dtype, t._version
            for entry in reversed(list(self.ids.values())):
                o = entry[0]
                if o.data_ptr() == ptr and o.shape == shape and o.dtype == dtype and o._version == version:
                    return entry[1]
        except RuntimeError:  # (a tensor without storage)
            pass
        return None

    # ── the first-use check's events ───────────────────────────────────────
    def function_adopted(self, t, op_id):
        """The op of a Function's application was recorded (Forward._adopt): its check's events follow it."""
        if self._fn_pending and any(p[0] is t for p in self._fn_pending):
            self.settle_function_checks()

    def settle_function_checks(self):
        """The gradCheck events of the checks made (at the op of their application when it was recorded)."""
        pending, self._fn_pending = self._fn_pending, []
        for out, cls, findings in pending:
            first = out[0] if isinstance(out, (tuple, list)) else out
            hit = self.ids.get(id(first))
            op = self.table.op_of(hit[1]) if hit is not None and hit[0] is first else None
            for f in findings:
                self._function_event(cls, f, op)

    def _definition(self, cls):
        """Where the Function is defined, `class MyReLU(torch.autograd.Function):`, found from its backward's code (the
        TypeScript trace's check is at the defineFunction call)."""
        code = getattr(self._fn_codes.get(cls), "__code__", None)
        tree = self.source.tree(code.co_filename) if code is not None else None
        if tree is None:
            return None
        line = code.co_firstlineno
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == cls.__name__ and node.lineno <= line <= node.end_lineno:
                return {"file": os.path.abspath(code.co_filename), "line": node.lineno, "column": node.col_offset + 1, "name": "<module>"}
        return None

    def _function_event(self, cls, f, op):
        if not (self.recording and self.full) or self.step < 0:
            if self.step >= 0:
                self.events_dropped += 1
            return
        busy, self.busy = self.busy, True
        try:
            t = f["tensor"]
            own = self.names.tensor_name(t)[0]
            hit = self.ids.get(id(t))
            if hit is not None and hit[0] is t:
                own = self.table.name_of(hit[1]) or own
            e = {"kind": "gradCheck", "source": "function", "label": "%s input %d%s" % (cls.__name__, f["input"], " (%s)" % own if own else "")}
            fields = dict(f["fields"])
            e["verdict"] = fields.pop("verdict")
            e["tensor"] = self.id_of(t)
            if op is not None:
                e["op"] = op
            e["input"] = f["input"]
            if f["manual"] is not None:
                e["manual"] = self.table.snapshot(f["manual"], "grad", owned=True)
            e["reference"] = self.table.snapshot(f["reference"], "grad", owned=True)
            encode_fields(fields)
            e.update(fields)
            if f["note"]:
                e["note"] = f["note"]
            site = self._definition(cls)
            if site is not None:
                e["loc"] = {k: site[k] for k in ("file", "line", "column")}
                e["stack"] = [site]
            self.events.append(e)
        finally:
            self.busy = busy
