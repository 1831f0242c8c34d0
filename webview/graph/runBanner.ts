// The line above the graph that says what the drawing is not yet, or no longer, the whole of: a run still recording
// (a provisional trace: its first steps), or a run that failed (the steps before its error).
import type { TraceDiagnostic } from "../../src/trace/types";

/** The banner's text for a trace message, or undefined when the trace is a whole run that ended well. */
export function runBannerText(
  provisional: { step: number } | undefined,
  diagnostics: TraceDiagnostic[],
): string | undefined {
  if (provisional) {
    const steps = provisional.step === 0 ? "step 0" : `steps 0–${provisional.step}`;
    return `Recording… ${steps} shown while the model runs on. Later steps, the loss curve and the health checks are pending until the run ends.`;
  }
  const error = diagnostics.find((d) => d.severity === "error");
  if (!error) return undefined;
  return `The run failed${error.loc ? ` at line ${error.loc.line}` : ""}: ${error.message} The graph shows what was recorded before it.`;
}
