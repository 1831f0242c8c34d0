// An output that is the input is refused before anything runs: `trace victim.ts -o victim.ts` replaced the model with
// its trace's JSON, `report t.json -o t.json` the trace with HTML.
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backstep, ensureBuilt } from "./support/cli";

describe("backstep: an output that is the input", function () {
  this.timeout(90_000);
  let tmp: string;
  const model =
    'import { tensor } from "backstep";\ntensor([1, 2], { requiresGrad: true }).square().sum().backward();\n';

  before(function () {
    ensureBuilt();
    tmp = mkdtempSync(join(tmpdir(), "backstep-out-"));
    writeFileSync(join(tmp, "victim.ts"), model);
    symlinkSync(join(tmp, "victim.ts"), join(tmp, "link.ts"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("trace refuses to write its model, however named, exit 2", () => {
    for (const out of ["victim.ts", "./victim.ts", join(tmp, "link.ts")]) {
      const r = backstep(tmp, "trace", "victim.ts", "-o", out);
      assert.equal(r.status, 2, out);
      assert.match(r.stderr, /is the input victim\.ts; writing it would replace it/);
    }
    assert.equal(readFileSync(join(tmp, "victim.ts"), "utf8"), model);
  });

  it("report refuses to write over its trace, exit 2", () => {
    assert.equal(backstep(tmp, "trace", "victim.ts", "-o", "t.json").status, 0);
    const before = readFileSync(join(tmp, "t.json"), "utf8");
    const r = backstep(tmp, "report", "t.json", "-o", "t.json");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^backstep: t\.json: is the input t\.json; writing it would replace it/);
    assert.equal(readFileSync(join(tmp, "t.json"), "utf8"), before);
  });
});
