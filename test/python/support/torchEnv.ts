// The PyTorch the Python tests use: Debian's python3-torch at /usr/bin/python3 (BACKSTEP_TEST_PYTHON overrides).
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

export const ROOT = resolve(__dirname, "..", "..", "..");
export const PYTHON = process.env.BACKSTEP_TEST_PYTHON ?? "/usr/bin/python3";
export const EXAMPLES = join(ROOT, "examples", "python");

/** Whether PYTHON imports torch; CI installs it, so there a missing torch fails instead of skipping. */
export function hasTorch(): boolean {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (r.status !== 0 && process.env.CI)
    throw new Error(`${PYTHON} cannot import torch (CI installs python3-torch): ${r.stderr ?? r.error}`);
  return r.status === 0;
}
