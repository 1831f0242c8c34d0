// Hover text for a model line after a trace: shapes and stats of each op there, and its chain rule in backward.
import {
  type OpId,
  type Trace,
  type TraceOp,
  type TraceTensor,
  type TensorId,
  TraceIndex,
  nonFiniteText,
  shapeText,
} from "../../src/trace";
import { hintNumber } from "./lineHints";
import { latexToUnicode } from "../../src/protocol/latexText";
import { leafNames } from "../../src/protocol/tensorNames";

const MAX_OPS = 4;

function statsRow(label: string, t: TraceTensor | undefined): string {
  if (!t) return `| ${label} | ? | | | | | |`;
  const s = t.stats;
  const bad = s.nan || s.inf ? ` ⚠ ${nonFiniteText(s)}` : "";
  return `| ${label} | \`${shapeText(t.shape)}\` | ${hintNumber(s.min)} | ${hintNumber(s.max)} | ${hintNumber(s.mean)} | ${hintNumber(s.std)} | ${hintNumber(s.norm)}${bad} |`;
}

/** Inline code: backslashes stay literal there; a backtick cannot appear; in a table `|` is escaped. */
function code(text: string, inTable = false): string {
  const body = text.replace(/`/g, "'");
  return `\`${inTable ? body.replace(/\|/g, "\\|") : body}\``;
}

/** Plain text in Markdown: escapes the characters that would start formatting. */
function plain(text: string): string {
  return text.replace(/[\\`*_[\]|<>]/g, (c) => `\\${c}`);
}

const leaves = new WeakMap<TraceIndex, Map<TensorId, string>>();

/**
 * What a user calls a tensor: its name, the variable it was assigned to, a leaf's stable name (input_L31), or `#id`.
 */
export function tensorLabel(index: TraceIndex, id: TensorId): string {
  let names = leaves.get(index);
  if (!names) leaves.set(index, (names = leafNames(index.trace.tensors, index.trace.ops)));
  return index.tensorName(id) ?? names.get(id) ?? `#${id}`;
}

function opTitle(op: TraceOp, index: TraceIndex): string {
  const args = op.inputs.map((id) => tensorLabel(index, id)).join(", ");
  const call = `${op.op}(${args})`;
  return op.var ? `${op.var} = ${call}` : call;
}

function opSection(trace: Trace, op: TraceOp, index: TraceIndex): string[] {
  const lines: string[] = [];
  const where = op.module ? ` · ${op.module}` : "";
  lines.push(`**${code(opTitle(op, index))}** · step ${op.trainingStep}${plain(where)}`, "");
  lines.push("| | shape | min | max | mean | std | ‖·‖ |", "|---|---|---|---|---|---|---|");
  lines.push(statsRow(`out ${code(tensorLabel(index, op.output), true)}`, index.tensor(op.output)));
  op.inputs.forEach((id: TensorId, i) =>
    lines.push(
      statsRow(`in ${op.inputs.length > 1 ? `${i} ` : ""}${code(tensorLabel(index, id), true)}`, index.tensor(id)),
    ),
  );
  const b = index.backwardOf(op.id);
  if (b) {
    const outName = op.var ?? "out";
    lines.push(statsRow(`upstream ∂L/∂${plain(outName)}`, index.tensor(b.upstream)));
    b.contributions.forEach((c, i) => {
      if (c !== null) lines.push(statsRow(`→ ∂L/∂${plain(tensorLabel(index, op.inputs[i]))}`, index.tensor(c)));
    });
    lines.push("");
    b.local.forEach((local, i) => {
      const inName = tensorLabel(index, op.inputs[i]);
      if (!local) {
        lines.push(`- ∂${plain(outName)}/∂${plain(inName)}: no gradient needed`);
        return;
      }
      const [m, n] = local.jacobianShape;
      const lt = local.tensor !== undefined ? index.tensor(local.tensor) : undefined;
      const ltText = lt
        ? `, mean ${hintNumber(lt.stats.mean)}, range [${hintNumber(lt.stats.min)}, ${hintNumber(lt.stats.max)}]`
        : "";
      lines.push(
        `- local ∂${plain(outName)}/∂${plain(inName)} = ${code(latexToUnicode(local.formula))} · Jacobian \`[${m} × ${n}]\`${ltText}`,
      );
    });
    lines.push(`- chain rule: ∂L/∂in = upstream × local (vector–Jacobian product)`);
  } else if (trace.events.some((e) => e.kind === "backward")) {
    lines.push("", "_No gradient flows back through this op (it does not affect the loss, or needs no gradient)._");
  } else {
    lines.push("", "_Forward only: the run did not call `backward()`._");
  }
  return lines;
}

/** Markdown for the hover over a line whose ops are `opIds` (from a LineHint). */
export function hoverMarkdown(trace: Trace, opIds: readonly OpId[]): string {
  // (one index per trace for every hover, TraceIndex.shared: at 10,000 ops, building it and the leaves' names again
  // took the extension host 0.1–1 s a hover)
  const index = TraceIndex.shared(trace);
  const ops = opIds.map((id) => index.op(id)).filter((o): o is TraceOp => !!o);
  const parts: string[] = [`**Backstep** — ${ops.length} op${ops.length === 1 ? "" : "s"} on this line`, ""];
  // The line's result is its last op; show it first, then the intermediate ones.
  const ordered = [...ops].reverse();
  for (const op of ordered.slice(0, MAX_OPS)) parts.push(...opSection(trace, op, index), "", "---", "");
  if (ordered.length > MAX_OPS)
    parts.push(
      `_…and ${ordered.length - MAX_OPS} more: ${ordered
        .slice(MAX_OPS)
        .map((o) => o.op)
        .join(", ")}_`,
    );
  return parts.join("\n").replace(/\n---\n\n$/, "\n");
}
