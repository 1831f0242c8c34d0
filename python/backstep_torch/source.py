"""Where an op was called in the user's .py files: location, call stack and the variable a result is assigned to."""
import ast
import dis
import os
import site
import sys
import sysconfig

import torch

_HERE = os.path.dirname(os.path.abspath(__file__))
# Python 3.11+ gives each instruction's columns (co_positions); before, only lines, and the variable a call's
# result goes to is read from the bytecode instead (a test turns this off to check that path on 3.11).
HAS_POSITIONS = hasattr(compile("0", "<check>", "eval"), "co_positions")
_STORE = {"STORE_FAST", "STORE_NAME", "STORE_GLOBAL", "STORE_DEREF"}
_LOAD = {"LOAD_FAST", "LOAD_NAME", "LOAD_GLOBAL", "LOAD_DEREF"}


def _library_dirs():
    dirs = {os.path.dirname(os.path.abspath(torch.__file__)), _HERE}
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(key):
            dirs.add(os.path.abspath(paths[key]))
    try:
        dirs.update(os.path.abspath(p) for p in site.getsitepackages())
    except AttributeError:  # virtualenvs' old site.py
        pass
    dirs.update(os.path.abspath(p) for p in sys.path if p.endswith(("site-packages", "dist-packages")))
    return tuple(d + os.sep for d in dirs)


class SourceMap:
    """Classifies frames as the user's or a library's, and reads positions and assignment targets from the user's files."""

    def __init__(self):
        self._library = _library_dirs()
        self._user_file = {}
        self._positions = {}
        self._assignments = {}
        self._lines = {}
        self._trees = {}  # filename → its syntax tree (tree())
        self._texts = {}
        self._abspaths = {}
        self._stores = {}
        self._user_code = {}  # code object → whether it is the user's
        self._frames = {}  # (code, instruction) → its stack entry
        self._statements = {}  # (code, instruction) → statement_of's answer
        self._unpacked_at = {}  # (code, instruction) → "a, c" of `a, c = <its call>`, without columns (_stored_after)
        self._unpacked = {}  # filename → {span of a right-hand side: its targets "a, b"} of `a, b = …` (statement_of)

    def is_user(self, filename):
        known = self._user_file.get(filename)
        if known is None:
            known = not filename.startswith("<") and not os.path.abspath(filename).startswith(self._library)
            self._user_file[filename] = known
        return known

    def user_frames(self, frame):
        """The user's frames from `frame` outwards (innermost first)."""
        out, known = [], self._user_code
        while frame is not None:
            code = frame.f_code
            mine = known.get(code)
            if mine is None:
                mine = known[code] = self.is_user(code.co_filename)
            if mine:
                out.append(frame)
            frame = frame.f_back
        return out

    def position(self, frame):
        """(line, column, end line, end column) of the instruction the frame is at; columns 0-based, or None (with the
        end) where Python gives only lines."""
        return self.position_at(frame.f_code, frame.f_lasti, frame.f_lineno)

    def position_at(self, code, lasti, lineno):
        table = self._positions.get(code)
        if table is None:
            table = list(code.co_positions()) if HAS_POSITIONS else []
            self._positions[code] = table
        i = lasti // 2
        if 0 <= i < len(table) and table[i][0] is not None and table[i][2] is not None:
            line, end_line, col, end_col = table[i]
            return line, col, end_line, end_col
        return lineno, None, None, None

    def column_of(self, filename, line, col):
        """1-based column: the instruction's, else the line's first non-blank character."""
        if col is not None:
            return col + 1
        text = self._source_lines(filename)
        return len(text[line - 1]) - len(text[line - 1].lstrip()) + 1 if 0 < line <= len(text) else 1

    def abspath(self, filename):
        path = self._abspaths.get(filename)
        if path is None:
            path = self._abspaths[filename] = os.path.abspath(filename)
        return path

    def loc(self, frame):
        line, col, _, _ = self.position(frame)
        filename = frame.f_code.co_filename
        return {"file": self.abspath(filename), "line": line, "column": self.column_of(filename, line, col)}

    def stack(self, frames):
        """Each frame's {file, line, column, name}: the same for every call from one instruction, so made once."""
        out, seen = [], self._frames
        for f in frames:
            key = (f.f_code, f.f_lasti)
            hit = seen.get(key)
            if hit is None:
                hit = self.loc(f)
                hit["name"] = getattr(f.f_code, "co_qualname", f.f_code.co_name)
                seen[key] = hit
            out.append(dict(hit))
        return out

    def assigned_var(self, frame):
        """The name the expression being evaluated is assigned to (`h = torch.tanh(z)` gives "h"), if it is a whole right-hand side."""
        return self.assigned_var_at(frame.f_code, frame.f_lasti, frame.f_lineno)

    def assigned_var_at(self, code, lasti, lineno):
        """assigned_var for the instruction `lasti` of `code` (kept from a frame that has moved on since)."""
        line, col, end_line, end_col = self.position_at(code, lasti, lineno)
        if end_line is None:
            return self._stored_after(code, lasti)
        table = self._assignments_of(code.co_filename)
        return table.get((line, col, end_line, end_col))

    def statement_of(self, frame):
        """(span, target) of the assignment whose right-hand side the frame is evaluating (`pooled = out.max(1).values`
        while max runs; target "a, b" for `a, b = …`), span the right-hand side's (line, col, end line, end col); None
        elsewhere. Without columns
        (Python < 3.11): only a call that is the whole right-hand side, spanned by its instruction."""
        key = (frame.f_code, frame.f_lasti)
        hit = self._statements.get(key, False)
        if hit is not False:
            return hit
        line, col, end_line, end_col = self.position(frame)
        if end_line is None:
            target = self._stored_after(frame.f_code, frame.f_lasti) or self._unpacked_at.get(key)
            hit = ((line, frame.f_lasti), target) if target else None
        else:
            hit, inner = None, None
            filename = frame.f_code.co_filename
            table = self._assignments_of(filename)
            for span, target in list(table.items()) + list(self._unpacked[filename].items()):
                if span[:2] <= (line, col) and (end_line, end_col) <= span[2:] and (inner is None or span[:2] > inner[:2]):
                    hit, inner = (span, target), span
        self._statements[key] = hit
        return hit

    def _stored_after(self, code, lasti):
        """Without columns: the name the bytecode stores the call's result in right after it (`STORE_FAST h`, or
        `LOAD self; STORE_ATTR h` for `self.h = …`); a result used further (`x @ W + b`'s matmul) has none."""
        table = self._stores.get(code)
        if table is None:
            table = {}
            ins = list(dis.get_instructions(code))
            for k in range(len(ins) - 1):
                nxt = ins[k + 1]
                if nxt.opname in _STORE:
                    table[ins[k].offset] = nxt.argval
                elif nxt.opname == "UNPACK_SEQUENCE" and all(i.opname in _STORE for i in ins[k + 2:k + 2 + nxt.argval]):
                    # `a, c = x.split(1)`: statement_of's targets (not a whole right-hand side's variable)
                    unpacked = ins[k + 2:k + 2 + nxt.argval]
                    if len(unpacked) == nxt.argval:  # (3.11 reports a call's instruction within its inline caches)
                        for at in range(ins[k].offset, nxt.offset, 2):
                            self._unpacked_at[(code, at)] = ", ".join(i.argval for i in unpacked)
                elif nxt.opname in _LOAD and k + 2 < len(ins) and ins[k + 2].opname == "STORE_ATTR":
                    table[ins[k].offset] = "%s.%s" % (nxt.argval, ins[k + 2].argval)
            self._stores[code] = table
        return table.get(lasti)

    def assignment_of(self, value, frame):
        """For a tensor the mode never saw made: the local variable in `frame` holding it and where it was last
        assigned before the statement running now (`d = F.apply(x)` for `d += 1` on the next line, not that line)."""
        var = next((k for k, v in frame.f_locals.items() if v is value), None)
        if var is None:
            return None, None
        now, col, end_line, end_col = self.position(frame)
        first = frame.f_code.co_firstlineno
        best = None
        for (line, c, el, ec), name in self._assignments_of(frame.f_code.co_filename).items():
            if name != var or not first <= line <= now:
                continue
            if (el, ec) > (now, col) if end_line is not None else line == now:
                continue  # this statement's own assignment, which has not happened yet (its value is being computed)
            if best is None or (line, c) > best:
                best = (line, c)
        loc = {"file": os.path.abspath(frame.f_code.co_filename), "line": best[0], "column": best[1] + 1} if best else None
        return var, loc

    def passed_in(self, value, frame):
        """Whether `frame` holds `value` only as an argument it was called with (an op the mode did not see made it in a
        caller: `expert(x[idx])`), not as a variable it assigned."""
        code = frame.f_code
        n = code.co_argcount + code.co_kwonlyargcount
        args = code.co_varnames[:n]
        var = next((k for k, v in frame.f_locals.items() if v is value), None)
        if var is None or var not in args:
            return False
        first, now = code.co_firstlineno, frame.f_lineno
        return not any(name == var and first <= line < now for (line, _c, _el, _ec), name in self._assignments_of(code.co_filename).items())

    def source_line(self, filename, line):
        lines = self._source_lines(filename)
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""

    def _source_lines(self, filename):
        lines = self._lines.get(filename)
        if lines is None:
            try:
                with open(filename, encoding="utf-8") as f:
                    lines = f.read().splitlines()
            except OSError:
                lines = []
            self._lines[filename] = lines
        return lines

    def tree(self, filename):
        """The file's syntax tree, parsed once (None if it cannot be read or parsed): its assignments' targets here,
        its loops in loops.py."""
        if filename in self._trees:
            return self._trees[filename]
        try:
            with open(filename, encoding="utf-8") as f:
                source = f.read()
            tree = ast.parse(source, filename)
        except (OSError, SyntaxError, ValueError):
            source, tree = None, None
        self._texts[filename] = source
        self._trees[filename] = tree
        return tree

    def _assignments_of(self, filename):
        table = self._assignments.get(filename)
        if table is not None:
            return table
        table, unpacked = {}, {}
        tree = self.tree(filename)
        source = self._texts.get(filename)
        if tree is not None:
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
                    target, value = node.target, node.value
                else:
                    continue
                if isinstance(target, (ast.Tuple, ast.List)) and isinstance(node, ast.Assign):
                    names = [_target_name(t, source, True) for t in target.elts]
                    if all(names):  # `logits, h = dec(tok, h)`: statement_of's, each name for its element
                        unpacked[(value.lineno, value.col_offset, value.end_lineno, value.end_col_offset)] = ", ".join(names)
                    continue
                name = _target_name(target, source)
                if name:
                    table[(value.lineno, value.col_offset, value.end_lineno, value.end_col_offset)] = name
                    if isinstance(node, ast.AugAssign):  # `s += t`: the in-place op's instruction spans the statement
                        table[(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)] = name
        self._assignments[filename] = table
        self._unpacked[filename] = unpacked
        return table


def _target_name(target, source, nested=False):
    if isinstance(target, ast.Name):
        return target.id
    if nested and isinstance(target, (ast.Tuple, ast.List)):  # `output, (h_n, c_n) = lstm(x)`'s state
        names = [_target_name(t, source, True) for t in target.elts]
        return "(%s)" % ", ".join(names) if names and all(names) else None
    if isinstance(target, (ast.Attribute, ast.Subscript)):
        return ast.get_source_segment(source, target)
    return None
