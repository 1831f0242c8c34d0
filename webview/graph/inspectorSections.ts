// The inspector's sections that typeset the chain rule: at an op, per input, and a fan-out's sum over its
// consumers (webview/graph/inspector.ts renders them with the rest).
import { el, vsButton } from "../common/dom";
import { FAN_SHOWN, type ChainRule, type FanOut } from "./chainRule";
import { tex } from "./tex";
import { formatNumber } from "../../src/trace/text";

/** How many more of a fan-out's contributions one click on "N more" lists. */
const FAN_MORE_PAGE = 100;

export function section(title: string): HTMLElement {
  const s = el("section", "insp-section");
  s.append(el("h3", undefined, title));
  return s;
}

/** The chain rule at an op, per input: the formula, the shapes, the norms and the numbers. */
export function chainRuleSection(rule: ChainRule): HTMLElement {
  const s = section(`Chain rule at ${rule.op}${rule.outName ? ` → ${rule.outName}` : ""}`);
  s.classList.add("chain-rule");
  for (const t of rule.terms) {
    const box = el("div", "term");
    box.dataset.input = String(t.input);
    box.append(el("h4", undefined, `into ${t.inputName}`));
    if (t.bp) {
      const badge = el("div", "bp");
      badge.append(el("span", "bp-eq", t.bp.eq), el("span", undefined, ` ${t.bp.text}`));
      badge.append(tex(t.bp.latex, false));
      box.append(badge);
    }
    box.append(tex(t.latex), tex(t.formulaLatex));
    const shapes = el("p", "shapes");
    shapes.textContent = `upstream ∂L/∂out [${t.upstreamShape}] · local Jacobian [${t.jacobianShape}] → contribution [${t.contributionShape}]`;
    box.append(shapes);
    // each number one piece: "2.222e-10" broke after its "e-" at the panel's edge
    const norms = el("p", "shapes");
    norms.append(
      "‖∂L/∂out‖ = ",
      el("span", "nowrap", formatNumber(t.norms.upstream)),
      " · ‖contribution‖ = ",
      el("span", "nowrap", formatNumber(t.norms.contribution)),
    );
    box.append(norms);
    if (t.matmulCheck) {
      const m = t.matmulCheck;
      const shown =
        m.products
          .slice(0, 4)
          .map(([x, y]) => `${formatNumber(x)}·${formatNumber(y)}`)
          .join(" + ") + (m.products.length > 4 ? " + …" : "");
      box.append(
        el(
          "p",
          "numbers matmul-check",
          `${m.text} = ${shown} = ${formatNumber(m.sum)} (recorded ${formatNumber(m.recorded)})`,
        ),
      );
    }
    if (t.summedOverBroadcast)
      box.append(
        el("p", "note", "The input was broadcast: its contribution sums the upstream over the broadcast dimensions."),
      );
    if (t.numbers.length) {
      const list = el("ul", "numbers");
      for (const n of t.numbers)
        list.append(
          el(
            "li",
            undefined,
            `[${n.at}]  ${formatNumber(n.upstream)} × ${formatNumber(n.local)} = ${formatNumber(n.contribution)}`,
          ),
        );
      box.append(list);
    }
    s.append(box);
  }
  if (rule.skipped.length) s.append(el("p", "note", `No gradient needed for ${rule.skipped.join(", ")}.`));
  return s;
}

/** A fan-out sum: ∂L/∂x as the sum of its consumers' contributions, listed a page at a time. */
export function fanOutSection(f: FanOut, goto?: (event: number) => void): HTMLElement {
  const s = section(`Fan-out: ∂L/∂${f.tensorName} sums ${f.parts.length} contributions`);
  s.classList.add("fan-out");
  s.append(tex(f.latex));
  const list = el("ul", "parts");
  let rows = 0;
  /** Lists up to `n` more parts: a 300-way sum shows its first few and a button for the rest, a page at a time. */
  const more = (n: number): void => {
    for (const end = Math.min(f.parts.length, rows + n); rows < end; rows++) {
      const p = f.parts[rows];
      const li = el("li", undefined, `${rows + 1}. from ${p.from} [${p.shape}] `);
      // where it came from: parts "from add", "from add" are told apart by their events
      if (goto)
        li.append(
          vsButton(`event ${p.event + 1}`, `Go to the backward event of ${p.from} that made it`, () => goto(p.event)),
        );
      list.append(li);
    }
  };
  more(FAN_SHOWN);
  s.append(list);
  if (rows < f.parts.length) {
    const label = (): string => `${f.parts.length - rows} more`;
    const button = vsButton(label(), "List more of the contributions", () => {
      more(FAN_MORE_PAGE);
      if (rows < f.parts.length) button.textContent = label();
      else button.remove();
    });
    button.classList.add("fan-more");
    s.append(button);
  }
  if (f.numbers) {
    const { parts, more: left, total } = f.numbers;
    // a negative part as a difference ("0.05357 − 0.02296", not "+ -0.02296")
    const terms =
      parts.map((x, i) => (i === 0 ? formatNumber(x) : `${x < 0 ? "−" : "+"} ${formatNumber(Math.abs(x))}`)).join(" ") +
      (left ? ` + … (${left} more)` : "");
    s.append(el("p", "numbers", `[0]  ${terms} = ${formatNumber(total)}`));
  }
  s.append(
    el(
      "p",
      "numbers entry-sums",
      `Σ of all entries: the ${f.parts.length} contributions ${formatNumber(f.entrySums.parts)} · ` +
        `∂L/∂${f.tensorName} ${formatNumber(f.entrySums.total)}`,
    ),
  );
  return s;
}
