// The measurement recorderAB.ts bundles: two versions' untraced and recorded steps of one model, timed in
// interleaved blocks round after round (the order of the versions alternating), each version's stream read on a
// thread of its own between rounds (or, in replay mode, only their recorders: compareReplay). Types only from this
// tree: each version brings its own code.
import { capture, replayer, tensorsOf, type CaptureVersion, type RecorderClass } from "./replayCalls";
import { median, quantile, startReader, timePerCall } from "./traceOverhead";

type Step = () => void;

/** What a version of src/ provides: its engine, its observer slot, its runner session. */
export interface Version {
  engine: object;
  setObserver: (o: never) => unknown;
  Session: new (
    engine: object,
    options: object,
  ) => {
    modules: { load(file: string): unknown };
    recorder: { beginStep(): void };
    flush(): void;
  };
}

export interface ABOptions {
  mode: "stats" | "trace";
  rounds: number;
  model: string;
  /** A's and B's reading threads' scripts. */
  readers: [string, string];
}

/**
 * Steps recorded before timing, and in each timed block (BACKSTEP_AB_WARMUP, BACKSTEP_AB_STEPS): the MLP's defaults.
 * A model whose step writes megabytes (nanoGPT: 3 of its steps fill ~2 of the stream's 4 MB chunks) needs blocks of a
 * few steps, so that the reader's turn between blocks frees the chunks before the writer wants new ones.
 */
const WARMUP = Number(process.env.BACKSTEP_AB_WARMUP ?? 3000);
const STEPS = Number(process.env.BACKSTEP_AB_STEPS ?? 20);

export async function compare(a: Version, b: Version, o: ABOptions): Promise<string[]> {
  const readers = [startReader(o.readers[0]), startReader(o.readers[1])];
  const steps = (v: Version, k: number): { u: Step; r: Step } => {
    const onChunk = (chunk: unknown): void => readers[k].worker.postMessage({ chunk });
    // no cap reached: the LSTM's 196 ops a step passed DEFAULT_MAX_OPS (500,000) within the warm-up, and every
    // step timed after it recorded statistics only (its recorded ÷ untraced read 1.21, against 1.72 recorded)
    const caps = { maxSteps: 1e9, maxOps: 1e12, maxEvents: 1e12 };
    const options = o.mode === "trace" ? { ...caps, values: "all", onChunk } : { ...caps, fullSteps: {}, onChunk };
    const untraced = new v.Session(v.engine, { untraced: true });
    const stepU = (untraced.modules.load(o.model) as { default: Step }).default;
    const recorded = new v.Session(v.engine, options);
    const stepR = (recorded.modules.load(o.model) as { default: Step }).default;
    const recorder = recorded.recorder as never;
    return {
      u: () => {
        v.setObserver(null as never);
        stepU();
      },
      r: () => {
        v.setObserver(recorder);
        recorded.recorder.beginStep();
        stepR();
        recorded.flush();
      },
    };
  };
  const A = steps(a, 0);
  const B = steps(b, 1);
  const read = async (): Promise<void> => {
    for (const r of readers) await r.read(true);
  };
  for (let i = 0; i < WARMUP; i++) {
    A.u();
    A.r();
    B.u();
    B.r();
    if (i % STEPS === 0) await read();
  }
  await read();
  const cols = ["uA", "rA", "uB", "rB", "ratioA", "ratioB", "cpuRatioA", "cpuRatioB", "bOverA", "cpuBOverA"] as const;
  const got = Object.fromEntries(cols.map((c) => [c, [] as number[]])) as Record<(typeof cols)[number], number[]>;
  for (let round = 0; round < o.rounds; round++) {
    const blocks: [string, Step][] = [
      ["uA", A.u],
      ["rA", A.r],
      ["uB", B.u],
      ["rB", B.r],
    ];
    const order = round % 2 === 0 ? blocks : [blocks[2], blocks[3], blocks[0], blocks[1]];
    const t: Record<string, { wall: number; cpu: number }> = {};
    for (const [k, f] of order) {
      // a few steps untimed: the first after the readers' turn run slower
      for (let i = 0; i < 3; i++) f();
      t[k] = timePerCall(f, STEPS);
    }
    got.uA.push(t.uA.wall);
    got.rA.push(t.rA.wall);
    got.uB.push(t.uB.wall);
    got.rB.push(t.rB.wall);
    got.ratioA.push(t.rA.wall / t.uA.wall);
    got.ratioB.push(t.rB.wall / t.uB.wall);
    got.cpuRatioA.push(t.rA.cpu / t.uA.cpu);
    got.cpuRatioB.push(t.rB.cpu / t.uB.cpu);
    got.bOverA.push(t.rB.wall / t.rA.wall);
    got.cpuBOverA.push(t.rB.cpu / t.rA.cpu);
    await read();
  }
  for (const r of readers) await r.worker.terminate();
  const f = (xs: number[]): string =>
    `${median(xs).toFixed(3)} [${quantile(xs, 0.25).toFixed(3)}–${quantile(xs, 0.75).toFixed(3)}]`;
  const us = (xs: number[]): string => median(xs).toFixed(1);
  return [
    `µs a step (medians): untraced A ${us(got.uA)}, recorded A ${us(got.rA)}; untraced B ${us(got.uB)}, recorded B ${us(got.rB)}`,
    `recorded ÷ untraced, median [quartiles] over ${o.rounds} rounds:`,
    `  A: wall ${f(got.ratioA)}, CPU ${f(got.cpuRatioA)}`,
    `  B: wall ${f(got.ratioB)}, CPU ${f(got.cpuRatioB)}`,
    `B's recorded step ÷ A's: wall ${f(got.bOverA)}, CPU ${f(got.cpuBOverA)}`,
  ];
}

/**
 * The recorders alone: the `model`'s 50th step's observer calls, captured through `c` (a third copy of A's code),
 * replayed into a fresh recorder of each class in interleaved blocks (the order alternating), each one's stream read
 * by its own thread between rounds.
 */
export async function compareReplay(
  c: CaptureVersion,
  recorders: [RecorderClass, RecorderClass],
  o: Omit<ABOptions, "mode">,
): Promise<string[]> {
  const calls = capture(c, o.model, 49);
  const tensors = tensorsOf(calls, c.Tensor);
  const readers = [startReader(o.readers[0]), startReader(o.readers[1])];
  const replays = recorders.map((R, k) =>
    replayer(R, calls, tensors, (chunk) => readers[k].worker.postMessage({ chunk })),
  );
  const read = async (): Promise<void> => {
    for (const r of readers) await r.read(true);
  };
  for (let i = 0; i < 300; i++) {
    for (const replay of replays) replay();
    if (i % STEPS === 0) await read();
  }
  await read();
  const us: [number[], number[]] = [[], []];
  const bOverA: number[] = [];
  for (let round = 0; round < o.rounds; round++) {
    const t = [0, 0];
    for (const k of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const t0 = performance.now();
      for (let i = 0; i < STEPS; i++) replays[k]();
      t[k] = ((performance.now() - t0) * 1000) / STEPS;
    }
    us[0].push(t[0]);
    us[1].push(t[1]);
    bOverA.push(t[1] / t[0]);
    await read();
  }
  for (const r of readers) await r.worker.terminate();
  const f = (xs: number[]): string =>
    `${median(xs).toFixed(3)} [${quantile(xs, 0.25).toFixed(3)}–${quantile(xs, 0.75).toFixed(3)}]`;
  return [
    `${calls.length} observer calls a step replayed, ${o.rounds} rounds of ${STEPS}; µs a step, median [quartiles]:`,
    `  A ${f(us[0])}, B ${f(us[1])}`,
    `B's replayed step ÷ A's: ${f(bOverA)}`,
  ];
}
