// The inspector: the current event and the selected op, with shapes, stats, heatmaps and the chain rule in numbers.
import type { GradCheckEvent, OpId, TensorId } from "../../src/trace/types";
import { el, vsButton } from "../common/dom";
import type { Host } from "../common/host";
import type { ViewIndex } from "../../src/protocol/messages";
import { chainRuleAt, fanOutAt, tensorName } from "./chainRule";
import { chainRuleSection, fanOutSection, section } from "./inspectorSections";
import { heatmap } from "./heatmap";
import { katexReady, katexSlot } from "./tex";
import { InspectorReads } from "./inspectorReads";
import { describeEvent } from "./timelineModel";
import {
  apart,
  DIGITS,
  dimsText,
  formatNumber,
  gradCheckFailed,
  gradCheckSides,
  gradCheckText,
  RANDOM_UPSTREAM,
  shapeText,
  statsText,
} from "../../src/trace/text";

export interface InspectorActions {
  reveal(op: OpId): void;
  goto(event: number): void;
  /** Fetch a step's tensors (a windowed trace message left them out, stepLoader.ts); resolves when they are in. */
  needStep?(step: number): Promise<void>;
}

/** One render's doing: its reads (what was missing), and its heatmaps, fetched once it is shown. */
interface Built {
  token: number;
  reads: InspectorReads;
  heatmaps: (() => void)[];
}

export class Inspector {
  private token = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: Host<object>,
    private readonly actions: InspectorActions,
  ) {}

  /**
   * Renders for the event at `cursor` and the selected op (if other than the event's). What the render read and was
   * not at hand (statistics the trace message left out, values, KaTeX) is fetched in one round trip and the render done
   * again, so its numbers are never placeholders. Stale renders are dropped.
   */
  async render(
    index: ViewIndex,
    cursor: number,
    selectedOp?: OpId,
    selectedTensor?: TensorId,
    selectedGroup?: { label: string; ops: OpId[] },
    /** Scroll the selection's section into view (a click on a node: it landed below the panel's fold, unseen). */
    reveal = false,
  ): Promise<void> {
    const token = ++this.token;
    const build = (b: Built): DocumentFragment =>
      this.build(b, index, cursor, selectedOp, selectedTensor, selectedGroup);
    const fresh = (): Built => ({
      token,
      reads: new InspectorReads(index, (t) => this.host.received(t)),
      heatmaps: [],
    });
    let b = fresh();
    let frag = build(b);
    // the first formula shown (a chain rule, a fan-out sum) brings KaTeX's text, in the same round trip
    const kind = index.trace.events[cursor]?.kind;
    const formulas = (kind === "backward" || kind === "accumulate") && !katexSlot.backstepKatex;
    if (!b.reads.complete || formulas) {
      await Promise.all([
        ...[...b.reads.missingValues].map((t) => this.host.values(t)),
        this.host.stats(b.reads.missingStats),
        ...[...b.reads.missingSteps].map((step) => this.actions.needStep?.(step)),
        formulas ? katexReady() : undefined,
      ]);
      if (token !== this.token) return;
      b = fresh();
      frag = build(b);
    }
    this.root.replaceChildren(frag);
    for (const show of b.heatmaps) show();
    // once laid out (heatmaps and formulas change the heights above it): its top at the pane's
    const shown = reveal ? this.root.querySelector(".insp-selected") : null;
    if (shown) requestAnimationFrame(() => shown.scrollIntoView({ block: "start" }));
  }

  private build(
    b: Built,
    index: ViewIndex,
    cursor: number,
    selectedOp?: OpId,
    selectedTensor?: TensorId,
    selectedGroup?: { label: string; ops: OpId[] },
  ): DocumentFragment {
    const e = index.trace.events[cursor];
    const frag = document.createDocumentFragment();
    frag.append(el("h2", "insp-event", describeEvent(index, cursor)));
    const eventOp = index.eventOp[cursor] >= 0 ? index.eventOp[cursor] : undefined;
    if (e?.kind === "backward") {
      const rule = chainRuleAt(index, cursor, b.reads);
      if (rule) {
        const s = chainRuleSection(rule);
        // The gradients themselves: what arrived (∂L/∂out) and what each input receives.
        s.append(this.tensorRow(index, e.upstream, `∂L/∂${rule.outName} (upstream)`, b));
        for (const t of rule.terms)
          s.append(this.tensorRow(index, t.contribution, `∂L/∂${t.inputName} (contribution)`, b));
        frag.append(s);
      }
    } else if (e?.kind === "accumulate") {
      const fan = fanOutAt(index, cursor, b.reads);
      if (fan) frag.append(fanOutSection(fan, (event) => this.actions.goto(event)));
    } else if (e?.kind === "update") {
      const s = section(`Update ${e.param}`);
      s.append(el("p", "rule", e.rule));
      for (const [label, t] of [
        ["before", e.before],
        ["∂L/∂W", e.grad],
        ["after", e.after],
      ] as const)
        s.append(this.tensorRow(index, t, label, b));
      frag.append(s);
    } else if (e?.kind === "gradCheck") {
      frag.append(this.gradCheck(e, index, b));
    } else if (e?.kind === "step") {
      frag.append(
        el(
          "p",
          undefined,
          e.loss !== undefined
            ? `Step ${e.index} begins; its loss is ${formatNumber(e.loss)}.`
            : `Step ${e.index} begins.`,
        ),
      );
    }
    // the selection's section is marked, for render's reveal: the event's own when the selected op is its op
    const selected = (s: HTMLElement): HTMLElement => (s.classList.add("insp-selected"), s);
    if (eventOp !== undefined) {
      const s = this.opSection(index, eventOp, "At this event", b, cursor);
      frag.append(selectedOp === eventOp ? selected(s) : s);
    }
    if (selectedOp !== undefined && selectedOp !== eventOp)
      frag.append(selected(this.opSection(index, selectedOp, "Selected", b, cursor)));
    else if (selectedTensor !== undefined) {
      const name = tensorName(index, selectedTensor);
      const s = selected(section(`Selected: ${name}`));
      // Its gradient as at this event first (what a learner clicks a parameter for), then its value.
      const grad = b.reads.gradAt(selectedTensor, cursor);
      if (grad !== null) s.append(this.tensorRow(index, grad, `∂L/∂${name} (at this event)`, b, "gradient"));
      else
        s.append(
          el("p", "note", `No gradient of ${name} yet at this event: it arrives during this step's backward pass.`),
        );
      s.append(this.tensorRow(index, selectedTensor, `${name} (value)`, b));
      frag.append(s);
    }
    if (selectedGroup) frag.append(selected(this.groupSection(index, selectedGroup.label, selectedGroup.ops)));
    return frag;
  }

  /** A collapsed module: its ops in order, each a button to its backward event (or forward, if it has none). */
  private groupSection(index: ViewIndex, label: string, ops: OpId[]): HTMLElement {
    const s = section(`Module ${label}: ${ops.length} ops (collapsed)`);
    const list = el("ul", "members");
    for (const id of ops.slice(0, 200)) {
      const op = index.op(id);
      const target = index.backwardEvent.get(id) ?? index.forwardEvent.get(id);
      const li = el("li");
      li.append(
        `${op?.op ?? "?"}${op?.var ? ` ${op.var}` : ""} [${dimsText(index.tensor(op?.output ?? -1)?.shape ?? [])}] `,
      );
      if (target !== undefined)
        li.append(
          vsButton(
            "go",
            `Go to ${index.backwardEvent.has(id) ? "the backward" : "the forward"} event of ${op?.op}`,
            () => this.actions.goto(target),
          ),
        );
      list.append(li);
    }
    s.append(list);
    if (ops.length > 200) s.append(el("p", "note", `…and ${ops.length - 200} more: expand the group to see them.`));
    return s;
  }

  private opSection(index: ViewIndex, opId: OpId, title: string, b: Built, cursor: number): HTMLElement {
    const op = index.op(opId);
    const s = section(`${title}: ${op?.op ?? "?"}${op?.var ? `  ${op.var}` : ""}`);
    if (!op) return s;
    const where = el("p", "where");
    where.append(`${op.module ? `${op.module} · ` : ""}step ${op.trainingStep}`);
    if (op.loc) {
      where.append(
        " · ",
        vsButton(`line ${op.loc.line}`, `Reveal line ${op.loc.line} in the editor`, () => this.actions.reveal(op.id)),
      );
    }
    // at the op's backward event the way back is its forward (a "go to its backward" there went nowhere)
    const bwd = index.backwardEvent.get(op.id);
    const fwd = index.forwardEvent.get(op.id);
    const [pass, to] = bwd !== undefined && bwd !== cursor ? ["backward", bwd] : ["forward", fwd];
    if (to !== undefined && to !== cursor) {
      where.append(
        " · ",
        vsButton(`go to its ${pass}`, `Go to the ${pass} event of ${op.op}`, () => this.actions.goto(to)),
      );
    }
    s.append(where);
    op.inputs.forEach((t, i) => s.append(this.tensorRow(index, t, `in ${i}: ${tensorName(index, t)}`, b)));
    s.append(this.tensorRow(index, op.output, `out: ${tensorName(index, op.output)}`, b));
    // a learner's gradient of this op's result, beside autograd's
    const check = index.lastCheck(op.output);
    if (check) s.append(this.gradCheck(check, index, b));
    return s;
  }

  /**
   * A gradient check: its verdict, the worst element, and the hand-written gradient beside the reference. An
   * expectGrad's sides are what the program expects and autograd's: "yours" was the expected side, which the
   * custom-function exercise gives the true value (its backward's result is autograd's). A function's backward is
   * checked given a fixed random upstream v, against finite differences of v·out: neither side is ∂L/∂input.
   */
  private gradCheck(e: GradCheckEvent, index: ViewIndex, b: Built): HTMLElement {
    const { mine, ref, of } = gradCheckSides(e);
    const s = section(`Gradient check: ${e.label}${e.loc ? ` (line ${e.loc.line})` : ""}`);
    s.classList.add("grad-check", gradCheckFailed(e) ? "failed" : "passed");
    s.append(el("p", "verdict", gradCheckText(e)));
    if (e.worst) {
      // as many digits as tell them apart (the verdict's -1.4997 vs -1.5 read "-1.5, autograd -1.5" here)
      const [m, r] = apart(e.worst.manual, e.worst.reference, { digits: DIGITS.panel });
      const where = e.worst.index.length > 0 ? ` at ${shapeText(e.worst.index)}` : "";
      s.append(el("p", "numbers", `worst${where}: ${mine} ${m}, ${ref} ${r}`));
    }
    const tolerance = `close means |${mine} − ${ref}| ≤ ${formatNumber(e.atol)} + ${formatNumber(e.rtol)}·|${ref}|`;
    const upstream = e.source === "function" ? `v is ${RANDOM_UPSTREAM}. ` : "";
    const note = e.note ? `${e.note}${/[.?!]$/.test(e.note) ? "" : "."} ` : "";
    s.append(el("p", "note", `${note}${upstream}${tolerance}`));
    const pair = el("div", "side-by-side");
    if (e.manual !== undefined) pair.append(this.tensorRow(index, e.manual, `${mine}: ${of}`, b, "gradient"));
    if (e.reference !== undefined) pair.append(this.tensorRow(index, e.reference, `${ref}: ${of}`, b, "gradient"));
    s.append(pair);
    return s;
  }

  /** A tensor's shape and stats now; its heatmap when the values arrive. */
  private tensorRow(index: ViewIndex, t: TensorId, label: string, b: Built, role?: "gradient"): HTMLElement {
    const info = index.tensor(t);
    const row = el("div", role ? `tensor ${role}` : "tensor");
    row.dataset.tensor = String(t);
    row.append(el("div", "tensor-head", `${label}  [${info ? dimsText(info.shape) : "?"}] ${info?.dtype ?? ""}`));
    const stats = b.reads.stats(t);
    if (info) row.append(el("div", "stats", stats ? statsText(stats) : "statistics not received"));
    if (info?.hasValues) {
      const slot = el("div", "heat");
      row.append(slot);
      // fetched once this render is shown, not for one done again (InspectorReads)
      b.heatmaps.push(
        () =>
          void this.host.values(t).then((v) => {
            if (b.token !== this.token) return;
            if (typeof v === "string") slot.textContent = v;
            else {
              slot.append(heatmap(v, label));
              if (v.sampled)
                slot.append(
                  el("div", "note", `sampled ${v.rowIndex.length}×${v.colIndex.length} of ${v.rows}×${v.cols}`),
                );
            }
          }),
      );
    }
    return row;
  }
}
