// `npm test`: lint, typecheck, build, the unit suite, then the e2e suite in code-server. The one-time code-server
// install (~100 s on a fresh machine: an npm download and two native builds, 0 s once cached) runs beside the first
// four steps instead of before the e2e suite; its log is printed only if it fails.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCodeServerInstalled } from "./codeServer";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function runStep(script: string): void {
  const r = spawnSync(npm, ["run", script], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/**
 * Starts the install in a child process when it is needed; resolves to its exit code and output. The output goes to a
 * file, not a pipe, so that if a step fails and this process exits first, the install still finishes (into the cache,
 * for the next run) instead of dying on a closed pipe and leaving its half-built folder behind.
 */
function installInBackground(): Promise<{ code: number; log: string }> {
  if (isCodeServerInstalled()) return Promise.resolve({ code: 0, log: "" });
  const dir = mkdtempSync(join(tmpdir(), "backstep-install-"));
  const logFile = join(dir, "install.log");
  const fd = openSync(logFile, "w");
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "installCodeServer.ts")], {
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  return new Promise((resolve) => {
    const done = (code: number, extra = ""): void => {
      const log = readFileSync(logFile, "utf8") + extra;
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, log });
    };
    child.on("error", (err) => done(1, String(err)));
    child.on("close", (code) => done(code ?? 1));
  });
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
