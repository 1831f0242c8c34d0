// Warm Python processes (src/runner/warmPython.ts): a run takes the process that has imported torch, and the model
// cannot tell: its output, working folder, import path, argv and stdin are those of a process started for it.
import { strict as assert } from "node:assert";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prewarmPython, runPythonModel } from "../../src/runner/runPython";
import { keepPythonWarm, stopWarmPython, warmPythonCount, warmPythonPid } from "../../src/runner/warmPython";
import { PYTHON, hasTorch } from "./support/torchEnv";
import { tempDirs } from "../support/tempDirs";

// What a model can see of the process it runs in (its pid printed apart: the one thing that differs)
const PROBE = `import os, sys
import torch
import helper
w = torch.ones(2, requires_grad=True)
print("cwd", os.getcwd())
print("path0", sys.path[0])
print("argv", sys.argv)
print("name", __name__, helper.VALUE)
try:
    input()
except EOFError:
    print("stdin EOF")
print("bytecode", sys.dont_write_bytecode)
print("pid", os.getpid())

def step():
    return (w * 3).sum()
`;

/** The run's output without its pid line, and the pid. */
function split(output: string): { seen: string; pid: number } {
  const pid = Number(/^pid (\d+)$/m.exec(output)?.[1]);
  return { seen: output.replace(/^pid \d+\n/m, ""), pid };
}

describe("warm Python processes", function () {
  this.timeout(120_000);
  const tmp = tempDirs("backstep-warm-py-");
  before(function () {
    if (!hasTorch()) this.skip();
  });
  afterEach(() => keepPythonWarm(false));

  it("a run takes the waiting process, and the model sees what a process started for it sees", async () => {
    const dir = tmp();
    mkdirSync(join(dir, "work"));
    const file = join(dir, "probe.py");
    writeFileSync(file, PROBE);
    writeFileSync(join(dir, "helper.py"), "VALUE = 42\n");
    const cold = await runPythonModel(file, { python: PYTHON, maxSteps: 1 });
    assert.equal(cold.ok, true, JSON.stringify(cold.trace.diagnostics));
    assert.equal(warmPythonCount(), 0, "nothing warm unless the caller asks");

    keepPythonWarm(true);
    await runPythonModel(file, { python: PYTHON, maxSteps: 1 });
    const waiting = warmPythonPid(PYTHON);
    assert.ok(waiting !== undefined, "a run leaves a warm process for the next one");
    const warm = await runPythonModel(file, { python: PYTHON, maxSteps: 1 });
    assert.equal(warm.ok, true, JSON.stringify(warm.trace.diagnostics));
    assert.equal(split(warm.output ?? "").pid, waiting, "the run took the waiting process");
    assert.notEqual(split(cold.output ?? "").pid, waiting);
    assert.equal(split(warm.output ?? "").seen, split(cold.output ?? "").seen);
    assert.match(split(warm.output ?? "").seen, /^stdin EOF$/m);
    assert.deepEqual(warm.trace.losses, cold.trace.losses);
    assert.deepEqual(
      warm.trace.ops.map((o) => [o.op, o.loc?.line]),
      cold.trace.ops.map((o) => [o.op, o.loc?.line]),
    );
    // another working folder, as the caller's cwd option gives
    const elsewhere = await runPythonModel(file, { python: PYTHON, maxSteps: 1, cwd: join(dir, "work") });
    assert.match(elsewhere.output ?? "", new RegExp(`^cwd ${join(dir, "work")}$`, "m"));
    assert.match(
      elsewhere.output ?? "",
      new RegExp(`^path0 ${dir}$`, "m"),
      "the model's folder first, as run_file puts it",
    );
    stopWarmPython();
    assert.equal(warmPythonCount(), 0);
  });

  it("an interpreter without torch leaves no warm process, and its runs still say why", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "torch.py"), "raise ImportError('No module named torch (hidden by the test)')\n");
    const fake = join(dir, "python");
    writeFileSync(fake, `#!/bin/sh\nPYTHONPATH=${dir}:$PYTHONPATH exec ${PYTHON} "$@"\n`, { mode: 0o755 });
    const file = join(dir, "m.py");
    writeFileSync(file, "import torch\n");
    keepPythonWarm(true);
    // (started ahead, as the extension does for an open .py model: it exits at its check, taken or not)
    prewarmPython(fake);
    for (let i = 0; i < 2; i++) {
      const r = await runPythonModel(file, { python: fake });
      assert.equal(r.ok, false);
      assert.match(r.error?.message ?? "", /PyTorch is not installed for/);
    }
    assert.equal(warmPythonPid(fake), undefined);
  });
});
