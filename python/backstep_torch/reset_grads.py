"""The gradient each parameter had before the run last reset it: the final parameters' gradient (Recorder.final_params)."""
import torch


class ResetGrads:
    """A loop of `loss.backward(); opt.step(); opt.zero_grad()` ends with every gradient reset: torch 1.13's zero_grad()
    zeroes them in place (set_to_none=False), as `p.grad.zero_()` by hand does. Read at the run's end, each parameter's
    gradient was 0, and Backstep said "Vanishing gradient in 4 parameters … from 0.00e+0 to 0.00e+0" of a run whose
    every backward pass reached them. A final parameter's gradient is the one the last backward pass left, which its
    update used: as the TypeScript recorder's, read from .grad after a loop that resets gradients before its backward
    pass. So each gradient is kept as the run resets it (copied when zeroed in place, held when dropped), and stands for
    .grad while no backward pass has run since."""

    def __init__(self, recorder):
        self.rec = recorder
        self.kept = {}  # id(param) → [param, its gradient before the last reset, backward_calls then, whether a copy]

    def before(self, params, copy=True):
        """The run is about to reset these parameters' gradients (`copy`: zeroed in place; else dropped, `p.grad = None`)."""
        rec = self.rec
        n = rec.backward_calls
        busy, rec.busy = rec.busy, True  # the copy is the recorder's own op, no op of the run
        try:
            for p in params:
                g = p.grad if isinstance(p, torch.Tensor) else None
                if g is None:
                    continue
                k = self.kept.get(id(p))
                if k is not None and k[0] is p and k[2] == n:
                    continue  # kept already: a second reset with no backward pass between finds it 0
                if not copy:
                    kept = g
                elif k is not None and k[0] is p and k[3] and k[1].shape == g.shape and k[1].dtype == g.dtype and k[1].device == g.device:
                    kept = k[1].copy_(g.detach())  # into its own copy of the last reset (a held gradient may be the run's)
                else:
                    kept = g.detach().clone()
                self.kept[id(p)] = [p, kept, n, copy]
        finally:
            rec.busy = busy

    def zeroing(self, t):
        """`t.zero_()` runs unrecorded (before the first step, or past the last): when t is a parameter's gradient."""
        if isinstance(t, torch.Tensor) and t.numel():
            hit = self.rec.updates.grad_owner(t)
            if hit is not None:
                self.before(hit[:1])

    def grad(self, p):
        """p's gradient as the final parameters give it: the kept one when the run reset it after its last backward pass."""
        k = self.kept.get(id(p))
        if k is not None and k[0] is p and k[2] == self.rec.backward_calls:
            return k[1]
        return p.grad
