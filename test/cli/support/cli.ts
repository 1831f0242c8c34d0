// Running the built `backstep` CLI (dist/cli.js) from the tests, as a user's shell runs it.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..", "..");
export const CLI = join(ROOT, "dist", "cli.js");

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `backstep …args` run in `cwd`. */
export function backstep(cwd: string, ...args: string[]): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** npm test builds first; a bare `npx mocha test/cli/…` on a fresh clone builds here (a suite's before()). */
export function ensureBuilt(): void {
  if (existsSync(CLI) && existsSync(join(ROOT, "dist", "runnerWorker.js"))) return;
  const b = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, encoding: "utf8" });
  assert.equal(b.status, 0, b.stderr);
}
