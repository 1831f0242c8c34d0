// `npm test`: lint, typecheck, build, the unit suite, then the e2e suite in code-server. The one-time code-server
// install (~100 s on a fresh machine: an npm download and two native builds, 0 s once cached) runs beside the first
// four steps instead of before the e2e suite; its log is printed only if it fails.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { runInBackground } from "./backgroundInstall";
import { isCodeServerInstalled } from "./codeServer";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function runStep(script: string): void {
  const r = spawnSync(npm, ["run", script], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Starts the install when it is needed; resolves to its exit code and output. */
function installInBackground(): Promise<{ code: number; log: string }> {
  if (isCodeServerInstalled()) return Promise.resolve({ code: 0, log: "" });
  return runInBackground(process.execPath, ["--import", "tsx", join(__dirname, "installCodeServer.ts")]);
}

async function main(): Promise<void> {
  const install = installInBackground();
  for (const step of ["lint", "typecheck", "build", "test:unit"]) runStep(step);
  const { code, log } = await install;
  if (code !== 0) {
    console.error(`code-server install failed (exit ${code}):\n${log}`);
    process.exit(code);
  }
  runStep("test:e2e");
}

void main();
