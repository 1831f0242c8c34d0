import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInBackground } from "../../scripts/backgroundInstall";

describe("npm test's background install (scripts/backgroundInstall.ts)", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "bs-bg-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("resolves to the child's exit code and its output, stdout and stderr together", async () => {
    const r = await runInBackground(process.execPath, [
      "-e",
      "console.log('out'); console.error('err'); process.exit(3)",
    ]);
    assert.equal(r.code, 3);
    assert.equal(r.log, "out\nerr\n");
  });

  it("a command that cannot start resolves with code 1 and the reason", async () => {
    const r = await runInBackground(join(dir, "no-such-installer"), []);
    assert.equal(r.code, 1);
    assert.match(r.log, /ENOENT/);
  });

  it("finishes the install when npm test exits first (a failed step), printing all the while, and leaves no log behind", async function () {
    this.timeout(30000);
    const mark = join(dir, "installed");
    // the install prints as it goes, also after its parent is gone, and writes its result a tick later: a write to a
    // closed pipe would have ended it by then (EPIPE)
    const install = `for (let i = 0; i < 20; i++) process.stdout.write('building ' + i + '\\n');
      setTimeout(() => { for (let i = 0; i < 2000; i++) process.stdout.write('still building ' + i + '\\n');
        setTimeout(() => require('fs').writeFileSync(${JSON.stringify(mark)}, 'done'), 100); }, 1500);`;
    const parent = `require(${JSON.stringify(join(__dirname, "../../scripts/backgroundInstall.ts"))})
      .runInBackground(process.execPath, ['-e', ${JSON.stringify(install)}]);
      setTimeout(() => process.exit(1), 200);`;
    // npm test's temporary folder, to see what it leaves there
    const npmTestTmp = join(dir, "tmp");
    mkdirSync(npmTestTmp);
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", parent], {
      encoding: "utf8",
      env: { ...process.env, TMPDIR: npmTestTmp },
    });
    assert.equal(r.status, 1, r.stderr);
    assert.ok(!existsSync(mark), "the parent exited before the install finished");
    const deadline = Date.now() + 20000;
    while (!existsSync(mark) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    assert.equal(existsSync(mark) && readFileSync(mark, "utf8"), "done");
    // the log, which nobody reads once npm test is gone, went with it (tsx keeps its compile cache there too)
    assert.deepEqual(
      readdirSync(npmTestTmp).filter((name) => name.startsWith("backstep-install-")),
      [],
      "no install log left in the temporary folder",
    );
  });
});
