// Compare with Previous Trace, as the graph panel shows it: the diff of two traces (src/trace/diff.ts) turned into
// marks on the current trace's ops and side-by-side rows of both runs' numbers. Pure (no vscode), tested directly.
import type { DiffDetail, DiffMark, GraphDiff } from "../../src/protocol/messages";
import {
  DIGITS,
  formatNumber,
  shapeText,
  sizeOf,
  TraceIndex,
  type Divergence,
  type Trace,
  type TraceDiff,
} from "../../src/trace";

const num = (x: number): string => formatNumber(x, { digits: DIGITS.panel });
/** Diverging ops detailed at most, and elements shown around the one that differs most. */
const MAX_DETAILS = 500;
const WINDOW = 12;

/** `h = tanh (line 12)`. */
export function opLabel(trace: Trace, id: number): string {
  const o = trace.ops[id];
  return `${o.var ? `${o.var} = ` : ""}${o.op}${o.loc ? ` (line ${o.loc.line})` : ""}${o.module ? ` in ${o.module}` : ""}`;
}

function what(d: Divergence, current: Trace): string {
  const label = opLabel(current, d.b);
  if (d.kind === "value") return `value of ${label}`;
  if (d.kind === "gradient") return `gradient ∂L/∂out of ${label}`;
  const t = current.tensors[d.tensorB];
  return `input ${d.input ?? 0}${t.name ? ` (${t.name})` : ""} of ${label}`;
}

/** The elements around the one that differs most, flat indices in the tensor's shape; or the statistics compared. */
function rows(d: Divergence, previous: Trace, current: Trace): DiffDetail["rows"] {
  const a = previous.tensors[d.tensorA];
  const b = current.tensors[d.tensorB];
  if (d.by === "stats" || !a.values || !b.values) {
    return (["min", "max", "mean", "std", "norm"] as const).map((k) => ({
      label: k,
      previous: a.stats[k],
      current: b.stats[k],
    }));
  }
  const shape = b.shape;
  const worst = d.element.reduce((flat, i, k) => flat * shape[k] + i, 0);
  const n = sizeOf(shape);
  const start = Math.max(0, Math.min(worst - Math.floor(WINDOW / 2), n - WINDOW));
  const out: DiffDetail["rows"] = [];
  for (let i = start; i < Math.min(n, start + WINDOW); i++) {
    const idx: number[] = [];
    let r = i;
    for (let k = shape.length - 1; k >= 0; k--) {
      idx.unshift(r % shape[k]);
      r = Math.floor(r / shape[k]);
    }
    out.push({ label: shapeText(idx), previous: a.values[i], current: b.values[i] });
  }
  return out;
}

/** The marks and details the graph panel shows for `diff`, computed with `previous` as run a and `current` as run b. */
export function graphDiff(diff: TraceDiff, previous: Trace, current: Trace, when: string): GraphDiff {
  const marks = new Map<number, DiffMark>();
  const mark = (m: DiffMark): void => {
    if (!marks.has(m.op)) marks.set(m.op, m);
  };
  const details: DiffDetail[] = [];
  const seen = new Set<number>();
  const index = TraceIndex.shared(current);
  for (const d of diff.divergences) {
    mark({
      op: d.b,
      kind: d === diff.first ? "first" : "diverged",
      note: `${what(d, current)}: max |Δ| ${num(d.maxAbs)}`,
    });
    if (seen.has(d.b) || details.length >= MAX_DETAILS) continue;
    seen.add(d.b);
    const at =
      d.by === "values" ? `at ${shapeText(d.element)}` : `in its ${d.stat ?? "statistics"} (values not recorded)`;
    const bEvent = (d.kind === "gradient" ? index.backwardEvent : index.forwardEvent).get(d.b) ?? 0;
    details.push({
      op: d.b,
      what: what(d, current),
      amount: `max |Δ| ${num(d.maxAbs)} ${at}, max rel ${num(d.maxRel)}`,
      event: bEvent,
      rows: rows(d, previous, current),
    });
  }
  const removed: string[] = [];
  for (const s of diff.structure) {
    if (s.kind === "added") mark({ op: s.b, kind: "added", note: "not in the previous run" });
    else if (s.kind === "shape")
      mark({ op: s.b, kind: "shape", note: `shape ${shapeText(s.shapeA)} before, ${shapeText(s.shapeB)} now` });
    else if (s.kind === "moved")
      mark({ op: s.b, kind: "moved", note: `was at line ${previous.ops[s.a].loc?.line ?? "?"}` });
    else removed.push(`${opLabel(previous, s.a)}, step ${previous.ops[s.a].trainingStep}`);
  }
  const count = (k: string): number => diff.structure.filter((s) => s.kind === k).length;
  const diverging = new Set(diff.divergences.map((d) => d.b)).size;
  const first = diff.first
    ? `First divergence: ${what(diff.first, current)}, step ${current.ops[diff.first.b].trainingStep}.`
    : "No value or gradient differs beyond the tolerance.";
  const structure =
    diff.structure.length === 0
      ? "the same ops"
      : `${count("added")} op(s) added, ${count("removed")} removed, ${count("shape")} reshaped, ${count("moved")} moved`;
  return {
    title: `Compared with the previous trace (${when}; rtol ${num(diff.tolerance.rtol)}, atol ${num(diff.tolerance.atol)})`,
    summary: `${first} ${diverging} of ${diff.pairs.length} aligned ops differ; ${structure}.`,
    marks: [...marks.values()],
    details,
    removed,
  };
}
