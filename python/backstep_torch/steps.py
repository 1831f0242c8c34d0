"""Step bookkeeping of the recorder: where a training step begins, whether it keeps its full record, its loss."""
import contextlib
import functools
import math
import sys

import torch

from .loops import LATER, SAME
from .series import is_full_step
from .updates import step_closure


class StepCall:
    """An `opt.step(closure)` call being run: its optimizer, its profiler range's handle, the user's frame that called
    it, whether it is a step past max_steps (`dropped`), and how many backward passes its closure ran."""

    __slots__ = ("opt", "handle", "frame", "dropped", "passes")

    def __init__(self, opt, handle, frame, dropped):
        self.opt, self.handle, self.frame, self.dropped, self.passes = opt, handle, frame, dropped, 0


class Steps:
    """Mixin of Recorder: starts steps, stops recording past max_steps, keeps each step's loss."""

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
            with self.quiet():
                self.end_series_step()
            self.recording, self.done = False, True
            self.steps_dropped += 1
            return
        if index == self.step and not self.backward_open:
            # the step the program's top-level forward began (`print(loss_fn(model(x), y).item())` before any training)
            # is the first call's, as the TypeScript runner's: that forward was a step 0 of its own, without a loss
            self.step_closed = False
            return
        with self.quiet():
            self.end_series_step()
        self._start_step(index)

    def dropped_backward(self, frame):
        """A backward pass past max_steps (no step function): counted as a step that ran unrecorded unless it is in the
        step of the last one, as the TypeScript recorder counts a step past maxSteps once a backward pass runs in it
        (recorderSteps.ts `uncounted`). An evaluation after the training loop differentiates nothing and is no dropped
        step. Ops past max_steps are not looked at, so the loop decides alone: a backward pass in the iteration of the
        last one is its step's (a GAN's generator half, nanoGPT's next micro-batch: each counted as a step before).
        Outside that loop, one joins the last one's step until an update, unless the run neither updates nor resets
        gradients (then each is a step)."""
        if self.step_call is not None:  # counted when its opt.step(closure) call began
            return
        mark = self.loops.mark
        where = self.loops.iteration(frame) if frame is not None and mark is not None else None
        # (in a loop whose update waits for several micro-batches, `if (i + 1) % accum == 0: opt.step()`, a later
        # iteration's pass is the step's still until that update: see backward_ended)
        if where != SAME and not (self.dropped_open and (where is None or self.loop_updates())):
            self.steps_dropped += 1
        self.dropped_open = self.grads_managed or self.loop_updates()

    def dropped_update(self, frame):
        """An optimizer's step past max_steps: it ends the dropped step, and settles its training loop (the mark that
        tells the next backward pass's step from this one's, see LoopBook.settle)."""
        self.dropped_open = False
        self.loops.note(frame, settle=True)

    def closure_step(self, func, args, kwargs, frame):
        """`opt.step(closure)` begins (its profiler range opens: `func` opens it): a step of its own, which holds the
        closure's forward and backward passes and ends with the update, whose events are written when the call returns
        (end_closure_step). LBFGS runs its closure several times in one call (`max_iter`, its line search): all those
        evaluations are that one step, its loss the first evaluation's (the one step() returns), its update from the
        parameters before the call to those after it; the update's rule says how many backward passes the step holds.
        Suspended as a step() without a closure is, the recorder saw only the first call (before any op, when nothing
        suspends it), its update's `after` read at the end of the run, and every later call's closure was lost with
        stepsDropped 0. Not suspended, the optimizer's own calls reach the mode, and leave it at once (no grad mode):
        8 Linear(64, 64) layers under Adam, 30 steps, recorded in 7.8–11.2 s with a closure, 8.6–10.0 s without (the
        spread is the machine's). Returns the range's handle, or None when the call has no closure."""
        opt, _closure = step_closure(frame)
        if opt is None:
            return None
        handle = func(*args, **kwargs)
        user = self.source.user_frames(frame)
        if not self.done and not self.explicit_steps and (self.step < 0 or self.step_closed):
            # in the iteration of the last backward pass's loop, the step's still (a GAN's generator half after the
            # discriminator's update); in a later one, or outside that loop, the next step
            if self.step >= 0 and user and self.loops.mark is not None and self.loops.iteration(user[0]) == SAME:
                self.step_closed = False
            else:
                self._next_step()
        self.step_call = StepCall(opt, handle, user[0] if user else None, self.done)
        if self.done:  # past max_steps: one step, counted once, however many backward passes its closure runs
            if not self.explicit_steps:
                self.steps_dropped += 1
            return handle
        self.updates.flush()
        self.grads_managed = True  # its closure's backward passes and resets do not end the step: see grads_changed
        self.updates.call_begins(opt, frame, self.source)
        return handle

    def end_closure_step(self, func, args, kwargs):
        """The `opt.step(closure)` call's range ends: its update events, and the step ends."""
        out = func(*args, **kwargs)
        call, self.step_call = self.step_call, None
        if self.suspended is not None:  # (a range inside it that never ended)
            self._resume()
        if call.dropped:
            self.updates.call = None
            if not self.explicit_steps and call.frame is not None:
                self.dropped_update(call.frame)
            return out
        self.updates.call_ends("one step of %d backward passes" % call.passes if call.passes > 1 else "")
        self.grads_changed(True)
        if call.frame is not None:
            self.loops.note(call.frame, settle=True)
        return out

    def made(self, outs):
        """Outputs of an op of the current step (their autograd nodes: what joins() asks of an op's inputs)."""
        for o in outs:
            self.step_nodes.add(o.grad_fn)

    def note_root(self, root):
        """A backward pass from `root` begins: the step's loss, which ops after its update may use (joins)."""
        if self.step_call is not None:
            self.step_call.passes += 1
        if root.grad_fn is not None and len(self.step_roots) < 8:
            self.step_roots.append((root.grad_fn, root.output_nr))

    def begins(self, name, tensors, frame):
        """Whether an op of the graph, once its step closed without explicit steps, begins the next step (the
        TypeScript recorder's StepBook.opBegins). In a script whose backward pass ran in a loop, the loop decides
        (loops.py): an op later in that iteration is the step's, whatever it builds on (a GAN's generator half on new
        noise after the discriminator's update began a step of its own, each iteration two steps, the losses
        alternating), and one in a later iteration, or between two, begins the next step (the first iteration of a
        gradient accumulation, before any update told that gradients accumulate, was a step per micro-batch; a
        parameter's norm logged after the update was a step of its own). Outside that loop, joins decides."""
        where = self.loops.iteration(frame) if self.loops.mark is not None else None
        if where is not None:
            return where == LATER
        return not self.joins(name, tensors)

    def joins(self, name, tensors):
        """Whether an op, once its step closed without explicit steps, belongs to it still (the TypeScript recorder's
        StepBook.joins, src/trace/recorderSteps.ts). One building on the step's graph (an input is an output of its ops)
        reopens the step until its next update: a GAN's iteration updates its discriminator, then runs the generator's
        output (made in the step) through it for the generator's loss and updates the generator. One building only on
        a loss the step differentiated (makemore's `loss.log10().item()` after the update) joins it and leaves it
        closed, as does a read of the step's tensors without a parameter (a probability logged after the update).
        Before the run's first update or reset (grads_changed), indexing a parameter after the step's backward
        pass (makemore's `print(layers[0].weight[0, 0].item())` before its hand-written update) joins it: that update
        ends the step, and the read made a step of its own, with no loss. (Only a read: a loop that never updates, `loss
        = (w * w).sum()` then `loss.backward()`, starts each step with an op on parameters alone.) Any other op, on
        data, parameters or tensors of earlier steps, starts the next step."""
        if name == "__getitem__" and not self.grads_managed and self.backward_open and tensors:
            if all(t.grad_fn is None and t.requires_grad for t in tensors):
                return True
        builds = 0
        for t in tensors:
            node = t.grad_fn
            if node is None or node not in self.step_nodes:
                continue
            if (node, t.output_nr) not in self.step_roots:
                builds = 2
                break
            builds = 1
        if builds == 0 or (builds == 2 and self.step_final):
            return False
        # only a layer's op, one taking a parameter too, reopens: a read of the step's tensors after its update
        # (REINFORCE's `dist.probs` logged) joins it closed; reopened by it, the step took in the next iteration
        if builds == 2 and any(t.grad_fn is None and t.requires_grad for t in tensors):
            self.step_closed = False
            self.step_reopened = True
        return True

    def backward_ended(self):
        """A backward pass is over: the step ends here, unless an update or a reset will end it (grads_managed), or the
        loop it trains in calls an optimizer's `step` (its update will end it, once the run has made an optimizer:
        loop_updates; the TypeScript recorder's StepBook.backwardBegan). Before the run's first update, a loop
        accumulating micro-batches' gradients with its update under a condition (`if (i + 1) % accum == 0:
        opt.step()`) made each of its first micro-batches a step of its own, with no update."""
        self.backward_open = True
        self.forward_since_backward = False
        if self.explicit_steps or not (self.grads_managed or self.loop_updates()):
            self.step_closed = True

    def loop_updates(self):
        """Whether the loop around the last backward pass updates (its text calls a `step` method), once the run has
        made a torch.optim.Optimizer: an environment's `env.step()` in a loop that updates by hand, or not at all, is
        no update, and its backward passes were one step (the TypeScript recorder's StepBook.optimizerMade)."""
        mark = self.loops.mark
        return self.optimizer_made and mark is not None and mark.loop.updates

    def wrap_optimizer_init(self):
        """Notes an optimizer's construction (optimizer_made), before its first update: torch 1.13 has no hook for it,
        so Optimizer.__init__, which every optimizer's calls, is wrapped while the run is recorded. Returns the
        function that restores it."""
        cls = torch.optim.Optimizer
        original = cls.__dict__["__init__"]

        @functools.wraps(original)
        def __init__(opt, *args, **kwargs):
            self.optimizer_made = True
            return original(opt, *args, **kwargs)

        cls.__init__ = __init__
        return lambda: setattr(cls, "__init__", original)

    def grads_changed(self, update):
        """An optimizer's step (`update`) or a reset of gradients. Once a run does either, a step ends at its update, or
        at a reset after its backward pass, not at the backward pass: the backward passes between two updates
        (micro-batches accumulating their gradients) are one step, as PyTorch's training loops count them. A reset after
        the forward pass, just before its backward (makemore's `p.grad = None` then `loss.backward()`), prepares that
        pass and says nothing of accumulation: the step still ends at the pass (counted as the other resets, it ended
        each step after the next one's forward pass)."""
        if update and self.step_reopened:
            self.step_final = True
        if not update and self.forward_since_backward:
            return
        if update or self.backward_open:
            # (later passes in the step do not add to its loss: see note_loss; a reset before the step's first pass, the
            # next iteration's zero_grad() that began it, settles nothing: its second parameter's reset did, and the
            # step's loss was its first micro-batch's alone)
            self.loss_settled = True
        self.grads_managed = True
        if self.step_call is not None:  # the closure's reset, before its next evaluation: the call is one step
            return
        if not self.explicit_steps and (update or self.backward_open):
            self.step_closed = True

    def note_step_caller(self):
        """A backward pass runs: the functions named `step` it runs inside, before Backstep calls any (run.py asks
        whether the module's own code trained with its step(), which Backstep then does not call again)."""
        if self.explicit_steps:
            return
        f = sys._getframe(1)
        while f is not None:
            if f.f_code.co_name == "step":
                self.step_callers.add((f.f_code.co_filename, f.f_code.co_firstlineno))
            f = f.f_back

    def reset_begins(self, frame):
        """A reset of gradients, called from `frame`, in a later iteration of the loop whose step has closed (the next
        iteration's `opt.zero_grad()` before its first op) begins the next step, as the op after it would: its zeroGrad
        event is that step's, after the update events of the step before (the TypeScript recorder's
        StepBook.resetBegins). It was written at the end of the step before, after the update that had used the
        gradients it reset."""
        if (self.done or self.explicit_steps or not self.step_closed or self.step < 0 or self.step_call is not None
                or frame is None or self.loops.mark is None):
            return
        if self.loops.iteration(frame) == LATER:
            self._next_step()

    def _next_step(self):
        self.updates.flush()
        self.end_series_step()
        if self.step + 1 >= self.max_steps:
            self.recording, self.done = False, True
            return
        self._start_step(self.step + 1)

    def end_series_step(self):
        """Appends the statistics of the step being recorded to every series, once."""
        if self._series_step is not None:
            index, full = self._series_step
            self._series_step = None
            self.series.end_step(index, full, self.source)

    def _start_step(self, index):
        self.step = index
        self.full = is_full_step(self.policy, index, self.max_steps)
        self._series_step = (index, self.full)
        self.recording = True
        self.step_closed = False
        self.backward_open = False
        self.step_reopened = self.step_final = self.loss_settled = False
        self.loops.mark = None
        self.step_nodes.clear()
        self.step_roots.clear()
        # the statements the last step ended name their ops first, while their values' trace ids are known: the last
        # line of a loop's body (`norm = w.norm()` after `opt.step()`), settled at the next step's first op, was unnamed
        self.statements.settle(moved_only=True)
        self.ids.clear()
        if len(self.data_ids) > 1024:  # the data of earlier steps that is gone (a constant each step made)
            self.data_ids = {k: v for k, v in self.data_ids.items() if v[0]() is not None}
        self.owned.clear()
        self.node_out.clear()
        for h in self.handles:
            h.remove()
        self.handles = []
        self.names.new_step()
        self.losses.append(math.nan)
        if not self.full:  # statistics only: no step event, ops, tensors or other events
            self._step_event = None
            return
        self._step_event = {"kind": "step", "index": index}
        self.events.append(self._step_event)

    def note_loss(self, value, returned=False):
        """A scalar backward()'s root, or the scalar step() returned (`returned`: the step's loss in any case, as
        src/runner/session.ts takes it). Micro-batches accumulating their gradients for one update (a pass while the
        step is open, before its update or reset) add up, as the TypeScript recorder's StepLosses.root: the update
        follows the gradient of their roots' sum, the loss a loop sums for the step (`loss_accum += loss.item()`,
        build-nanogpt's `loss_accum += loss.detach()`); it was the first micro-batch's alone. Any other pass (a GAN's
        generator's after the discriminator's update, an LBFGS closure's re-evaluation) leaves the first one's."""
        if not (self.recording and 0 <= self.step < len(self.losses)):
            return
        before = self.losses[self.step]
        if not (returned or math.isnan(before)):
            # (a step function's call closes its step at each pass, yet is one step: its passes before an update add)
            if (self.step_closed and not self.explicit_steps) or self.loss_settled or self.step_call is not None:
                return
            value = before + value
        self.losses[self.step] = value
        # Trace.losses ends at the last step with a loss, as the TypeScript StepLosses.list(): a step of statements
        # after the loop (`print(model.weight.norm())`) has none, and its trailing NaN was Python's alone
        self.loss_end = max(self.loss_end, self.step + 1)
        if self._step_event is not None:
            self._step_event["loss"] = value
