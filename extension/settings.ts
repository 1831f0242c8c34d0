// The backstep.* settings: one table of keys and defaults (package.json must match), and their mapping to RunOptions.
import { isAbsolute, resolve } from "node:path";
import type { LimitNames, RunOptions } from "../src/runner/types";
import type { FullStepsPolicy } from "../src/trace";
import { DEFAULT_THRESHOLDS, thresholds, type HealthThresholds } from "../src/protocol/health";

export interface BackstepSettings {
  maxSteps: number;
  /** Long runs: every step records only its statistics, except the steps the next three settings pick. */
  statsOnly: boolean;
  fullLast: number;
  fullEvery: number;
  /** Step numbers kept in full, "3, 17, 250". */
  fullSteps: string;
  timeLimitSeconds: number;
  memoryLimitMb: number;
  recordAllValues: boolean;
  maxValuesPerTensor: number;
  maxValuesPerTrace: number;
  maxOps: number;
  maxEvents: number;
  /**
   * The folder a model's relative paths resolve against: "" for its workspace folder, else a path (relative ones from
   * there).
   */
  cwd: string;
  vanishingThreshold: number;
  explodingThreshold: number;
  deadReluThreshold: number;
  saturationThreshold: number;
  inlineHints: boolean;
  codeLens: boolean;
  offerTypesSetup: boolean;
  /** The Python interpreter for .py models; empty: the Python extension's, else python3. */
  pythonPath: string;
}

/**
 * Setting key (below `backstep.`) and default for each field; the defaults are the runner's own (src/trace,
 * src/runner).
 */
export const SETTING_KEYS: { readonly [K in keyof BackstepSettings]: { key: string; default: BackstepSettings[K] } } = {
  maxSteps: { key: "maxSteps", default: 5 },
  statsOnly: { key: "longRun.statsOnly", default: false },
  fullLast: { key: "longRun.fullLast", default: 1 },
  fullEvery: { key: "longRun.fullEvery", default: 0 },
  fullSteps: { key: "longRun.fullSteps", default: "" },
  timeLimitSeconds: { key: "timeLimitSeconds", default: 60 },
  memoryLimitMb: { key: "memoryLimitMb", default: 2048 },
  recordAllValues: { key: "values.recordAll", default: false },
  maxValuesPerTensor: { key: "values.maxPerTensor", default: 100_000 },
  maxValuesPerTrace: { key: "values.maxPerTrace", default: 5_000_000 },
  maxOps: { key: "maxOps", default: 500_000 },
  maxEvents: { key: "maxEvents", default: 2_000_000 },
  cwd: { key: "cwd", default: "" },
  vanishingThreshold: { key: "vanishingThreshold", default: DEFAULT_THRESHOLDS.vanishing },
  explodingThreshold: { key: "explodingThreshold", default: DEFAULT_THRESHOLDS.exploding },
  deadReluThreshold: { key: "deadReluThreshold", default: DEFAULT_THRESHOLDS.deadRelu },
  saturationThreshold: { key: "saturationThreshold", default: DEFAULT_THRESHOLDS.saturated },
  inlineHints: { key: "inlineHints.enabled", default: true },
  codeLens: { key: "codeLens.enabled", default: true },
  offerTypesSetup: { key: "intelliSense.offerSetup", default: true },
  pythonPath: { key: "python.path", default: "" },
};

/**
 * Reads every setting through `get` (VS Code's configuration, or a plain object in tests), falling back to defaults for
 * invalid values.
 */
export function readSettings(get: (key: string) => unknown): BackstepSettings {
  const out: Record<string, unknown> = {};
  for (const [field, { key, default: fallback }] of Object.entries(SETTING_KEYS)) {
    const value = get(key);
    const valid =
      typeof fallback === "number"
        ? typeof value === "number" && Number.isFinite(value) && value >= 0
        : typeof value === typeof fallback;
    out[field] = valid ? value : fallback;
  }
  return out as unknown as BackstepSettings;
}

/** The limits as an editor's user raises them, named in the runner's messages. */
export const SETTING_LIMIT_NAMES: Required<LimitNames> = {
  time: `the setting backstep.${SETTING_KEYS.timeLimitSeconds.key}`,
  memory: `the setting backstep.${SETTING_KEYS.memoryLimitMb.key}`,
  ops: `the setting backstep.${SETTING_KEYS.maxOps.key}`,
  events: `the setting backstep.${SETTING_KEYS.maxEvents.key}`,
};

/**
 * The runner's options for these settings. `folder`: the model's workspace folder (else its own folder), where
 * its relative paths resolve unless the cwd setting says otherwise, as a launch configuration's cwd would.
 */
export function toRunOptions(s: BackstepSettings, signal?: AbortSignal, folder?: string): RunOptions {
  const cwd =
    s.cwd === "" ? folder : isAbsolute(s.cwd) || folder === undefined ? resolve(s.cwd) : resolve(folder, s.cwd);
  return {
    maxSteps: Math.max(1, Math.floor(s.maxSteps)),
    ...(s.statsOnly ? { fullSteps: fullStepsPolicy(s) } : {}),
    timeoutMs: Math.round(s.timeLimitSeconds * 1000),
    memoryLimitMb: Math.max(16, Math.floor(s.memoryLimitMb)),
    values: s.recordAllValues ? "all" : "capped",
    maxValuesPerTensor: Math.floor(s.maxValuesPerTensor),
    maxValuesPerTrace: Math.floor(s.maxValuesPerTrace),
    maxOps: Math.max(1, Math.floor(s.maxOps)),
    maxEvents: Math.max(1, Math.floor(s.maxEvents)),
    limitNames: SETTING_LIMIT_NAMES,
    ...(cwd !== undefined ? { cwd } : {}),
    vanishingThreshold: s.vanishingThreshold,
    explodingThreshold: s.explodingThreshold,
    deadReluThreshold: s.deadReluThreshold,
    saturationThreshold: s.saturationThreshold,
    ...(signal ? { signal } : {}),
  };
}

/** The long-run settings as the runner's policy (step numbers that are not whole numbers ≥ 0 are left out). */
export function fullStepsPolicy(s: BackstepSettings): FullStepsPolicy {
  const steps = s.fullSteps
    .split(/[\s,]+/)
    .filter((x) => x !== "")
    .map(Number)
    .filter((n) => Number.isInteger(n) && n >= 0);
  return { last: Math.floor(s.fullLast), every: Math.floor(s.fullEvery), ...(steps.length > 0 ? { steps } : {}) };
}

/** The health rules' thresholds for these settings: what Problems, hints, the side panel and the debugger apply. */
export function healthThresholds(s: BackstepSettings): HealthThresholds {
  return thresholds({
    vanishing: s.vanishingThreshold,
    exploding: s.explodingThreshold,
    deadRelu: s.deadReluThreshold,
    saturated: s.saturationThreshold,
  });
}
