// `backstep trace` and `gradcheck` on files that are not models: any file ran as TypeScript (a saved trace gave
// "SyntaxError: Unexpected token", foo.txt ran, up.PY ran as TypeScript though the runner tells Python by ".py").
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..", "..");
const cli = join(root, "dist", "cli.js");

function backstep(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("backstep trace: which files are models", function () {
  this.timeout(90_000);
  let tmp: string;

  before(function () {
    if (!existsSync(cli) || !existsSync(join(root, "dist", "runnerWorker.js"))) {
      const b = spawnSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, encoding: "utf8" });
      assert.equal(b.status, 0, b.stderr);
    }
    tmp = mkdtempSync(join(tmpdir(), "backstep-files-"));
    const model =
      'import { tensor } from "backstep";\ntensor([1, 2], { requiresGrad: true }).square().sum().backward();\n';
    writeFileSync(join(tmp, "m.ts"), model);
    writeFileSync(join(tmp, "m.mjs"), model);
    writeFileSync(join(tmp, "notes.txt"), model);
    copyFileSync(join(tmp, "m.ts"), join(tmp, "M.TS"));
    writeFileSync(join(tmp, "up.PY"), "import torch\n");
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("runs .ts and .mjs models", () => {
    for (const f of ["m.ts", "m.mjs"]) assert.equal(backstep(tmp, "trace", f).status, 0, f);
  });

  it("a saved trace is told to use report or diff, exit 2", () => {
    assert.equal(backstep(tmp, "trace", "m.ts", "--json", "m.json").status, 0);
    for (const command of ["trace", "gradcheck"]) {
      const r = backstep(tmp, command, "m.json");
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^backstep: ${command}: m\\.json: this is a trace .*use backstep report`));
    }
  });

  it("another extension is a usage error, exit 2; an upper-case one asks for the lowercase the runner reads", () => {
    const txt = backstep(tmp, "trace", "notes.txt");
    assert.equal(txt.status, 2);
    assert.match(txt.stderr, /^backstep: trace: notes\.txt: not a model; give a \.ts .* \.py file/);
    const upper = backstep(tmp, "trace", "M.TS");
    assert.equal(upper.status, 2);
    assert.match(upper.stderr, /M\.TS: rename it with a lowercase \.ts/);
    assert.match(backstep(tmp, "trace", "up.PY").stderr, /up\.PY: rename it with a lowercase \.py/);
  });
});
