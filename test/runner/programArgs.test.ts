// A model's own command-line arguments: `backstep trace model.ts -- a b` gives the model what `node model.ts a b`
// does (process.argv: node, the model's path, then its arguments), and `backstep trace train.py -- --batch_size=8` what
// `python3 train.py --batch_size=8` does (sys.argv). Before, a traced .ts model saw the runner worker's path as
// process.argv[1] and no arguments, and a .py model only its path.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "../../src/cli/args";
import { PYTHON, hasTorch } from "../python/support/torchEnv";
import { cli, plainAndTraced, runNode } from "./support/plainAndTraced";

/** Arguments that look like Backstep's own options and a `--` of the model's own: all of them are the model's. */
const ARGS = ["--steps", "9", "--batch_size=8", "--", "two words", "-o"];

describe("a model's own arguments, after --", function () {
  this.timeout(120_000);
  const { files, same } = plainAndTraced("backstep-args-");

  it("parseArgs: everything after the first -- is the model's, the options before it Backstep's", () => {
    const a = parseArgs(["trace", "m.py", "--steps", "2", "--", ...ARGS]);
    assert.equal(a.file, "m.py");
    assert.equal(a.options.maxSteps, 2);
    assert.deepEqual(a.options.args, ARGS);
    assert.equal(parseArgs(["trace", "m.ts", "--"]).options.args?.length, 0);
    assert.equal(parseArgs(["trace", "m.ts"]).options.args, undefined);
    assert.deepEqual(parseArgs(["gradcheck", "m.ts", "--", "x"]).options.args, ["x"]);
  });

  it("a .ts model's process.argv is node's: its path, then its arguments (plain tsx = traced)", () => {
    const folder = files("ts", {
      "train.ts": `import { tensor } from "backstep";
import { basename } from "node:path";
const [, self, ...rest] = process.argv;
console.log(basename(self), self === __filename, JSON.stringify(rest));
const w = tensor([1, 2], { requiresGrad: true });
w.mul(rest.length).sum().backward();
`,
    });
    assert.equal(same(folder, "train.ts", ARGS), `train.ts true ${JSON.stringify(ARGS)}\n`);
    assert.equal(same(folder, "train.ts"), "train.ts true []\n");
  });

  it("a .py model's sys.argv is python3's: the path as given, then its arguments", function () {
    if (!hasTorch()) this.skip();
    const folder = files("py", {
      "train.py": [
        "import sys, torch",
        "print(repr(sys.argv))",
        "w = torch.ones(2, requires_grad=True)",
        "(w * len(sys.argv)).sum().backward()",
        "",
      ].join("\n"),
    });
    const plain = spawnSync(PYTHON, ["train.py", ...ARGS], { cwd: folder, encoding: "utf8" });
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stdout, `[${["train.py", ...ARGS].map((a) => `'${a}'`).join(", ")}]\n`);
    const json = join(folder, "trace.json");
    const traced = runNode([cli, "trace", "train.py", "--python", PYTHON, "--json", json, "--", ...ARGS], folder);
    assert.equal(traced.status, 0, traced.err);
    assert.equal(traced.out.replace(/^Backstep trace of[^]*$/m, ""), plain.stdout);
    writeFileSync(join(folder, "empty.py"), "import sys\nprint(sys.argv)\n");
    const none = runNode([cli, "trace", "empty.py", "--python", PYTHON], folder);
    assert.match(none.out, /^\['empty\.py'\]\n/);
  });
});
