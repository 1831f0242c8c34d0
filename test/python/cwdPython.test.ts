// Where a .py model runs: in the caller's working folder, as `python3 scripts/train.py` and a .ts model do, with the
// script's own folder first on sys.path for its sibling imports.
import { strict as assert } from "node:assert";
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runPythonModel } from "../../src/runner/runPython";
import type { RunResult } from "../../src/runner/types";
import { PYTHON, hasTorch } from "./support/torchEnv";
import { tempDirs } from "../support/tempDirs";

describe("python runs' working folder", function () {
  this.timeout(120_000);
  const tmp = tempDirs("backstep-py-cwd-");
  before(function () {
    if (!hasTorch()) this.skip();
  });

  it("runs scripts/train.py in the current folder (root-relative data.txt) and imports its sibling module", async () => {
    const project = realpathSync(tmp());
    mkdirSync(join(project, "scripts"));
    writeFileSync(join(project, "data.txt"), "1 2 3\n");
    writeFileSync(join(project, "scripts", "helper.py"), "def square(w):\n    return (w * w).sum()\n");
    writeFileSync(
      join(project, "scripts", "train.py"),
      [
        "import os, sys, torch",
        "from helper import square",
        "print('cwd:', os.getcwd())",
        "print('path0:', sys.path[0])",
        "w = torch.nn.Parameter(torch.tensor([float(v) for v in open('data.txt').read().split()]))",
        "loss = square(w)",
        "loss.backward()",
        "",
      ].join("\n"),
    );
    const before = process.cwd();
    process.chdir(project);
    let r: RunResult;
    try {
      // no options.cwd: what the CLI passes without --cwd
      r = await runPythonModel(join("scripts", "train.py"), { python: PYTHON, maxSteps: 1 });
    } finally {
      process.chdir(before);
    }
    assert.equal(r.ok, true, `${r.error?.message}\n${r.output}`);
    const output = r.output ?? "";
    assert.match(output, new RegExp(`cwd: ${project}\\n`));
    assert.match(output, new RegExp(`path0: ${join(project, "scripts")}\\n`));
    assert.deepEqual(r.trace.losses, [14]);
  });
});
