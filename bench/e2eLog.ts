// What the extension logged in a code-server profile (its LogOutputChannel "Backstep"): the timing breakdown of each
// Trace Backprop and its activation, read by the e2e benches.
import type { Workbench } from "../test/e2e/harness/workbench";
import { logLines } from "../test/e2e/harness/extensionLog";
import { type LoggedTimings, parseActivationLine, parseTimingLine } from "../extension/traceTimings";

export { logLines };

/** Every timing breakdown the extension logged so far, oldest first (the log is flushed within a second). */
export function loggedBreakdowns(wb: Workbench): LoggedTimings[] {
  return logLines(wb).flatMap((l) => {
    const b = parseTimingLine(l);
    return b ? [b] : [];
  });
}

/** How long the extension's activate() took and when it ended (ms since the epoch), once it logged it. */
export function activation(wb: Workbench): { ms: number; endedAt: number } | undefined {
  for (const l of logLines(wb)) {
    const a = parseActivationLine(l);
    if (a) return a;
  }
  return undefined;
}

/** The last breakdown logged once there are more than `seen`, waiting up to `waitMs` for it. */
export async function breakdownAfter(wb: Workbench, seen: number, waitMs = 5000): Promise<LoggedTimings | undefined> {
  for (let i = 0; i < waitMs / 100; i++) {
    const all = loggedBreakdowns(wb);
    if (all.length > seen) return all[all.length - 1];
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}
