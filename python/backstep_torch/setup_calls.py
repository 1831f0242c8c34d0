"""Calls that set a model up rather than train it (weight_norm, parametrizations): their ops are not recorded."""
import functools

# (owner, attribute, static): torch's functions whose ops with autograd build a reparametrized module or take its
# reparametrization off, not a training step's graph. `net = weight_norm(nn.Linear(3, 1))` computes the Linear's
# norm (norm_except_dim) and its first weight (_weight_norm), which its forward pre-hook computes again at each
# forward: recorded, those two ops began step 0 at the construction's line, with the Linear's discarded weight as an
# input. register_parametrization evaluates the parametrization to check it (orthogonal(), a user's own). torch's
# own callers (parametrizations.orthogonal, spectral_norm) call it as `parametrize.register_parametrization`: wrapped
# too. (A script's `from torch.nn.utils.parametrize import register_parametrization` runs after install: wrapped.)
_SETUP = (
    ("torch.nn.utils.weight_norm", "WeightNorm", "apply", True),
    ("torch.nn.utils.weight_norm", "WeightNorm", "remove", False),
    ("torch.nn.utils.parametrize", None, "register_parametrization", False),
    ("torch.nn.utils.parametrize", None, "remove_parametrizations", False),
)


def wrap_setup(rec):
    """Wraps the setup calls so that the recorder is `busy` (records nothing) while one runs; returns the undo."""
    import importlib

    undo = []
    for module_name, cls_name, attr, static in _SETUP:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        owner = getattr(module, cls_name, None) if cls_name else module
        original = owner.__dict__.get(attr) if owner is not None else None
        if original is None:
            continue
        fn = original.__func__ if static else original
        wrapped = _quiet(rec, fn)
        setattr(owner, attr, staticmethod(wrapped) if static else wrapped)
        undo.append((owner, attr, original))

    def restore():
        for owner, attr, original in reversed(undo):
            setattr(owner, attr, original)

    return restore


def _quiet(rec, fn):
    @functools.wraps(fn)
    def setup(*args, **kwargs):
        busy = rec.busy
        rec.busy = True
        try:
            return fn(*args, **kwargs)
        finally:
            rec.busy = busy

    return setup
