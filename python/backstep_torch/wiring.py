"""Each recorded op's backward: hooks on the autograd nodes it created, and its backward and accumulate events."""
from functools import partial

import torch

from .derivatives import local_derivative

# Backward work of one op found by walking its autograd nodes; bigger subgraphs mean its inputs were not recognised
MAX_NODES = 4096


def key_of(t):
    """How a tensor appears among an autograd node's next_functions."""
    if t.grad_fn is not None:
        return (t.grad_fn, t.output_nr)
    return ("leaf", id(t)) if t.requires_grad else None


class Wire:
    """One recorded op's autograd nodes, and what their hooks collect during a backward pass."""

    __slots__ = ("op", "name", "operands", "positions", "inputs", "outs", "out_ids", "out_keys", "outs_at", "n_nodes", "edges", "inner_edges", "fired",
                 "contrib", "upstreams", "inner")

    def __init__(self, op, name, operands, positions, inputs, outs, out_ids):
        self.op, self.name, self.operands, self.positions, self.inputs = op, name, operands, positions, inputs
        self.outs = [o.detach() for o in outs]
        self.out_ids = out_ids
        self.out_keys = [key_of(o) for o in outs]  # how a later expect_grad finds their gradient (checks.py)
        self.outs_at = {}  # node index → [(output k, the node's output number)]
        self.edges = []
        self.inner_edges = {}  # node index → [(j, output k)]: its next function j is the op's own output k
        self.n_nodes = 0
        self.fired = 0
        self.contrib = [None] * len(inputs)
        self.upstreams = [None] * len(outs)
        self.inner = [None] * len(outs)  # what flowed into output k from the op's own nodes


def wire(rec, op_id, opname, operands, tensors, keys, inputs, outs, out_ids, before=None):
    """Hooks every autograd node the op created, from its outputs' nodes back to its inputs' nodes. Returns the
    outputs (by index) that the op computes others from (lstm_cell's c′, whose tanh gives h′), else an empty set.
    `before`: an in-place op's (operand, its values before the op), the values its local derivative reads."""
    boundary = {}
    for k, key in enumerate(keys):
        if key is not None:
            boundary.setdefault(key, []).append(k)
    positions = [next((i for i, a in enumerate(operands) if a is t), None) for t in tensors]
    if before is not None:
        operands = tuple(before[1] if a is before[0] else a for a in operands)
    w = Wire(op_id, opname, operands, positions, inputs, outs, out_ids)
    own = {(o.grad_fn, o.output_nr): k for k, o in enumerate(outs)} if len(outs) > 1 else {}
    nodes, seen = [], set()
    for k, o in enumerate(outs):
        node = o.grad_fn
        if node not in seen:
            seen.add(node)
            nodes.append(node)
        w.outs_at.setdefault(nodes.index(node), []).append((k, o.output_nr))
    used, owned, i = {}, rec.owned, 0
    while i < len(nodes):
        node = nodes[i]
        i += 1
        edges = []
        for j, (nf, nr) in enumerate(node.next_functions):
            if nf is None:
                continue
            key = (nf, nr)
            if key in own:
                w.inner_edges.setdefault(i - 1, []).append((j, own[key]))
                continue
            if key not in boundary and type(nf).__name__ == "AccumulateGrad":
                key = ("leaf", id(nf.variable))
            ks = boundary.get(key)
            if ks is not None:
                n = used.get(key, 0)
                used[key] = n + 1
                edges.append((j, ks[min(n, len(ks) - 1)]))
            elif key[0] != "leaf" and nf not in seen and nf not in owned:
                seen.add(nf)
                nodes.append(nf)
        w.edges.append(edges)
        if len(nodes) > MAX_NODES:
            return set()
    w.n_nodes = len(nodes)
    on_node = rec.on_node
    for idx, node in enumerate(nodes):
        owned.add(node)
        rec.handles.append(node.register_hook(partial(on_node, w, idx)))
    return {k for edges in w.inner_edges.values() for _, k in edges}


def collect(w, idx, grad_inputs, grad_outputs):
    """A node's hook: its outputs' upstream (for the op's outputs it made) and what flows into the op's inputs.
    True once every node of the op has run."""
    at = w.outs_at.get(idx)
    if at is not None:
        for k, nr in at:
            if nr < len(grad_outputs):
                w.upstreams[k] = grad_outputs[nr]
    for j, k in w.edges[idx]:
        g = grad_inputs[j]
        if g is not None:
            w.contrib[k] = g if w.contrib[k] is None else w.contrib[k] + g
    for j, k in w.inner_edges.get(idx, ()):
        g = grad_inputs[j]
        if g is not None:
            w.inner[k] = g if w.inner[k] is None else w.inner[k] + g
    w.fired += 1
    return w.fired >= w.n_nodes


def reset(w):
    w.fired, w.contrib, w.upstreams, w.inner = 0, [None] * len(w.inputs), [None] * len(w.outs), [None] * len(w.outs)


def _upstreams(rec, w):
    """∂L/∂ each output as it arrives at the op: an output the op computes others from (lstm_cell's c′) is, at its
    autograd node, the sum of what its consumers sent and what the op's own nodes did (through h′ = o·tanh(c′)); the
    latter is the op's own work, its local derivative's, so the upstream is what the consumers sent: Σ of their
    contributions (the accumulated total), or, without one recorded (the loss itself), the node's sum less the op's
    own part. Taken at the node, c′'s upstream counted h′'s path twice: each step's LSTMCell contributed to its c
    input other than c's recorded upstream (by 20-30%)."""
    ups = list(w.upstreams)
    for k, inner in enumerate(w.inner):
        if inner is None or ups[k] is None:
            continue
        outside = rec.pass_totals.get(w.out_ids[k])
        ups[k] = outside if outside is not None else ups[k] - inner
    return ups


def emit(rec, w):
    """The op's backward event (an upstream per output) and an accumulate event for each input already reached."""
    table = rec.table
    snap = table.snapshot
    ups = [snap(u if u is not None else torch.zeros_like(o), "grad", owned=u is None) for u, o in zip(_upstreams(rec, w), w.outs)]
    out = w.outs[0]
    local, contributions = [], []
    attrs = rec.ops[w.op]["attrs"] if w.op < len(rec.ops) else {}
    name = w.name.rstrip("_")
    for k, c in enumerate(w.contrib):
        if c is None:
            local.append(None)
            contributions.append(None)
            continue
        if name in rec.function_names:  # a user autograd.Function (as the TypeScript trace's defineFunction op)
            local.append({"formula": "\\text{user-defined backward}", "jacobianShape": [int(out.numel()), int(c.numel())]})
        else:
            # (a tensor that is no positional operand, as cat's list items, F.layer_norm's weight: a formula by its place)
            local.append(local_derivative(name, w.operands, out, w.positions[k], lambda d: snap(d, "grad"), k, attrs, c, len(w.contrib)))
        contributions.append(snap(c, "grad"))
    event = {"kind": "backward", "op": w.op, "upstream": ups[0], "local": local, "contributions": contributions}
    if len(ups) > 1:
        event["upstreams"] = ups
    rec.events.append(event)
    if rec.keep_grads:
        rec.keep_upstreams(w.out_keys, w.upstreams)
    totals = rec.pass_totals
    for k, c in enumerate(w.contrib):
        if c is None:
            continue
        target = w.inputs[k]
        prev = totals.get(target)
        if prev is None:
            totals[target] = c
            continue
        total = prev + c
        totals[target] = total
        rec.events.append({"kind": "accumulate", "tensor": target, "contribution": contributions[k], "total": snap(total, "grad", owned=True), "from": w.op})
