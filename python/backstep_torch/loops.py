"""A script's training step is an iteration of the loop around its backward pass: which loop that is, and whether a later
op runs in the same iteration of it (the TypeScript recorder's rule: src/trace/recorderSteps.ts opBegins, with
src/runner/loopIterations.ts)."""
import ast
import dis

SAME, LATER = "same", "later"
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp)
_FOR_ITER = {dis.opmap[n] for n in ("FOR_ITER", "GET_ITER", "GET_AITER", "GET_ANEXT") if n in dis.opmap}
_MISSING = object()


class Loop:
    """A `for` or `while` loop of a user's file: its header and body (its `else` runs after it, so is not in it), the
    names its target binds, and whether its header or body calls a method named `step` (an optimizer's update, as far
    as the text tells: src/runner/instrument.ts reads the TypeScript loops' the same way)."""

    __slots__ = ("node", "depth", "start", "end", "body_start", "names", "updates")

    def __init__(self, node, depth):
        self.node, self.depth = node, depth
        first, last = node.body[0], node.body[-1]
        self.start = (node.lineno, node.col_offset)
        self.end = (last.end_lineno, last.end_col_offset)
        self.body_start = (first.lineno, first.col_offset)
        target = getattr(node, "target", None)
        self.names = tuple(n.id for n in ast.walk(target) if isinstance(n, ast.Name)) if target is not None else ()
        parts = [node.body] + ([[node.iter]] if target is not None else [[node.test]])
        self.updates = any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "step"
            for part in parts for top in part for n in ast.walk(top))

    def contains(self, line, col):
        if col is None:  # Python before 3.11 gives lines only
            return self.start[0] <= line <= self.end[0]
        return self.start <= (line, col) <= self.end

    def in_header(self, line, col, code, lasti):
        """Whether the instruction is the loop's header: its iterable's next value (a DataLoader's batch) or its
        condition, computed between two iterations."""
        if col is not None:
            return (line, col) < self.body_start
        if line < self.body_start[0]:
            return True
        # `for x in xs: f(x)` on one line: only the instruction tells
        return line == self.start[0] and 0 <= lasti < len(code.co_code) and code.co_code[lasti] in _FOR_ITER


def _within(node, line, col):
    if col is None:
        return node.lineno <= line <= node.end_lineno
    return (node.lineno, node.col_offset) <= (line, col) <= (node.end_lineno, node.end_col_offset)


def _blocks(node):
    """A compound statement's lists of statements, in the order they run (a try's body, handlers, else, finally)."""
    for field in ("body", "handlers", "orelse", "finalbody", "cases"):
        value = getattr(node, field, None)
        if not value:
            continue
        if field in ("handlers", "cases"):
            for part in value:
                yield part.body
        else:
            yield value


class Progress:
    """Where an iteration of a loop has got to: the statements around the instruction of the loop's frame, from the
    loop's body inwards (each as (block, index, whether it is a loop)), the frame that instruction called (an op in a
    function it calls), and the instruction."""

    __slots__ = ("path", "inner", "lasti", "comprehension")

    def __init__(self, path, inner, lasti, comprehension):
        self.path, self.inner, self.lasti, self.comprehension = path, inner, lasti, comprehension

    def after(self, earlier):
        """SAME when this can follow `earlier` in one iteration of the loop, LATER when it must be in a later one.
        Within an iteration control only goes forward through the body's statements, but back within a loop inside it
        (nanoGPT's micro-batches); within one statement, forward through its instructions, or on in the call of a
        function it made."""
        inner_loop = False
        for a, b in zip(earlier.path, self.path):
            if a[:2] != b[:2]:
                return SAME if b[:2] > a[:2] or inner_loop else LATER
            inner_loop = inner_loop or a[2]
        if len(self.path) != len(earlier.path):  # one is a compound statement's header (`if`'s test), one inside it
            return SAME if inner_loop or len(self.path) > len(earlier.path) else LATER
        if inner_loop or (self.inner is not None and self.inner is earlier.inner):
            return SAME
        if self.lasti == earlier.lasti and earlier.inner is None and self.inner is not None:
            return SAME  # inside the call the instruction seen last makes (`D.zero_grad()` noted, then its resets)
        # (Python 3.12 inlines a list comprehension: its iterations go back through the statement's instructions)
        return SAME if self.lasti > earlier.lasti or (self.lasti < earlier.lasti and self.comprehension) else LATER


class Mark:
    """The loop around a backward pass, its frame, its iteration (the objects bound to a `for` loop's target) and how
    far through it the run has got."""

    __slots__ = ("loop", "frame", "targets", "progress")

    def __init__(self, loop, frame, targets, progress):
        self.loop, self.frame, self.targets, self.progress = loop, frame, targets, progress


class LoopBook:
    """The user's loops, read from each file's syntax tree, and the mark of the loop around the last backward pass."""

    def __init__(self, source):
        self.source = source
        self.mark = None
        self.chain = ()  # the marks of every loop around the last backward pass, innermost first
        self._scopes = {}  # filename → {scope key → [Loop]}
        self._around = {}  # (code, instruction) → the loops around it, innermost first
        self._paths = {}  # (Loop, code, instruction) → (path, comprehension)

    def backward_began(self, frame):
        """A backward pass begins, called from `frame`: marks the loop it trains in. Of the loops around it (its user
        frames' loops, innermost first), that is the innermost that calls a `step` method, else the innermost: in
        nanoGPT's gradient accumulation the backward pass is in the micro-batches' loop and the update after it in the
        loop around, and a step is that loop's iteration, not one micro-batch. The update, once it runs, settles which
        loop it was (settle)."""
        self.mark = None
        chain = []
        for user in self.source.user_frames(frame):
            for loop in self.loops_around(user):
                chain.append(self._mark(loop, user, frame))
        self.chain = chain
        if chain:
            self.mark = next((m for m in chain if m.loop.updates), chain[0])

    def _mark(self, loop, loop_frame, frame):
        inner = _inner(frame, loop_frame)
        return Mark(loop, loop_frame, _targets(loop, loop_frame), self._progress(loop, loop_frame, inner))

    def settle(self, frame):
        """An update or a reset of gradients after the mark's backward pass, called from `frame`: the loop the step
        trains in is the innermost loop around both, in the same iteration (the TypeScript recorder's settle). A
        scheduler's `step` in the epochs' loop no longer makes an epoch one step once a batch's update has run in a
        function the batches' loop calls. A call in a later iteration of a loop leaves the mark where it is: a reset at
        the top of the next batch is in the epoch's iteration still, and the mark, moved out to the epoch's loop, took
        the epoch's next batches into the step (as the TypeScript recorder's settle does: every epoch one step)."""
        for m in self.chain:
            where = self.iteration(frame, m)
            if where == SAME:
                self.mark = m
                return True
            if where == LATER:
                return False
        return False

    def iteration(self, frame, mark=None):
        """Where an op called from `frame` runs against the mark (or `mark`, one of its chain): SAME in its loop's
        iteration, LATER in a later one or in the loop's header between two (a DataLoader's next batch), None outside
        that loop (after it, or in a function called from elsewhere). The objects a `for` loop's target names are bound
        to tell its iterations apart (`for i in range(n)`: a new int each; a DataLoader: new batch tensors); how far
        through its body the run has got tells them apart too, and is all a `while` loop has (control goes back to its
        body's start only by a new iteration)."""
        mark = mark or self.mark
        inner, f = None, frame
        while f is not None and f is not mark.frame:
            inner, f = f, f.f_back
        if f is None:
            return None
        loop, code, lasti = mark.loop, f.f_code, f.f_lasti
        line, col, _, _ = self.source.position(f)
        if line is None or not loop.contains(line, col):  # (an instruction the compiler made has no line)
            return None
        if loop.in_header(line, col, code, lasti) or not _same(_targets(loop, f), mark.targets):
            return LATER
        now = self._progress(loop, f, inner)
        verdict = now.after(mark.progress)
        if verdict == SAME:
            mark.progress = now
        return verdict

    def note(self, frame, settle=False):
        """An update or a reset of gradients, called from `frame`, though no op, tells how far through the mark's
        iteration the run has got: in nanoGPT's `while` loop, the next iteration's first op is back in the loop of
        micro-batches, and only the update after that loop tells it is in a later iteration. `settle`: an update, or a
        reset after the backward pass, settles the training loop first (a reset before it prepares it)."""
        if self.mark is not None:
            if not (settle and self.settle(frame)):  # (settled, the mark has taken in how far the run got)
                self.iteration(frame)

    def loops_around(self, frame):
        """The loops of the frame's own code (not a nested function's) around its instruction, innermost first."""
        code = frame.f_code
        key = (code, frame.f_lasti)
        hit = self._around.get(key)
        if hit is None:
            line, col, _, _ = self.source.position(frame)
            scope = "<module>" if code.co_name == "<module>" else (code.co_name, code.co_firstlineno)
            loops = self._scopes_of(code.co_filename).get(scope, ()) if line is not None else ()
            hit = self._around[key] = sorted((l for l in loops if l.contains(line, col)), key=lambda l: -l.depth)
        return hit

    def _progress(self, loop, frame, inner):
        code, lasti = frame.f_code, frame.f_lasti
        key = (loop, code, lasti)
        hit = self._paths.get(key)
        if hit is None:
            line, col, _, _ = self.source.position(frame)
            hit = self._paths[key] = _path(loop, line, col)
        return Progress(hit[0], inner, lasti, hit[1])

    def _scopes_of(self, filename):
        scopes = self._scopes.get(filename)
        if scopes is None:
            scopes = self._scopes[filename] = {}
            tree = self.source.tree(filename)
            if tree is not None:
                _index(tree, "<module>", 0, scopes)
        return scopes


def _index(node, scope, depth, scopes):
    """Lists each loop under the scope whose code runs it: the module's, or a function's or class's as its code object
    names it (its name and first line, a decorator's if it has one)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _SCOPES):
            first = min([d.lineno for d in child.decorator_list] + [child.lineno])
            _index(child, (child.name, first), 0, scopes)
        elif isinstance(child, _LOOPS):
            scopes.setdefault(scope, []).append(Loop(child, depth))
            _index(child, scope, depth + 1, scopes)
        elif isinstance(child, (ast.stmt, ast.excepthandler)) or type(child).__name__ == "match_case":
            _index(child, scope, depth, scopes)


def _path(loop, line, col):
    """The statements around a position of the loop's body, from the body inwards, and whether the innermost one holds
    a comprehension."""
    out, blocks, last = [], [loop.node.body], None
    while True:
        hit = next(((b, i, st) for b, block in enumerate(blocks) for i, st in enumerate(block) if _within(st, line, col)), None)
        if hit is None:
            break
        b, i, last = hit
        out.append((b, i, isinstance(last, _LOOPS)))
        blocks = list(_blocks(last))
    comprehension = last is not None and any(isinstance(n, _COMPREHENSIONS) for n in ast.walk(last))
    return tuple(out), comprehension


def _inner(frame, outer):
    """The frame `outer` called on the way to `frame` (None if `frame` is `outer`)."""
    inner, f = None, frame
    while f is not None and f is not outer:
        inner, f = f, f.f_back
    return inner


def _same(now, then):
    """Whether a `for` loop's target names are bound to the very objects they were (`==` would compare tensors)."""
    return all(a is b for a, b in zip(now, then))


def _targets(loop, frame):
    """The objects a `for` loop's target names are bound to now (a `while` loop has none)."""
    if not loop.names:
        return ()
    local = frame.f_locals
    return tuple(local.get(n, _MISSING) for n in loop.names)
