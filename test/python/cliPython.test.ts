// The built `backstep` CLI on .py models: `backstep trace model.py --python … --json …`, and its messages when Python
// cannot record.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { opFacts } from "../../src/protocol/opFacts";
import { readTraceFile } from "../../src/trace/json";
import { PYTHON, ROOT, hasTorch } from "./support/torchEnv";

const cli = join(ROOT, "dist", "cli.js");

function backstep(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("backstep CLI on PyTorch models", function () {
  this.timeout(180_000);
  let tmp: string;
  before(function () {
    if (!existsSync(cli)) {
      const b = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, encoding: "utf8" });
      assert.equal(b.status, 0, b.stderr);
    }
    tmp = mkdtempSync(join(tmpdir(), "backstep-cli-py-"));
  });
  after(() => tmp && rmSync(tmp, { recursive: true, force: true }));

  it("trace model.py --python --json --steps --values all writes a backstep-trace with the .py lines", function () {
    if (!hasTorch()) this.skip();
    const out = join(tmp, "gpt.json");
    const r = backstep(
      "trace",
      "examples/python/gpt_block.py",
      "--python",
      PYTHON,
      "--json",
      out,
      "--steps",
      "2",
      "--values",
      "all",
      "--timeout",
      "60",
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /2 step\(s\)/);
    assert.match(
      r.stdout,
      /examples\/python\/gpt_block\.py:\d+\s+att\s+softmax\s+\[1, 4, 8, 8\]|examples\/python\/gpt_block\.py:\d+\s+att\s+softmax\s+\[2, 4, 8, 8\]/,
    );
    const trace = readTraceFile(out);
    assert.equal(trace.language, "python");
    assert.equal(trace.truncated.valuesDropped, 0);
    assert.ok(trace.params.some((p) => p.name === "model.h.0.attn.c_attn.weight"));
    // its causal mask's -inf is deliberate (masked_fill before softmax), as in the TypeScript nanoGPT: no warning
    assert.ok(trace.ops.some((o) => o.op === "masked_fill"));
    assert.deepEqual(
      trace.diagnostics.filter((d) => d.code === "inf"),
      [],
    );
    assert.doesNotMatch(r.stdout, /Infinity first produced/);
    // the panels read its ops' facts (elementwise, Nielsen's roles) as a TypeScript model's: src/protocol/opFacts.ts
    const unknown = [...new Set(trace.ops.map((o) => o.op))].filter((op) => opFacts(op) === undefined);
    assert.deepEqual(unknown, []);
  });

  it("says which interpreter lacks what, and how to install it", () => {
    const r = backstep("trace", "examples/python/mlp.py", "--python", "/nonexistent/python3");
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /Python was not found \("\/nonexistent\/python3"\).*apt install python3-torch.*--python PATH/,
    );
  });
});
