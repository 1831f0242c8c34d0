// `npm run test:e2e -- --grep X` selects whole scenarios: a step of a scenario run alone finds nothing done before it.
import assert from "node:assert/strict";
import Mocha from "mocha";
import { scenarioGrep } from "../e2e/harness/scenarios";

/** A root suite holding scenarios as the e2e files declare them; `picked` = the tests mocha's grep would run. */
function build(): { root: Mocha.Suite; picked: (re: RegExp) => string[] } {
  const root = new Mocha.Suite("", new Mocha.Context());
  root.root = true; // as mocha's own root suite: no title of its own in its tests' full titles
  const scenario = (title: string, steps: string[], inner?: [string, string[]]): void => {
    const s = Mocha.Suite.create(root, title);
    for (const t of steps) s.addTest(new Mocha.Test(t, () => {}));
    if (inner) {
      const n = Mocha.Suite.create(s, inner[0]);
      for (const t of inner[1]) n.addTest(new Mocha.Test(t, () => {}));
    }
  };
  scenario("e2e: Trace Backprop on the MLP example", ["runs from the menu", "opens the graph panel (a.k.a. [x])"]);
  scenario("e2e: models that fail (shape, loop)", [
    "shape mismatch: Problems",
    "shape mismatch: partial graph",
    "endless loop",
  ]);
  scenario("e2e: Trace Backprop on the MLP example, twice", ["opens the graph panel again"]);
  scenario("e2e: Debug Backprop", ["stops in forward"], ["the inspector", ["writes the chain rule"]]);
  const all: Mocha.Test[] = [];
  const collect = (s: Mocha.Suite): void => {
    all.push(...s.tests);
    s.suites.forEach(collect);
  };
  collect(root);
  return { root, picked: (re) => all.filter((t) => re.test(t.fullTitle())).map((t) => t.title) };
}

describe("e2e --grep runs whole scenarios", function () {
  it("a later step's title selects its scenario's every step, and no other scenario's", function () {
    const { root, picked } = build();
    const whole = scenarioGrep(root, /partial graph/);
    assert.deepEqual(whole?.scenarios, ["e2e: models that fail (shape, loop)"]);
    assert.deepEqual(picked(new RegExp(whole!.source)), [
      "shape mismatch: Problems",
      "shape mismatch: partial graph",
      "endless loop",
    ]);
  });

  it("titles with regex characters are matched literally, and a scenario's title prefix does not pull in another", function () {
    const { root, picked } = build();
    const whole = scenarioGrep(root, /a\.k\.a\. \[x\]/);
    assert.deepEqual(picked(new RegExp(whole!.source)), ["runs from the menu", "opens the graph panel (a.k.a. [x])"]);
  });

  it("a step in a nested describe selects that describe's steps", function () {
    const { root, picked } = build();
    assert.deepEqual(picked(new RegExp(scenarioGrep(root, /chain rule/)!.source)), ["writes the chain rule"]);
    assert.deepEqual(picked(new RegExp(scenarioGrep(root, /stops in forward/)!.source)), [
      "stops in forward",
      "writes the chain rule",
    ]);
  });

  it("a grep matching nothing selects nothing", function () {
    assert.equal(scenarioGrep(build().root, /no such step/), undefined);
  });
});
