// Debug Backprop's run started at the click (extension/debug/earlyRuns.ts): the session that launches it takes that
// run instead of running the model again; its output and its stop go to that session; a run no session takes stops.
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EarlyRuns } from "../../extension/debug/earlyRuns";
import type { RunModel } from "../../extension/debug/launch";
import type { RunResult } from "../../src/runner/types";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";
import { launch, startAdapter, where } from "./dapHarness";
import { tempDirs } from "../support/tempDirs";

type Call = { file: string; options: Parameters<RunModel>[1]; finish: (r: RunResult) => void };

/** A runModel whose runs finish when the test says, each call kept. */
function stubRunner(): { run: RunModel; calls: Call[] } {
  const calls: Call[] = [];
  const run: RunModel = (file, options) =>
    new Promise<RunResult>((finish) => calls.push({ file, options, finish: (r) => finish(r) }));
  return { run, calls };
}

const result = (label: string): RunResult => ({ ok: true, output: label, trace: {} as Trace });

describe("Debug Backprop's early run (EarlyRuns)", () => {
  it("a launch naming the run takes it: no second run, its output before and after the take, its result", async () => {
    const { run, calls } = stubRunner();
    const early = new EarlyRuns(run);
    const id = early.start("/m/model.ts", { maxSteps: 3 });
    assert.equal(calls.length, 1);
    assert.equal(calls[0].options.maxSteps, 3);
    calls[0].options.onOutput?.("before\n", "stdout");
    const seen: string[] = [];
    const taken = early.sessionRun("/m/model.ts", {
      earlyRun: id,
      maxSteps: 3,
      onOutput: (text, stream) => seen.push(`${stream}:${text}`),
    });
    assert.equal(calls.length, 1, "the model is not run a second time");
    calls[0].options.onOutput?.("after\n", "stderr");
    calls[0].finish(result("early"));
    assert.equal((await taken).output, "early");
    assert.deepEqual(seen, ["stdout:before\n", "stderr:after\n"]);
    // taken once: the same id again (a restart's launch arguments) runs the model
    void early.sessionRun("/m/model.ts", { earlyRun: id });
    assert.equal(calls.length, 2);
    assert.equal("earlyRun" in calls[1].options, false, "the runner never sees the id");
  });

  it("tells onTaken of a run a session takes (its file, how long it had run), and of no other", async () => {
    const { run, calls } = stubRunner();
    const early = new EarlyRuns(run);
    const taken: [string, number][] = [];
    early.onTaken = (file, ms) => taken.push([file, ms]);
    const id = early.start("/m/a.ts", {});
    const other = early.start("/m/b.ts", {});
    await new Promise((r) => setTimeout(r, 20));
    void early.sessionRun("/m/a.ts", {}); // no id: a run of its own
    void early.sessionRun("/m/b.ts", { earlyRun: id }); // another file's id: a run of its own
    assert.deepEqual(taken, []);
    void early.sessionRun("/m/a.ts", { earlyRun: id });
    early.drop(other);
    assert.equal(taken.length, 1);
    assert.equal(taken[0][0], "/m/a.ts");
    assert.ok(taken[0][1] >= 15 && taken[0][1] < 10_000, `ran ${taken[0][1]} ms before it was taken`);
    assert.equal(calls.length, 4);
  });

  it("a launch without the id, or naming another file's run, runs the model itself", () => {
    const { run, calls } = stubRunner();
    const early = new EarlyRuns(run);
    const id = early.start("/m/a.ts", {});
    void early.sessionRun("/m/a.ts", {});
    void early.sessionRun("/m/b.ts", { earlyRun: id });
    assert.deepEqual(
      calls.map((c) => c.file),
      ["/m/a.ts", "/m/a.ts", "/m/b.ts"],
    );
    // the run is still there for its own launch
    void early.sessionRun("/m/a.ts", { earlyRun: id });
    assert.equal(calls.length, 3);
  });

  it("the session's stop stops the run it took; a cancel before any launch stops it, and its launch gets that run", () => {
    const { run, calls } = stubRunner();
    const early = new EarlyRuns(run);
    const stop = new AbortController();
    const a = early.start("/m/a.ts", {});
    void early.sessionRun("/m/a.ts", { earlyRun: a, signal: stop.signal });
    assert.equal(calls[0].options.signal?.aborted, false);
    stop.abort();
    assert.equal(calls[0].options.signal?.aborted, true);

    const b = early.start("/m/b.ts", {});
    early.cancel(b);
    assert.equal(calls[1].options.signal?.aborted, true);
    void early.sessionRun("/m/b.ts", { earlyRun: b });
    assert.equal(calls.length, 2, "a cancelled run is not started again");

    // dropped (no session will launch it): stopped and forgotten, its trace with it
    const c = early.start("/m/c.ts", {});
    early.drop(c);
    assert.equal(calls[2].options.signal?.aborted, true);
    void early.sessionRun("/m/c.ts", { earlyRun: c });
    assert.equal(calls.length, 4, "a launch naming a dropped run runs the model");
  });
});

describe("a debug session launched with the early run (DAP, real runner)", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-early-");

  it("tells its listener a run started, and that it ended without a trace only when it did", async () => {
    const dir = tmp();
    const program = join(dir, "m.ts");
    writeFileSync(
      program,
      `import { tensor } from "backstep";\ntensor([1], { requiresGrad: true }).sum().backward();\n`,
    );
    for (const fails of [false, true]) {
      const said: string[] = [];
      const h = await startAdapter({
        runModel: fails ? () => Promise.reject(new Error("the worker died")) : runModel,
        onRecording: (file, started) => said.push(`${started ? "started" : "ended without a trace"} ${file}`),
        onTrace: (file) => said.push(`trace ${file}`),
      });
      try {
        if (fails) await assert.rejects(h.dc.launch({ program }), /the worker died/);
        else await where(h.dc, await launch(h.dc, { program }));
        assert.deepEqual(
          said,
          [`started ${program}`, fails ? `ended without a trace ${program}` : `trace ${program}`],
          fails ? "failed" : "ran",
        );
      } finally {
        await h.close();
      }
    }
  });

  it("runs the model once: the click's run is the session's (a model that counts its runs in a file)", async () => {
    const dir = tmp();
    const count = join(dir, "runs.txt");
    writeFileSync(count, "");
    const program = join(dir, "once.ts");
    writeFileSync(
      program,
      `import { appendFileSync } from "node:fs";\nimport { tensor } from "backstep";\n` +
        `appendFileSync(${JSON.stringify(count)}, "run\\n");\n` +
        `const w = tensor([1, 2], { requiresGrad: true });\nw.mul(w).sum().backward();\n`,
    );
    const early = new EarlyRuns(runModel);
    const id = early.start(program, {});
    const h = await startAdapter({ runModel: early.sessionRun });
    try {
      const stop = await where(h.dc, await launch(h.dc, { program, earlyRun: id, stopOnEntry: true }));
      assert.equal(stop.reason, "entry");
      // a run no session took would still be there (and would have written its line once it ends)
      const left = early.take(id, program);
      if (left) await left;
      assert.equal(left, undefined, "the session took the click's run");
      assert.equal(readFileSync(count, "utf8"), "run\n");
    } finally {
      await h.close();
    }
  });
});
