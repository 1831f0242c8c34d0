// Trace Backprop's timing breakdown: the runner's phases are ordered, and the log line the bench reads round-trips.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import {
  PHASES,
  TraceTimings,
  activationLine,
  eventLoopBlocks,
  parseActivationLine,
  parseTimingLine,
} from "../../extension/traceTimings";
import { runModel } from "../../src/runner/index";

describe("Trace Backprop's timing breakdown", function () {
  this.timeout(60000);

  it("the runner reports its phases in order, ending when the trace is built", async () => {
    const t0 = Date.now();
    const r = await runModel(join(__dirname, "..", "..", "examples", "mlp-classifier.ts"), { maxSteps: 1 });
    const wall = Date.now() - t0;
    const t = r.timings!;
    assert.ok(t, "timings present");
    const order = [t.workerReadyMs, t.compiledMs, t.ranMs, t.builtMs];
    assert.ok(
      order.every((x) => typeof x === "number" && x >= 0),
      JSON.stringify(t),
    );
    for (let i = 1; i < order.length; i++)
      assert.ok(order[i]! >= order[i - 1]!, `phase ${i} before phase ${i - 1}: ${JSON.stringify(t)}`);
    assert.ok(t.builtMs <= wall, `built ${t.builtMs} ms within the call's ${wall} ms`);
  });

  it("logs one line per trace, from the command to the paint, which parseTimingLine reads back", () => {
    let clock = 1000;
    const lines: string[] = [];
    const timings = new TraceTimings(
      () => clock,
      () => ({ stop: () => 42.4 }), // the extension host's longest block meanwhile
    );
    timings.onLine = (l) => lines.push(l);
    timings.begin();
    clock += 5;
    timings.saved("/w/examples/mlp.ts");
    const runStarted = clock + 2; // the runner's offsets are from its own start
    timings.run({ workerReadyMs: 100, warmUpSteps: 30, compiledMs: 150, ranMs: 300, builtMs: 320 }, runStarted);
    clock = runStarted + 180;
    timings.mark("firstStep"); // the run's step 0 recorded
    clock = runStarted + 200;
    timings.painted(12, true); // the run's first step, drawn while it records: no line yet
    assert.equal(lines.length, 0);
    clock = runStarted + 330;
    timings.mark("stored");
    clock += 10;
    timings.mark("panelCreated");
    clock += 200;
    timings.mark("webviewLoaded");
    timings.mark("webviewLoaded"); // a second ready (a reload) does not move the first
    clock += 40;
    timings.painted(15); // the webview drew it 15 ms after receiving it
    timings.painted(); // a repaint after the breakdown is not a second line
    assert.equal(lines.length, 1);
    assert.equal(
      lines[0],
      "timings mlp.ts (worker warmed up 30 steps): saved 5 · worker ready 107 · compiled 157 · first step recorded 187 · first step painted 207 · model ran 307 · trace built 327 · stored 337 · panel created 347 · webview loaded 547 · transferred 572 · painted 587 · host blocked 42 ms after Trace Backprop started at 1000",
    );
    const parsed = parseTimingLine(`2026-12-01 21:40:00.000 [info] ${lines[0]}`)!;
    assert.deepEqual(Object.keys(parsed.phases), [...PHASES]);
    assert.equal(parsed.phases.painted, 587);
    assert.equal(parsed.phases.transferred, 572);
    assert.equal(parsed.startedAt, 1000);
    assert.equal(parsed.hostBlockedMs, 42);
    assert.equal(parsed.warmUpSteps, 30);
    assert.equal(parseTimingLine("[info] trace /w/examples/mlp.ts {}"), undefined);
  });

  it("the transfer never ends before the trace was stored (a webview that says it took longer than it had)", () => {
    let clock = 0;
    const lines: string[] = [];
    const timings = new TraceTimings(() => clock);
    timings.onLine = (l) => lines.push(l);
    timings.begin();
    clock = 100;
    timings.mark("stored");
    clock = 130;
    timings.painted(50);
    assert.equal(parseTimingLine(lines[0]!)!.phases.transferred, 100);
  });

  it("measures the extension host's longest block from the command to the paint, and only then", async () => {
    const lines: string[] = [];
    const timings = new TraceTimings(() => Date.now(), eventLoopBlocks);
    timings.onLine = (l) => lines.push(l);
    timings.begin();
    timings.mark("stored");
    await new Promise((r) => setTimeout(r, 30));
    const until = Date.now() + 200;
    while (Date.now() < until); // the host busy for 200 ms on end, as a long synchronous handler would keep it
    await new Promise((r) => setTimeout(r, 30));
    timings.painted();
    const blocked = parseTimingLine(lines[0]!)!.hostBlockedMs!;
    assert.ok(blocked >= 150, `a 200 ms block measured as ${blocked} ms`);
    let stopped = 0;
    const superseded = new TraceTimings(
      () => 0,
      () => ({ stop: () => (stopped++, 0) }),
    );
    superseded.begin();
    superseded.begin(); // a newer trace replaces one not yet painted: its meter stops
    assert.equal(stopped, 1);
  });

  it("logs the activation's length and end, which parseActivationLine reads back", () => {
    const line = activationLine(1_764_000_000_000, 1_764_000_000_042);
    assert.deepEqual(parseActivationLine(`2026-12-02 02:00:00.000 [info] ${line}`), {
      ms: 42,
      endedAt: 1_764_000_000_042,
    });
    assert.equal(parseActivationLine("[info] trace /w/examples/mlp.ts {}"), undefined);
  });

  it("a paint with no trace being timed (a cursor move, a reload) logs nothing", () => {
    const lines: string[] = [];
    const timings = new TraceTimings(() => 0);
    timings.onLine = (l) => lines.push(l);
    timings.painted();
    timings.begin();
    timings.painted(); // the trace was not stored yet: this paint is the old trace's
    assert.deepEqual(lines, []);
  });
});
