// Unrolled loops inside one module: an RNN cell called 300 times, or a loop body written inline, puts every call's
// ops in the same module group. Where a group's own ops repeat with a period (the same ops, variables and shapes, over
// and over), each repetition becomes a group of its own, "model.cell #1", "#2", …, which repeats.ts then folds as it
// folds repeated sibling modules: "model.cell #1…300 ×300".
import type { GraphEdge, GraphGroup, GraphNode } from "./model";
import { StringTable } from "../../src/protocol/stringTable";
import { inParts, runAll, type Slices } from "./slices";

/** Fewer repetitions stay as they are (as repeats.ts's REPEAT_MIN). */
const MIN_REPEATS = 3;
/** The longest loop body looked for, in ops (an LSTM cell is 20, a transformer block written inline ~100). */
const MAX_PERIOD = 400;

export interface PeriodicRun {
  start: number;
  period: number;
  count: number;
}

/** A maximal stretch keys[start, end) that repeats a block of `period` keys at least MIN_REPEATS times. */
interface Segment {
  start: number;
  end: number;
  period: number;
}

/**
 * The runs of `keys` that repeat a block of `period` keys at least MIN_REPEATS times, not overlapping: the run
 * covering the most keys (the shortest period among equals, then the first), then the same in what is left on either
 * side. The stretches that repeat are found once, for every period, and each side picks among them clipped to it:
 * scanning every period again on each side made a step graph of the e2e bench's 100,000-op LSTM (20,000 ops, 911
 * short runs) take 16–29 s to build, now 1.9–3.7 s (node, 3 interleaved pairs, load 13–15).
 */
export function periodicRuns(keys: readonly number[], from = 0, to = keys.length): PeriodicRun[] {
  return runAll(periodicRunsSlices(keys, from, to));
}

/** periodicRuns, pausing after each period's scan (a period scans every key: 20,000 in an LSTM's step). */
export function* periodicRunsSlices(keys: readonly number[], from = 0, to = keys.length): Slices<PeriodicRun[]> {
  const segments: Segment[] = [];
  for (let p = 1; p <= Math.min(MAX_PERIOD, Math.floor((to - from) / MIN_REPEATS)); p++) {
    scanPeriod(keys, from, to, p, segments);
    yield;
  }
  const out: PeriodicRun[] = [];
  yield* pick(segments, from, to, out);
  return out;
}

/** Adds to `segments` the maximal stretches of keys[from, to) repeating with period `p` at least MIN_REPEATS times. */
function scanPeriod(keys: readonly number[], from: number, to: number, p: number, segments: Segment[]): void {
  let streak = 0;
  for (let i = from; i + p <= to; i++) {
    if (i + p < to && keys[i] === keys[i + p]) {
      streak++;
      continue;
    }
    // keys[i − streak … i + p) repeat with period p
    if (streak + p >= MIN_REPEATS * p) segments.push({ start: i - streak, end: i + p, period: p });
    streak = 0;
  }
}

/**
 * The best run in [from, to) among `segments` (by period, then start) clipped to it, then either side's, pausing
 * after each range's look: the 100,000-op LSTM's step splits its model's 20,025 ops into 911 runs, 1,823 looks over
 * 1,213 segments (58-76 ms at once, node, load 5-8).
 */
function* pick(segments: readonly Segment[], from: number, to: number, out: PeriodicRun[]): Slices<void> {
  // in order: a range's left side, its best run, its right side (a stack, not recursion: runs can be ~1,000 deep)
  const todo: (PeriodicRun | { segments: readonly Segment[]; from: number; to: number })[] = [{ segments, from, to }];
  for (let item = todo.pop(); item; item = todo.pop()) {
    if ("count" in item) {
      out.push(item);
      continue;
    }
    const { here, best } = bestRun(item.segments, item.from, item.to);
    if (best) {
      const end = best.start + best.period * best.count;
      todo.push({ segments: here, from: end, to: item.to }, best, { segments: here, from: item.from, to: best.start });
    }
    yield;
  }
}

/** The run covering most of [from, to) among `segments` clipped to it, and the segments that have runs there. */
function bestRun(segments: readonly Segment[], from: number, to: number): { here: Segment[]; best?: PeriodicRun } {
  const maxPeriod = Math.min(MAX_PERIOD, Math.floor((to - from) / MIN_REPEATS));
  const here: Segment[] = [];
  let best: PeriodicRun | undefined;
  for (const s of segments) {
    if (s.period > maxPeriod) break;
    const start = Math.max(s.start, from);
    const count = Math.floor((Math.min(s.end, to) - start) / s.period);
    if (count < MIN_REPEATS) continue;
    here.push(s);
    if (!best || count * s.period > best.count * best.period) best = { start, period: s.period, count };
  }
  return { here, ...(best ? { best } : {}) };
}

/**
 * Splits each module group whose ops repeat into one group per repetition (`<group>@<k>`, labelled `<label> #<k+1>`),
 * children of that group. Repetition is judged on every op under the group, its submodules' by their path below it:
 * the 300 layers of a deep MLP (`layers.0`, `layers.1`, …) do not repeat this way (repeats.ts folds them as
 * siblings), 300 calls of one cell do. Only the group's own ops move. Mutates `groups` and the nodes' `group`. Chunks
 * of ungrouped ops (`g:#…`) are ranges already and stay as they are.
 */
export function splitUnrolled(
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
  groups: Map<string, GraphGroup>,
): void {
  runAll(splitUnrolledSlices(nodes, edges, groups));
}

/**
 * splitUnrolled, pausing every ROWS_PER_PAUSE nodes or edges, after each period a group's ops are scanned for, and
 * after each run it splits: at once, the 100,000-op LSTM's step (20,000 ops, 18,200 of them its cell's) held the graph
 * page for 130-490 ms in one task (Chromium, its first paint, load 8-11).
 */
export function* splitUnrolledSlices(
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
  groups: Map<string, GraphGroup>,
): Slices<void> {
  // every op under each group that has ops of its own, in the order they ran
  const own = new Set<string>();
  for (const n of nodes) if (n.kind === "op" && n.group && !n.group.startsWith("g:#")) own.add(n.group);
  const under = new Map<string, GraphNode[]>();
  yield* inParts(nodes.length, (first, end) => {
    for (let i = first; i < end; i++) {
      const n = nodes[i];
      if (n.kind !== "op") continue;
      for (let g = n.group; g; g = groups.get(g)?.parent) {
        if (!own.has(g)) continue;
        let list = under.get(g);
        if (!list) under.set(g, (list = []));
        list.push(n);
      }
    }
    return undefined;
  });
  const keyIds = new StringTable();
  const intern = (s: string): number => keyIds.id(s);
  const made = new Set<string>();
  for (const [group, list] of under) {
    if (list.length < MIN_REPEATS) continue;
    const g = groups.get(group) as GraphGroup;
    const keys: number[] = [];
    yield* inParts(list.length, (first, end) => {
      for (let i = first; i < end; i++) {
        const n = list[i];
        const path = n.group === group ? "" : (groups.get(n.group as string)?.label ?? "").slice(g.label.length);
        keys.push(intern(`${path}\u0001${n.label}\u0001${n.detail}`));
      }
      return undefined;
    });
    let k = 0;
    for (const run of yield* periodicRunsSlices(keys)) {
      for (let r = 0; r < run.count; r++, k++) {
        const id = `${group}@${k}`;
        for (let i = 0; i < run.period; i++) {
          const n = list[run.start + r * run.period + i];
          if (n.group !== group) continue;
          // numbered within its run: an LSTM's 8 time steps are #1…8 after its input's 8 slices (#1…8 of theirs), not
          // #17…24 after the slices' and the reshapes' numbers
          if (!groups.has(id)) groups.set(id, { id, label: `${g.label} #${r + 1}`, depth: g.depth + 1, parent: group });
          made.add(id);
          n.group = id;
        }
      }
      yield;
    }
  }
  if (made.size > 0) yield* adoptLeaves(nodes, edges, made);
}

/**
 * A leaf outside any module (the input x_t of time step t) read only by one repetition goes into it: otherwise
 * each of 300 time steps would leave its input as a loose box beside the folded loop.
 */
function* adoptLeaves(
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
  made: ReadonlySet<string>,
): Slices<void> {
  const byId = new Map<string, GraphNode>();
  yield* inParts(nodes.length, (first, end) => {
    for (let i = first; i < end; i++) byId.set(nodes[i].id, nodes[i]);
    return undefined;
  });
  const readers = new Map<string, Set<string | undefined>>();
  yield* inParts(edges.length, (first, end) => {
    for (let i = first; i < end; i++) {
      const e = edges[i];
      let set = readers.get(e.from);
      if (!set) readers.set(e.from, (set = new Set()));
      set.add(byId.get(e.to)?.group);
    }
    return undefined;
  });
  for (const n of nodes) {
    if (n.kind !== "tensor" || n.group) continue;
    const groups = readers.get(n.id);
    const only = groups?.size === 1 ? [...groups][0] : undefined;
    if (only && made.has(only)) n.group = only;
  }
}
