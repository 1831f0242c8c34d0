// Hover text for a model line after a trace: shapes and stats of each op there, and its chain rule in backward.
import type { OpId, Trace, TraceOp, TraceTensor, TensorId } from "../../src/trace/types";
import { TraceIndex, formatNumber, formatShape } from "./format";
import { backwardByOp } from "./lineHints";
import { latexToUnicode } from "../../src/protocol/latexText";

const MAX_OPS = 4;

function statsRow(label: string, t: TraceTensor | undefined): string {
  if (!t) return `| ${label} | ? | | | | | |`;
  const s = t.stats;
  const bad = s.nan || s.inf ? ` ⚠ ${s.nan} NaN, ${s.inf} Inf` : "";
  return `| ${label} | \`${formatShape(t.shape)}\` | ${formatNumber(s.min)} | ${formatNumber(s.max)} | ${formatNumber(s.mean)} | ${formatNumber(s.std)} | ${formatNumber(s.norm)}${bad} |`;
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

function opTitle(op: TraceOp, index: TraceIndex): string {
  const args = op.inputs.map((id) => index.label(id)).join(", ");
  const call = `${op.op}(${args})`;
  return op.var ? `${op.var} = ${call}` : call;
}

function opSection(trace: Trace, op: TraceOp, index: TraceIndex, backward: ReturnType<typeof backwardByOp>): string[] {
  const lines: string[] = [];
  const where = op.module ? ` · ${op.module}` : "";
  lines.push(`**${code(opTitle(op, index))}** · step ${op.step}${plain(where)}`, "");
  lines.push("| | shape | min | max | mean | std | ‖·‖ |", "|---|---|---|---|---|---|---|");
  lines.push(statsRow(`out ${code(index.label(op.output), true)}`, index.tensor(op.output)));
  op.inputs.forEach((id: TensorId, i) => lines.push(statsRow(`in ${op.inputs.length > 1 ? `${i} ` : ""}${code(index.label(id), true)}`, index.tensor(id))));
  const b = backward.get(op.id);
  if (b) {
    const outName = op.var ?? "out";
    lines.push(statsRow(`upstream ∂L/∂${plain(outName)}`, index.tensor(b.upstream)));
    b.contributions.forEach((c, i) => {
      if (c !== null) lines.push(statsRow(`→ ∂L/∂${plain(index.label(op.inputs[i]))}`, index.tensor(c)));
    });
    lines.push("");
    b.local.forEach((local, i) => {
      const inName = index.label(op.inputs[i]);
      if (!local) {
        lines.push(`- ∂${plain(outName)}/∂${plain(inName)}: no gradient needed`);
        return;
      }
      const [m, n] = local.jacobianShape;
      const lt = local.tensor !== undefined ? index.tensor(local.tensor) : undefined;
      const ltText = lt ? `, mean ${formatNumber(lt.stats.mean)}, range [${formatNumber(lt.stats.min)}, ${formatNumber(lt.stats.max)}]` : "";
      lines.push(`- local ∂${plain(outName)}/∂${plain(inName)} = ${code(latexToUnicode(local.formula))} · Jacobian \`[${m} × ${n}]\`${ltText}`);
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
  const index = new TraceIndex(trace);
  const byId = new Map(trace.ops.map((o) => [o.id, o]));
  const backward = backwardByOp(trace);
  const ops = opIds.map((id) => byId.get(id)).filter((o): o is TraceOp => !!o);
  const parts: string[] = [`**Backstep** — ${ops.length} op${ops.length === 1 ? "" : "s"} on this line`, ""];
  // The line's result is its last op; show it first, then the intermediate ones.
  const ordered = [...ops].reverse();
  for (const op of ordered.slice(0, MAX_OPS)) parts.push(...opSection(trace, op, index, backward), "", "---", "");
  if (ordered.length > MAX_OPS) parts.push(`_…and ${ordered.length - MAX_OPS} more: ${ordered.slice(MAX_OPS).map((o) => o.op).join(", ")}_`);
  return parts.join("\n").replace(/\n---\n\n$/, "\n");
}
