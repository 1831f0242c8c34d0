// Which run of a source line, and which call of a function, each event of a recorded run is in. The Trace has no
// loop-iteration or call marks, so both are read from the ops' call stacks, event after event.
import type { TraceEvent, TraceOp } from "../trace/types";
import type { Frame } from "./debugIndex";

/**
 * What the scan reads of the debug index: each event's frames (innermost first), whether they are its own, its
 * phase, the op a forward event runs, and the op whose place a backward-pass event shows (a backward event's op, an
 * accumulate's consumer or producer): such an event is in that op's forward runs. Forward events, zeroGrad and
 * gradCheck events make runs.
 */
export interface RunInput {
  readonly events: readonly TraceEvent[];
  readonly frames: readonly (readonly Frame[])[];
  readonly ownLocation: readonly boolean[];
  readonly opCount: number;
  phase(i: number): string;
  forwardOp(i: number): TraceOp | undefined;
  differentiated(i: number): TraceOp | undefined;
}

/**
 * A run is one execution of a line at one call depth: a breakpoint stops once per run, forward, and once per run in
 * each backward pass (at the first event of an op of it). A call is one activation of a function at one depth.
 *
 * Between two events of one forward pass, compared frame by frame from the outermost:
 * - another function at a depth: a new call there, and a new run;
 * - another line of the same call: a new run of that line, the same call;
 * - the same line, another call site (column) of it: the same run, unless the run made that call already (within one
 *   execution of a statement each call site runs once: a one-line loop body `h = layer.forward(h).tanh()` coming
 *   back to `forward` has started its next iteration); below it, a new call;
 * - the same call site, where the event before ran an op right at this depth that assigned a variable (a statement
 *   ended) and this event repeats the run's first (same op, same frames): the run starts again (`h = h.tanh()`);
 * - a depth the event before did not reach: a new call and run.
 * Whatever is new at a depth is new at every depth below it. A call at the outermost depth goes on across the phases
 * of one training step (a step event ends it); every run ends with its phase, as a breakpoint hits each pass afresh.
 *
 * What the stacks cannot tell: a loop whose body is one call of a user function and nothing else (`h = block(h)`
 * with `block` defined in the model), which looks like one run of the calling line, as a loop inside `block` does.
 * Recursion and callbacks on one line are runs of that line at each depth they reach; the line is entered at the
 * innermost one (see DebugIndex.indexLines).
 */
export class LineRuns {
  /** Per event, the run of its innermost frame (-1: no place of its own). */
  readonly eventRun: Int32Array;
  /**
   * Per forward event, the outermost depth its op's value may be a result of: the op's own depth, unless the op was the
   * last its call ran, when the value may be what the call returned to its caller (`const left = this.combine(…)`
   * names the callee's last op), and so on outward.
   */
  readonly home: Int32Array;
  /**
   * Per run: the run of the line in the caller (-1 at the outermost frame), its depth, its call. Typed columns
   * grown by doubling: a 1,000,000-op one-line loop is as many runs, and as plain arrays they doubled the index's
   * time, most of it in the garbage collector.
   */
  private parent: Int32Array;
  private depth: Int32Array;
  private call: Int32Array;
  private size = 0;
  private calls = 0;

  constructor(input: RunInput) {
    const n = input.events.length;
    this.eventRun = new Int32Array(n).fill(-1);
    this.home = new Int32Array(n);
    const capacity = Math.max(1024, n >> 2);
    [this.parent, this.depth, this.call] = [
      new Int32Array(capacity),
      new Int32Array(capacity),
      new Int32Array(capacity),
    ];
    new Scan(this, input).run();
  }

  get count(): number {
    return this.size;
  }

  parentOf(run: number): number {
    return this.parent[run];
  }

  depthOf(run: number): number {
    return this.depth[run];
  }

  callOf(run: number): number {
    return this.call[run];
  }

  /** The call of `run`'s line's caller at `depth` (its own at its depth); undefined for no run (-1). */
  callAt(run: number, depth: number): number | undefined {
    const r = this.runAt(run, depth);
    return r === undefined ? undefined : this.call[r];
  }

  /** The run of the line `run` is in at `depth` (itself at its depth); undefined for no run (-1). */
  runAt(run: number, depth: number): number | undefined {
    let r = run;
    while (r >= 0 && this.depth[r] > depth) r = this.parent[r];
    return r >= 0 && this.depth[r] === depth ? r : undefined;
  }

  /** (for the scan) A new run at depth `d` under `parent`, in call `call` (-1: a new call). */
  add(parent: number, d: number, call: number): number {
    if (this.size === this.parent.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      [this.parent, this.depth, this.call] = [grow(this.parent), grow(this.depth), grow(this.call)];
    }
    const run = this.size++;
    this.parent[run] = parent;
    this.depth[run] = d;
    this.call[run] = call >= 0 ? call : this.calls++;
    return run;
  }
}

/** The scan's state: the chain of runs (outermost first) of the last forward event, and what each run did so far. */
class Scan {
  private runs: number[] = [];
  /** Per depth: the call sites (columns) the run made, and its first event. */
  private sites: number[][] = [];
  private first: number[] = [];
  /** The last event scanned that makes runs, and the outermost call (its frame's function) until a step event. */
  private last = -1;
  private root = -1;
  private rootFrame: Frame | undefined;
  /** The innermost run of each op's forward event (-1: none), for the backward pass's events. */
  private readonly opRun: Int32Array;

  constructor(
    private readonly out: LineRuns,
    private readonly input: RunInput,
  ) {
    this.opRun = new Int32Array(input.opCount).fill(-1);
  }

  run(): void {
    const { events, ownLocation } = this.input;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e.kind === "step") this.rootFrame = undefined;
      if (!ownLocation[i]) continue;
      const op = this.input.differentiated(i);
      const follows = i > 0 && this.last === i - 1 && this.input.phase(i - 1) === this.input.phase(i);
      const known = op ? this.opRun[op.id] : -1;
      this.out.eventRun[i] = !op ? this.enter(i, follows) : known >= 0 ? known : this.detached(i);
    }
    if (this.last >= 0) this.out.home[this.last] = 0;
  }

  /** Scans event `i`, which makes runs (`follows`: right after the last one, in its phase); its innermost run. */
  private enter(i: number, follows: boolean): number {
    const frames = this.input.frames[i];
    const n = frames.length;
    const prev = follows ? this.input.frames[i - 1] : [];
    const m = prev.length;
    // the first depth with a new run, and with a new call
    let newRun = 0;
    let newCall = 0;
    if (!follows) {
      const outer = frames[n - 1];
      const same = this.rootFrame && outer.name === this.rootFrame.name && outer.file === this.rootFrame.file;
      newCall = same ? 1 : 0;
    } else if (frames === prev) {
      // (the same frames object: the same place at every depth)
      newRun = this.restarts(i, n - 1) ? n - 1 : n;
      newCall = n;
    } else {
      [newRun, newCall] = this.compare(i, frames, prev);
    }
    if (this.last >= 0) this.out.home[this.last] = follows && newCall >= m ? m - 1 : Math.max(newCall - 1, 0);
    for (let d = newRun; d < n; d++) {
      const call = d >= newCall ? -1 : follows ? this.out.callOf(this.runs[d]) : this.root;
      this.runs[d] = this.out.add(d > 0 ? this.runs[d - 1] : -1, d, call);
      const sites = (this.sites[d] ??= []);
      sites.length = 0;
      sites.push(frames[n - 1 - d].column);
      this.first[d] = i;
    }
    this.runs.length = n;
    if (n > 0) {
      this.root = this.out.callOf(this.runs[0]);
      this.rootFrame = frames[n - 1];
    }
    this.last = i;
    const run = n > 0 ? this.runs[n - 1] : -1;
    const op = this.input.forwardOp(i);
    if (op) this.opRun[op.id] = run;
    return run;
  }

  /** A backward-pass event whose op's forward event has no run (not recorded): runs and calls of its own. */
  private detached(i: number): number {
    let run = -1;
    for (let d = 0; d < this.input.frames[i].length; d++) run = this.out.add(run, d, -1);
    return run;
  }

  /** Frame by frame from the outermost, where event `i` starts a new run and a new call (see LineRuns). */
  private compare(i: number, frames: readonly Frame[], prev: readonly Frame[]): [number, number] {
    const n = frames.length;
    const m = prev.length;
    for (let d = 0; d < n; d++) {
      if (d >= m) return [d, d];
      const f = frames[n - 1 - d];
      const p = prev[m - 1 - d];
      if (f.name !== p.name || f.file !== p.file) return [d, d];
      if (f.line !== p.line) return [d, d + 1];
      if (f.column !== p.column) {
        if (this.sites[d].includes(f.column)) return [d, d + 1];
        this.sites[d].push(f.column);
        return [d + 1, d + 1];
      }
      if (m === d + 1 && this.restarts(i, d)) return [d, d + 1];
    }
    return [n, n];
  }

  /**
   * Whether event `i`, at the call site of the last event's op (which ran right at depth `d`), starts the run at `d`
   * again: that op assigned a variable, and `i` repeats the run's first event.
   */
  private restarts(i: number, d: number): boolean {
    if (this.input.forwardOp(i - 1)?.var === undefined) return false;
    const first = this.first[d];
    if (this.input.forwardOp(first)?.op !== this.input.forwardOp(i)?.op) return false;
    return samePlaces(this.input.frames[first], this.input.frames[i]);
  }
}

function samePlaces(a: readonly Frame[], b: readonly Frame[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    const y = b[k];
    if (x.line !== y.line || x.column !== y.column || x.file !== y.file || x.name !== y.name) return false;
  }
  return true;
}
