// What the extension logged in a code-server profile: its LogOutputChannel "Backstep", as lines (VS Code flushes the
// log to its file within a second).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Workbench } from "./workbench";

/** The extension's log files under the profile's user-data folder. */
function backstepLogs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? backstepLogs(join(dir, e.name)) : /Backstep\.log$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

export const logLines = (wb: Workbench): string[] =>
  backstepLogs(join(wb.profile.userDataDir, "logs")).flatMap((f) => readFileSync(f, "utf8").split("\n"));

/** The first line the extension logged that matches `re`, waiting up to `waitMs` for it. */
export async function loggedLine(wb: Workbench, re: RegExp, waitMs = 5000): Promise<string | undefined> {
  for (const deadline = Date.now() + waitMs; ;) {
    const line = logLines(wb).find((l) => re.test(l));
    if (line !== undefined || Date.now() > deadline) return line;
    await new Promise((r) => setTimeout(r, 100));
  }
}
