"""Names from the user's namespace: module paths from named_modules, parameters from named_parameters, global tensors."""
import types

import torch


class Names:
    """Looks names up by object identity, rescanning the user's globals (at most once per step) on a miss."""

    def __init__(self, namespace):
        self.namespace = namespace
        self._modules = {}
        self._tensors = {}
        self._scanned_at = None
        self.generation = 0

    def new_step(self):
        self.generation += 1

    def _scan(self):
        if self._scanned_at == self.generation:
            return
        self._scanned_at = self.generation
        for gname, v in list(self.namespace.items()):
            if gname.startswith("__"):
                continue
            self._add(gname, v)
            self._add_items(gname, v)
            # one level into plain objects: Nielsen's `net.weights[0]`, a makemore layer's `.weight`
            if not isinstance(v, (torch.nn.Module, torch.Tensor, type, types.ModuleType)) and hasattr(v, "__dict__") and not callable(v) and type(v).__module__ != "builtins":
                for attr, item in list(vars(v).items()):
                    self._add("%s.%s" % (gname, attr), item)
                    self._add_items("%s.%s" % (gname, attr), item)

    def _add_items(self, name, v):
        if isinstance(v, (list, tuple)) and len(v) <= 10_000:
            for i, item in enumerate(v):
                self._add("%s[%d]" % (name, i), item)

    def _add(self, name, v):
        if isinstance(v, torch.nn.Module):
            for mname, m in v.named_modules(prefix=name):
                self._modules.setdefault(id(m), (m, mname))
            for pname, p in v.named_parameters(prefix=name):
                self._tensors.setdefault(id(p), (p, pname, True))
        elif isinstance(v, torch.Tensor):
            self._tensors.setdefault(id(v), (v, name, v.is_leaf and v.requires_grad))

    def module_path(self, module):
        hit = self._modules.get(id(module))
        if hit is None:
            self._scan()
            hit = self._modules.get(id(module))
        return hit[1] if hit is not None else None

    def tensor_name(self, t):
        """(name, is_parameter) for a tensor the user's globals hold, else (None, False)."""
        hit = self._tensors.get(id(t))
        if hit is None:
            self._scan()
            hit = self._tensors.get(id(t))
        return (hit[1], hit[2]) if hit is not None and hit[0] is t else (None, False)

    def parameters(self):
        """Every parameter known: modules' named_parameters and leaf tensors requiring grad, in the order found."""
        self._scanned_at = None
        self._scan()
        return [(name, t) for (t, name, is_param) in self._tensors.values() if is_param]
