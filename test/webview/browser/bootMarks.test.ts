// The graph page's boot marks (webview/common/bootMarks.ts), which the e2e bench reads from the page's frame to split
// "our page started → ready" into VS Code's share and the bundle's own: both are there once the page said "ready", the
// bundle's start first.
import { strict as assert } from "node:assert";
import { openView, useHarness } from "./harness";

describe("the graph page's boot marks (Chromium)", function () {
  this.timeout(60000);
  const h = useHarness();

  for (const inline of [false, true])
    it(`marks the bundle's start and its "ready" (${inline ? "inlined" : "fetched"} page)`, async () => {
      const v = await openView(h, "graph", undefined, { inline });
      try {
        await v.waitFor("ready", 0);
        const marks = (await v.page.evaluate(
          `["backstep:bootStart", "backstep:ready"].map((n) => performance.getEntriesByName(n, "mark").map((m) => m.startTime))`,
        )) as number[][];
        assert.equal(marks[0]!.length, 1, "one bootStart mark");
        assert.equal(marks[1]!.length, 1, "one ready mark");
        assert.ok(marks[0]![0]! <= marks[1]![0]!, `bootStart ${marks[0]![0]} before ready ${marks[1]![0]}`);
        assert.deepEqual(v.errors, []);
      } finally {
        await v.page.close();
      }
    });
});
