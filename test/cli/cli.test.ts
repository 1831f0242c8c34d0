// End to end: the built `backstep` CLI (dist/cli.js) on examples and bad inputs.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTraceFile } from "../../src/trace/json";
import { hasTorch, PYTHON } from "../python/support/torchEnv";

const root = join(__dirname, "..", "..");
const cli = join(root, "dist", "cli.js");

function backstep(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("backstep CLI (dist/cli.js)", function () {
  this.timeout(90_000);
  let tmp: string;

  before(function () {
    // npm test builds first; a bare `npx mocha test/cli` on a fresh clone builds here
    if (!existsSync(cli) || !existsSync(join(root, "dist", "runnerWorker.js"))) {
      const b = spawnSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, encoding: "utf8" });
      assert.equal(b.status, 0, b.stderr);
    }
    tmp = mkdtempSync(join(tmpdir(), "backstep-cli-"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("trace prints ops with variable, op, shape and line, gradient norms and diagnostics, and writes the JSON", () => {
    const out = join(tmp, "mlp.json");
    const r = backstep("trace", "examples/mlp-classifier.ts", "--json", out, "--steps", "2");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /2 step\(s\)/);
    assert.match(r.stdout, /examples\/mlp-classifier\.ts:12\s+h\s+tanh\s+\[32, 16\]\s+model/);
    assert.match(r.stdout, /examples\/mlp-classifier\.ts:11\s+z1\s+add\s+\[32, 16\]\s+model\.fc1/);
    const trace = readTraceFile(out);
    assert.equal(trace.format, "backstep-trace");
    assert.equal(trace.version, 1);
    assert.equal(trace.losses.length, 2);
    for (const p of trace.params) {
      const g = trace.tensors[p.grad ?? -1];
      assert.ok(trace.tensors[p.tensor].values && g.values, "parameter values and gradients are always included");
      // the printed gradient norm is the recorded one
      assert.match(
        r.stdout,
        new RegExp(`${p.name.replace(/\./g, "\\.")}\\s+\\[[\\d, ]+\\]\\s+${Number(g.stats.norm.toPrecision(4))}`),
      );
    }
    assert.match(r.stdout, /Diagnostics: none/);
  });

  it("a long run: --full-every keeps those steps in full and every step's statistics", () => {
    const out = join(tmp, "long.json");
    const r = backstep("trace", "examples/mlp-classifier.ts", "--json", out, "--steps", "300", "--full-every", "100");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Backstep trace of \S+: 300 step\(s\) \(3 in full\)/m);
    assert.match(
      r.stdout,
      /^statistics of 300 step\(s\): 2 layer\(s\), 4 parameter\(s\)\nfull record of step\(s\) 0, 100, 200$/m,
    );
    const trace = readTraceFile(out);
    // the loss over the run, as a table of steps and their losses in 80 columns, each the recorded loss
    const lines = r.stdout.split("\n");
    const at = lines.findIndex((l) => l.startsWith("loss by step (300 steps; lowest "));
    assert.ok(at >= 0, r.stdout);
    const [steps, losses] = [lines[at + 1], lines[at + 2]].map((l) => l.trim().split(/\s+/));
    assert.equal(steps[0], "step");
    assert.equal(losses[0], "loss");
    assert.deepEqual(steps.slice(1, 4), ["0", "1", "2"]);
    assert.equal(steps.at(-1), "299");
    for (let k = 1; k < steps.length; k++)
      assert.equal(Number(losses[k]), Number(trace.losses[Number(steps[k])].toPrecision(4)), `step ${steps[k]}`);
    const lowest = Math.min(...trace.losses);
    assert.match(
      lines[at],
      new RegExp(`lowest ${Number(lowest.toPrecision(4))} at step ${trace.losses.indexOf(lowest)}`),
    );
    for (const l of r.stdout.split("\n").filter((x) => !/^ {2}\S+:\d+:\d+: /.test(x)))
      assert.ok([...l].length <= 80, `over 80 columns: ${l}`);
    assert.deepEqual(trace.series?.fullSteps, [0, 100, 200]);
    assert.equal(trace.series?.steps.length, 300);
    assert.deepEqual([...new Set(trace.ops.map((o) => o.trainingStep))], [0, 100, 200]);
    const bad = backstep("trace", "examples/mlp-classifier.ts", "--full-steps", "3,x");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--full-steps takes step numbers/);
  });

  it("--values all keeps every tensor's values", () => {
    const out = join(tmp, "all.json");
    const r = backstep("trace", "examples/cnn.ts", "--values", "all", "--steps", "1", "-o", out);
    assert.equal(r.status, 0, r.stderr);
    const trace = readTraceFile(out);
    assert.ok(
      trace.tensors.every((t) => t.values !== undefined && t.values.length === t.shape.reduce((a, b) => a * b, 1)),
    );
    assert.equal(trace.truncated.valuesDropped, 0);
  });

  it("a failed run exits non-zero with file:line on stderr", () => {
    const r = backstep("trace", "test/fixtures/bad/bad-shape.ts");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^backstep: test\/fixtures\/bad\/bad-shape\.ts:6:13: error: Shape mismatch: matmul/m);
    assert.match(r.stdout, /Ops of step 0/, "the partial trace is still summarised");
  });

  it("--timeout stops a model that never ends", () => {
    const r = backstep("trace", "test/fixtures/bad/bad-infinite-loop.ts", "--timeout", "1");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad-infinite-loop\.ts:7:1: error: The model ran longer than 1 s/);
  });

  it("a gradient holding NaN shows as NaN, not as the norm of its finite part", () => {
    const r = backstep("trace", "test/fixtures/bad/bad-nan-backward.ts");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ {2}x +\[2\] +NaN \(1 NaN\) +4$/m);
    assert.match(r.stdout, /warning: NaN first produced in the backward pass by r = sqrt/);
    assert.doesNotMatch(r.stdout, /Vanishing gradient/);
  });

  it("prints the model's own output and the diagnostics it found", () => {
    const r = backstep("trace", "examples/micrograd.ts");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /∂g\/∂a = 138\.8338/);
    assert.match(r.stdout, /loss by step: 24\.7/);
  });

  it("the summary starts a line of its own after output that did not end one", () => {
    const file = join(tmp, "progress.ts");
    writeFileSync(
      file,
      `import { tensor } from "backstep";
const w = tensor([1, 2], { requiresGrad: true });
w.square().sum().backward();
process.stdout.write("epoch 1: 0.091");
`,
    );
    const r = backstep("trace", file);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^epoch 1: 0\.091\nBackstep trace of \S*progress\.ts/m);
  });

  it("exits with the status the model sets (process.exitCode), after its exit listeners, as its plain run", () => {
    const file = join(tmp, "status.ts");
    writeFileSync(
      file,
      `import { tensor } from "backstep";
process.on("exit", (code) => console.log("exit listener", code));
const w = tensor([1, 2], { requiresGrad: true });
w.square().sum().backward();
process.exitCode = 3;
`,
    );
    const r = backstep("trace", file);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /^exit listener 3\n/m);
  });

  it("exits with the status a PyTorch model chooses (sys.exit(3), os._exit(4)), as a TypeScript model's", function () {
    if (!hasTorch()) this.skip();
    for (const [end, status] of [
      ["import sys\nsys.exit(3)\n", 3],
      ["import os\nos._exit(4)\n", 4],
      ["import sys\nsys.exit(0)\n", 0],
    ] as const) {
      const py = join(tmp, `status${status}.py`);
      writeFileSync(py, `import torch\nw = torch.ones(2, requires_grad=True)\n(w * 2).sum().backward()\n${end}`);
      // (it exited 1: the recorder's own status, its trace read; the message said "a plain run's status 3")
      const r = backstep("trace", py, "--python", PYTHON);
      assert.equal(r.status, status, r.stderr);
    }
  });

  it("loss by step: — for a step without a loss, NaN only for a loss that is NaN", () => {
    // hand-written gradients after backward() (makemore part 4) are graph ops of a step with no loss: not a NaN loss
    const py = join(tmp, "manual.py");
    writeFileSync(
      py,
      "import torch\nw = torch.tensor([1.0, 2.0], requires_grad=True)\nloss = (w * w).sum()\n" +
        "loss.backward()\ndw = 2 * w\nprint(torch.equal(dw, w.grad))\n",
    );
    const r = backstep("trace", py, "--python", PYTHON);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^True$/m);
    assert.match(r.stdout, /2 step\(s\)/);
    assert.match(r.stdout, /^loss by step: 5 → —$/m);
    const ts = join(tmp, "nanLoss.ts");
    writeFileSync(
      ts,
      'import { tensor } from "backstep";\ntensor([-1], { requiresGrad: true }).sqrt().sum().backward();\n',
    );
    const n = backstep("trace", ts);
    assert.equal(n.status, 0, n.stderr);
    assert.match(n.stdout, /^loss by step: NaN$/m);
  });

  it("gradcheck prints the worst relative error per op and passes on a smooth model", () => {
    const r = backstep("gradcheck", "examples/mlp-classifier.ts");
    assert.equal(r.status, 0, r.stderr + r.stdout);
    for (const op of ["matmul", "tanh", "add", "logSoftmax", "gather", "mean"]) {
      const line = r.stdout.split("\n").find((l) => l.trim().startsWith(op + " "));
      assert.ok(line, `a row for ${op}`);
      const err = Number(line.trim().split(/\s+/)[1]);
      assert.ok(err < 1e-5, `${op}: ${err}`);
    }
  });

  it("usage errors exit 2 with the command's usage, not the whole help", () => {
    const r = backstep("trace");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /which model\?/);
    assert.match(r.stderr, /^usage: backstep trace <model\.ts\|model\.py>/m);
    assert.ok(r.stderr.split("\n").length <= 4, r.stderr);
    const typo = backstep("frobnicate", "x.ts");
    assert.equal(typo.status, 2);
    assert.equal(backstep("trace", "x.ts", "--steps", "zero").status, 2);
    assert.match(backstep("trace", "x.ts", "--step", "3").stderr, /unknown option --step \(did you mean --steps\?\)/);
    assert.match(backstep("tarce", "x.ts").stderr, /unknown command "tarce" \(did you mean trace\?\)/);
    assert.match(backstep("trace", "x.ts", "-s", "3").stderr, /^backstep: trace: unknown option -s\n/);
    const gc = backstep("gradcheck", "examples/mlp-classifier.ts", "--steps", "3");
    assert.equal(gc.status, 2);
    assert.match(gc.stderr, /--steps is trace's option; gradcheck checks the first step/);
  });

  it("--help, also after a command, fits in 80 columns", () => {
    for (const args of [["--help"], ["trace", "--help"], ["diff", "a.json", "-h"]]) {
      const r = backstep(...args);
      assert.equal(r.status, 0, args.join(" "));
      assert.match(r.stdout, /^usage:/);
      for (const l of r.stdout.split("\n")) assert.ok([...l].length <= 80, `over 80 columns: ${l}`);
    }
  });

  it("an output file that cannot be written is refused before the run, not after it", () => {
    const t0 = Date.now();
    const r = backstep("trace", "test/fixtures/bad/bad-infinite-loop.ts", "--json", join(tmp, "no", "such", "t.json"));
    assert.equal(r.status, 2);
    assert.ok(Date.now() - t0 < 20_000, "the model did not run to its time limit first");
    assert.match(r.stderr, /^backstep: \S*t\.json: cannot write it: the folder \S*such does not exist\n$/);
    assert.doesNotMatch(r.stderr, /internal error|at /);
  });

  it("an exercise exits 1 until its checks pass, and lists each failure once", () => {
    const source = readFileSync(join(root, "exercises", "micrograd.ts"), "utf8");
    const unsolved = join(tmp, "micrograd.ts");
    writeFileSync(unsolved, source);
    const r = backstep("trace", unsolved);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^backstep: 11 of 11 gradient check\(s\) failed, the first d at \S*micrograd\.ts:20:1/m);
    assert.match(r.stdout, /Gradient checks \(0 of 11 pass\)/);
    assert.match(r.stdout, /Diagnostics \(besides the 11 failed gradient check\(s\) above\):/);
    assert.doesNotMatch(r.stdout, /warning: Gradient check failed/);
    // solved: each NaN replaced by its derivative from the values micrograd's lecture gives
    const answers: Record<string, string> = {
      dd: "f.item()",
      df: "d.item()",
      de: "dd",
      dc: "dd",
      da: "de * b.item()",
      db: "de * a.item()",
      dn: "1 - o.item() ** 2",
      dw1: "dn * x1.item()",
      dx1: "dn * w1.item()",
      dw2: "dn * x2.item()",
      dx2: "dn * w2.item()",
    };
    const solved = join(tmp, "micrograd-solved.ts");
    writeFileSync(
      solved,
      source.replace(/const (\w+) = NaN;/g, (_, k: string) => `const ${k} = ${answers[k]};`),
    );
    const ok = backstep("trace", solved);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /Gradient checks \(11 of 11 pass\)/);
  });

  it("a Python without torch: one clear error on stderr, no empty summary on stdout", () => {
    // an interpreter without torch: the real one with torch hidden, as in test/python/recorder.test.ts
    const dir = mkdtempSync(join(tmp, "py-"));
    writeFileSync(join(dir, "torch.py"), "raise ImportError('No module named torch (hidden by the test)')\n");
    const fake = join(dir, "python");
    writeFileSync(fake, `#!/bin/sh\nPYTHONPATH=${dir}:$PYTHONPATH exec ${PYTHON} "$@"\n`, { mode: 0o755 });
    const r = backstep("trace", "examples/python/mlp.py", "--python", fake);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.match(/PyTorch is not installed for/g)?.length, 1, r.stderr);
    assert.match(r.stderr, /^backstep: .*PyTorch is not installed for .*apt install python3-torch/m);
    assert.equal(r.stdout, "");
  });

  it("a missing file is a clear failure, not a crash", () => {
    const r = backstep("trace", "examples/nope.ts");
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "backstep: examples/nope.ts: no such file\n");
    assert.match(backstep("gradcheck", "examples").stderr, /^backstep: examples: is a folder/);
  });
});
