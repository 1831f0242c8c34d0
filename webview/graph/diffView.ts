// Compare with Previous Trace in the graph panel: a badge on each op that differs from the previous run (the first
// divergence in red, added ops in green, reshaped in purple), and a diff view of both runs' numbers side by side.
import type { DiffDetail, DiffMark, GraphDiff } from "../../src/protocol/messages";
import type { OpId } from "../../src/trace/types";
import { DIGITS, formatNumber } from "../../src/trace/text";
import { el, vsButton } from "../common/dom";
import type { VisibleNode } from "./collapse";

const SVG = "http://www.w3.org/2000/svg";
const BADGE: Record<DiffMark["kind"], string> = { first: "≠", diverged: "≠", added: "+", shape: "⇔", moved: "↕" };
/** When a collapsed group holds several marked ops, the one it shows. */
const RANK: Record<DiffMark["kind"], number> = { first: 0, shape: 1, added: 2, diverged: 3, moved: 4 };
const num = (x: number): string => formatNumber(x, { digits: DIGITS.panel });

/** The mark a visible node shows: its op's, or the most telling of its members' (a collapsed group). */
export function markOf(node: VisibleNode, marks: ReadonlyMap<OpId, DiffMark>): DiffMark | undefined {
  let best: DiffMark | undefined;
  for (const m of node.members) {
    const mark = m.op === undefined ? undefined : marks.get(m.op);
    if (mark && (!best || RANK[mark.kind] < RANK[best.kind])) best = mark;
  }
  return best;
}

/** Puts (or removes) each node's badge: a circle at the box's top-right corner with the mark's sign and note. */
export function applyDiffMarks(
  nodes: readonly VisibleNode[],
  nodeEls: ReadonlyMap<string, SVGGElement>,
  marks: ReadonlyMap<OpId, DiffMark>,
): void {
  for (const n of nodes) {
    const g = nodeEls.get(n.id);
    if (!g) continue;
    g.querySelector(":scope > .diff-badge")?.remove();
    for (const k of Object.keys(BADGE)) g.classList.remove(`diff-${k}`);
    const mark = markOf(n, marks);
    if (!mark) continue;
    g.classList.add(`diff-${mark.kind}`);
    const box = g.querySelector(":scope > rect.box");
    if (!box) continue;
    const x = Number(box.getAttribute("x")) + Number(box.getAttribute("width"));
    const y = Number(box.getAttribute("y"));
    const badge = document.createElementNS(SVG, "g");
    badge.setAttribute("class", "diff-badge");
    const c = document.createElementNS(SVG, "circle");
    c.setAttribute("cx", String(x - 2));
    c.setAttribute("cy", String(y + 2));
    c.setAttribute("r", "8");
    const t = document.createElementNS(SVG, "text");
    t.setAttribute("x", String(x - 2));
    t.setAttribute("y", String(y + 6));
    t.textContent = BADGE[mark.kind];
    const tip = document.createElementNS(SVG, "title");
    tip.textContent = mark.note;
    badge.append(c, t, tip);
    g.append(badge);
  }
}

export interface DiffViewEvents {
  /** Show an op of the current trace at an event (the diverging op's forward or backward). */
  show(op: OpId, event: number): void;
  clear(): void;
}

/**
 * The diff view: a strip under the toolbar with the summary and, for the selected (or first) diverging op, both runs'
 * numbers.
 */
export class DiffView {
  readonly root = el("section", "diff-view");
  marks = new Map<OpId, DiffMark>();
  private diff: GraphDiff | null = null;
  private readonly details = new Map<OpId, DiffDetail>();

  constructor(private readonly events: DiffViewEvents) {
    this.root.setAttribute("aria-label", "Comparison with the previous trace");
    this.root.hidden = true;
  }

  set(diff: GraphDiff | null): void {
    this.diff = diff;
    this.marks = new Map((diff?.marks ?? []).map((m) => [m.op, m]));
    this.details.clear();
    for (const d of diff?.details ?? []) this.details.set(d.op, d);
    this.root.hidden = diff === null;
    this.render(undefined);
  }

  /** Re-renders for the selected op: its comparison when it differs, else the first divergence's. */
  render(selectedOp: OpId | undefined): void {
    const diff = this.diff;
    if (!diff) return this.root.replaceChildren();
    const head = el("div", "diff-head");
    const first = diff.details[0];
    head.append(el("strong", undefined, diff.title), el("span", "diff-summary", diff.summary));
    if (first)
      head.append(
        vsButton("Show first divergence", "Select the first diverging op and move to where it differs", () =>
          this.events.show(first.op, first.event),
        ),
      );
    head.append(vsButton("Clear", "Clear the comparison", () => this.events.clear()));
    const parts: HTMLElement[] = [head];
    const mark = selectedOp === undefined ? undefined : this.marks.get(selectedOp);
    const detail = (selectedOp !== undefined ? this.details.get(selectedOp) : undefined) ?? first;
    if (mark && !this.details.has(mark.op)) parts.push(el("div", "diff-note", `Selected op: ${mark.note}.`));
    if (detail) parts.push(this.table(detail, detail.op === selectedOp));
    if (diff.removed.length) {
      const more = diff.removed.length > 8 ? ` … and ${diff.removed.length - 8} more` : "";
      parts.push(el("div", "diff-note", `Only in the previous run: ${diff.removed.slice(0, 8).join("; ")}${more}.`));
    }
    this.root.replaceChildren(...parts);
  }

  private table(d: DiffDetail, selected: boolean): HTMLElement {
    const box = el("div", "diff-detail");
    box.append(el("div", "diff-what", `${selected ? "Selected" : "First divergence"}: ${d.what} — ${d.amount}`));
    const table = el("table", "diff-table");
    const header = el("tr");
    for (const h of ["", "previous", "current", "Δ"]) header.append(el("th", undefined, h));
    table.append(header);
    for (const r of d.rows) {
      const tr = el("tr");
      const delta = r.current - r.previous;
      if (!(Object.is(r.previous, r.current) || r.previous === r.current)) tr.className = "differs";
      tr.append(
        el("th", undefined, r.label),
        el("td", undefined, num(r.previous)),
        el("td", undefined, num(r.current)),
        el("td", undefined, num(delta)),
      );
      table.append(tr);
    }
    box.append(table);
    return box;
  }
}
