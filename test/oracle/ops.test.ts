// Every primitive op against PyTorch: values and gradients on the same inputs, float32 and float64.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { EngineObserver } from "../../src/index";
import { NOOP_OBSERVER } from "../engine/support/observers";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";
import { opCases as basicCases } from "./fixtures/opCases";
import { selectCases } from "./fixtures/selectCases";
import { einsumCases, layoutCases, logicalCases, moreCases, prodCases, sortingCases } from "./fixtures/moreCases";
import { aliasCases } from "./fixtures/aliasCases";
import { portedOpCases } from "./fixtures/portedCases";

const opCases = [
  ...basicCases,
  ...selectCases,
  ...moreCases,
  ...sortingCases,
  ...layoutCases,
  ...prodCases,
  ...logicalCases,
  ...einsumCases,
  ...aliasCases,
  ...portedOpCases,
];

/** The primitive ops a case's Backstep side runs (so a meta-test can tell which ops no case covers). */
function opsOf(c: OracleCase): Set<string> {
  const seen = new Set<string>();
  const obs: EngineObserver = { ...NOOP_OBSERVER, forward: (op) => seen.add(op) };
  const remove = B.addObserver(obs);
  try {
    c.ts(c.inputs(), "float64");
  } finally {
    remove();
  }
  return seen;
}

describeOracle("oracle: ops against PyTorch", opCases, () => {
  it("every registered op is run by at least one case", () => {
    const covered = new Set<string>();
    for (const c of opCases) for (const op of opsOf(c)) covered.add(op);
    const missing = B.ruleNames().filter((op) => !covered.has(op));
    assert.deepEqual(missing, [], `ops no oracle case runs: ${missing.join(", ")}`);
  });
});
