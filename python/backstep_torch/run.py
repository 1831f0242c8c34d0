"""Runs a user's .py model under the recorder (the file top to bottom, then step() once per step) and builds the Trace."""
import builtins
import inspect
import json
import math
import os
import re
import signal
import sys
import threading
import time
import types
from importlib.machinery import SourceFileLoader

import torch

from . import checks
from .recorder import Recorder
from .tensors import encode_number

_SHAPE_ERROR = re.compile(r"shape|size of tensor|must match the size|cannot be multiplied|dimension|broadcast|mismatch|Expected .*size", re.I)


class RunTimeout(BaseException):
    """Raised in the model's thread when the time limit passes."""


class RunMemoryLimit(BaseException):
    """Raised in the model's thread when the runner finds the process over its memory limit (it sends SIGUSR1)."""


# the runner's signal that the process is over its memory limit (none on Windows, where the runner kills it instead)
_MEMORY_SIGNAL = getattr(signal, "SIGUSR1", None)


def _where(loc, program):
    rel = os.path.relpath(loc["file"], os.path.dirname(program))
    return "%s:%d:%d" % (loc["file"] if rel.startswith("..") else rel, loc["line"], loc["column"])


def _diagnostic(code, message, program, loc=None, severity="error"):
    d = {"severity": severity, "code": code, "message": "%s (at %s)" % (message, _where(loc, program)) if loc else message}
    if loc:
        d["loc"] = loc
    return d


def _error_loc(exc, source):
    """The innermost frame of the user's code in the exception's traceback."""
    tb, found = exc.__traceback__, None
    while tb is not None:
        if source.is_user(tb.tb_frame.f_code.co_filename):
            found = tb
        tb = tb.tb_next
    if found is None:
        return None
    code = found.tb_frame.f_code
    line, col, _, _ = source.position_at(code, found.tb_lasti, found.tb_lineno)
    return {"file": os.path.abspath(code.co_filename), "line": line, "column": source.column_of(code.co_filename, line, col)}


def diagnose(exc, rec, program, timeout_s):
    loc = _error_loc(exc, rec.source)
    if isinstance(exc, SyntaxError) and exc.filename and os.path.abspath(exc.filename) == program:
        loc = {"file": program, "line": exc.lineno or 1, "column": exc.offset or 1}
        return _diagnostic("syntax-error", "SyntaxError: %s" % exc.msg, program, loc)
    if isinstance(exc, RunTimeout):
        return _diagnostic("timeout", "The model ran longer than %g s and was stopped." % timeout_s, program, loc)
    if isinstance(exc, SystemExit):
        if exc.code is None or exc.code is False or exc.code == 0:
            # a script's `sys.exit(main())` ends as it ends when run plainly, with status 0: said, not an error
            return _diagnostic("runtime-error", "The model called sys.exit(%s): the run ended there with status 0, as a plain run does." % (exc.code,), program, loc, severity="info")
        rec.exit_status = exc.code if isinstance(exc.code, int) else 1  # (the run's status too: __main__.py)
        return _diagnostic("runtime-error", "The model called sys.exit(%s); the run ended there, a plain run's status %s. Remove the call: Backstep runs the model for you." % (exc.code, rec.exit_status), program, loc)
    if isinstance(exc, RunMemoryLimit):
        return _diagnostic("memory-limit", "The model went over the memory limit and was stopped.", program, loc)
    if isinstance(exc, MemoryError):
        return _diagnostic("memory-limit", "The model ran out of memory (MemoryError).", program, loc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    if isinstance(exc, (RuntimeError, ValueError, IndexError)) and rec.failure is not None and _SHAPE_ERROR.search(text):
        op, shapes = rec.failure
        return _diagnostic("shape-mismatch", "Shape mismatch in %s of %s: %s" % (op, " and ".join(str(s) for s in shapes), text), program, loc)
    return _diagnostic("runtime-error", "%s: %s" % (name, text), program, loc)


def _main_file(given):
    """`__file__` of a script `python3 <given>` runs: the path as given before Python 3.9; since, joined to the working
    folder when relative, not normalized (`./model.py` gives `/dir/./model.py`)."""
    if sys.version_info < (3, 9) or os.path.isabs(given):
        return given
    return os.path.join(os.getcwd(), given)


def _main_module(given):
    """The module `python3 <given>` runs the program as: named __main__, with the globals a script has (__spec__,
    __package__ and __cached__ None, a __loader__). Run in a plain dict, not sys.modules["__main__"], a class the program
    defines could not be pickled (`attribute lookup Box on __main__ failed`, torch.save(model) too), and dataclasses and
    typing.get_type_hints, which look the class's module up there, took a ClassVar for a field or raised NameError
    under `from __future__ import annotations`; __spec__ and __package__ read through to the builtins module's."""
    module = types.ModuleType("__main__")
    path = _main_file(given)
    module.__dict__.update(__file__=path, __builtins__=builtins, __spec__=None, __package__=None, __cached__=None,
                           __loader__=SourceFileLoader("__main__", path), __annotations__={})
    return module


def _step_of(namespace):
    """The module-level step() Backstep calls each step: one it can call without arguments. A helper of the program's own
    loop, `def step(xb, yb)`, is no such function (called, it raised `missing 2 required positional arguments` after
    the loop had trained, and the run failed): the program is then a script, its loop the run. A callable without a
    signature to read (a builtin) is called as before."""
    step = namespace.get("step")
    if not callable(step):
        return None
    try:
        signature = inspect.signature(step)
    except (TypeError, ValueError):
        return step
    try:
        signature.bind()
    except TypeError:
        return None
    return step


def _trained_with(rec, step):
    """Whether a backward pass of the module's own code ran inside `step` (Steps.note_step_caller)."""
    code = getattr(step, "__code__", None)
    return code is not None and (code.co_filename, code.co_firstlineno) in rec.step_callers


def run_file(program, steps=5, values="capped", max_per_tensor=100_000, max_per_trace=5_000_000, timeout_s=None, retain=False, record=True, policy=None, at_exit=None, args=()):
    """Runs `program` and returns (recorder, namespace). With record=False, runs it under the same contract without recording.
    `policy`: which steps keep their full record ({"last": K, "every": N, "steps": [...]}; None: every step).
    `at_exit(rec)`: called with the finished recorder when the model ends the process itself with os._exit, which
    returns to no caller (see _wrap_exit). `args`: the program's own arguments, its sys.argv[1:]."""
    given, program = program, os.path.abspath(program)
    started = time.time()
    main = _main_module(given)
    namespace = main.__dict__
    rec = Recorder(program, namespace, steps, values, max_per_tensor, max_per_trace, retain, policy)
    old_argv, old_path, old_main = sys.argv, list(sys.path), sys.modules.get("__main__")
    sys.modules["__main__"] = main  # for the run; the runner's own module after
    sys.argv = [given, *args]  # as `python3 model.py …` gives it: the path as given (a script printing it prints the same)
    sys.path.insert(0, os.path.dirname(program))
    old_alarm = None
    if timeout_s:
        def on_alarm(_signum, _frame):
            raise RunTimeout()
        old_alarm = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
    if _MEMORY_SIGNAL is not None:
        def on_memory(_signum, _frame):
            raise RunMemoryLimit()
        signal.signal(_MEMORY_SIGNAL, on_memory)
    finish = _run_end(rec, record, timeout_s, old_alarm, old_argv, old_path, old_main, started)
    _wrap_exit(rec, program, finish, at_exit)
    try:
        with open(program, encoding="utf-8") as f:
            text = f.read()
        code = compile(text, program, "exec")
        if record:
            # a check after backward() reads a computed tensor's gradient from that pass, kept only for a program that
            # names expect_grad (src/runner/session.ts decides the same for expectGrad)
            rec.keep_grads = re.search(r"\bexpect_grad\b", text) is not None
            checks.activate(rec)
            rec.install()
        else:
            rec.install_counter()
        exec(code, namespace)
        step = _step_of(namespace)
        if step is not None and _trained_with(rec, step):
            # the file's own code trains with its step() (`for i in range(3): step()` under `if __name__ == "__main__":`):
            # called on up to the run's steps, it trained the model beyond what `python model.py` does, and the trace's
            # last steps and final parameters were no plain run's
            if record:
                rec.diagnostics.append(_diagnostic("truncated", "step() was not called: the file's own code trains with it, and its run is the trace (as `python %s` runs it)." % os.path.basename(program), program, severity="info"))
            step = None
        if step is not None:
            # numbered on from the steps the module's own code ran (its `if __name__ == "__main__":` loop), as the
            # TypeScript runner numbers its calls of a default export after a top-level loop: from 0 again, two steps
            # had one index and the later call's loss overwrote the earlier step's. A step without a backward pass (a
            # forward at top level, no training) is the first call's: see Steps.begin_step
            first = rec.step + 1 if rec.step < 0 or rec.backward_open else rec.step
            # the calls take the steps the module's loop left: past them a call ran unrecorded, training the model
            # beyond what its trace shows (and `python model.py` never calls step() at all)
            calls = steps - first if record else steps
            if record and calls <= 0:
                rec.diagnostics.append(_diagnostic("truncated", "step() was not called: the file's own loop recorded the run's %d step(s) before it (raise maxSteps / --steps to record calls after the loop too)." % steps, program, severity="info"))
            for i in range(max(0, calls)):
                if record:
                    rec.begin_step(first + i)
                before = rec.backward_calls
                result = step()
                if isinstance(result, torch.Tensor) and result.numel() == 1:
                    if rec.backward_calls == before and result.requires_grad and (record or result.grad_fn is not None):
                        result.backward()
                    rec.note_loss(float(result.detach()), returned=True)
                elif type(result) in (int, float) and math.isfinite(result):  # `return total / n`, `return loss.item()`
                    rec.note_loss(float(result), returned=True)
    except BaseException as exc:  # the model's own failure ends the run, with what was recorded so far
        if not record:
            raise
        rec.diagnostics.append(diagnose(exc, rec, program, timeout_s))
    finally:
        finish()
    return rec, namespace


def _run_end(rec, record, timeout_s, old_alarm, old_argv, old_path, old_main, started):
    """What ends a run, once: the recorder out of torch, the last step's statistics settled, the process as it was."""
    done = []

    def finish():
        if done:
            return
        done.append(True)
        os._exit = _REAL_EXIT
        # (signal.signal raises ValueError outside the main thread: a watchdog thread's os._exit ends the run too)
        main_thread = threading.current_thread() is threading.main_thread()
        if timeout_s:
            signal.setitimer(signal.ITIMER_REAL, 0)
            if main_thread:
                signal.signal(signal.SIGALRM, old_alarm)
        if _MEMORY_SIGNAL is not None and main_thread:
            # while the trace is written, a second signal must not end the process (SIGUSR1's default does)
            signal.signal(_MEMORY_SIGNAL, signal.SIG_IGN)
        rec.uninstall()
        if record:
            checks.activate(None)
            rec.settle_grad_checks(final=True)  # a check stated before a backward() that never reached its tensor
        rec.updates.flush()  # the last step's update, into its statistics
        rec.end_series_step()
        sys.argv, sys.path[:] = old_argv, old_path
        if old_main is not None:
            sys.modules["__main__"] = old_main
        else:
            sys.modules.pop("__main__", None)
        rec.duration_ms = (time.time() - started) * 1000
    return finish


_REAL_EXIT = os._exit


def _wrap_exit(rec, program, finish, at_exit):
    """os._exit while the model runs: some scripts end with os._exit(0) after saving, to skip a slow teardown or
    DataLoader workers that hang. It ends the process at once, before run_file returns to write the trace: `backstep
    trace` said "The Python recorder failed (exit code 0)" of a run that trained 3 steps. The run ends first, as
    sys.exit() ends it (an info for status 0, else an error), its trace is written (at_exit), then the process exits
    with the model's status."""
    pid = os.getpid()

    def exit_now(status):
        if os.getpid() != pid:  # a forked child (multiprocessing's workers end with os._exit): no run of its own
            _REAL_EXIT(status)
        try:
            user = rec.source.user_frames(sys._getframe(1))
            loc = rec.source.loc(user[0]) if user else None
            if status == 0:
                d = _diagnostic("runtime-error", "The model called os._exit(0): the run ended there with status 0, as a plain run does.", program, loc, severity="info")
            else:
                d = _diagnostic("runtime-error", "The model called os._exit(%s); the run ended there, a plain run's status %s." % (status, status), program, loc)
                rec.exit_status = status
            rec.diagnostics.append(d)
            finish()
            if at_exit is not None:
                at_exit(rec)
        finally:
            _REAL_EXIT(status)

    os._exit = exit_now


def build_trace(rec):
    """The recorded run as a `backstep-trace` v1 dict, JSON-ready (NaN/±Inf as strings, as src/trace/json.ts reads them)."""
    params = rec.final_params() if not any(d["code"] == "syntax-error" for d in rec.diagnostics) else []
    diagnostics = list(rec.diagnostics)
    if not rec.ops and not diagnostics:
        diagnostics.append(_diagnostic("no-backward", "Nothing to trace: %s ran without a single tensor op that requires grad. Build a model with torch (parameters, or tensors with requires_grad=True) and compute a loss, or define step() that returns it." % rec.program, rec.program))
    elif rec.ops and rec.backward_calls == 0 and not any(d["severity"] == "error" for d in diagnostics):
        diagnostics.append(_diagnostic("no-backward", "The model never called backward(): only the forward pass was recorded. Call loss.backward(), or return the loss from step().", rec.program, severity="warning"))
    for e in rec.events:
        if e["kind"] == "step" and "loss" in e:
            e["loss"] = encode_number(e["loss"])
    series = {"series": rec.series.json(rec.losses)} if rec.series.steps else {}
    return {
        "format": "backstep-trace",
        "version": 1,
        "language": "python",
        "program": rec.program,
        "ops": rec.ops,
        "tensors": rec.table.finish(),
        "events": rec.events,
        "params": params,
        "diagnostics": diagnostics,
        "losses": [encode_number(v) for v in rec.losses[:rec.loss_end]],
        "truncated": {"valuesDropped": rec.table.values_dropped, "eventsDropped": rec.events_dropped, "stepsDropped": rec.steps_dropped},
        "durationMs": getattr(rec, "duration_ms", 0),
        "runtime": {"python": sys.version.split()[0], "torch": torch.__version__},
        **series,
    }


# The per-op arrays, written LINE elements a line, as src/trace/json.ts's writeTraceFile writes a trace: still one JSON
# document, and its reader (parseTraceData) reads it a line at a time. As one line, a trace of over ~512 MB of JSON
# (a few hundred thousand ops) was more than one JavaScript string holds, and Backstep could not read it.
BIG = ("ops", "tensors", "events")
LINE = 1024


def write_trace(trace, path):
    def dump(v):
        return json.dumps(v, allow_nan=False, separators=(",", ":"))

    # format and version first: a reader tells what it reads from the first line
    head = {"format": trace["format"], "version": trace["version"]}
    head.update((k, v) for k, v in trace.items() if k not in BIG)
    with open(path, "w", encoding="utf-8") as f:
        f.write(dump(head)[:-1] + ",\n")
        for k, key in enumerate(BIG):
            items = trace[key]
            f.write(json.dumps(key) + ":[\n")
            for i in range(0, len(items), LINE):
                f.write(dump(items[i:i + LINE])[1:-1] + (",\n" if i + LINE < len(items) else "\n"))
            f.write("],\n" if k < len(BIG) - 1 else "]\n")
        f.write("}\n")
