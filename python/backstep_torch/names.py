"""Names from the user's namespace and running frames: module paths from named_modules, parameters from
named_parameters, tensors the user's variables hold."""
import re
import sys
import types
import weakref

import torch

from .source import SourceMap

# How deep a scan of the user's globals looks (`model.layers[1].weight` is 3 levels) and how many values it visits.
_SCAN_DEPTH = 4
_SCAN_BUDGET = 100_000
_RUN = __package__ + ".run"  # run_file's module: the frames below it (a test's, the CLI's) are not the script's


def _plain_object(v):
    """An instance of the user's own class (not a module, tensor, class, function or built-in value); callable ones
    included: makemore's layers define __call__."""
    return (
        not isinstance(v, (torch.nn.Module, torch.Tensor, type, types.ModuleType, types.FunctionType, types.MethodType))
        and hasattr(v, "__dict__")
        and type(v).__module__ != "builtins"
    )


_SCALARS = (int, float, str, bytes, bool)
_IDENTIFIER_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _keyed(name, key):
    """The name of a dict's item: `params.W` for a key that reads as an attribute, else `params[0]`, `params['a b']`;
    None for a key of another type (an optimizer's `state`, keyed by the parameters: no repr of a tensor, or of an
    object of the user's, which would run its code)."""
    if isinstance(key, str):
        return "%s.%s" % (name, key) if _IDENTIFIER_KEY.match(key) else "%s[%r]" % (name, key)
    if isinstance(key, int):
        return "%s[%d]" % (name, key)
    return None


def _held(hit):
    """The tensor of a _tensors entry: parameters are held, other tensors by a weak reference (a scan meets every
    step's batches and activations the user's variables hold; held, each stayed alive to the end of the run)."""
    t = hit[0]
    return t() if type(t) is weakref.ref else t


def _mark(v):
    """What _seen keeps of a variable's value: its id, and a weak reference where one can be taken (an id alone may be
    a later tensor's, made where a freed one was: `x = next_batch()`)."""
    try:
        return id(v), weakref.ref(v)
    except TypeError:
        return id(v), None


class Names:
    """Looks names up by object identity. On a miss, walks what the user's variables hold: the globals, and the locals
    of the script's frames running now (`model` bound in main()), outermost first, so the name is the outermost
    frame's; a name once found stays the object's, the same in every step. The whole namespace is walked once per
    step; after that, only the variables of frames that ran since, bound to another value since the last walk (see
    _scan): `net` bound after the step's first op is found at the next miss."""

    def __init__(self, namespace):
        self.namespace = namespace
        self._modules = {}
        self._tensors = {}  # id → (tensor, or a weak reference to one that is not a parameter, name, is_parameter)
        self._seen = {}  # (code of the frame, or None for the globals; variable) → _mark of the value walked
        self._where = None  # {(id, instruction)} of the user's frames at the last walk
        self._source = None  # a SourceMap, made at the first walk of frames (a user's module other than the script)
        self._scanned_at = None
        self.generation = 0
        self._used = {}  # a leaf's name → [(leaf, the last step an op used it in)]: see used_leaf
        self._anonymous = {}  # id → [leaf, its name, the last step an op used it in]: see anonymous
        self._last_step = -1  # the last step an op used a leaf requiring grad in

    def new_step(self):
        self.generation += 1

    def _frames(self):
        """The frames of the user's code running now, outermost first, and the script's module-level frame (its
        variables are the globals; None when run_file calls step())."""
        f = sys._getframe(2)
        out, top, ns = [], None, self.namespace
        while f is not None:
            g = f.f_globals
            if g is ns:
                if f.f_code.co_name == "<module>":
                    top = f
                    break
                out.append(f)
            elif g.get("__name__") == _RUN:
                break
            elif self._source.is_user(f.f_code.co_filename):
                out.append(f)
            f = f.f_back
        out.reverse()
        return out, top

    def _scan(self, frames=True):
        """Walks the globals and the frames' locals: all of them once a step, else the variables of each frame that ran
        since the last walk (a frame still at its instruction then, as main() at its `model(x)` while the model's ops
        run, has bound nothing since). A frame is told by its id: a new frame where a returned one was, at the same
        instruction, is taken for it, and its new variables are walked at the next step's first walk. Measured on a
        2,400-op run (main()'s loop through 200 blocks, each making a tensor in its forward: 600 misses, 13 of which
        walked variables): ~20 µs a miss of CPU time, most of it finding the frames; 13 ms of the 2.5 s run."""
        full = self._scanned_at != self.generation
        self._scanned_at = self.generation
        budget = [_SCAN_BUDGET]
        if not frames:
            self._bindings(None, self.namespace, full, budget)
            return
        if self._source is None:
            self._source = SourceMap()
        found, top = self._frames()
        last, where = self._where or set(), {(id(f), f.f_lasti) for f in found}
        if top is not None:
            where.add((id(top), top.f_lasti))
        self._where = where
        if full or top is None or (id(top), top.f_lasti) not in last:
            self._bindings(None, self.namespace, full, budget)
        for f in found:
            if full or (id(f), f.f_lasti) not in last:
                self._bindings(f.f_code, f.f_locals, full, budget)

    def _bindings(self, code, scope, full, budget):
        """Walks a scope's variables: all of them (`full`), or those bound to another value since the last walk."""
        seen = self._seen
        for var, v in list(scope.items()):
            if var.startswith("__"):
                continue
            key = (code, var)
            if not full:
                old = seen.get(key)
                if old is not None and old[0] == id(v) and (old[1] is None or old[1]() is v):
                    continue
            seen[key] = _mark(v)
            self._walk(var, v, 0, budget, full)

    def _walk(self, name, v, depth, budget, full=True):
        """Names `v` and, within _SCAN_DEPTH levels, what plain objects' attributes and lists' and dicts' items hold:
        Nielsen's `net.weights[0]`, makemore's `layers[0].weight` and `model.layers[1].weight` (part 5's Sequential),
        `params.W` of `params = {"W": …}` and `layers.enc.weight` of `layers = {"enc": nn.Linear(…)}` (named as
        nn.ModuleDict's keys are, and as the TypeScript recorder names a plain object's: src/trace/params.ts)."""
        budget[0] -= 1
        if budget[0] < 0:
            return
        self._add(name, v, full)
        if depth >= _SCAN_DEPTH:
            return
        if isinstance(v, (list, tuple)) and len(v) <= 10_000:
            for i, item in enumerate(v):
                if isinstance(item, _SCALARS) or item is None:
                    continue  # (a dataset's words: nothing to name inside)
                self._walk("%s[%d]" % (name, i), item, depth + 1, budget, full)
        elif isinstance(v, dict) and len(v) <= 10_000:
            for key, item in list(v.items()):
                if isinstance(item, _SCALARS) or item is None:
                    continue  # (a vocabulary's `stoi`)
                path = _keyed(name, key)
                if path is not None:
                    self._walk(path, item, depth + 1, budget, full)
        elif _plain_object(v):
            for attr, item in list(vars(v).items()):
                if not attr.startswith("__"):
                    self._walk("%s.%s" % (name, attr), item, depth + 1, budget, full)

    def _add(self, name, v, full=True):
        if isinstance(v, torch.nn.Module):
            if not full and id(v) in self._modules:
                return  # walked, as each block's `self` in its forward (a submodule added since: the step's full walk)
            for mname, m in v.named_modules(prefix=name):
                self._modules.setdefault(id(m), (m, mname))
            for pname, p in v.named_parameters(prefix=name):
                self._name_tensor(p, pname, True)
            # (a batch norm's running_mean, nanoGPT's causal mask `bias`: an op's input, named as state_dict names it)
            for bname, b in v.named_buffers(prefix=name):
                self._name_tensor(b, bname, False)
        elif isinstance(v, torch.Tensor):
            self._name_tensor(v, name, v.is_leaf and v.requires_grad)

    def _name_tensor(self, t, name, is_param):
        hit = self._tensors.get(id(t))
        if hit is None or _held(hit) is not t:  # (or the entry of a tensor freed since, whose id `t` has now)
            self._tensors[id(t)] = (t if is_param else weakref.ref(t), name, is_param)

    def module_path(self, module):
        hit = self._modules.get(id(module))
        if hit is None:
            self._scan()
            hit = self._modules.get(id(module))
        return hit[1] if hit is not None else None

    def tensor_name(self, t):
        """(name, is_parameter) for a tensor the user's variables hold, else (None, False)."""
        hit = self._tensors.get(id(t))
        if hit is None or _held(hit) is not t:
            self._scan()
            hit = self._tensors.get(id(t))
        return (hit[1], hit[2]) if hit is not None and _held(hit) is t else (None, False)

    def anonymous(self, t, tid, step):
        """The name of a leaf requiring grad that no variable of the user's holds, used by an op of `step`:
        "tensor#<its trace id when first used>", the same in every step (a name made of each step's id gave its updates
        another name each step)."""
        hit = self._anonymous.get(id(t))
        if hit is None or hit[0] is not t:
            hit = self._anonymous[id(t)] = [t, "tensor#%d" % tid, step]
        hit[2] = step
        self._last_step = max(self._last_step, step)
        return hit[1]

    def used_leaf(self, t, name, step):
        """An op of `step` uses the leaf `t` (requiring grad) named `name`. A leaf first used in a step replaces those of
        its name that no op used in that step, as the TypeScript recorder's addGradLeaf does: `W = (W - lr *
        W.grad).detach().requires_grad_()` rebinds a weight each iteration, and each generation was listed as a
        parameter W of its own (and kept alive by the names found). Several of one name used in one step all stay."""
        self._last_step = max(self._last_step, step)
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
                if hit is not None and _held(hit) is entry[0]:
                    del self._tensors[id(entry[0])]
        kept.append([t, step])
        self._used[name] = kept

    def superseded(self, t, name):
        """Whether the leaf `t` of this name is not the model's: other leaves of its name were used by ops, and it was
        not (replaced, or the generation a rebinding after the last step made); or no variable held it, and it has no
        gradient or no op of the last step used it: weight_norm's construction reads the Linear's `weight` it then
        replaces (by weight_g and weight_v), and that discarded weight was listed as a parameter tensor#0."""
        anon = self._anonymous.get(id(t))
        if anon is not None and anon[0] is t and anon[1] == name:
            return t.grad is None or anon[2] < self._last_step
        used = self._used.get(name)
        return used is not None and all(entry[0] is not t for entry in used)

    def parameters(self):
        """Every parameter known: modules' named_parameters and leaf tensors requiring grad, in the order found (the
        globals walked again: the run has ended, and the frames left are the runner's)."""
        self._scanned_at = None
        self._scan(frames=False)
        return [(name, t) for (t, name, is_param) in self._tensors.values() if is_param]
