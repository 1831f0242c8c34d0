"""The recorder: records the user's torch calls as ops (a TorchFunctionMode) and their backward (autograd-node hooks)."""
import sys

import torch

from .backward import Backward
from .calls import NOT_OPS, op_name, tensors_in
from .checks import Checks
from .dispatch import Dispatch, suspend
from .forward import Forward, returns_input
from .functions import Functions
from .loops import LoopBook
from .modes import CountingMode, RecordingMode
from .names import Names
from .source import SourceMap
from .statements import Statements
from .series import Series
from .setup_calls import wrap_setup
from .steps import Steps
from .recurrent import name_recurrent
from .reset_grads import ResetGrads
from .tensors import TensorTable
from .updates import Updates, is_inplace, optimizer_of
from .wiring import key_of


class Recorder(Steps, Forward, Backward, Checks, Functions):
    """One run's recording: the mode's entry point (`call`), what it installs in torch, the final parameters; its
    forward, backward and step roles are the mixins'."""

    def __init__(self, program, namespace, max_steps=5, values="capped", max_per_tensor=100_000, max_per_trace=5_000_000, retain=False, policy=None):
        self.program = program
        self.max_steps = max_steps
        self.policy = policy  # which steps keep their full record (None: all); every step keeps its statistics
        self.full = True
        self.series = Series(policy, self.quiet)
        self._series_step = None  # (index, full) of the step whose statistics are being gathered
        self.table = TensorTable(values, max_per_tensor, max_per_trace)
        self.source = SourceMap()
        self.names = Names(namespace)
        self.statements = Statements(self)
        self.updates = Updates(self)
        self.reset_grads = ResetGrads(self)
        self.ops, self.events, self.losses, self.diagnostics = [], [], [], []
        self.loss_end = 0  # 1 + the last step with a loss: Trace.losses ends there (see Steps.note_loss)
        self.step = -1
        self.recording = False
        self.done = False
        self.step_closed = False
        self.grads_managed = False  # the run updates or resets gradients: see Steps.grads_changed
        self.optimizer_made = False  # a torch.optim.Optimizer was made (or updated): see Steps.loop_updates
        self.backward_open = False
        self.forward_since_backward = False  # an op of the graph ran since the last backward pass: see grads_changed
        self.explicit_steps = False
        self.steps_dropped = 0
        self.dropped_open = False  # a backward pass past max_steps was counted, and no update since: see dropped_backward
        self.events_dropped = 0
        self.backward_calls = 0
        self.ids = {}
        self.data_ids = {}  # a tensor without gradient → (a weak reference to it, its trace id, its _version, its values_print): Forward.id_of
        self.owned = set()
        self.node_out = {}
        self.step_nodes = set()  # autograd nodes of the current step's op outputs, and its losses': see Steps.joins
        self.step_roots = []
        self.step_reopened = self.step_final = False
        self.loops = LoopBook(self.source)  # the loop around the last backward pass: see Steps.begins
        self.handles = []
        self.grad_leaves = {}
        self.pass_totals = {}
        self.partial = set()
        self.module_stack = []
        self.busy = False
        self.failure = None
        self.step_callers = set()  # (file, first line) of the `step` functions backward passes ran in: note_step_caller
        self.exit_status = 0  # the status a plain run exits with, when the model chose one (sys.exit(3), os._exit(3))
        self.retain = retain
        self.retained = []
        self._step_event = None
        self.suspended = None  # the profiler range of an optimizer call the recorder waits out
        self.step_call = None  # the opt.step(closure) call being run: see Steps.closure_step
        self._mode = None
        self._dispatch = None
        self._module_hooks = []
        self._restore_zero_grad = self._restore_optimizer = None
        self._restore_setup = None  # undoes setup_calls.wrap_setup
        self.pending_checks = []  # expect_grad's checks waiting for their gradient (checks.py)
        self.keep_grads = False  # the program names expect_grad: op outputs' gradients are kept (last_grads)
        self.last_grads = {}
        self.leaf_rows = []  # (weak reference to a leaf that is no nn.Parameter, its snapshot's id): see settle_kinds
        self._restore_functions = None  # undoes install_functions
        self.init_functions()

    # ── installing and removing ────────────────────────────────────────────
    def install(self):
        mod = torch.nn.modules.module
        self._module_hooks = [mod.register_module_forward_pre_hook(self._enter_module), mod.register_module_forward_hook(self._leave_module)]
        self._mode = RecordingMode(self)
        self._dispatch = Dispatch(self._mode, passes_reads=True)
        self._dispatch.enter()
        self._wrap_zero_grad()
        self._restore_optimizer = self.wrap_optimizer_init()
        self._restore_setup = wrap_setup(self)
        self._restore_functions = self.install_functions()

    def _wrap_zero_grad(self):
        """nn.Module.zero_grad() says the run resets gradients (grads_changed) even when they are all None, as in the
        first iteration of DCGAN's `netD.zero_grad()`; the mode sees nothing of it then (no p.grad.zero_()), and that
        iteration's discriminator pass was a step of its own, the rest of the iteration another. Restored by uninstall."""
        cls = torch.nn.Module
        original = cls.__dict__["zero_grad"]

        def zero_grad(module, *args, **kwargs):
            self.reset_grads.before(module.parameters())
            if not self.done:
                self.grads_changed(False)
                self.loops.note(sys._getframe(1), settle=not self.forward_since_backward)
            return original(module, *args, **kwargs)

        zero_grad.__wrapped__ = original
        cls.zero_grad = zero_grad
        self._restore_zero_grad = lambda: setattr(cls, "zero_grad", original)

    def install_counter(self):
        """Only counts backward() calls: the contract without recording (PyTorch's own run, to compare with)."""
        self._mode = CountingMode(self)
        self._dispatch = Dispatch(self._mode, passes_reads=True)
        self._dispatch.enter()

    def uninstall(self):
        self._resume()
        if self._mode is not None:
            self._dispatch.exit()
            self._mode = None
        if self._restore_zero_grad is not None:
            self._restore_zero_grad()
            self._restore_zero_grad = None
        if self._restore_optimizer is not None:
            self._restore_optimizer()
            self._restore_optimizer = None
        if self._restore_setup is not None:
            self._restore_setup()
            self._restore_setup = None
        if self._restore_functions is not None:
            self._restore_functions()
            self._restore_functions = None
        for h in self._module_hooks + self.handles:
            h.remove()
        self._module_hooks, self.handles = [], []

    # The modules being run, outermost first, each with the frame of the call that runs it, kept whether or not a
    # step is being recorded: a training step begins at its first op, inside the modules already entered (`model(x)` →
    # `model.inp` → `model.inp.0`'s linear).
    def _enter_module(self, module, _inputs):
        self.module_stack.append((module, sys._getframe(1)))

    def _leave_module(self, module, _inputs, _output):
        stack = self.module_stack
        if any(m is module for m, _ in stack):
            while stack.pop()[0] is not module:
                pass

    def current_module(self, frame, pop=True):
        """The path of the innermost module running `frame` (an op's caller) that the user's namespace names, else None.
        An entry whose call is not among frame's callers is a forward that raised (caught by the user): skipped, and
        dropped when on top (`pop`: when `frame` is the op's caller; an outer frame is not inside every module running).
        Each entry's call is looked for up the callers from where the last one was found."""
        stack = self.module_stack
        f = frame
        for i in range(len(stack) - 1, -1, -1):
            m, call = stack[i]
            g = f
            while g is not None and g is not call:
                g = g.f_back
            if g is None:
                if pop and i == len(stack) - 1:
                    stack.pop()
                continue
            path = self._method_module(f, call) or self.names.module_path(m)
            if path:
                return path
            f = g
        return self._method_module(f, None)

    def _method_module(self, frame, stop):
        """The path of the module whose method (other than a forward the hooks see) runs `frame`, innermost first, up to
        the frame `stop`: a VAE's `model.encode(x)` called from the training loop, or a submodule's `self.dec.sample(z)`
        in a forward, whose ops had no module, or the outer one's (as the TypeScript engine's module methods now)."""
        g = frame
        while g is not None and g is not stop:
            code = g.f_code
            if code.co_argcount and code.co_varnames[0] == "self" and self.source.is_user(code.co_filename):
                s = g.f_locals.get("self")
                if isinstance(s, torch.nn.Module):
                    path = self.names.module_path(s)
                    if path:
                        return path
            g = g.f_back
        return None

    # ── the mode's entry point ─────────────────────────────────────────────
    def call(self, func, args, kwargs):
        name = getattr(func, "__name__", "")
        if name == "_record_function_exit" and self.step_call is not None and args and args[0] is self.step_call.handle:
            return self.end_closure_step(func, args, kwargs)
        if self.suspended is not None:
            if name == "_record_function_exit" and args and args[0] is self.suspended:
                self._resume()
            return func(*args, **kwargs)
        if name == "_record_function_enter" and args and isinstance(args[0], str):
            if args[0].startswith("Optimizer."):  # (one made before the recorder was installed)
                self.optimizer_made = True
            if args[0].startswith("Optimizer.zero_grad#"):  # before the first op too: gradients then accumulate until an update
                self.grads_changed(False)
                opt = optimizer_of(sys._getframe(1))
                if opt is not None:
                    self.reset_grads.before(p for group in opt.param_groups for p in group["params"])
            elif self.step_call is None and not self.busy and args[0].startswith("Optimizer.step#"):
                handle = self.closure_step(func, args, kwargs, sys._getframe(2))  # before the first op too
                if handle is not None:
                    return handle
            if self.recording and not self.busy:
                return self._profiler_range(func, args, kwargs)
            if self.done and not self.explicit_steps and args[0].startswith("Optimizer.step#"):
                self.dropped_update(sys._getframe(1))
        if name in NOT_OPS:  # the most frequent calls (an optimizer reads p.grad several times a parameter): kept short
            if name == "__set__" and not self.recording and not self.busy and len(args) > 1 and args[1] is None:
                if getattr(getattr(func, "__self__", None), "__name__", None) == "grad":  # `p.grad = None`, unrecorded
                    self.reset_grads.before(args[:1], copy=False)
            elif name == "__set__" and self.recording and not self.busy:
                what = getattr(getattr(func, "__self__", None), "__name__", None)
                if what == "grad":
                    self.updates.before_reset(name, args, sys._getframe(2), self.source)
                elif what == "data" and self.updates.params:  # `W.data = W.data - lr * W.grad`: an update by hand
                    self.updates.before_inplace(args, sys._getframe(2), self.source)
            return func(*args, **kwargs)
        if self.busy:
            return func(*args, **kwargs)
        if name == "backward":
            return self._backward(func, args, kwargs, sys._getframe(2))
        if name == "zero_" and args and self.updates.params and not self.recording:  # `p.grad.zero_()`, unrecorded
            self.reset_grads.zeroing(args[0])
        if self.done:
            return func(*args, **kwargs)
        frame = sys._getframe(2)
        if self.updates.params and is_inplace(name):
            if name == "zero_" and self.recording:
                self.updates.before_reset(name, args, frame, self.source)
            self.updates.before_inplace(args, frame, self.source)
        tensors = tensors_in(args, kwargs)
        keys = [key_of(t) for t in tensors] if torch.is_grad_enabled() else ()
        if any(keys) and self.recording and self.full and self.step >= 0 and not self.step_closed and args and (name == "__setitem__" or is_inplace(name)):
            self._before_write(args[0], frame)
        # an in-place op's local derivative reads its operand as it was before the op wrote into it (mul_'s ∂/∂c is the
        # old z, log_'s 1/x the old x): a copy of it, taken now
        before = None
        if self.recording and self.full and any(keys) and args and isinstance(args[0], torch.Tensor) and is_inplace(name):
            before = (args[0], args[0].detach().clone())
        try:
            out = self._grad_pass(func, args, kwargs) if func is torch.autograd.grad else func(*args, **kwargs)
        except Exception:
            if self.failure is None:
                self.failure = (op_name(name, args)[0], [list(t.shape) for t in tensors])
            raise
        if self.bw_grads is not None:  # an op of a user Function's backward (functions.py)
            return self.backward_op(name, args, tensors, out, frame)
        if not any(keys):
            return out
        # `g[:, 0] = v` returns nothing: its result is the tensor it wrote into, with a new autograd node
        result = args[0] if out is None and name == "__setitem__" and isinstance(args[0], torch.Tensor) else out
        outs = [o for o in (result if isinstance(result, (tuple, list)) else (result,)) if isinstance(o, torch.Tensor) and o.grad_fn is not None]
        if not outs:
            return out
        # the updates and resets pending since the last op are recorded first: they may end its step (grads_changed)
        self.updates.flush()
        if self.step < 0 or (self.step_closed and not self.explicit_steps and self.begins(name, tensors, frame)):
            self._next_step()
        self.forward_since_backward = True
        self.made(outs)
        if self.recording:
            self.busy = True
            try:
                if not returns_input(keys, outs):
                    module = self.current_module(frame)
                    if self.full:
                        self._record(name, args, kwargs, tensors, keys, outs, frame, module, before)
                    self._series_forward(name, args, tensors, outs, frame, module)
            finally:
                self.busy = False
        return out

    def _before_write(self, t, frame):
        """An in-place op of the graph is about to write into `t`: a tensor not seen yet gets its trace id now, with the
        values it has before the write (`out = torch.zeros(…)` then `out.index_add_(0, idx, y)`), and one made by an op
        the mode did not see (a custom autograd Function's output, then `d += 1`) is adopted first. Taken after the
        write, its id was the op's own result: the in-place op was recorded twice, and the op before it lost."""
        if not isinstance(t, torch.Tensor) or self.ids.get(id(t), (None,))[0] is t:
            return
        self.busy = True
        try:
            self.id_of(t, self.source.user_frames(frame))
        finally:
            self.busy = False

    def _profiler_range(self, func, args, kwargs):
        """torch 1.13 opens a profiler range named "Optimizer.zero_grad#…" or "Optimizer.step#…" around an optimizer's
        zero_grad() and step(): their resets and updates are read from its param_groups at once, and the recorder is
        suspended inside (those are dozens of calls a step: every p.grad read, each parameter's in-place ops). A
        step(closure) call is not: its closure's passes are its step's (Steps.closure_step)."""
        handle = func(*args, **kwargs)
        what = "zero_grad" if args[0].startswith("Optimizer.zero_grad#") else "step" if args[0].startswith("Optimizer.step#") else None
        if what is not None:
            frame = sys._getframe(2)
            opt = optimizer_of(frame)
            if opt is not None:
                self.loops.note(frame, settle=what == "step" or not self.forward_since_backward)
                self.updates.optimizer_call(opt, what, frame, self.source)
                self.suspended = handle
                suspend(True)
        return handle

    def _resume(self):
        self.suspended = None
        suspend(False)

    # ── the end ────────────────────────────────────────────────────────────
    def final_params(self):
        """The run's parameters at its end (Trace.params), each of kind "param" when its op snapshots are (settle_kinds)."""
        self.updates.flush()
        self.statements.settle()
        name_recurrent(self.ops, self.table)  # (after the program's own names)
        self.settle_function_checks()
        self.settle_kinds()
        out, seen, trained = [], set(), self.updates.trained
        for name, t in self.names.parameters() + [(n, t) for (t, n) in self.grad_leaves.values()]:
            if id(t) in seen or self.names.superseded(t, name) or not self.updates.keeps(t):
                continue
            seen.add(id(t))
            kind = "param" if isinstance(t, torch.nn.Parameter) or trained.get(id(t)) is t else "input"
            tid = self.table.snapshot(t, kind, name=name, always=True)
            g = self.reset_grads.grad(t)
            grad = self.table.snapshot(g, "grad", always=True) if g is not None else None
            out.append({"name": name, "tensor": tid, "grad": grad})
        return out
