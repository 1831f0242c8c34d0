"""The forward pass into the trace: a torch call's tensors and op record, and ops the mode did not see (adopted)."""
import re
import weakref

import torch

from .calls import attrs_of, op_name
from .recurrent import recurrent_attrs
from .retained import Retained
from .wiring import key_of, wire

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z0-9])(?=[A-Z][a-z])")

# A model's data can change without _version counting it: `x.data.copy_(batch)` writes through .data, whose version
# counter is its own. So the values recorded are kept too, as raw bits (a NaN equals itself), and compared at the
# data's first read in each later step: every value up to _FULL of them, else _SAMPLED spread over it and its last
# (a new batch, a shuffle or a scale shows; a change to a few values between them does not), as the TypeScript
# recorder's fingerprint does (src/trace/fingerprint.ts).
_FULL = 4096
_SAMPLED = 1024
_BITS = {torch.float32: torch.int32, torch.float64: torch.int64, torch.float16: torch.int16, torch.bfloat16: torch.int16}


def values_print(t):
    """The values of `t` (a tensor without gradient) that tell whether they changed, as a tensor of its own; None where
    they cannot be read so (a sparse or quantized tensor: then it is taken again at each step's first read)."""
    try:
        flat = t.detach().reshape(-1)
        n = flat.numel()
        if n > _FULL:
            at = torch.arange(_SAMPLED + 1, device=flat.device) * (n - 1) // _SAMPLED
            flat = flat[at]
        else:
            flat = flat.clone()
        bits = _BITS.get(flat.dtype)
        return flat.view(bits) if bits is not None else flat
    except (RuntimeError, TypeError, NotImplementedError):
        return None


def same_values(print_, t):
    """Whether `t`'s values are those `print_` (values_print's, taken earlier) was taken of."""
    now = values_print(t)
    return print_ is not None and now is not None and torch.equal(print_, now)


def returns_input(keys, outs):
    """Whether the op returned one of its inputs (x.contiguous(), x.to(x.dtype)): nothing new to record."""
    first = outs[0]
    root = first.grad_fn
    return any(k is not None and k[0] is root and k[1] == first.output_nr for k in keys)


class Forward:
    """Mixin of Recorder: trace ids of tensors, and one op record (with its forward event) per recorded call."""

    def id_of(self, t, user=None):
        hit = self.ids.get(id(t))
        if hit is not None and hit[0] is t:
            if len(hit) > 2:  # a leaf no variable held when an op of this step first used it
                self._name_late(t, hit[1])
            return hit[1]
        if t.grad_fn is not None and user is not None and t.grad_fn not in self.owned:
            src = _hooked(t, self.node_out)
            if src is None:
                return self._adopt(t, user)
            if src is not t:
                # a module's backward hook passed it through its identity Function: it is the tensor that went in
                tid = self.id_of(src, user)
                self.ids[id(t)] = (t, tid)
                self.node_out[(t.grad_fn, t.output_nr)] = t
                return tid
        once = self.data_ids.get(id(t))
        if once is not None and once[0]() is t and once[2] == t._version and same_values(once[3], t):
            self.ids[id(t)] = (t, once[1])
            return once[1]
        name, is_param = self.names.tensor_name(t)
        leaf = t.is_leaf and t.requires_grad
        if is_param:
            kind = "param"
        elif t.grad_fn is not None:
            kind = "activation"
        else:
            kind = "input" if (t.requires_grad or name or t.numel() != 1) else "constant"
        tid = self.table.snapshot(t, kind, name=name)
        if is_param:
            self.param_kind(t, tid)
        if leaf:
            if name is None:
                name = self.names.anonymous(t, tid, self.step)
                self.grad_leaves.setdefault(id(t), (t, name))
                self.ids[id(t)] = (t, tid, name)
            else:
                self.names.used_leaf(t, name, self.step)
                self.ids[id(t)] = (t, tid)
            self.updates.watch(t, name)
        else:
            self.ids[id(t)] = (t, tid)
            if t.grad_fn is None and not t.requires_grad and not is_param:
                # a model's data (a dataset it indexes, its inputs and targets): one trace tensor for the run until its
                # values change in place (torch counts that in _version; values_print what it does not), as the TypeScript
                # recorder's (recorderTensors.ts)
                self.data_ids[id(t)] = (weakref.ref(t), tid, t._version, values_print(t))
        return tid

    def _name_late(self, t, tid):
        """A leaf an op of this step used before the user's code bound it (`net = weight_norm(nn.Linear(3, 1))`: the
        construction's ops read net's weight_g and weight_v, and begin step 0) gets its name at the first op after, in
        its trace tensor too: the step's earlier ops read the same tensor, which then is the parameter."""
        name, is_param = self.names.tensor_name(t)
        if name is None:
            return
        self.ids[id(t)] = (t, tid)
        self.table.rename(tid, name, "param" if is_param else None)
        if is_param:
            self.param_kind(t, tid)
        self.names.used_leaf(t, name, self.step)
        self.updates.watch(t, name)

    def param_kind(self, t, tid):
        """Trace tensor `tid`, a snapshot of the leaf `t` found as a parameter, is of kind "param" if `t` is an
        nn.Parameter, else only if an optimizer holds it or the run updates it in place by the run's end (settle_kinds)."""
        if not isinstance(t, torch.nn.Parameter):
            self.leaf_rows.append((weakref.ref(t), tid))

    def settle_kinds(self):
        """The leaves that are no parameter of the run become inputs, in every step, as the TypeScript recorder's kindOf
        makes a leaf requiring grad that no module holds and nothing updated (src/trace/recorderTensors.ts): a throwaway
        `x = torch.randn(3, requires_grad=True)` (a saliency map's input, a gradient taken and nothing updated) was a
        parameter in every op. One an optimizer or the run's hand-written update (makemore's `p.data += -lr * p.grad`)
        changes is a parameter from step 0 on, before its first update (the TypeScript trace's is an input until then)."""
        trained = self.updates.trained
        for ref, tid in self.leaf_rows:
            t = ref()
            if t is None or trained.get(id(t)) is not t:
                self.table.rename(tid, self.table.name_of(tid), "input")
        self.leaf_rows = []

    def _record(self, name, args, kwargs, tensors, keys, outs, frame, module, before=None):
        # statements that have ended name their ops first: `s += 1` gives `s` another trace id (this op's), and the
        # statement `s = (a * c).sum()` before it named that one
        self.statements.settle(moved_only=True)
        opname, operands = op_name(name, args)
        user = self.source.user_frames(frame)
        inputs = [self.id_of(t, user) for t in tensors]
        op_id = len(self.ops)
        # by the operands' positions in the formula: the call's own arguments recorded `2 - x` (x.__rsub__(2)) as `x - 2`
        attrs = recurrent_attrs(opname, attrs_of(operands, kwargs))
        rec = {"id": op_id, "op": opname, "trainingStep": self.step, "inputs": inputs, "output": -1, "attrs": attrs}
        if module:
            rec["module"] = module
        stack = self.source.stack(user)
        if stack:
            top = stack[0]
            rec["loc"] = {"file": top["file"], "line": top["line"], "column": top["column"]}
        rec["stack"] = stack
        out_ids = []
        for k, o in enumerate(outs):
            tid = self.table.snapshot(o, "activation", op=op_id)
            self.ids[id(o)] = (o, tid)
            self.node_out[(o.grad_fn, o.output_nr)] = o
            out_ids.append(tid)
        rec["output"] = out_ids[0]
        if len(outs) > 1:  # split, chunk, unbind …: every output, each with its own upstream in the backward event
            rec["attrs"]["outputs"] = len(outs)
            rec["outputs"] = out_ids
        self.ops.append(rec)
        self.events.append({"kind": "forward", "op": op_id})
        self.statements.op_made(user, op_id)  # its variable, once the statement that runs it has bound one
        inner = wire(self, op_id, opname, operands, tensors, keys, inputs, outs, out_ids, before)
        if self.retain:
            for k, o in enumerate(outs):
                self.retained.append((op_id, k, Retained(o, len(outs) > 1, k in inner)))

    def _adopt(self, t, user):
        """Records an op the mode did not see (torch 1.13 skips it for `x[tensor]`) from its output's autograd node."""
        node = t.grad_fn
        # SelectBackward0 → select, IndexAddBackward0 → index_add, torch's CheckpointFunction → checkpoint_function; the
        # user's own autograd.Function by its class's name, as the TypeScript trace names a defineFunction's op ("MyReLU":
        # it was my_re_lu)
        function = getattr(node, "_forward_cls", None)
        if isinstance(function, type) and not function.__module__.startswith("torch."):
            opname = function.__name__
        else:
            opname = _CAMEL.sub("_", re.sub(r"Backward\d*$", "", type(node).__name__)).lower()
        tensors = []
        for nf, _nr in node.next_functions:
            if nf is not None and type(nf).__name__ == "AccumulateGrad":
                tensors.append(nf.variable)
            elif nf is not None:
                known = self.node_out.get((nf, _nr))
                if known is not None:
                    tensors.append(known)
        operands, attrs = (), {}
        if opname == "index" and len(tensors) == 1:
            operands, attrs = _index_operands(node, tensors[0])
            tensors = list(operands)
        while len(user) > 1 and self.source.passed_in(t, user[0]):  # made in a caller, which passed it in
            user = user[1:]
        var, loc = self.source.assignment_of(t, user[0]) if user else (None, None)
        inputs = [self.id_of(x) for x in tensors]
        op_id = len(self.ops)
        rec = {"id": op_id, "op": opname, "trainingStep": self.step, "inputs": inputs, "output": -1, "attrs": attrs}
        if var:
            rec["var"] = var
        module = self.current_module(user[0], pop=False) if user else None
        if module:
            rec["module"] = module
        stack = self.source.stack(user)
        if loc:  # where its variable was assigned
            rec["loc"] = loc
            rec["stack"] = [dict(loc, name=stack[0]["name"])] + stack[1:]
        else:  # a temporary (`both[:5] @ W`): the line that uses it
            if user:
                rec["loc"] = self.source.loc(user[0])
            rec["stack"] = stack
        rec["output"] = self.table.snapshot(t, "activation", op=op_id, name=var)
        self.ids[id(t)] = (t, rec["output"])
        self.node_out[(node, t.output_nr)] = t  # (an op adopted after it reads it: `Scaled.apply(h, …)` of a Function's h)
        self.ops.append(rec)
        self.events.append({"kind": "forward", "op": op_id})
        wire(self, op_id, opname, operands, tensors, [key_of(x) for x in tensors], inputs, [t], [rec["output"]])
        self.function_adopted(t, op_id)
        return rec["output"]

    def _series_forward(self, name, args, tensors, outs, frame, module):
        """The step's statistics (Trace.series) see the op, in a full step or not; parameters it reads are watched for
        their updates."""
        updates = self.updates
        for t in tensors:
            if t.is_leaf and t.requires_grad and t.layout == torch.strided and t.data_ptr() not in updates.params:
                tname = self.names.tensor_name(t)[0]
                if tname:
                    updates.watch(t, tname)
        user = self.source.user_frames(frame)
        where = (user[0].f_code, user[0].f_lasti, user[0].f_lineno) if user else None
        self.series.forward(op_name(name, args)[0], tensors[0] if tensors else None, outs[0], module, where, self.source)


def _hooked(t, node_out):
    """For a tensor that torch's module backward hooks (register_full_backward_hook) passed through their identity
    Function, the tensor that went in (t itself when that was a tensor needing no gradient, which then is a leaf of the
    trace); None for any other tensor. That Function is torch's plumbing, not an op of the model: adopted as one, it put
    `backward_hook_function` ops in the graph, one holding the variable the layer's output was assigned to."""
    node = t.grad_fn
    if type(node).__name__ != "BackwardHookFunctionBackward":
        return None
    nf, nr = node, t.output_nr
    while type(nf).__name__ == "BackwardHookFunctionBackward":  # a layer's output hook, then the next layer's input hook
        nexts = nf.next_functions
        nf, nr = nexts[nr] if nr < len(nexts) else (None, 0)
    if nf is None:
        return t
    if type(nf).__name__ == "AccumulateGrad":
        return nf.variable
    return node_out.get((nf, nr))  # the op that made it; None (adopted as before) if no recorded op did


def _index_operands(node, x):
    """The operands and attrs of `x[idx]` read from its IndexBackward0 node: x, then the index tensors it saved, with the
    TypeScript index op's `slots` (slots[d]: the input indexing dim d, 1 for the first index, or -1 for a whole dim; a
    bool mask indexes as many dims as it has, each slot its input). So the graph shows what was indexed by what, and the
    local derivative is index's. ((x,), {}) when the node has them no more (its graph freed by a backward pass)."""
    try:
        saved, sizes = node._saved_indices, node._saved_self_sizes
    except (AttributeError, RuntimeError):
        return (x,), {}
    operands, slots = [x], []
    for i in saved:
        if i is None:
            slots.append(-1)
            continue
        operands.append(i)
        slots.extend([len(operands) - 1] * (i.dim() if i.dtype in (torch.bool, torch.uint8) else 1))
    slots.extend([-1] * (len(sizes) - len(slots)))
    return tuple(operands), {"slots": slots}
