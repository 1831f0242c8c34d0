// The Python recorder from the TypeScript side: its own unittest suite, and its traces read by the same parser and
// views.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { summarize } from "../../src/cli/summary";
import { runModel } from "../../src/runner/index";
import { jsonTrace, parseTrace, readTraceFile, stringifyTrace } from "../../src/trace/json";
import { singleStored } from "../../src/trace/stream/layout";
import { EXAMPLES, PYTHON, ROOT, hasTorch } from "./support/torchEnv";
import { tempDirs } from "../support/tempDirs";

/** An interpreter in `dir` that writes `text` where the recorder's trace goes (its --out argument), and exits 0. */
function fakePython(dir: string, text: string): string {
  const fake = join(dir, "python");
  const quoted = `'${text.replace(/'/g, "'\\''")}'`;
  writeFileSync(
    fake,
    `#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = "--out" ] && printf '%s' ${quoted} > "$2"; shift; done\nexit 0\n`,
    { mode: 0o755 },
  );
  return fake;
}

describe("python recorder (backstep_torch)", function () {
  this.timeout(180_000);
  const tmp = tempDirs("backstep-py-");
  before(function () {
    if (!hasTorch()) this.skip();
  });

  it("passes its unittest suite (gradients equal PyTorch's for every example, errors at the user's line, a clean torch after a run)", () => {
    // its own temporary folder: what the suite leaves in it is left on every developer's machine and CI runner
    const suiteTmp = tmp();
    const r = spawnSync(PYTHON, ["-m", "unittest", "discover", "-s", join(ROOT, "python", "tests")], {
      encoding: "utf8",
      cwd: ROOT,
      env: { ...process.env, TMPDIR: suiteTmp },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Ran \d+ tests/);
    assert.deepEqual(readdirSync(suiteTmp), [], "the suite's temporary files are removed");
  });

  it("writes its trace a line at a time, as writeTraceFile does, which the TypeScript reader reads line by line", () => {
    // 1,200 ops and more tensors in one step, so each per-op array takes several lines
    const dir = tmp();
    const model = join(dir, "deep.py");
    writeFileSync(
      model,
      [
        "import torch",
        "torch.manual_seed(0)",
        "w = torch.randn(4, requires_grad=True)",
        "def step():",
        "    h = w",
        "    for _ in range(600):",
        "        h = torch.tanh(h * 0.9)",
        "    return h.sum()",
        "",
      ].join("\n"),
    );
    const out = join(dir, "trace.json");
    const r = spawnSync(PYTHON, ["-m", "backstep_torch", model, "--out", out, "--steps", "1"], {
      encoding: "utf8",
      cwd: join(ROOT, "python"),
    });
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(out, "utf8");
    const lines = text.split("\n");
    // the layout parseTraceData reads a line at a time: the small fields first, then each array 1,024 elements a line
    assert.match(lines[0], /^\{"format":"backstep-trace","version":1,.*,$/);
    assert.equal(lines[1], '"ops":[');
    const trace = readTraceFile(out);
    assert.ok(trace.ops.length > 1024 && trace.tensors.length > 1024, `${trace.ops.length} ops`);
    for (const key of ["ops", "tensors", "events"] as const) {
      const at = lines.indexOf(`"${key}":[`);
      assert.ok(at > 0, key);
      assert.equal(lines[at + 1].startsWith("{"), true);
      assert.equal(JSON.parse(`[${lines[at + 1].replace(/,$/, "")}]`).length, Math.min(1024, trace[key].length), key);
    }
    // one JSON document still, and the same trace either way
    assert.deepStrictEqual(trace, parseTrace(text));
  });

  it("runModel traces a .py model into a Trace the TypeScript parser, summary and diagnostics read", async () => {
    const r = await runModel(join(EXAMPLES, "mlp.py"), { python: PYTHON, maxSteps: 2 });
    assert.equal(r.ok, true, JSON.stringify(r.trace.diagnostics));
    const t = r.trace;
    assert.equal(t.language, "python");
    assert.deepEqual(
      t.ops.slice(0, 4).map((o) => [o.op, o.var, o.module, o.loc?.line]),
      [
        ["linear", "z1", "model.fc1", 16],
        ["tanh", "h", "model", 17],
        ["linear", "logits", "model.fc2", 18],
        ["cross_entropy", "loss", undefined, 35],
      ],
    );
    assert.equal(t.losses.length, 2);
    assert.ok(t.losses[1] < t.losses[0], "SGD lowers the loss");
    assert.deepEqual(
      t.params.map((p) => p.name),
      ["model.fc1.weight", "model.fc1.bias", "model.fc2.weight", "model.fc2.bias"],
    );
    // the same JSON codec both ways (the compact values read into typed arrays, as a recorded trace holds them: the
    // int64 labels' as float64, each exact)
    const typed = (x: (typeof t.tensors)[number]): boolean =>
      x.values instanceof (singleStored(x.dtype) ? Float32Array : Float64Array);
    assert.ok(t.tensors.every((x) => x.values === undefined || typed(x)));
    assert.ok(
      t.tensors.some((x) => x.dtype === "int64" && x.values instanceof Float64Array),
      "the labels, as int64",
    );
    assert.deepEqual(parseTrace(stringifyTrace(t)), jsonTrace(t));
    const text = summarize(t, EXAMPLES);
    assert.match(text, /mlp\.py:17 +h +tanh +\[32, 16\] +model/);
  });

  it("a script sees sys.argv and __file__ as `cd <its folder> && python3 model.py` gives them", async () => {
    const dir = tmp();
    const file = join(dir, "introspect.py");
    writeFileSync(
      file,
      "import os, sys\nimport torch\nprint(sys.argv, os.path.basename(__file__))\n" +
        "w = torch.ones(2, requires_grad=True)\n(w * 2).sum().backward()\n",
    );
    const plain = spawnSync(PYTHON, ["introspect.py"], { cwd: dir, encoding: "utf8" });
    // (run in its folder, as the extension runs it: without cwd a run is in the caller's, cwdPython.test.ts)
    const r = await runModel(file, { python: PYTHON, maxSteps: 1, cwd: dir });
    assert.equal(r.ok, true, JSON.stringify(r.trace.diagnostics));
    assert.equal(r.output, plain.stdout);
    assert.equal(plain.stdout, "['introspect.py'] introspect.py\n");
    assert.equal(r.trace.program, file, "the trace names the file by its full path");
  });

  it("expect_grad's checks reach the views as expectGrad's: ✓ and ≈ in the summary, a warning at a wrong one's line", async () => {
    const dir = tmp();
    const file = join(dir, "manual.py");
    writeFileSync(
      file,
      [
        "import torch",
        "from backstep_torch import expect_grad",
        "w = torch.tensor([1.0, 2.0], requires_grad=True)",
        "h = torch.tanh(w)",
        "loss = h.sum()",
        "loss.backward()",
        "expect_grad(h, torch.ones(2))",
        "expect_grad(w, 1 - h.detach() ** 2)",
        "expect_grad(h, torch.ones(2) * 2)",
        "",
      ].join("\n"),
    );
    const r = await runModel(file, { python: PYTHON, maxSteps: 1 });
    assert.equal(r.ok, true, JSON.stringify(r.trace.diagnostics));
    const checks = r.trace.events.flatMap((e) => (e.kind === "gradCheck" ? [[e.label, e.verdict, e.loc?.line]] : []));
    assert.deepEqual(checks, [
      ["h", "exact", 7],
      ["w", "close", 8],
      ["h", "mismatch", 9],
    ]);
    const warning = r.trace.diagnostics.find((d) => d.code === "gradient-check");
    assert.deepEqual([warning?.severity, warning?.loc?.line], ["warning", 9]);
    assert.match(warning?.message ?? "", /Gradient check failed for h: max diff 1 at \[0\]: 2 vs autograd 1/);
    assert.match(summarize(r.trace, dir), /Gradient checks \(2 of 3 pass\)/);
  });

  it("a NaN in a Python run reaches the TypeScript side as a number and a diagnostic at the .py line", async () => {
    const dir = tmp();
    const file = join(dir, "nan.py");
    writeFileSync(
      file,
      "import torch\nw = torch.tensor([1.0, -1.0], requires_grad=True)\n\ndef step():\n    y = torch.log(w)\n    return y.sum()\n",
    );
    const r = await runModel(file, { python: PYTHON, maxSteps: 1 });
    const y = r.trace.tensors[r.trace.ops[0].output];
    assert.ok(Number.isNaN(y.values?.[1]));
    const nan = r.trace.diagnostics.find((d) => d.code === "nan");
    assert.deepEqual([nan?.loc?.file, nan?.loc?.line], [file, 5]);
  });

  it("a shape error is an error diagnostic at the .py line, and the run still resolves", async () => {
    const dir = tmp();
    const file = join(dir, "shapes.py");
    writeFileSync(
      file,
      "import torch\nW = torch.randn(3, 2, requires_grad=True)\nx = torch.randn(4, 5)\n\ndef step():\n    h = x @ W\n    return h.sum()\n",
    );
    const r = await runModel(file, { python: PYTHON });
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, "shape-mismatch");
    assert.deepEqual([r.error?.loc?.line, r.error?.loc?.column], [6, 9]);
  });

  it("names the interpreter and how to install when Python or torch is missing", async () => {
    const missing = await runModel(join(EXAMPLES, "mlp.py"), { python: "/nonexistent/python3" });
    assert.equal(missing.ok, false);
    assert.match(
      missing.error?.message ?? "",
      /Python was not found \("\/nonexistent\/python3"\).*apt install python3-torch/,
    );
    // an interpreter without torch: a fake python that is the real one with torch hidden
    const dir = tmp();
    writeFileSync(join(dir, "torch.py"), "raise ImportError('No module named torch (hidden by the test)')\n");
    const fake = join(dir, "python");
    writeFileSync(fake, `#!/bin/sh\nPYTHONPATH=${dir}:$PYTHONPATH exec ${PYTHON} "$@"\n`, { mode: 0o755 });
    const noTorch = await runModel(join(EXAMPLES, "mlp.py"), { python: fake });
    assert.match(
      noTorch.error?.message ?? "",
      /PyTorch is not installed for .*\(Python 3\.\d+\.\d+\).*apt install python3-torch/,
    );
  });

  it("says so when the recorder's trace is cut short, and the run ends (it never settled, its error uncaught)", async () => {
    // an interpreter that writes the start of a trace where the recorder's goes, and exits 0
    const fake = fakePython(tmp(), '{"format":"backstep-trace","version":1,\n"ops":[\n{"id":0');
    const r = await runModel(join(EXAMPLES, "mlp.py"), { python: fake });
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, "runtime-error");
    assert.match(r.error?.message ?? "", /^The Python recorder's trace could not be read: /);
    assert.equal(r.trace.program, join(EXAMPLES, "mlp.py"));
  });

  it("a trace that reads but cannot be finished ends the run with that error (the promise settled)", async () => {
    // a whole trace whose `truncated` is null: it parses, and the diagnostics' read of it throws
    const trace = JSON.stringify({
      format: "backstep-trace",
      version: 1,
      program: "m.py",
      ops: [],
      tensors: [],
      events: [],
      params: [],
      diagnostics: [],
      losses: [1],
      truncated: null,
      durationMs: 1,
    });
    const r = await runModel(join(EXAMPLES, "mlp.py"), { python: fakePython(tmp(), trace) });
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, "runtime-error");
    assert.match(
      r.error?.message ?? "",
      /^Backstep could not finish reading the Python recorder's trace: .*recordingStopped/,
    );
  });

  it("stops a model at the time limit with the partial trace and the loop's line", async () => {
    const dir = tmp();
    const file = join(dir, "loop.py");
    writeFileSync(
      file,
      "import torch\nw = torch.ones(2, requires_grad=True)\ny = (w * 3).sum()\nwhile True:\n    pass\n",
    );
    const r = await runModel(file, { python: PYTHON, timeoutMs: 1000 });
    assert.equal(r.error?.code, "timeout");
    assert.ok(r.error?.loc && [4, 5].includes(r.error.loc.line));
    assert.equal(r.trace.ops.length, 2);
  });

  it("stops a model at the memory limit at its line, with the partial trace (it was killed, its trace and line lost)", async () => {
    const dir = tmp();
    const file = join(dir, "bomb.py");
    writeFileSync(
      file,
      [
        "import torch",
        "w = torch.ones(2, requires_grad=True)",
        "y = (w * 3).sum()",
        "hog = []",
        "while True:",
        "    hog.append(torch.ones(5_000_000))",
        "",
      ].join("\n"),
    );
    // importing torch takes ~230 MB here; each iteration keeps 20 MB more
    const r = await runModel(file, { python: PYTHON, memoryLimitMb: 450, timeoutMs: 60_000 });
    assert.equal(r.error?.code, "memory-limit");
    assert.match(
      r.error?.message ?? "",
      /^The model used \d+ MB of memory \(the Python process's resident memory; the limit is 450 MB\) and was stopped\. \(at bomb\.py:6:\d+\) What it recorded until then is kept/,
    );
    assert.deepEqual(r.error?.loc && [r.error.loc.file, r.error.loc.line], [file, 6]);
    assert.equal(r.trace.ops.length, 2);
  });
});
