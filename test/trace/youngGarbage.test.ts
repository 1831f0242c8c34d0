// What the recorder drops when a step ends dies young. The bytes V8 promotes at each young-generation collection
// (scavenge) of a recorded run are those of an untraced one, not every step's gradients.
//
// V8's Map.clear() gives the map a new hash table and leaves the old table pointing at it, for live iterators. Take a
// map that has reached the old generation (any full collection moves it there) and is cleared at every step. Its dead
// old table points at the new young one, so a scavenge keeps that table, and that one keeps the next. Every table
// since the last full collection survives and is promoted, together with what each held.
//
// The recorder's reset gradients are a map from each parameter to its last gradient, cleared at each backward pass.
// So cleared, they kept every step's gradients of the MLP example alive until the next full collection:
// - promoted at each scavenge, bundled: ~150-180 kB, against ~1 kB once the map is replaced instead of cleared (and
//   <1 kB untraced);
// - the traced step: 7% slower (bench/recorderAB.ts trace, 600 rounds, recorded step B ÷ A 0.927).
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** The median of the bytes promoted by the scavenges after the script's full collection (its --trace-gc-nvp lines). */
function promotedAfterCollection(mode: "full" | "stats" | "untraced"): { median: number; scavenges: number } {
  const out = execFileSync(
    process.execPath,
    ["--expose-gc", "--trace-gc-nvp", "--import", "tsx", join(__dirname, "support", "promotedSteps.ts"), mode, "6000"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = out.split("\n");
  const from = lines.indexOf("--- collected ---");
  assert.ok(from >= 0, "the script's full collection was not reported");
  const promoted: number[] = [];
  for (const line of lines.slice(from + 1)) {
    const m = /\bgc=s\b.*\bpromoted=(\d+)/.exec(line);
    if (m) promoted.push(Number(m[1]));
  }
  promoted.sort((a, b) => a - b);
  return { median: promoted[Math.floor(promoted.length / 2)] ?? NaN, scavenges: promoted.length };
}

const KB = 1024;

describe("the recorder's garbage dies young", function () {
  this.timeout(60_000);
  for (const mode of ["full", "stats", "untraced"] as const) {
    it(`a run's scavenges each promote less than 100 kB of the MLP's steps (${mode})`, () => {
      const { median, scavenges } = promotedAfterCollection(mode);
      // (6,000 steps of the MLP allocate enough for ~10-40 scavenges, depending on how the code was loaded)
      assert.ok(scavenges >= 5, `only ${scavenges} scavenges after the full collection`);
      assert.ok(median < 100 * KB, `${(median / KB).toFixed(0)} kB promoted at the median scavenge (${scavenges})`);
    });
  }
});
