// A floor for recording by replay: what the model's thread would still pay if it wrote only a tape of the run (each
// op's name, module, attributes, call site, input and output ids; the leaves' values once a step; the root of each
// backward pass; each update's parameter, rule and values after) and a second thread made the Trace by running the
// tape again with the same engine (same code, same inputs: the same floats), with the Recorder there. TapeFloor is that
// tape's writer and nothing more: no replay reads it, so it measures the recording side only.
// `node --import tsx bench/tapeFloor.ts [rounds] [model.ts] [steps a block] [warm-up steps]` bundles this file and
// runs the bundle: the model's step untraced, recorded by the Recorder, and taped, in interleaved blocks (each stream
// marked read at once, no reading thread), and prints the medians of the rounds' ratios to the untraced step.
//
// Measured (2026-12-05 10:08, AMD EPYC, 2 cores, node 20, bundled, load ~2; medians of the rounds' ratios, quartiles in
// brackets): the MLP example, 300 rounds of 20 steps after 5,000 warm-up steps, three runs: recorded ÷ untraced 1.430
// [1.26-1.51], 1.436, 1.440; taped ÷ untraced 1.164 [1.05-1.22], 1.176, 1.157 (untraced 31.8-32.1 µs a step). The
// 10,000-op ResMLP (bench/models/resmlp-10k.ts), 12 rounds of 2 warm steps, load ~4: recorded 1.367, taped 1.097.
// So the model's thread alone could meet issue 15's 1.3x with a tape. Not built, for what the replay costs: it runs
// the engine a second time (1.0x of the untraced step) and the Recorder (~0.4x) on a second thread, beside the
// reading thread (~1.0x for the MLP: `npm run bench trace`'s "reading it on the caller's thread"). Both threads' CPU
// is ~2.4x the untraced step now and would be ~3.6x; on this 2-core machine a run's trace would be ready later, and a
// long run (statistics every step) could only go as fast as its replay. A replay pays only where cores are idle, or
// when steps are replayed on demand (a step's replay needs only its tape and its leaves' values), which the graph's
// statistics for every step at once do not allow. Its semantics are a second cost: an op whose output is not a
// function of its inputs (random ops, a user's defineFunction, gradient hooks, a tensor written in place mid-step)
// would have to be taped with its values.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import * as engine from "../src/index";
import type { EngineObserver } from "../src/engine/observer";
import { setObserver } from "../src/engine/observer";
import type { Tensor } from "../src/engine/tensor";
import { ModelSession } from "../src/runner/session";
import { AttrSets } from "../src/trace/attrs";
import type { OpSite, TraceChunk } from "../src/trace/assembler";
import { TraceWriter } from "../src/trace/stream/writer";
import { loadStep, median, quantile, timePerCall } from "./traceOverhead";

const [STEP, OP, BACKWARD_BEGIN, UPDATE, VAR] = [4, 2, 6, 8, 9];

/** A tensor as the tape notes it: 2 × its id, + 1 for a leaf's (valid in its step only), -1 for none. */
interface Noted {
  _obsId: number;
}

/** The stream's writer with raw int records (published in bunches, as the Recorder publishes its events). */
class TapeWriter extends TraceWriter {
  record(xs: Int32Array, count: number): void {
    const a = this.room(count);
    let i = this.n;
    for (let k = 0; k < count; k++) a[i++] = xs[k];
    this.n = i;
    this.tick();
  }
}

export class TapeFloor implements EngineObserver {
  readonly keepsTensors = false;
  private readonly w: TapeWriter;
  private readonly attrs: AttrSets;
  private readonly buf = new Int32Array(1024);
  private readonly sites = new WeakMap<object, number>();
  private next = 0;
  /** The current step's first tensor id: a leaf's id below it is of an earlier step. */
  private stepFirst = 0;
  private step = -1;
  private ops = 0;

  constructor(
    onChunk: (chunk: TraceChunk) => void,
    private readonly locate: () => OpSite | undefined,
  ) {
    this.w = new TapeWriter(onChunk);
    this.attrs = new AttrSets(this.w);
  }

  /** `t`'s id; a leaf's values copied into the stream the first time in a step (an op's output is recomputed). */
  private id(t: Tensor): number {
    const n = t as unknown as Noted;
    const o = n._obsId;
    if (o >= 0 && ((o & 1) === 0 || o >> 1 >= this.stepFirst)) return o >> 1;
    const id = this.next++;
    if (t._ctx === null) this.copy(t);
    n._obsId = 2 * id + (t._ctx === null ? 1 : 0);
    return id;
  }

  private copy(t: Tensor): void {
    const float = t.dtype === "float32" || t.dtype === "float64";
    const data = float ? (t.data as Float32Array | Float64Array) : Float32Array.from(t.data);
    this.w.tensor(0, t.dtype === "float64" ? "float64" : "float32", -1, -1, t.shape, data, true);
  }

  private site(): number {
    const s = this.locate();
    if (s === undefined) return -1;
    let id = this.sites.get(s);
    if (id === undefined) {
      id = s.loc ? this.w.frame(s.loc) : -1;
      for (const f of s.stack) this.w.frame(f);
      this.sites.set(s, id);
    }
    return id;
  }

  beginStep(): void {
    this.stepFirst = this.next;
    this.buf[0] = STEP;
    this.buf[1] = ++this.step;
    this.w.record(this.buf, 2);
    this.w.commit();
  }

  mark(): number {
    return this.ops;
  }

  wantsLocals(): boolean {
    return false;
  }

  wantsLastGrads(): boolean {
    return false;
  }

  noteVariable(name: string, _mark: number, value: unknown): void {
    const o = (value as Noted | null)?._obsId;
    if (o === undefined || o < 0) return;
    this.buf[0] = VAR;
    this.buf[1] = this.w.string(name);
    this.buf[2] = o >> 1;
    this.w.record(this.buf, 3);
  }

  forward(
    op: string,
    inputs: readonly Tensor[],
    output: Tensor,
    attrs: Readonly<Record<string, unknown>>,
    module: string | undefined,
  ): void {
    const b = this.buf;
    const n = inputs.length;
    for (let k = 0; k < n; k++) b[7 + k] = this.id(inputs[k]);
    b[0] = OP;
    b[3] = this.attrs.id(op, attrs);
    b[1] = this.attrs.name;
    b[2] = this.site();
    b[4] = module === undefined ? -1 : this.w.string(module);
    b[5] = this.id(output);
    b[6] = n;
    this.ops++;
    this.w.record(b, 7 + n);
  }

  backwardBegin(root: Tensor): void {
    this.buf[0] = BACKWARD_BEGIN;
    this.buf[1] = this.id(root);
    this.w.record(this.buf, 2);
  }

  backward(): void {}

  accumulate(): void {}

  backwardEnd(): void {
    this.w.commit();
  }

  update(param: Tensor, name: string, _before: Tensor, _grad: Tensor, after: Tensor, rule: string): void {
    const b = this.buf;
    b[0] = UPDATE;
    b[1] = this.w.string(name);
    b[2] = this.w.string(rule);
    // the values after: the next step's leaf, as the Recorder keeps them
    const id = this.next++;
    this.copy(after);
    b[3] = id;
    (param as unknown as Noted)._obsId = 2 * id + 1;
    this.w.record(b, 4);
  }

  gradReset(): void {}

  commit(): void {
    this.w.commit();
  }
}

/** Marks each chunk read at once (no reading thread: both recorders' chunks are written again). */
const readAtOnce = (c: TraceChunk): void => void Atomics.store(c.ints, 2, 1);

async function measure(model: string, rounds: number, steps: number, warmUp: number): Promise<void> {
  const untraced = new ModelSession(engine, { untraced: true });
  const stepU = loadStep(untraced, model);
  const recorded = new ModelSession(engine, { maxSteps: 1e9, values: "all", onChunk: readAtOnce });
  const stepR = loadStep(recorded, model);
  const taped = new ModelSession(engine, { maxSteps: 1e9, values: "all", onChunk: readAtOnce });
  const tape = new TapeFloor(readAtOnce, () => taped.shadow.locate());
  // the taped session's instrumentation (variable names, marks) goes to the tape
  (taped as unknown as { recorder: unknown }).recorder = tape;
  const stepT = loadStep(taped, model);
  const recordedStep = (): void => {
    recorded.recorder.beginStep();
    stepR();
    recorded.flush();
  };
  const tapedStep = (): void => {
    tape.beginStep();
    stepT();
    tape.commit();
  };
  for (let i = 0; i < warmUp; i++) {
    setObserver(null);
    stepU();
    setObserver(recorded.recorder);
    recordedStep();
    setObserver(tape);
    tapedStep();
  }
  const rr: number[] = [];
  const rt: number[] = [];
  const us: number[] = [];
  for (let k = 0; k < rounds; k++) {
    setObserver(null);
    for (let i = 0; i < 5; i++) stepU();
    const u0 = timePerCall(stepU, steps).wall;
    setObserver(recorded.recorder);
    const r = timePerCall(recordedStep, steps).wall;
    setObserver(tape);
    const t = timePerCall(tapedStep, steps).wall;
    setObserver(null);
    const u1 = timePerCall(stepU, steps).wall;
    const base = (u0 + u1) / 2;
    us.push(base);
    rr.push(r / base);
    rt.push(t / base);
  }
  setObserver(null);
  const q = (xs: number[]): string =>
    `${median(xs).toFixed(3)} [${quantile(xs, 0.25).toFixed(2)}–${quantile(xs, 0.75).toFixed(2)}]`;
  console.log(
    `${model.split("/").pop()}: ${rounds} rounds, untraced ${median(us).toFixed(1)} µs a step; recorded ÷ untraced ${q(rr)}; taped ÷ untraced ${q(rt)}`,
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const [
    rounds = "300",
    model = join(__dirname, "..", "examples", "mlp-classifier.ts"),
    steps = "20",
    warmUp = "5000",
  ] = args;
  if (process.env.TAPE_FLOOR_BUNDLED) return measure(model, Number(rounds), Number(steps), Number(warmUp));
  // (imported here: the bundle, run from a temporary folder, never builds)
  const { build } = await import("esbuild");
  const dir = mkdtempSync(join(tmpdir(), "backstep-tape-"));
  try {
    await build({
      entryPoints: [__filename],
      bundle: true,
      platform: "node",
      format: "cjs",
      outfile: join(dir, "tapeFloor.js"),
      external: ["esbuild"],
      logLevel: "warning",
    });
    const load = loadavg()[0];
    execFileSync(process.execPath, [join(dir, "tapeFloor.js"), rounds, model, steps, warmUp], {
      stdio: "inherit",
      env: { ...process.env, TAPE_FLOOR_BUNDLED: "1" },
    });
    console.log(`load ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
