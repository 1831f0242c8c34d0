// A diagnostic for the benches: with BACKSTEP_HOST_PROFILE=<folder> in the extension host's environment, each Trace
// Backprop, command → paint, is CPU-profiled in the host and written there as a .cpuprofile (Chrome DevTools reads it),
// and so is the host from activation on for a while (the cold path).
import { Session } from "node:inspector";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BlockMeter } from "./traceTimings";

/** Whether the profile from activation is running (a trace's own profile is then not started). */
let fromActivation = false;

/** `meter`, profiling the extension host meanwhile when BACKSTEP_HOST_PROFILE names a folder. */
export function withHostProfile(meter: BlockMeter, dir = process.env.BACKSTEP_HOST_PROFILE): BlockMeter {
  if (!dir) return meter;
  return () => {
    // the activation profile covers this trace: a second session's start stalled the cold command by 2.3 s
    if (fromActivation) return meter();
    const inner = meter();
    const session = new Session();
    session.connect();
    session.post("Profiler.enable", () => session.post("Profiler.start"));
    return {
      stop: () => {
        const blocked = inner.stop();
        session.post("Profiler.stop", (err, res) => {
          if (!err) {
            mkdirSync(dir, { recursive: true });
            writeFileSync(join(dir, `trace-${Date.now()}.cpuprofile`), JSON.stringify(res.profile));
          }
          session.disconnect();
        });
        return blocked;
      },
    };
  };
}

/**
 * With BACKSTEP_HOST_PROFILE, profiles the extension host from activation for `ms` (BACKSTEP_HOST_PROFILE_MS, else
 * 15 s) and writes activation-<time>.cpuprofile: the cold path, where the first command waits for what the host does
 * as it starts (other extensions' activation, our CodeLens, the worker's start), which the per-trace profile, command
 * → paint, does not see.
 */
export function profileFromActivation(
  ms = Number(process.env.BACKSTEP_HOST_PROFILE_MS) || 15_000,
  dir = process.env.BACKSTEP_HOST_PROFILE,
): void {
  if (!dir) return;
  fromActivation = true;
  const session = new Session();
  session.connect();
  session.post("Profiler.enable", () => session.post("Profiler.start"));
  setTimeout(
    () =>
      session.post("Profiler.stop", (err, res) => {
        if (!err) {
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, `activation-${Date.now()}.cpuprofile`), JSON.stringify(res.profile));
        }
        session.disconnect();
        fromActivation = false;
      }),
    ms,
  ).unref();
}
