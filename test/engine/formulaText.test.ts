// Every formula the registered gradient rules emit reads as Unicode math (no raw LaTeX) where KaTeX cannot run.
import { strict as assert } from "node:assert";
import * as B from "../../src/index";
import { latexToUnicode } from "../../src/protocol/latexText";
import { gradCases } from "./fixtures/gradcases";
import { NOOP_OBSERVER, observing } from "./support/observers";

/** Each registered rule's local-derivative formulas, as its gradcheck cases make it emit them. */
function emittedFormulas(): Map<string, Set<string>> {
  const byRule = new Map<string, Set<string>>();
  const obs: B.EngineObserver = {
    ...NOOP_OBSERVER,
    backward: (output, _upstream, local) => {
      const rule = output._ctx?.rule.name ?? "?";
      for (const l of local) if (l) byRule.set(rule, (byRule.get(rule) ?? new Set()).add(l.formula));
    },
  };
  observing(obs, () => {
    B.manualSeed(5);
    for (const cases of Object.values(gradCases))
      for (const c of cases) {
        const out = c.fn(...c.inputs());
        out.backward(B.onesLike(out));
      }
  });
  return byRule;
}

const balanced = (s: string): boolean => {
  const stack: string[] = [];
  for (const c of s) {
    if ("([".includes(c)) stack.push(c === "(" ? ")" : "]");
    else if (")]".includes(c) && stack.pop() !== c) return false;
  }
  return stack.length === 0;
};

describe("LaTeX formulas as Unicode math", () => {
  const formulas = emittedFormulas();

  it("every registered rule emitted at least one formula", () => {
    const missing = B.ruleNames().filter((r) => !formulas.has(r));
    assert.deepEqual(missing, []);
  });

  it("no formula keeps LaTeX markup, and brackets stay balanced", () => {
    const all = [...formulas.values()].flatMap((s) => [...s]);
    assert.ok(all.length >= 20, `${all.length} formulas`);
    for (const f of all) {
      const u = latexToUnicode(f);
      assert.ok(u.length > 0, f);
      assert.doesNotMatch(u, /[\\{}]|\^\{|_\{|\\[a-z]/, `${JSON.stringify(f)} → ${JSON.stringify(u)}`);
      assert.ok(
        balanced(u) === balanced(f.replace(/\\[a-z]+|[{}]/gi, "")),
        `${JSON.stringify(f)} → ${JSON.stringify(u)}`,
      );
    }
  });

  it("reads like the maths (checked by hand)", () => {
    assert.equal(latexToUnicode("1 - \\tanh^2(x)"), "1 − tanh²(x)");
    assert.equal(latexToUnicode("\\sigma(x)\\,(1 - \\sigma(x))"), "σ(x)\u2009(1 − σ(x))");
    assert.equal(latexToUnicode("\\frac{1}{2\\sqrt{x}}"), "1/(2√x)");
    assert.equal(latexToUnicode("-\\frac{a}{b^2}"), "−a/b²");
    assert.equal(latexToUnicode("b\\,a^{b-1}"), "b\u2009aᵇ⁻¹");
    assert.equal(latexToUnicode("\\mathbb{1}[x > 0]"), "𝟙[x > 0]");
    assert.equal(
      latexToUnicode("\\frac{\\partial s_i}{\\partial x_j} = s_i(\\delta_{ij} - s_j)"),
      "∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ)",
    );
    assert.equal(
      latexToUnicode("\\frac{\\partial y_{n,o,p}}{\\partial W_{o,c,k}} = x_{n,c,p+k}"),
      "∂y[n,o,p]/∂W[o,c,k] = x[n,c,p+k]",
    );
    assert.equal(latexToUnicode("\\partial C / \\partial w^l_{jk} = a^{l-1}_k \\delta^l_j"), "∂C / ∂wˡⱼₖ = aˡ⁻¹ₖ δˡⱼ");
    assert.equal(latexToUnicode("x^\\top"), "xᵀ");
    assert.equal(latexToUnicode("\\frac{x_i}{\\lVert x\\rVert_2}"), "xᵢ/(‖x‖₂)");
    assert.equal(latexToUnicode("-\\frac{1}{\\sqrt{1 - x^2}}"), "−1/(√(1 − x²))");
    assert.equal(latexToUnicode("\\frac{1}{x \\ln 2}"), "1/(x ln 2)");
    assert.equal(latexToUnicode("plain text"), "plain text");
  });
});
