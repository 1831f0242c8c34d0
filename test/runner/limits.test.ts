// The runner's limits as a user meets them: a flood of ops is capped at its line, the time limit holds whatever was
// recorded, the messages name the user's own setting, and relative paths resolve against the chosen folder.
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarize } from "../../src/cli/summary";
import { CLI_LIMIT_NAMES, runModel } from "../../src/runner/index";
import { timeoutMessage } from "../../src/runner/limits";
import { jsonTrace, readTraceFile, writeTraceFile } from "../../src/trace/json";

const bad = join(__dirname, "..", "fixtures", "bad");
const flood = join(bad, "bad-op-flood.ts");

/** 1-based line of the line holding `marker`, and the column of `token` on it. */
function lineOf(file: string, marker: string, token: string): { line: number; column: number } {
  const lines = readFileSync(file, "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(marker));
  return { line: i + 1, column: lines[i].indexOf(token) + 1 };
}

describe("runner: limits", function () {
  this.timeout(120_000);

  it("caps a flood of ops at the line that floods, stops it at the time limit, and keeps a usable trace", async () => {
    let startedAt = 0;
    const r = await runModel(flood, {
      maxOps: 2000,
      // the cap must come before the time limit: at load 14 (two mocha workers beside other work) the flood reached
      // only 1,307 ops in 1.5 s, so the limit is 4 s
      timeoutMs: 4000,
      limitNames: CLI_LIMIT_NAMES,
      onOutput: () => (startedAt ||= Date.now()),
    });
    const ended = Date.now();
    assert.equal(r.error?.code, "timeout");
    assert.match(r.error.message, /longer than 4 s.*loop at bad-op-flood\.ts:7:1.*--timeout/);
    // generous for a loaded machine; before, reading the flood kept the caller busy ~20 s past a 3 s limit
    assert.ok(ended - startedAt < 4000 + 8000, `ended ${ended - startedAt} ms after the model started`);

    assert.equal(r.trace.ops.length, 2000, "recording stopped at the cap");
    const capped = r.trace.diagnostics.find((d) => d.code === "truncated" && d.severity === "warning");
    assert.ok(capped, "a truncated warning");
    assert.deepEqual(capped.loc, { file: flood, ...lineOf(flood, "@error", "mul") });
    assert.match(
      capped.message,
      /recording stopped at bad-op-flood\.ts:8:\d+, inside the loop at bad-op-flood\.ts:7:1 after 2,000 ops \(the cap, --max-ops\)/,
    );
    assert.deepEqual(r.trace.truncated.recordingStopped?.cap, "ops");

    // the trace up to there: every op complete, its output recorded; the summary and the file work
    for (const op of r.trace.ops) assert.ok(r.trace.tensors[op.output]);
    const text = summarize(r.trace, bad);
    assert.match(text, /2000 ops/);
    assert.match(text, /… and \d+ more op\(s\) in step 0/);
    assert.ok(text.split("\n").length < 260, "the summary's op table is bounded");
    const dir = mkdtempSync(join(tmpdir(), "backstep-limits-"));
    try {
      writeTraceFile(join(dir, "flood.json"), r.trace);
      // the file holds the recorded numbers (typed arrays in memory, arrays in JSON)
      assert.deepEqual(readTraceFile(join(dir, "flood.json")), jsonTrace(r.trace));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps the caller's event loop running while it reads a flood that is not capped", async () => {
    let ticks = 0;
    let started = false;
    const timer = setInterval(() => started && ticks++, 50);
    // 3 s, of which the caller needs 0.75 s: at load 14 it had 13 ticks of 50 ms in a 2 s limit
    const r = await runModel(flood, { timeoutMs: 3000, onOutput: () => (started = true) });
    clearInterval(timer);
    assert.equal(r.error?.code, "timeout");
    assert.ok(r.trace.ops.length > 1);
    assert.ok(ticks >= 15, `the caller's timers ran (${ticks} ticks of 50 ms in 3 s)`);
  });

  it("names the limit as the caller's user sets it", async () => {
    const r = await runModel(join(bad, "bad-infinite-loop.ts"), {
      timeoutMs: 1000,
      limitNames: { time: "the setting backstep.timeLimitSeconds" },
    });
    assert.equal(r.error?.code, "timeout");
    assert.match(r.error.message, /raise the time limit \(the setting backstep\.timeLimitSeconds\)/);
    assert.doesNotMatch(r.error.message, /timeoutMs/);
  });

  it("resolves the model's relative paths against `cwd`, and against this process's by default", async () => {
    const folder = join(__dirname, "..", "fixtures", "cwd");
    const model = join(folder, "readsData.ts");
    const inFolder = await runModel(model, { cwd: folder });
    assert.equal(inFolder.ok, true, inFolder.error?.message);
    assert.equal(inFolder.output, `cwd=${folder} exists=true\n`);
    assert.deepEqual(Array.from(inFolder.trace.tensors[inFolder.trace.ops[0].inputs[0]].values ?? []), [0.5, -1.5, 2]);

    const elsewhere = await runModel(model, { cwd: tmpdir() });
    assert.equal(elsewhere.ok, false);
    assert.match(elsewhere.error?.message ?? "", /ENOENT.*data\/x\.json/);
    assert.equal(elsewhere.error?.loc?.line, 6, "at the readFileSync line");
  });
});

describe("runner: a limit's message names it as given", () => {
  it("a time limit under a second keeps its digits (--timeout 0.001 read 'ran longer than 0.0 s')", () => {
    const say = (ms: number): string => /ran longer than (\S+ s)/.exec(timeoutMessage({}, ms, ""))?.[1] ?? "";
    assert.deepEqual([1, 250, 1500, 60_000].map(say), ["0.001 s", "0.25 s", "1.5 s", "60 s"]);
  });
});
