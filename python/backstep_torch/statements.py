"""The variable an assignment statement binds names the op that made its value: `loss = mse(out, y)` names the mean
inside mse, `out = net(x)` the Sequential's last linear (and not all five of its ops), as the TypeScript runner's
instrumentation does (src/trace/recorderNames.ts noteVariable: the op produced since the statement's start whose output
the variable now holds, unless a name was given to it first, by an assignment inside the callee)."""
import ast

import torch


class Statements:
    """The assignment statements being run in the user's frames (one open statement a frame: a frame runs one at a
    time), each with the first op recorded since it began. A statement is settled (its variable read, its op named) once
    its frame has moved out of its right-hand side, or when the same statement runs again (`for l in layers: x = l(x)`:
    the variable then holds the last iteration's op output)."""

    def __init__(self, rec):
        self.rec = rec
        self.open = {}  # id(frame) → [frame, instruction, target, the first op id of the statement]

    def op_made(self, user, op_id):
        """Op `op_id` was recorded, called from the user's frames `user` (innermost first); the statements that ended
        before it are settled (Forward._record)."""
        source = self.rec.source
        for f in user:
            st = source.statement_of(f)
            if st is None:
                continue
            span, target = st
            e = self.open.get(id(f))
            if e is not None and e[0] is f and e[1] == span:
                if not self._name(e):  # the same run of the statement: its value is not bound yet
                    continue
            elif e is not None:
                self._name(e)  # (settled before the op, except where the op was not recorded through _record)
            self.open[id(f)] = [f, span, target, op_id]

    def settle(self, moved_only=False):
        """Names the ops of the statements that have ended (`moved_only`: those whose frame is at another instruction;
        else all of them, at a backward pass, a check or the run's end); innermost (opened last) first."""
        source = self.rec.source
        for key, e in reversed(list(self.open.items())):
            if moved_only and (source.statement_of(e[0]) or (None,))[0] == e[1]:
                continue
            del self.open[key]
            self._name(e)

    def _name(self, e):
        """Names the op whose output statement `e`'s target holds, if made since the statement began and unnamed (each
        element's, for `a, b = …`). Whether the statement has bound its value."""
        frame, _span, target, mark = e
        node = _parse(target)
        if isinstance(node, ast.Tuple):
            return self._name_elements(node, frame, mark)
        return self._name_value(_value(node, frame) if node is not None else None, target, mark)

    def _name_elements(self, node, frame, mark):
        """Each element's op, nested ones too: `output, (h_n, c_n) = lstm(x)` names the LSTM's three outputs (its
        state's two were left unnamed). `_` names nothing: `out, _ = gru(x)` discards h_n (recurrent.py names it).
        Whether any was bound."""
        bound = False
        for elt in node.elts:
            if isinstance(elt, ast.Name) and elt.id == "_":
                continue
            if isinstance(elt, ast.Tuple):
                bound = self._name_elements(elt, frame, mark) or bound
            else:
                bound = self._name_value(_value(elt, frame), ast.unparse(elt), mark) or bound
        return bound

    def _name_value(self, value, target, mark):
        rec = self.rec
        if not isinstance(value, torch.Tensor):
            return False
        hit = rec.ids.get(id(value))
        if hit is None or hit[0] is not value:
            return False
        tid = hit[1]
        op = rec.table.op_of(tid)
        if op is None or op < mark or op >= len(rec.ops):
            return False
        if rec.table.name_of(tid) is None:
            rec.table.rename(tid, target)
            # (an op's variable names its first output: `h = enc(src)` holding the GRU's h_n names only that tensor)
            if "var" not in rec.ops[op] and rec.ops[op]["output"] == tid:
                rec.ops[op]["var"] = target
        return True


_PARSED = {}  # target text → its expression (None: not one)


def _parse(target):
    """The assignment target's expression (a name, `self.h`, `outs[i]`, `cache["k"]`, or a tuple of those), parsed once."""
    node = _PARSED.get(target, False)
    if node is False:
        try:
            node = ast.parse(target, mode="eval").body
        except SyntaxError:
            node = None
        _PARSED[target] = node
    return node


_MISSING = object()


def _value(node, frame):
    """The value `node` holds in `frame`, read without running anything of the user's: a subscript only of a list,
    tuple or dict by a name or a constant."""
    if isinstance(node, ast.Name):
        v = frame.f_locals.get(node.id, _MISSING)
        if v is _MISSING:
            v = frame.f_globals.get(node.id, _MISSING)
        return None if v is _MISSING else v
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Attribute):
        base = _value(node.value, frame)
        if base is None or isinstance(base, torch.Tensor):
            return None
        try:
            return object.__getattribute__(base, node.attr) if not isinstance(base, torch.nn.Module) else getattr(base, node.attr)
        except AttributeError:
            return None
    if isinstance(node, ast.Subscript):
        base = _value(node.value, frame)
        key = node.slice
        if isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.USub) and isinstance(key.operand, ast.Constant):
            key = ast.Constant(-key.operand.value)  # outs[-1]
        if not isinstance(base, (list, tuple, dict)) or not isinstance(key, (ast.Name, ast.Constant)):
            return None
        key = _value(key, frame)
        try:
            return base[key]
        except (KeyError, IndexError, TypeError):
            return None
    return None
