// Shared inputs of the e2e suites: the packaged .vsix, the examples workspace, where screenshots go.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const repoRoot = resolve(__dirname, "../../..");
export const examplesDir = join(repoRoot, "examples");
export const docsDir = join(repoRoot, "docs");

/** The .vsix the runner packaged (test/e2e/run.ts sets BACKSTEP_VSIX). */
export function vsixUnderTest(): string {
  const vsix = process.env.BACKSTEP_VSIX;
  if (!vsix || !existsSync(vsix)) throw new Error("e2e: no packaged extension; run the suite with `npm run test:e2e` (or set BACKSTEP_VSIX)");
  return vsix;
}

/** Packages the extension the way a release does (`npm run package` → backstep.vsix), unless BACKSTEP_VSIX names one already. */
export function packageVsix(): string {
  const given = process.env.BACKSTEP_VSIX;
  if (given) return resolve(given);
  const r = spawnSync("npm", ["run", "package", "--silent"], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`e2e: \`npm run package\` failed:\n${r.stdout}\n${r.stderr}`);
  const vsix = join(repoRoot, "backstep.vsix");
  if (!existsSync(vsix)) throw new Error(`e2e: \`npm run package\` did not produce ${vsix}`);
  return vsix;
}

/** Where screenshots go: docs/ when the run was asked to refresh them (--update-docs), else test-results/e2e/. */
export function screenshotPath(name: string): string {
  const dir = process.env.BACKSTEP_E2E_SCREENSHOTS === "docs" ? docsDir : join(repoRoot, "test-results", "e2e");
  return join(dir, name);
}
