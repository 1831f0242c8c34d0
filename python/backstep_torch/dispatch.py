"""How the recorder's TorchFunctionMode is entered: torch's own way, with a leaner trampoline on torch 1.13."""
import torch
import torch.overrides as overrides

# torch 1.13 reaches the mode on top of its Python mode stack through overrides._TorchFunctionStackMode, whose
# __torch_function__ pops the mode in a contextmanager: ~10 µs a call, and a small model's step makes ~60 calls (every
# `p.grad` an optimizer reads is one), which alone doubled a small MLP's step. torch 2.x does this in C++.
_STACK_MODE = getattr(overrides, "_TorchFunctionStackMode", None)
_C = torch._C
_LEAN = _STACK_MODE is not None and all(
    hasattr(_C, n) for n in ("_pop_torch_function_stack", "_push_on_torch_function_stack", "_len_torch_function_stack", "_set_torch_function_mode")
)

if _LEAN:
    _pop, _push, _len, _set = _C._pop_torch_function_stack, _C._push_on_torch_function_stack, _C._len_torch_function_stack, _C._set_torch_function_mode

    class _LeanStackMode(_STACK_MODE):
        """torch 1.13's trampoline with the same steps (pop the top mode, call it, push it back) and no contextmanager."""

        def __torch_function__(self, func, types, args=(), kwargs=None):
            if _PASS_READS and _len() == 1 and (getattr(func, "__name__", None) == "__get__" or (_SUSPENDED and func.__name__ != "_record_function_exit")):
                # a property read (`p.grad`, `x.shape`): no mode records those, and they are most of the calls; or any
                # call while the recorder is suspended (inside an optimizer's step, until its profiler range ends)
                _set(None)
                try:
                    return func(*args, **(kwargs or {}))
                finally:
                    _set(self)
            mode = _pop()
            _set(self if _len() > 0 else None)
            try:
                return mode.__torch_function__(func, types, args, kwargs)
            finally:
                if _len() == 0:
                    _set(self)
                _push(mode)


# Whether the one mode on the stack passes every property read (__get__) through unchanged: the trampoline runs
# those reads itself.
_PASS_READS = False
_SUSPENDED = False


def suspend(on):
    """Lets every call but a profiler range's end through unrecorded (the recorder is told nothing until then)."""
    global _SUSPENDED
    _SUSPENDED = on


class Dispatch:
    """Enters a TorchFunctionMode for the run and leaves torch exactly as it was."""

    def __init__(self, mode, passes_reads=False):
        self.mode = mode
        self.passes_reads = passes_reads
        self._patched = False

    def enter(self):
        global _PASS_READS
        # only when no other mode is active: another mode's code may hold torch's trampoline class
        if _LEAN and _C._len_torch_function_stack() == 0:
            overrides._TorchFunctionStackMode = _LeanStackMode
            _PASS_READS = self.passes_reads
            self._patched = True
        self.mode.__enter__()

    def exit(self):
        global _PASS_READS
        try:
            # torch's mode stack is per thread: a run ended from another thread (a watchdog's os._exit, run._wrap_exit)
            # finds it empty there, and popping raised "trying to pop from empty mode stack" before the trace was written
            if _C._len_torch_function_stack() > 0:
                self.mode.__exit__(None, None, None)
        finally:
            if self._patched:
                overrides._TorchFunctionStackMode = _STACK_MODE
                _PASS_READS = False
                suspend(False)
                self._patched = False

