// The oracle harness: runs each case in Backstep and, batched in one Python process, in PyTorch, on the same inputs.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as B from "../../src/index";
import type { Dtype, Tensor } from "../../src/index";

/** Debian's python3-torch lives here (the `python3` on PATH may have no torch); BACKSTEP_TORCH_PYTHON overrides it. */
export const PYTHON = process.env.BACKSTEP_TORCH_PYTHON ?? "/usr/bin/python3";
const SCRIPT = join(__dirname, "torch_oracle.py");

export type FloatDtype = "float32" | "float64";
export type Inputs = Record<string, Tensor>;
/** What a case's Backstep side returns: the output(s), and tensors whose values and gradients are compared by name. */
export type Outcome = Tensor | Tensor[] | { out: Tensor | Tensor[]; report?: Record<string, Tensor> };

/**
 * Max |Backstep − PyTorch| per compared tensor, relative to max|reference|: float32 as the issue asks; float64 a
 * few hundred times the worst seen (4e-15, summation order), so a formula off by one rounding step still passes and
 * a float32 step in a float64 run (1e-8 relative) fails.
 */
export const TOLERANCE: Record<FloatDtype, number> = { float32: 1e-5, float64: 1e-12 };

export interface OracleCase {
  name: string;
  /** Inputs made in float64 from the seeded generator; float inputs are cast to the dtype under test. */
  inputs: () => Inputs;
  /** Inputs holding integer indices (int32 in Backstep, int64 in PyTorch). */
  index?: string[];
  /** Inputs holding booleans as 0/1 (bool in both). */
  bool?: string[];
  /** The Backstep side; `dtype` is the float dtype of the run. */
  ts: (x: Inputs, dtype: FloatDtype) => Outcome;
  /** The PyTorch side (see torch_oracle.py for what it can use): sets `out` and optionally `report`. */
  torch: string;
  /** Default both. */
  dtypes?: FloatDtype[];
  /** Compare values only (outputs without gradients: comparisons, argmax, optimizer results). */
  noBackward?: boolean;
  /** Tolerance relative to max|reference| per compared tensor (default 1e-5 in float32, 1e-12 in float64). */
  tol?: Partial<Record<FloatDtype, number>>;
  /**
   * An absolute floor under that tolerance, for gradients that are 0 in exact arithmetic (makemore's ∂L/∂logit_maxes).
   */
  atol?: Partial<Record<FloatDtype, number>>;
}

export interface Encoded {
  shape: number[];
  data: string;
}
interface TorchResult {
  id: string;
  error?: string;
  out: (Encoded | null)[];
  grads: Record<string, Encoded | null>;
  report: Record<string, { value: Encoded | null; grad: Encoded | null }>;
}

export const encode = (t: Tensor): string => Buffer.from(Float64Array.from(t.data).buffer).toString("base64");
export function decode(e: Encoded): { shape: number[]; data: Float64Array } {
  const buf = Buffer.from(e.data, "base64");
  const data = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { shape: e.shape, data };
}

/** The fixed weighting of an output before backward (the same LCG as torch_oracle.py and gradcheck). */
export function projection(shape: readonly number[], size: number, dtype: Dtype): Tensor {
  const v = new Float64Array(size);
  let s = 0x2545f491;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = 0.5 + s / 2 ** 32;
  }
  return B.tensor(v, { shape: [...shape], dtype });
}

/** The inputs of one run: float inputs in `dtype` (keeping requiresGrad), index inputs int32, bool inputs bool. */
function castInputs(c: OracleCase, base: Inputs, dtype: FloatDtype): Inputs {
  const out: Inputs = {};
  for (const [k, t] of Object.entries(base)) {
    if (c.index?.includes(k)) out[k] = B.tensor(t, { dtype: "int32" });
    else if (c.bool?.includes(k)) out[k] = B.tensor(t, { dtype: "bool" });
    else out[k] = B.tensor(t, { dtype, requiresGrad: t.requiresGrad });
  }
  return out;
}

function torchDtype(c: OracleCase, name: string, dtype: FloatDtype): string {
  return c.index?.includes(name) ? "int64" : c.bool?.includes(name) ? "bool" : dtype;
}

export interface OracleRun {
  /** Runs the Backstep side of case `name` in `dtype` and compares it with PyTorch's results. */
  check(name: string, dtype: FloatDtype): void;
  torchVersion: string;
}

/** Runs every case's PyTorch side in one Python process (torch takes seconds to import); call from a before() hook. */
export function runOracle(cases: readonly OracleCase[], seed = 1234): OracleRun {
  B.manualSeed(seed);
  const byName = new Map<string, { c: OracleCase; inputs: Inputs }>();
  const payload: unknown[] = [];
  for (const c of cases) {
    if (byName.has(c.name)) throw new Error(`oracle case "${c.name}" is defined twice`);
    const inputs = c.inputs();
    byName.set(c.name, { c, inputs });
    for (const dtype of c.dtypes ?? ["float32", "float64"]) {
      const specs: Record<string, unknown> = {};
      for (const [k, t] of Object.entries(castInputs(c, inputs, dtype))) {
        specs[k] = { shape: t.shape, dtype: torchDtype(c, k, dtype), grad: t.requiresGrad, data: encode(t) };
      }
      payload.push({ id: `${c.name} ${dtype}`, code: c.torch, dtype, backward: !c.noBackward, inputs: specs });
    }
  }
  if (!existsSync(PYTHON))
    throw new Error(
      `oracle: ${PYTHON} not found; install Debian's python3-torch (apt-get install python3-torch) or set BACKSTEP_TORCH_PYTHON`,
    );
  const res = spawnSync(PYTHON, [SCRIPT], {
    input: JSON.stringify({ cases: payload }),
    maxBuffer: 1 << 30,
    encoding: "utf8",
  });
  if (res.status !== 0)
    throw new Error(`oracle: ${PYTHON} ${SCRIPT} failed (is python3-torch installed?):\n${res.stderr}`);
  const parsed = JSON.parse(res.stdout) as { torch: string; results: TorchResult[] };
  const results = new Map(parsed.results.map((r) => [r.id, r]));
  return {
    torchVersion: parsed.torch,
    check(name, dtype) {
      const entry = byName.get(name);
      const ref = results.get(`${name} ${dtype}`);
      assert.ok(entry && ref, `no oracle case "${name}" in ${dtype}`);
      if (ref.error) assert.fail(`PyTorch side of "${name}" (${dtype}) failed:\n${ref.error}`);
      compareRun(entry.c, castInputs(entry.c, entry.inputs, dtype), dtype, ref);
    },
  };
}

function outcome(o: Outcome): { outs: Tensor[]; report: Record<string, Tensor> } {
  if (o instanceof B.Tensor) return { outs: [o], report: {} };
  if (Array.isArray(o)) return { outs: o, report: {} };
  return { outs: Array.isArray(o.out) ? o.out : [o.out], report: o.report ?? {} };
}

function compareRun(c: OracleCase, inputs: Inputs, dtype: FloatDtype, ref: TorchResult): void {
  const tol = c.tol?.[dtype] ?? TOLERANCE[dtype];
  const atol = c.atol?.[dtype] ?? 0;
  const close = (what: string, actual: Tensor | null, expected: Encoded | null, t: number): void =>
    closeTo(what, actual, expected, t, atol, dtype);
  const { outs, report } = outcome(c.ts(inputs, dtype));
  if (!c.noBackward) {
    for (const t of Object.values(report)) if (!t.isLeaf && t.requiresGrad) t.retainGrad();
    const terms = outs.filter((o) => o.requiresGrad).map((o) => B.sum(B.mul(o, projection(o.shape, o.size, o.dtype))));
    if (terms.length > 0) terms.reduce((a, b) => B.add(a, b)).backward();
  }
  assert.equal(outs.length, ref.out.length, `${c.name}: ${outs.length} outputs, PyTorch gave ${ref.out.length}`);
  outs.forEach((o, i) => close(`${c.name} (${dtype}) output ${i}`, o, ref.out[i], tol));
  assert.deepEqual(
    Object.keys(report).sort(),
    Object.keys(ref.report).sort(),
    `${c.name}: reported names differ from PyTorch's`,
  );
  for (const [k, r] of Object.entries(ref.report)) {
    close(`${c.name} (${dtype}) ${k}`, report[k], r.value, tol);
    if (!c.noBackward) close(`${c.name} (${dtype}) ∂/∂${k}`, report[k].grad, r.grad, tol);
  }
  if (c.noBackward) return;
  for (const [k, g] of Object.entries(ref.grads)) close(`${c.name} (${dtype}) ∂/∂${k}`, inputs[k].grad, g, tol);
}

/** The largest max|Backstep − PyTorch| / max|ref| that closeTo has passed, per dtype, since the last takeWorst(). */
const worst = new Map<FloatDtype, { ratio: number; what: string }>();

/**
 * max|actual − ref| ≤ max(tol · max|ref|, atol) (and equal shapes), max|ref| over the finite values (a −∞ mask is
 * matched exactly). With `dtype`, a pass decided by the relative tolerance (not the atol floor) joins the tally.
 */
export function closeTo(
  what: string,
  actual: Tensor | null,
  expected: Encoded | null,
  tol: number,
  atol: number,
  dtype?: FloatDtype,
): void {
  if (expected === null) {
    assert.ok(
      actual === null || [...actual.data].every((v) => v === 0),
      `${what}: PyTorch has no gradient, Backstep has one`,
    );
    return;
  }
  assert.ok(actual !== null, `${what}: Backstep has no value/gradient, PyTorch has one`);
  const e = decode(expected);
  assert.deepEqual(actual.shape, e.shape, `${what}: shape [${actual.shape}] vs PyTorch's [${e.shape}]`);
  let scale = 0,
    most = 0,
    at = -1;
  for (let i = 0; i < e.data.length; i++) if (Number.isFinite(e.data[i])) scale = Math.max(scale, Math.abs(e.data[i]));
  for (let i = 0; i < e.data.length; i++) {
    const a = actual.data[i],
      b = e.data[i];
    const sameSpecial = (Number.isNaN(a) && Number.isNaN(b)) || (!Number.isFinite(b) && a === b);
    const err = sameSpecial ? 0 : Math.abs(a - b);
    if (!(err <= most)) [most, at] = [Number.isNaN(err) ? Infinity : err, i];
  }
  const relative = tol * Math.max(scale, 1e-30);
  const limit = Math.max(relative, atol);
  assert.ok(
    most <= limit,
    `${what}: max |Backstep − PyTorch| = ${most.toExponential(3)} at [${at}] (${actual.data[at]} vs ${e.data[at]}), over ${tol} × max|ref| = ${limit.toExponential(3)}`,
  );
  if (dtype !== undefined && scale > 0 && relative >= atol) {
    const ratio = most / scale;
    if (ratio >= (worst.get(dtype)?.ratio ?? 0)) worst.set(dtype, { ratio, what });
  }
}

/**
 * The tally's worst relative differences, then a fresh tally; printed after a suite when BACKSTEP_ORACLE_WORST is
 * set (how close Backstep is, beyond passing).
 */
export function reportWorst(suite: string): void {
  const lines = [...worst].map(([d, w]) => `  ${d}: ${w.ratio.toExponential(2)} × max|ref| (${w.what})`);
  worst.clear();
  if (process.env.BACKSTEP_ORACLE_WORST) console.log(`${suite}: worst relative difference\n${lines.join("\n")}`);
}

/** A mocha suite with one test per case and dtype, the PyTorch side run once for all of them in before(). */
export function describeOracle(title: string, cases: readonly OracleCase[], extra?: () => void): void {
  describe(title, function () {
    this.timeout(120_000);
    let run: OracleRun;
    before(() => {
      run = runOracle(cases);
    });
    after(() => reportWorst(title));
    extra?.();
    for (const k of cases) {
      for (const dtype of k.dtypes ?? (["float32", "float64"] as const))
        it(`${k.name} (${dtype})`, () => run.check(k.name, dtype));
    }
  });
}
