// Every bad input in the corpus ends with a clear diagnostic at the user's line, keeps its partial trace, and leaves
// the caller healthy.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { DiagnosticCode } from "../../src/trace/types";

const dir = join(__dirname, "..", "fixtures", "bad");

/** 1-based line of the `// @error` marker, and the 1-based column of `token` on it. */
function marked(file: string, token?: string): { line: number; column?: number } {
  const lines = readFileSync(join(dir, file), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes("// @error"));
  assert.ok(i >= 0, `${file} has no // @error marker`);
  return { line: i + 1, column: token === undefined ? undefined : lines[i].indexOf(token) + 1 };
}

interface Case {
  file: string;
  code: DiagnosticCode;
  /** Text the message must contain. */
  says: RegExp;
  /** The token the location's column must point at (omit: line only; null: no location). */
  token?: string | null;
  /** Ops recorded before the failure (the partial trace); the first is `firstOp` (default mul). */
  ops: number;
  firstOp?: string;
  /**
   * The loop that failed records ops too, up to when it was stopped (how many depends on timing): at least `ops`
   * ops, those after the first `ops` all this op.
   */
  loopOp?: string;
  ok?: boolean;
}

const cases: Case[] = [
  { file: "bad-syntax.ts", code: "syntax-error", says: /SyntaxError: Unexpected token/, token: ";", ops: 0 },
  {
    file: "bad-type-nonsense.ts",
    code: "runtime-error",
    says: /TypeError: w\.matmul is not a function/,
    token: "matmul",
    ops: 1,
  },
  {
    file: "bad-throw.ts",
    code: "runtime-error",
    says: /Error: expected a scalar/,
    token: "new Error",
    ops: 1,
    firstOp: "tanh",
  },
  { file: "bad-shape.ts", code: "shape-mismatch", says: /matmul.*\[4,3\].*\[4,2\]/, token: "matmul", ops: 1 },
  {
    file: "bad-infinite-loop.ts",
    code: "timeout",
    says: /longer than 2 s.*loop at bad-infinite-loop\.ts:7:1/,
    token: "while",
    ops: 1,
  },
  {
    file: "bad-memory-bomb.ts",
    code: "memory-limit",
    says: /memory.*loop at bad-memory-bomb\.ts:6:1/,
    token: "for",
    ops: 1,
  },
  // typed arrays live outside the heap: the worker measures them itself and says how much it saw
  {
    file: "bad-memory-bomb-typed.ts",
    code: "memory-limit",
    says: /used \d+ MB of memory \(its heap and typed arrays; the limit is 128 MB\).*loop at bad-memory-bomb-typed\.ts:7:1/,
    token: "while",
    ops: 1,
    loopOp: "add",
  },
  // buffers a creation function makes count too (before, this ran into the time limit)
  {
    file: "bad-memory-bomb-creation.ts",
    code: "memory-limit",
    says: /used \d+ MB of memory \(its heap and typed arrays; the limit is 128 MB\).*loop at bad-memory-bomb-creation\.ts:7:1/,
    token: "while",
    ops: 1,
  },
  // placed at the recursive call (the frame that repeats), not wherever the stack happened to run out
  {
    file: "bad-deep-recursion.ts",
    code: "runtime-error",
    says: /Maximum call stack size exceeded/,
    token: "depth",
    ops: 1,
  },
  {
    file: "bad-process-exit.ts",
    code: "runtime-error",
    says: /process\.exit\(3\) at bad-process-exit\.ts:5:27/,
    token: "exit",
    ops: 1,
  },
  { file: "bad-empty.ts", code: "no-backward", says: /Nothing to trace/, token: null, ops: 0 },
  { file: "bad-missing-import.ts", code: "runtime-error", says: /Cannot find module '\.\/no-such-file'/, ops: 0 },
  // below the body's first lines: still found before they run (none of their ops), and the error is at its import
  { file: "bad-missing-import-late.ts", code: "runtime-error", says: /Cannot find module '\.\/no-such-layer'/, ops: 0 },
  {
    file: "bad-max-indices.ts",
    code: "runtime-error",
    says: /not iterable.*: Backstep's max\(\) over every dim returns one tensor, not \(values, indices\): write const \[values, indices\] = h\.max\(dim\)/,
    token: "h.max",
    ops: 2,
  },
  {
    file: "bad-async-throw.ts",
    code: "runtime-error",
    says: /RangeError: learning rate schedule ran out/,
    token: "new RangeError",
    ops: 1,
  },
];

describe("runner: bad inputs", function () {
  this.timeout(60_000);

  for (const c of cases) {
    it(`${c.file} → ${c.code}`, async () => {
      // memory bombs get more time, so a loaded machine reaches the memory limit before the time limit
      const timeoutMs = c.code === "memory-limit" ? 30_000 : 2000;
      const r = await runModel(join(dir, c.file), { timeoutMs, memoryLimitMb: 128 });
      assert.equal(r.ok, false);
      assert.ok(r.error, "an error diagnostic");
      assert.equal(r.error.code, c.code);
      assert.equal(r.error.severity, "error");
      assert.match(r.error.message, c.says);
      assert.ok(r.trace.diagnostics.includes(r.error), "the error is in trace.diagnostics");
      if (c.token === null) {
        assert.equal(r.error.loc, undefined);
      } else {
        const want = marked(c.file, c.token);
        assert.ok(r.error.loc, "a location");
        assert.equal(r.error.loc.file, join(dir, c.file));
        assert.equal(r.error.loc.line, want.line);
        if (want.column !== undefined) assert.equal(r.error.loc.column, want.column);
        assert.match(r.error.message, new RegExp(`${c.file.replace(/\./g, "\\.")}:${want.line}`));
      }
      if (c.loopOp === undefined) assert.equal(r.trace.ops.length, c.ops, "partial trace kept");
      else {
        assert.ok(r.trace.ops.length >= c.ops, "partial trace kept");
        assert.deepEqual(
          new Set(r.trace.ops.slice(c.ops).map((o) => o.op)),
          new Set(r.trace.ops.length > c.ops ? [c.loopOp] : []),
          "the loop's own ops, up to the stop",
        );
      }
      if (c.ops > 0) {
        assert.equal(r.trace.ops[0].op, c.firstOp ?? "mul");
        assert.equal(r.trace.tensors[r.trace.ops[0].output].shape.length > 0, true);
      }
    });
  }

  it("a NaN produced only in backward is reported at the op whose gradient made it", async () => {
    const r = await runModel(join(dir, "bad-nan-backward.ts"));
    assert.equal(r.ok, true, "the run itself completes");
    const nan = r.trace.diagnostics.find((d) => d.code === "nan");
    assert.ok(nan);
    assert.match(nan.message, /backward pass by r = sqrt/);
    assert.deepEqual(nan.loc, { file: join(dir, "bad-nan-backward.ts"), ...marked("bad-nan-backward.ts", "sqrt") });
    // forward values are clean: the loss is 0
    assert.deepEqual(r.trace.losses, [0]);
    for (const op of r.trace.ops) assert.equal(r.trace.tensors[op.output].stats.nan, 0);
    // ∂L/∂x = [NaN, 0]: not a vanishing gradient (the norm of its finite part is 0), a NaN one.
    const x = r.trace.params.find((p) => p.name === "x");
    assert.equal(r.trace.tensors[x?.grad as number].stats.nan, 1);
    assert.deepEqual(
      r.trace.diagnostics.filter((d) => d.code === "vanishing-gradient"),
      [],
    );
  });

  it("an Infinity without any NaN is reported at the op that made it", async () => {
    const r = await runModel(join(dir, "bad-inf-forward.ts"));
    assert.equal(r.ok, true, "the run itself completes");
    assert.ok(r.trace.tensors.every((t) => t.stats.nan === 0));
    assert.deepEqual(
      r.trace.diagnostics.filter((d) => d.code === "nan" || d.code === "inf").map((d) => [d.code, d.loc]),
      [["inf", { file: join(dir, "bad-inf-forward.ts"), ...marked("bad-inf-forward.ts", "exp") }]],
    );
    assert.match(r.trace.diagnostics.find((d) => d.code === "inf")!.message, /forward pass by y = exp/);
  });

  it("a model that never calls backward() gets a warning and its forward trace", async () => {
    const r = await runModel(join(dir, "bad-no-backward.ts"));
    assert.equal(r.ok, true);
    assert.deepEqual(
      r.trace.ops.map((o) => o.op),
      ["matmul", "relu"],
    );
    const w = r.trace.diagnostics.find((d) => d.code === "no-backward");
    assert.equal(w?.severity, "warning");
    assert.match(w?.message ?? "", /never called backward\(\)/);
    assert.equal(r.trace.events.filter((e) => e.kind === "backward").length, 0);
  });

  it("keeps the caller responsive while the model spins, and runs the next model normally", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 50);
    const r = await runModel(join(dir, "bad-infinite-loop.ts"), { timeoutMs: 1500 });
    clearInterval(timer);
    assert.equal(r.error?.code, "timeout");
    assert.ok(ticks >= 15, `the caller's event loop kept running (${ticks} ticks of 50 ms in 1.5 s)`);
    const good = await runModel(join(dir, "bad-no-backward.ts"));
    assert.equal(good.ok, true);
  });

  it("a cancelled run returns what it recorded, and passes on the model's output as it comes", async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const onOutput = (text: string): void => {
      seen.push(text);
      // printed just before the endless loop; what was recorded before it is flushed as the loop starts
      if (text.includes("spinning")) setTimeout(() => ac.abort(), 500);
    };
    const r = await runModel(join(dir, "bad-infinite-loop.ts"), { timeoutMs: 60_000, signal: ac.signal, onOutput });
    assert.deepEqual(seen, ["spinning\n"]);
    assert.equal(r.output, "spinning\n");
    assert.equal(r.error?.code, "cancelled");
    assert.equal(r.trace.ops.length, 1);
  });
});
