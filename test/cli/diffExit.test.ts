// `backstep diff`'s exit status and JSON on small runs: ops that only moved (a comment line added above them) ran
// the same (it said "No divergence" and exited 1).
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backstep, ensureBuilt } from "./support/cli";

const MODEL = [
  'import { manualSeed, randn, nn, F } from "backstep";',
  "manualSeed(1);",
  "const fc = new nn.Linear(3, 2);",
  "const x = randn([4, 3]);",
  "//",
  "const logits = fc.forward(x);",
  "F.crossEntropy(logits, [0, 1, 1, 0]).backward();",
].join("\n");

describe("backstep diff: exit status and JSON", function () {
  this.timeout(90_000);
  let tmp: string;

  before(function () {
    ensureBuilt();
    tmp = mkdtempSync(join(tmpdir(), "backstep-diffx-"));
    writeFileSync(join(tmp, "a.ts"), MODEL);
    writeFileSync(join(tmp, "moved.ts"), MODEL.replace("//", "//\n// a comment"));
    writeFileSync(
      join(tmp, "nan.ts"),
      MODEL.replace("randn([4, 3])", "randn([4, 3]).div(tensor([1, 0, 1]).div(tensor([1, 0, 1])))").replace(
        "{ manualSeed,",
        "{ tensor, manualSeed,",
      ),
    );
    for (const f of ["a", "moved", "nan"]) assert.equal(backstep(tmp, "trace", `${f}.ts`, "-o", `${f}.json`).status, 0);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("ops that only moved lines: listed, exit 0, same: true", () => {
    const r = backstep(tmp, "diff", "a.json", "moved.json");
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /No divergence/);
    assert.match(r.stdout, /> moved to line 7: a\.ts:6/);
    const j = backstep(tmp, "diff", "a.json", "moved.json", "--json");
    assert.equal(j.status, 0);
    const out = JSON.parse(j.stdout) as { same: boolean; structure: { kind: string }[] };
    assert.equal(out.same, true);
    assert.ok(out.structure.some((s) => s.kind === "moved"));
  });

  it('--json writes NaN and ±Infinity as trace files do, {"$nf": …}, not null', () => {
    const j = backstep(tmp, "diff", "a.json", "nan.json", "--json");
    assert.equal(j.status, 1, j.stderr);
    const out = JSON.parse(j.stdout) as { first: { maxAbs: unknown; maxRel: unknown }; losses: { b: unknown[] } };
    assert.deepEqual(out.first.maxAbs, { $nf: "Infinity" });
    // (a NaN on one side is infinitely apart, relatively too: it was NaN)
    assert.deepEqual(out.first.maxRel, { $nf: "Infinity" });
    assert.deepEqual(out.losses.b[0], { $nf: "NaN" });
    assert.doesNotMatch(j.stdout, /null/);
  });

  it("a file claiming to be a trace without a trace's arrays: which are missing, exit 2, in diff and report", () => {
    writeFileSync(join(tmp, "partial.json"), '{"format":"backstep-trace","version":1,"ops":[]}');
    for (const args of [
      ["diff", "a.json", "partial.json"],
      ["report", "partial.json", "-o", "partial.html"],
    ]) {
      const r = backstep(tmp, ...args);
      assert.equal(r.status, 2, args.join(" "));
      assert.match(r.stderr, /^backstep: partial\.json: is not a complete backstep trace: missing tensors, events/);
    }
  });

  it("a trace cut short, and one a newer Backstep wrote: said as such, exit 2", () => {
    const whole = readFileSync(join(tmp, "a.json"), "utf8");
    writeFileSync(join(tmp, "cut.json"), whole.slice(0, Math.floor(whole.length / 2)));
    const cut = backstep(tmp, "diff", "a.json", "cut.json");
    assert.equal(cut.status, 2);
    assert.match(cut.stderr, /^backstep: cut\.json: a backstep trace cut short: its JSON ends early or breaks off/);
    writeFileSync(join(tmp, "v2.json"), whole.replace('"version":1', '"version":2'));
    const v2 = backstep(tmp, "report", "v2.json", "-o", "v2.html");
    assert.equal(v2.status, 2);
    assert.match(v2.stderr, /v2\.json: unsupported version 2: it was written by a newer Backstep, which reads it/);
    // not "backstep trace model.ts --json v2.json writes one": re-tracing over it is no remedy
    assert.doesNotMatch(v2.stderr, /writes one/);
  });
});
