"""Names from the user's namespace: module paths from named_modules, parameters from named_parameters, global tensors."""
import types

import torch


# How deep a scan of the user's globals looks (`model.layers[1].weight` is 3 levels) and how many values it visits.
_SCAN_DEPTH = 4
_SCAN_BUDGET = 100_000


def _plain_object(v):
    """An instance of the user's own class (not a module, tensor, class, function or built-in value); callable ones
    included: makemore's layers define __call__."""
    return (
        not isinstance(v, (torch.nn.Module, torch.Tensor, type, types.ModuleType, types.FunctionType, types.MethodType))
        and hasattr(v, "__dict__")
        and type(v).__module__ != "builtins"
    )


class Names:
    """Looks names up by object identity, rescanning the user's globals (at most once per step) on a miss."""

    def __init__(self, namespace):
        self.namespace = namespace
        self._modules = {}
        self._tensors = {}
        self._scanned_at = None
        self.generation = 0
        self._used = {}  # a leaf's name → [(leaf, the last step an op used it in)]: see used_leaf

    def new_step(self):
        self.generation += 1

    def _scan(self):
        if self._scanned_at == self.generation:
            return
        self._scanned_at = self.generation
        budget = [_SCAN_BUDGET]
        for gname, v in list(self.namespace.items()):
            if gname.startswith("__"):
                continue
            self._walk(gname, v, 0, budget)

    def _walk(self, name, v, depth, budget):
        """Names `v` and, within _SCAN_DEPTH levels, what plain objects' attributes and lists' items hold: Nielsen's
        `net.weights[0]`, makemore's `layers[0].weight` and `model.layers[1].weight` (part 5's Sequential)."""
        budget[0] -= 1
        if budget[0] < 0:
            return
        self._add(name, v)
        if depth >= _SCAN_DEPTH:
            return
        if isinstance(v, (list, tuple)) and len(v) <= 10_000:
            for i, item in enumerate(v):
                if isinstance(item, (int, float, str, bytes, bool)) or item is None:
                    continue  # (a dataset's words: nothing to name inside)
                self._walk("%s[%d]" % (name, i), item, depth + 1, budget)
        elif _plain_object(v):
            for attr, item in list(vars(v).items()):
                if not attr.startswith("__"):
                    self._walk("%s.%s" % (name, attr), item, depth + 1, budget)

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

    def used_leaf(self, t, name, step):
        """An op of `step` uses the leaf `t` (requiring grad) named `name`. A leaf first used in a step replaces those of
        its name that no op used in that step, as the TypeScript recorder's addGradLeaf does: `W = (W - lr *
        W.grad).detach().requires_grad_()` rebinds a weight each iteration, and each generation was listed as a
        parameter W of its own (and kept alive by the names found). Several of one name used in one step all stay."""
        used = self._used.setdefault(name, [])
        for entry in used:
            if entry[0] is t:
                entry[1] = step
                return
        kept = []
        for entry in used:
            if entry[1] >= step:
                kept.append(entry)
            else:
                hit = self._tensors.get(id(entry[0]))
                if hit is not None and hit[0] is entry[0]:
                    del self._tensors[id(entry[0])]
        kept.append([t, step])
        self._used[name] = kept

    def superseded(self, t, name):
        """Whether the leaf `t` of this name is not the model's: other leaves of its name were used by ops, and it was
        not (replaced, or the generation a rebinding after the last step made)."""
        used = self._used.get(name)
        return used is not None and all(entry[0] is not t for entry in used)

    def parameters(self):
        """Every parameter known: modules' named_parameters and leaf tensors requiring grad, in the order found."""
        self._scanned_at = None
        self._scan()
        return [(name, t) for (t, name, is_param) in self._tensors.values() if is_param]
