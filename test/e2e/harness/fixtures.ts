// Shared inputs of the e2e suites: the packaged .vsix, the examples workspace, where screenshots go.
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
