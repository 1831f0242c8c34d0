// Settings: the table in code matches package.json's backstep.* configuration, and maps onto the runner's options.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { SETTING_KEYS, SETTING_LIMIT_NAMES, readSettings, toRunOptions } from "../../extension/settings";
import { DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT_MS } from "../../src/runner/index";
import { DEFAULT_MAX_EVENTS, DEFAULT_MAX_OPS, DEFAULT_MAX_STEPS } from "../../src/trace/recorder";
import { DEFAULT_EXPLODING, DEFAULT_VANISHING } from "../../src/trace/diagnostics";
import { DEFAULT_MAX_VALUES_PER_TENSOR, DEFAULT_MAX_VALUES_PER_TRACE } from "../../src/trace/snapshots";

interface Property {
  type: string;
  default: unknown;
  minimum?: number;
  markdownDescription?: string;
  description?: string;
}
const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  contributes: { configuration: { properties: Record<string, Property> } };
};
const properties = pkg.contributes.configuration.properties;

describe("extension: settings", () => {
  it("declares every setting the code reads, with the same default and a matching type and description", () => {
    for (const { key, default: fallback } of Object.values(SETTING_KEYS)) {
      const p = properties[`backstep.${key}`];
      assert.ok(p, `backstep.${key} missing from package.json`);
      assert.equal(p.default, fallback, `backstep.${key} default`);
      const jsonType =
        typeof fallback === "string"
          ? "string"
          : typeof fallback === "boolean"
            ? "boolean"
            : Number.isInteger(fallback) && p.type === "integer"
              ? "integer"
              : "number";
      assert.equal(p.type, jsonType, `backstep.${key} type`);
      assert.ok((p.markdownDescription ?? p.description ?? "").length > 20, `backstep.${key} needs a description`);
    }
  });

  it("reads no setting package.json does not declare, and declares none the code ignores", () => {
    const inCode = new Set(Object.values(SETTING_KEYS).map((s) => `backstep.${s.key}`));
    assert.deepEqual(
      Object.keys(properties)
        .filter((k) => k.startsWith("backstep."))
        .sort(),
      [...inCode].sort(),
    );
  });

  it("maps settings to RunOptions in the runner's units", () => {
    const values: Record<string, unknown> = {
      maxSteps: 3,
      timeLimitSeconds: 2.5,
      memoryLimitMb: 256,
      "values.recordAll": true,
      "values.maxPerTensor": 10,
      "values.maxPerTrace": 100,
      maxOps: 1000,
      maxEvents: 5000,
      cwd: "data",
      vanishingThreshold: 1e-8,
      explodingThreshold: 50,
    };
    const signal = new AbortController().signal;
    const opts = toRunOptions(
      readSettings((k) => values[k]),
      signal,
      "/work/project",
    );
    assert.deepEqual(
      { ...opts, signal: undefined },
      {
        maxSteps: 3,
        timeoutMs: 2500,
        memoryLimitMb: 256,
        values: "all",
        maxValuesPerTensor: 10,
        maxValuesPerTrace: 100,
        maxOps: 1000,
        maxEvents: 5000,
        limitNames: SETTING_LIMIT_NAMES,
        cwd: "/work/project/data",
        vanishingThreshold: 1e-8,
        explodingThreshold: 50,
        deadReluThreshold: 0.5,
        saturationThreshold: 0.5,
        signal: undefined,
      },
    );
    assert.equal(opts.signal, signal);
    // the runner's messages name the settings a user changes
    assert.equal(opts.limitNames?.time, "the setting backstep.timeLimitSeconds");
  });

  it("runs a model in its workspace folder unless backstep.cwd says otherwise", () => {
    const at = (cwd: unknown, folder?: string): string | undefined =>
      toRunOptions(
        readSettings((k) => (k === "cwd" ? cwd : undefined)),
        undefined,
        folder,
      ).cwd;
    assert.equal(at(undefined, "/work/project"), "/work/project");
    assert.equal(at("", "/work/project"), "/work/project");
    assert.equal(at("/data/elsewhere", "/work/project"), "/data/elsewhere");
    assert.equal(at("sub/dir", "/work/project"), "/work/project/sub/dir");
    assert.equal(at(undefined), undefined, "no folder known: the runner's default, this process's");
  });

  it("defaults to what the runner does without options, so the CLI and the editor record the same", () => {
    const d = toRunOptions(readSettings(() => undefined));
    assert.deepEqual(
      [
        d.maxSteps,
        d.timeoutMs,
        d.memoryLimitMb,
        d.maxValuesPerTensor,
        d.maxValuesPerTrace,
        d.maxOps,
        d.maxEvents,
        d.vanishingThreshold,
        d.explodingThreshold,
      ],
      [
        DEFAULT_MAX_STEPS,
        DEFAULT_TIMEOUT_MS,
        DEFAULT_MEMORY_LIMIT_MB,
        DEFAULT_MAX_VALUES_PER_TENSOR,
        DEFAULT_MAX_VALUES_PER_TRACE,
        DEFAULT_MAX_OPS,
        DEFAULT_MAX_EVENTS,
        DEFAULT_VANISHING,
        DEFAULT_EXPLODING,
      ],
    );
  });

  it("falls back to the defaults for missing or invalid values", () => {
    const s = readSettings((k) => ({ maxSteps: "many", timeLimitSeconds: -1, "inlineHints.enabled": "yes" })[k]);
    assert.equal(s.maxSteps, SETTING_KEYS.maxSteps.default);
    assert.equal(s.timeLimitSeconds, SETTING_KEYS.timeLimitSeconds.default);
    assert.equal(s.inlineHints, true);
    assert.equal(toRunOptions(s).values, "capped");
  });
});
