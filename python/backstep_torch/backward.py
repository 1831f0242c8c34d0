"""The backward pass into the trace: a backward() call, and each op's backward event once its nodes have run."""
import torch

from .wiring import collect, emit, reset


class Backward:
    """Mixin of Recorder: wraps backward() (the loss, the step's end) and emits backward events from the node hooks."""

    def _backward(self, func, args, kwargs, frame=None):
        self.updates.flush()
        self.statements.settle(moved_only=True)
        if self._fn_pending:
            self.settle_function_checks()
        self.backward_calls += 1
        self.note_step_caller()
        self.pass_totals = {}
        root = args[0] if args else None
        if self.done and not self.explicit_steps:
            self.dropped_backward(frame)
        elif isinstance(root, torch.Tensor) and root.numel() == 1:
            self.note_loss(float(root.detach()))
        if isinstance(root, torch.Tensor):
            self.note_root(root)
        if frame is not None and not self.explicit_steps:
            self.loops.backward_began(frame)
        if self.recording:
            self.series.backward_begins(self.source)
        try:
            return func(*args, **kwargs)
        finally:
            self._flush_partial()
            if self.pending_checks:
                self.settle_grad_checks()
            self.backward_ended()

    def _grad_pass(self, func, args, kwargs):
        """torch.autograd.grad's backward pass (a gradient penalty's, in the forward pass): its ops' events, each with
        what reached it in this pass. An op some of whose nodes it did not run (a layer's weight: only ∂/∂inputs was
        asked for) stayed half-collected, and loss.backward() then emitted it with this pass's upstream and both passes'
        contributions summed (a WGAN-GP critic's last layer: upstream 1, its input's contribution from the penalty's
        pass), and its first layer twice."""
        totals, self.pass_totals = self.pass_totals, {}
        try:
            return func(*args, **kwargs)
        finally:
            self._flush_partial()
            self.pass_totals = totals

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
