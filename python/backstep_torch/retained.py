"""An op output's gradient kept after backward (retain_grad or a tensor hook): the tests' reference for its upstream."""


class Retained:
    """An op output's gradient after backward, the tests' reference for its upstream: retain_grad(), or for one of
    several outputs a tensor hook (on torch 1.13, retain_grad() on an unused output of split fails the whole backward).
    `stale`: an in-place op changed the tensor before or after this op (`h += b`), and retain_grad() holds the gradient of
    one version only; or the op computes its other outputs from it (`inner`: lstm_cell's c′), and its gradient holds
    their paths too, which the op's upstream does not (wiring._upstreams)."""

    __slots__ = ("tensor", "version", "hooked", "again", "inner")

    def __init__(self, t, multi, inner=False):
        self.tensor, self.version, self.hooked, self.again, self.inner = t, t._version, None, t.retains_grad, inner
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
        return self.again or self.inner or self.tensor._version != self.version
