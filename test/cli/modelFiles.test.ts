// `backstep trace` and `gradcheck` on files that are not models: any file ran as TypeScript (a saved trace gave
// "SyntaxError: Unexpected token", foo.txt ran, up.PY ran as TypeScript though the runner tells Python by ".py").
import * as assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backstep, ensureBuilt } from "./support/cli";

describe("backstep trace: which files are models", function () {
  this.timeout(90_000);
  let tmp: string;

  before(function () {
    ensureBuilt();
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
