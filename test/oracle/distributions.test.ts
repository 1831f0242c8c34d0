// distributions against PyTorch 1.13's torch.distributions: log-probabilities, entropies and KL divergences, with their
// gradients (sampling draws from another generator than PyTorch's: test/engine/distributions.test.ts checks its law).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";
import { c, ints, pos, r } from "./fixtures/inputs";

const { Categorical, Normal, klDivergence } = B.distributions;

const cases: OracleCase[] = [
  {
    name: "Categorical from logits: logProb of actions (REINFORCE's), entropy, probs",
    inputs: () => ({ logits: r([4, 5]), a: ints([4], 5) }),
    index: ["a"],
    ts: ({ logits, a }) => {
      const d = new Categorical({ logits });
      return [d.logProb(a), d.entropy(), d.probs];
    },
    torch: "d = torch.distributions.Categorical(logits=logits)\nout = [d.log_prob(a), d.entropy(), d.probs]",
  },
  {
    name: "Categorical from unnormalised probs, a batch of 2 × 3 distributions",
    inputs: () => ({ p: pos([2, 3, 4]), a: ints([2, 3], 4) }),
    index: ["a"],
    ts: ({ p, a }) => {
      const d = new Categorical({ probs: p });
      return [d.logProb(a), d.entropy(), d.logits];
    },
    torch: "d = torch.distributions.Categorical(probs=p)\nout = [d.log_prob(a), d.entropy(), d.logits]",
  },
  {
    name: "Normal: logProb, entropy, and a VAE's KL term against N(0, 1)",
    inputs: () => ({ mu: r([3, 2]), logvar: r([3, 2]), x: c([3, 2]) }),
    ts: ({ mu, logvar, x }) => {
      const q = new Normal(mu, logvar.mul(0.5).exp());
      return [q.logProb(x), q.entropy(), klDivergence(q, new Normal(0, 1))];
    },
    torch:
      "q = torch.distributions.Normal(mu, (0.5 * logvar).exp())\np = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))\nout = [q.log_prob(x), q.entropy(), torch.distributions.kl_divergence(q, p)]",
  },
];

/** What the oracle cannot compare: draws (another generator than PyTorch's; test/engine/distributions.test.ts). */
const DRAWS = new Set(["sample", "rsample"]);

/** A class's methods and getters, as on its prototype. */
const membersOf = (v: unknown): string[] => {
  const proto = (v as { prototype?: object }).prototype ?? {};
  return Object.getOwnPropertyNames(proto).filter((m) => m !== "constructor");
};

describeOracle("oracle: distributions against PyTorch", cases, () => {
  it("every distribution's methods and getters, and every function, are computed by a case (draws aside)", () => {
    const used = new Set<string>();
    const restore: (() => void)[] = [];
    const classes = Object.entries(B.distributions).filter(([, v]) => membersOf(v).length > 0);
    for (const [name, v] of classes) {
      const proto = (v as { prototype: object }).prototype;
      for (const m of membersOf(v)) {
        const d = Object.getOwnPropertyDescriptor(proto, m)!;
        const key = d.get ? "get" : "value";
        const original = d[key] as (...a: unknown[]) => unknown;
        Object.defineProperty(proto, m, {
          ...d,
          [key](this: unknown, ...a: unknown[]) {
            used.add(`${name}.${m}`);
            return original.apply(this, a);
          },
        });
        restore.push(() => Object.defineProperty(proto, m, d));
      }
    }
    try {
      B.manualSeed(1234);
      for (const k of cases) k.ts(k.inputs(), "float64");
    } finally {
      for (const undo of restore) undo();
    }
    const missing = classes
      .flatMap(([name, v]) => membersOf(v).map((m) => `${name}.${m}`))
      .filter((m) => !used.has(m) && !DRAWS.has(m.split(".")[1]!));
    // a function (klDivergence) has no members to count: a case's code calls it
    for (const [name, v] of Object.entries(B.distributions))
      if (membersOf(v).length === 0 && !cases.some((k) => k.ts.toString().includes(`${name}(`))) missing.push(name);
    assert.deepEqual(missing, [], `no oracle case computes ${missing.join(", ")}`);
  });
});
