// The `backstep` launch configuration Debug Backprop starts (pure: no vscode, tested).
import * as path from "node:path";
import type { RunOptions } from "../../src/runner/types";

export interface BackstepLaunch extends Omit<RunOptions, "signal" | "onOutput"> {
  type: "backstep";
  request: "launch";
  name: string;
  program: string;
  stopOnEntry: boolean;
}

/**
 * Debug Backprop on `program`: with a breakpoint set the session runs to the first it hits (forward, then backward),
 * or stops on the first op if it hits none; without one it stops on the first op, so the user always lands somewhere
 * to step from.
 */
export function debugLaunch(program: string, hasBreakpoint: boolean, run: RunOptions): BackstepLaunch {
  const { signal: _signal, onOutput: _onOutput, ...limits } = run;
  return {
    type: "backstep",
    request: "launch",
    name: `Debug Backprop: ${path.basename(program)}`,
    program,
    stopOnEntry: !hasBreakpoint,
    // The same limits and caps as Trace Backprop (the launch configuration accepts the runner's options).
    ...limits,
  };
}
