// parseArgs: --cwd names a folder that exists (a missing one, or a file, ran the model anyway, which failed later on
// its paths with exit 0), and every option's error starts with its command, as the others do.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../../src/cli/args";
import { UsageError } from "../../src/cli/usage";

describe("backstep parseArgs: --cwd and error prefixes", () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "backstep-args-"));
    writeFileSync(join(tmp, "file.txt"), "");
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const error = (argv: string[]): UsageError => {
    try {
      parseArgs(argv);
    } catch (err) {
      assert.ok(err instanceof UsageError);
      return err;
    }
    assert.fail(`no error for ${argv.join(" ")}`);
  };

  it("--cwd: a missing folder or a file is a usage error naming it", () => {
    const missing = join(tmp, "nonexist");
    assert.equal(error(["trace", "m.ts", "--cwd", missing]).message, `trace: --cwd ${missing}: no such folder`);
    const file = join(tmp, "file.txt");
    assert.equal(
      error(["gradcheck", "m.ts", "--cwd", file]).message,
      `gradcheck: --cwd ${file}: is a file, not a folder`,
    );
    assert.equal(parseArgs(["trace", "m.ts", "--cwd", tmp]).options.cwd, tmp);
  });

  it("--values and --full-steps errors start with trace:", () => {
    assert.match(error(["trace", "m.ts", "--values", "some"]).message, /^trace: --values takes "all" or "capped"/);
    assert.match(error(["trace", "m.ts", "--full-steps", "a,b"]).message, /^trace: --full-steps takes step numbers/);
  });
});
