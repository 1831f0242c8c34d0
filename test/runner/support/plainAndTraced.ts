// A program run two ways, plainly (tsx, as `npx tsx model.ts` would) and traced (the built CLI, dist/cli.js), in a
// folder of a user's project: the differential tests of the runner's "never change the meaning of user code".
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const root = join(__dirname, "..", "..", "..");
export const cli = join(root, "dist", "cli.js");
const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs");

export interface Run {
  status: number | null;
  /** What the program printed (for a traced run, before Backstep's summary). */
  out: string;
  err: string;
}

/** `node args…` in `cwd`. */
export function runNode(args: string[], cwd: string): Run {
  const r = spawnSync(process.execPath, args, { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

export interface PlainAndTraced {
  /** Writes the files (name → text) into a folder of their own; returns the folder. */
  files(name: string, texts: Record<string, string>): string;
  /** `file` run plainly in `folder`, given `args`. */
  plain(folder: string, file: string, args?: string[]): Run;
  /** `file` traced (one step) in `folder`, given `args` after `--`. */
  traced(folder: string, file: string, args?: string[]): Run;
  /** Runs `file` both ways: the same output, both succeed; returns the output. */
  same(folder: string, file: string, args?: string[]): string;
}

/** Sets up (in the calling describe's before and after hooks) a project folder whose "backstep" is the npm package. */
export function plainAndTraced(prefix: string): PlainAndTraced {
  let dir = "";
  before(function () {
    // npm test builds first; a bare `npx mocha` on a fresh clone builds here
    if (!existsSync(cli) || !existsSync(join(root, "dist", "runnerWorker.js"))) {
      const b = spawnSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, encoding: "utf8" });
      assert.equal(b.status, 0, b.stderr);
    }
    dir = mkdtempSync(join(tmpdir(), prefix));
    // "backstep" as a user's project has it: the npm package (its CommonJS build under tsx)
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(root, "packages", "backstep"), join(dir, "node_modules", "backstep"), "dir");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const plain = (folder: string, file: string, args: string[] = []): Run => runNode([tsx, file, ...args], folder);
  const traced = (folder: string, file: string, args: string[] = []): Run => {
    const r = runNode([cli, "trace", file, "--steps", "1", ...(args.length > 0 ? ["--", ...args] : [])], folder);
    return { ...r, out: r.out.replace(/^Backstep trace of[^]*$/m, "") };
  };
  return {
    files(name, texts) {
      const at = join(dir, name);
      for (const [file, text] of Object.entries(texts)) {
        mkdirSync(dirname(join(at, file)), { recursive: true });
        writeFileSync(join(at, file), text);
      }
      return at;
    },
    plain,
    traced,
    same(folder, file, args = []) {
      const p = plain(folder, file, args);
      const t = traced(folder, file, args);
      assert.equal(p.status, 0, `plain run failed: ${p.err}`);
      assert.equal(t.status, 0, `traced run failed: ${t.err}`);
      assert.equal(t.out, p.out, "the traced run prints what the plain one does");
      return p.out;
    },
  };
}
