// What the Backstep debug adapter tells the client it supports (DAP `initialize`): stepping back and reverse-continue
// over the recorded run, every breakpoint kind the cursor can stop at, and the run's error filters.
import type { DebugProtocol } from "@vscode/debugprotocol";
import { EXCEPTION_FILTERS } from "../../src/debug";

export const CAPABILITIES: DebugProtocol.Capabilities = {
  supportsConfigurationDoneRequest: true,
  supportsStepBack: true,
  supportsConditionalBreakpoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsFunctionBreakpoints: true,
  supportsEvaluateForHovers: true,
  supportsGotoTargetsRequest: true,
  supportsRestartRequest: true,
  supportsExceptionInfoRequest: true,
  supportsBreakpointLocationsRequest: true,
  supportsSteppingGranularity: true,
  supportsCompletionsRequest: true,
  supportsDataBreakpoints: true,
  exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({
    filter: f.filter,
    label: f.label,
    description: f.description,
    default: f.default,
  })),
};
