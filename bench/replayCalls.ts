// One step's observer calls, captured from a traced run of a model and replayed into a Recorder with no engine
// running: bench/recorderReplay.ts times one version's recorder so, and recorderAB.ts's replay mode two versions'
// in interleaved blocks. Types only from this tree: a version brings its own code.

export type Call = [method: string, args: unknown[]];
const OBSERVED = ["forward", "backwardBegin", "backward", "accumulate", "backwardEnd", "update", "gradReset"];
const RUNNER = ["wantsLocals", "noteVariable", "mark"];

type Method = (...a: unknown[]) => unknown;

/** What capturing takes of a version of src/: its engine, observer slot, runner session, Recorder and Tensor. */
export interface CaptureVersion {
  engine: object;
  setObserver: (o: never) => unknown;
  Session: new (
    engine: object,
    options: object,
  ) => { modules: { load(file: string): unknown }; recorder: { beginStep(): void }; flush(): void };
  Recorder: { prototype: object };
  Tensor: abstract new (...a: never[]) => object;
}

/** A Recorder class of any version, made as the overhead benchmarks make theirs. */
export type RecorderClass = new (options: object) => object;

/** A tensor of the captured calls: replays clear what a recorder noted on it (_observed in revs before notes.ts). */
interface Noted {
  _observed?: unknown;
  _obsKey?: number;
}

/** The calls a recorder gets in the `at`-th step of the model, through the runner (instrumented, as traced). */
export function capture(v: CaptureVersion, model: string, at: number): Call[] {
  const session = new v.Session(v.engine, { maxSteps: 1e9, values: "all" });
  const step = (session.modules.load(model) as { default: () => unknown }).default;
  const calls: Call[] = [];
  let on = false;
  const proto = v.Recorder.prototype as Record<string, Method>;
  const originals = new Map<string, Method>();
  for (const m of [...OBSERVED, ...RUNNER]) {
    const f = proto[m];
    originals.set(m, f);
    proto[m] = function (this: unknown, ...a: unknown[]) {
      if (on) calls.push([m, a]);
      return f.apply(this, a);
    };
  }
  const previous = v.setObserver(session.recorder as never);
  try {
    for (let i = 0; i <= at; i++) {
      on = i === at;
      session.recorder.beginStep();
      step();
      session.flush();
    }
  } finally {
    v.setObserver(previous as never);
    for (const [m, f] of originals) proto[m] = f;
  }
  return calls;
}

/** Every tensor the calls name (arguments, and tensors in arrays or local descriptions). */
export function tensorsOf(calls: Call[], Tensor: CaptureVersion["Tensor"]): Noted[] {
  const found = new Set<Noted>();
  const walk = (v: unknown, depth: number): void => {
    if (v instanceof Tensor) found.add(v as unknown as Noted);
    else if (depth < 2 && v !== null && typeof v === "object")
      for (const x of Object.values(v as Record<string, unknown>)) walk(x, depth + 1);
  };
  for (const [, args] of calls) for (const a of args) walk(a, 0);
  return [...found];
}

/**
 * A fresh Recorder of class `R` recording every step and value (as the overhead benchmarks' traced session does),
 * and a function that replays `calls` into it as one step.
 */
export function replayer(
  R: RecorderClass,
  calls: Call[],
  tensors: Noted[],
  onChunk: (chunk: unknown) => void,
): () => void {
  const rec = new R({ maxSteps: 1e9, maxOps: 1e12, maxEvents: 1e12, values: "all", onChunk });
  const target = rec as Record<string, Method>;
  return () => {
    // as new tensors: a recorder's notes on them would make the next replay take other paths
    for (const t of tensors) {
      if ("_observed" in t) t._observed = null;
      else t._obsKey = 0;
    }
    target.beginStep();
    for (const [m, args] of calls) target[m](...args);
    target.commit();
  };
}
