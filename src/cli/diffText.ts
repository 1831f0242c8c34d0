// The CLI's readable report of two runs' differences (`backstep diff`), and its --json form.
import { relative } from "node:path";
import type { Divergence, StructureChange, TraceDiff } from "../trace/diff";
import { DIGITS, formatNumber, shapeText } from "../trace/text";
import type { OpId, Trace } from "../trace/types";
import { sampleSteps, table, WIDTH } from "./summary";

const num = (v: number): string => formatNumber(v, { digits: DIGITS.cli });

/** Structure changes and diverging ops listed at most (a renamed loop body changes thousands). */
const MAX_ROWS = 40;

export interface DiffInputs {
  a: Trace;
  b: Trace;
  /** The files as the user named them. */
  nameA: string;
  nameB: string;
  cwd: string;
}

/** `model.ts:12  h = tanh  (model.fc1)  step 0`: where an op is and what it is, as a user reads their code. */
export function opText(trace: Trace, id: OpId, cwd: string): string {
  const o = trace.ops[id];
  const rel = o.loc ? relative(cwd, o.loc.file) : "";
  const at = o.loc ? `${rel.startsWith("..") ? o.loc.file : rel}:${o.loc.line}` : "(no line)";
  return `${at}  ${o.var ? `${o.var} = ` : ""}${o.op}${o.module ? `  (${o.module})` : ""}  step ${o.trainingStep}`;
}

function whatText(d: Divergence, a: Trace): string {
  if (d.kind === "value") return "value";
  if (d.kind === "gradient") return "gradient ∂L/∂output";
  const t = a.tensors[d.tensorA];
  return `input ${d.input ?? 0}${t.name ? ` (${t.name}, ${t.kind})` : ` (${t.kind})`}`;
}

/** `max |a−b| 0.0123 at [2, 3] (a 0.512, b 0.524), max rel 0.024`. */
export function amountText(d: Divergence): string {
  const where =
    d.by === "values" ? `at ${shapeText(d.element)}` : `in its ${d.stat} (values not recorded; compared statistics)`;
  return `max |a−b| ${num(d.maxAbs)} ${where} (a ${num(d.valueA)}, b ${num(d.valueB)}), max rel ${num(d.maxRel)}`;
}

function structureText(s: StructureChange, { a, b, cwd }: DiffInputs): string {
  switch (s.kind) {
    case "removed":
      return `- only in a: ${opText(a, s.a, cwd)}`;
    case "added":
      return `+ only in b: ${opText(b, s.b, cwd)}`;
    case "shape":
      return `~ shape ${shapeText(s.shapeA)} → ${shapeText(s.shapeB)}: ${opText(a, s.a, cwd)}`;
    case "moved":
      return `> moved to line ${b.ops[s.b].loc?.line ?? "?"}: ${opText(a, s.a, cwd)}`;
  }
}

/** Both runs' losses, step by step in columns (sampled over a long run) to fit in 80 columns. */
function lossRows(a: readonly number[], b: readonly number[]): string[] {
  const n = Math.max(a.length, b.length);
  const at = (l: readonly number[], i: number): string => (i < l.length ? num(l[i]) : "");
  for (let k = 12; ; k--) {
    const steps = sampleSteps(n, k);
    const rows = table([
      ["step", ...steps.map(String)],
      ["a", ...steps.map((i) => at(a, i))],
      ["b", ...steps.map((i) => at(b, i))],
    ]);
    if (k <= 2 || rows.every((r) => r.length <= WIDTH)) return rows;
  }
}

/** An op in a diverging row: `z1 = add (model.fc1)`. */
function opName(t: Trace, id: OpId): string {
  const o = t.ops[id];
  return `${o.var ? `${o.var} = ` : ""}${o.op}${o.module ? ` (${o.module})` : ""}`;
}

/** What differs at an op, for its row: a leaf input by its name (`model.fc1.bias`), else by its place. */
function differsText(d: Divergence, a: Trace): string {
  if (d.kind !== "input") return d.kind;
  const t = a.tensors[d.tensorA];
  return t.name ?? `input ${d.input ?? 0} (${t.kind})`;
}

/** Where a structure change happened, in the order of the runs: its step, then its op in a (or in b). */
function stepOf(c: StructureChange, { a, b }: DiffInputs): number {
  return "a" in c ? a.ops[c.a].trainingStep * 1e9 + c.a : b.ops[c.b].trainingStep * 1e9 + c.b;
}

export function formatDiff(diff: TraceDiff, inputs: DiffInputs): string {
  const { a, b, nameA, nameB, cwd } = inputs;
  const out: string[] = [];
  const count = (k: StructureChange["kind"]): number => diff.structure.filter((s) => s.kind === k).length;
  out.push(
    `Backstep diff of a = ${nameA} and b = ${nameB}`,
    `${diff.pairs.length} ops aligned, ${count("removed")} only in a, ${count("added")} only in b, ` +
      `${count("shape")} reshaped (rtol ${num(diff.tolerance.rtol)}, atol ${num(diff.tolerance.atol)})`,
  );
  if (diff.losses.a.length > 0 || diff.losses.b.length > 0)
    out.push("", "Loss by step:", ...lossRows(diff.losses.a, diff.losses.b));
  out.push("");
  // a changed op (tanh → relu) is where the runs part, before the values it changes: say so before them
  const changes = diff.structure.filter((c) => c.kind !== "moved");
  if (changes.length > 0) {
    const first = changes.reduce((m, c) => (stepOf(c, inputs) < stepOf(m, inputs) ? c : m));
    out.push("The ops differ (all under Structure, below); the first change:", `  ${structureText(first, inputs)}`, "");
  }
  if (diff.comparedSteps)
    out.push(`Ops compared at the steps both runs kept in full: ${stepsText(diff.comparedSteps)}.`, "");
  const ls = diff.lossStep;
  if (ls) {
    const side = (v: number | undefined): string => (v === undefined ? "no step" : num(v));
    out.push(`The losses part at step ${ls.step}: a ${side(ls.a)}, b ${side(ls.b)}.`, "");
  }
  const f = diff.first;
  if (!f && ls) out.push("No aligned op differs within the tolerance, but the losses do (above): the runs differ.");
  else if (!f) out.push(`No divergence: every aligned op's value and gradient agree within the tolerance.`);
  else {
    out.push(`First divergence: ${whatText(f, a)} of`);
    out.push(`  a  ${opText(a, f.a, cwd)}`);
    out.push(`  b  ${opText(b, f.b, cwd)}`);
    out.push(`  ${amountText(f)}`);
    // one row per op, in the order its first difference happened
    const byOp = new Map<OpId, Divergence[]>();
    for (const d of diff.divergences) byOp.set(d.a, [...(byOp.get(d.a) ?? []), d]);
    out.push("", `Diverging ops: ${byOp.size} of ${diff.pairs.length} aligned (the lines are a's)`);
    const rows = [["step", "line", "op", "max |a−b|", "differs"]];
    for (const [id, ds] of [...byOp].slice(0, MAX_ROWS)) {
      const o = a.ops[id];
      const worst = ds.reduce((m, d) => Math.max(m, d.maxAbs), 0);
      const at = opText(a, id, cwd).split("  ")[0];
      rows.push([String(o.trainingStep), at, opName(a, id), num(worst), ds.map((d) => differsText(d, a)).join(", ")]);
    }
    out.push(...table(rows));
    if (byOp.size > MAX_ROWS) out.push(`  … and ${byOp.size - MAX_ROWS} more`);
  }
  out.push("", diff.structure.length === 0 ? "Structure: the same ops in both runs" : "Structure:");
  for (const s of diff.structure.slice(0, MAX_ROWS)) out.push("  " + structureText(s, inputs));
  if (diff.structure.length > MAX_ROWS) out.push(`  … and ${diff.structure.length - MAX_ROWS} more`);
  return out.join("\n");
}

/** The diff as plain JSON, each op named by its place in the code so it reads without the traces. */
export function diffJson(diff: TraceDiff, { a, b }: DiffInputs): unknown {
  const op = (t: Trace, id: OpId): object => {
    const o = t.ops[id];
    return {
      id,
      op: o.op,
      step: o.trainingStep,
      ...(o.var ? { var: o.var } : {}),
      ...(o.module ? { module: o.module } : {}),
      ...(o.loc ? { loc: o.loc } : {}),
    };
  };
  const div = (d: Divergence): object => ({ ...d, a: op(a, d.a), b: op(b, d.b) });
  return {
    tolerance: diff.tolerance,
    aligned: diff.pairs.length,
    same: runsAgree(diff),
    first: diff.first ? div(diff.first) : null,
    divergences: diff.divergences.map(div),
    structure: diff.structure.map((s) => ({
      ...s,
      ...("a" in s ? { a: op(a, s.a) } : {}),
      ...("b" in s ? { b: op(b, s.b) } : {}),
    })),
    losses: { a: diff.losses.a, b: diff.losses.b },
    ...(diff.lossStep ? { lossStep: diff.lossStep } : {}),
    ...(diff.comparedSteps ? { comparedSteps: diff.comparedSteps } : {}),
  };
}

/**
 * Whether the runs agree: no divergence and no op added, removed or reshaped. A moved op (a comment line added above
 * it) ran the same: it is listed, but a.ts against moved.ts said "No divergence" and exited 1.
 */
export function runsAgree(diff: TraceDiff): boolean {
  return diff.first === undefined && diff.lossStep === undefined && diff.structure.every((s) => s.kind === "moved");
}

/** `0, 1, 2, … 9 (10 steps)`, or none. */
function stepsText(steps: readonly number[]): string {
  if (steps.length === 0) return "none";
  const shown = steps.length <= 8 ? steps.join(", ") : `${steps.slice(0, 6).join(", ")}, … ${steps[steps.length - 1]}`;
  return `${shown} (${steps.length} step${steps.length === 1 ? "" : "s"})`;
}
