// The op-facts table and the gradient-rule table name the same ops, and the facts agree with what the rules do.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { OP_FACTS, TORCH_OP_FACTS, opFacts, opNames } from "../../src/protocol/opFacts";
import { gradCases } from "./fixtures/gradcases";
import { NOOP_OBSERVER, observing } from "./support/observers";

describe("op facts", () => {
  it("every registered op has facts, and every op in the table is registered", () => {
    const registered = B.ruleNames();
    const known = new Set<string>(opNames());
    const missing = registered.filter((op) => !known.has(op));
    const unknown = opNames().filter((op) => !registered.includes(op));
    assert.deepEqual(missing, [], `registered ops missing from src/protocol/opFacts.ts: ${missing.join(", ")}`);
    assert.deepEqual(unknown, [], `op facts naming no registered op: ${unknown.join(", ")}`);
  });

  it("the PyTorch names are only those the engine lacks (an op the engine gains moves to OP_FACTS)", () => {
    const both = Object.keys(TORCH_OP_FACTS).filter((op) => Object.prototype.hasOwnProperty.call(OP_FACTS, op));
    assert.deepEqual(both, []);
    assert.equal(opFacts("linear")?.nielsen, "dense");
    assert.equal(opFacts("tanh")?.nielsen, "activation");
    assert.equal(opFacts("toString"), undefined);
    assert.equal(opFacts("no-such-op"), undefined);
  });

  it("every activation is a function of F (nn.functional), as in PyTorch", () => {
    const inF = new Set(Object.keys(B.F));
    const activations = Object.entries(OP_FACTS as Record<string, { category: string }>)
      .filter(([, f]) => f.category === "activation")
      .map(([op]) => op);
    const missing = activations.filter((op) => !inF.has(op));
    assert.deepEqual(missing, [], `activations missing from F (src/nn/functional.ts): ${missing.join(", ")}`);
  });

  it("display names are distinct and non-empty; every activation is elementwise", () => {
    const all = [...Object.values(OP_FACTS), ...Object.values(TORCH_OP_FACTS)];
    const names = all.map((f) => f.display);
    assert.ok(names.every((n) => n.length > 0));
    assert.equal(new Set(names).size, names.length);
    for (const f of all) if (f.nielsen === "activation") assert.ok(f.elementwise, f.display);
  });

  for (const op of opNames()) {
    if (!OP_FACTS[op].elementwise) continue;
    it(`${op} is elementwise: its local derivative is a tensor of the output's shape for every input`, () => {
      let seen = 0;
      const obs: B.EngineObserver = {
        ...NOOP_OBSERVER,
        backward: (output, _upstream, local) => {
          if (output._ctx?.rule.name !== op) return;
          for (const l of local) {
            if (l === null) continue;
            seen++;
            assert.ok(l.tensor, `${op}: no local tensor`);
            assert.deepEqual(l.tensor.shape, output.shape);
          }
        },
      };
      observing(obs, () => {
        for (const c of gradCases[op]) {
          const out = c.fn(...c.inputs());
          out.backward(B.onesLike(out));
        }
      });
      assert.ok(seen > 0, `${op}: no backward event seen`);
    });
  }
});
