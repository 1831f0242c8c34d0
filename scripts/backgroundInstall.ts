// A one-time install run beside other work (npm test's code-server install: scripts/test.ts). Its output goes to a
// file, not a pipe, so that if the parent exits first (a failed step), the install still finishes, into the cache
// for the next run, instead of dying on a closed pipe and leaving a half-built folder behind.
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Runs `command args` in a child process; resolves to its exit code and its output. */
export function runInBackground(command: string, args: string[]): Promise<{ code: number; log: string }> {
  const dir = mkdtempSync(join(tmpdir(), "backstep-install-"));
  const logFile = join(dir, "install.log");
  const removeLog = (): void => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Windows: the install, still running, has the log open; left in the temp dir
    }
  };
  // If the parent exits first, nobody reads the log: it goes with the parent. The install keeps writing to the file it
  // has open, which no longer has a name (POSIX), instead of leaving a folder in the temp dir on every such exit.
  process.once("exit", removeLog);
  const fd = openSync(logFile, "w");
  const child = spawn(command, args, { stdio: ["ignore", fd, fd] });
  closeSync(fd);
  return new Promise((resolve) => {
    let settled = false;
    // a child that cannot start emits "error" and then "close": the first one settles
    const done = (code: number, extra = ""): void => {
      if (settled) return;
      settled = true;
      process.off("exit", removeLog);
      const log = readFileSync(logFile, "utf8") + extra;
      removeLog();
      resolve({ code, log });
    };
    child.on("error", (err) => done(1, String(err)));
    child.on("close", (code) => done(code ?? 1));
  });
}
