// The e2e bench run for one scenario keeps the others' results, each with the date it was measured.
import { strict as assert } from "node:assert";
import { keptScenarios } from "../../bench/e2eBigModel";

describe("e2e bench: keeping the other scenarios' results", () => {
  it("stamps each kept scenario with the date of the file it came from, and drops the replaced one", () => {
    const kept = keptScenarios(
      { date: "2026-12-01T10:00:00Z", results: { model: "m.ts", cold: { medianMs: 4000 }, bigModel10k: { x: 1 } } },
      "bigModel10k",
    );
    assert.deepEqual(kept, { model: "m.ts", cold: { measuredAt: "2026-12-01T10:00:00Z", medianMs: 4000 } });
  });

  it("keeps a scenario's own date through later runs of another scenario", () => {
    const once = keptScenarios(
      { date: "2026-12-01T10:00:00Z", results: { cold: { medianMs: 1 }, bigModel100k: { y: 2 } } },
      "bigModel10k",
    );
    // bigModel10k was then measured on 12-02; a later big100k run keeps cold's 12-01 and big10k's 12-02
    const twice = keptScenarios(
      { date: "2026-12-02T09:00:00Z", results: { ...once, bigModel10k: { x: 1 } } },
      "bigModel100k",
    );
    assert.deepEqual(twice, {
      cold: { measuredAt: "2026-12-01T10:00:00Z", medianMs: 1 },
      bigModel10k: { measuredAt: "2026-12-02T09:00:00Z", x: 1 },
    });
  });
});
