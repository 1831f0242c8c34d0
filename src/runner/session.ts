// Runs a user's model in this thread under the recorder: load, step function calls, automatic backward
// (docs/architecture.md, "The Trace").
import { types } from "node:util";
import { Tensor } from "../engine/tensor";
import { addObserver } from "../engine/observer";
import { noteArgument, setInnerLabelSink } from "../engine/label";
import { settlePendingGradChecks } from "../autodiff/expectGrad";
import { nameValue } from "../engine/naming";
import type { TraceChunk } from "../trace/assembler";
import { Recorder, DEFAULT_MAX_STEPS, type RecorderOptions } from "../trace/recorder";
import type { StackFrame, TraceDiagnostic } from "../trace/types";
import { diagnostic, diagnoseError, sourceAt } from "./errors";
import { missingOpHint, notIterableHint } from "./missingOp";
import { UserModules } from "./loader";
import { StackMapper } from "./stack";
import { LoopIterations } from "./loopIterations";
import { ShadowStack } from "./shadowStack";
import { ModelExit, pendingWork, settled } from "./processEnd";
import type { CompiledFile } from "./compile";
import type { PatternNames } from "./instrument";

export interface SessionOptions extends RecorderOptions {
  /** The session runs in a thread of its own (the worker): the process's end is the model's (processEnd.ts). */
  ownsProcess?: boolean;
  /** Record nothing (for measuring the engine alone): no observer, no instrumentation. */
  untraced?: boolean;
  /** Receives each chunk of the recorded stream (runModel's TraceAssembler reads it on the caller's thread). */
  onChunk?: (chunk: TraceChunk) => void;
  onCompiled?: (file: CompiledFile, firstLoop: number) => void;
  /**
   * Slot 0 gets 1 + the id of the loop entered last; slot 1 is 1 while the model's file has run to its end and the
   * run waits for what it left pending (its timers, reads).
   */
  progress?: Int32Array;
}

/** Root modules an array assigned to a variable names by their index (nameModulesIn), at most. */
const MODULES_IN_ARRAY = 64;

function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

function isClass(fn: unknown): boolean {
  return typeof fn === "function" && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

export class ModelSession {
  readonly recorder: Recorder;
  readonly modules: UserModules;
  readonly mapper: StackMapper;
  readonly shadow = new ShadowStack();
  private readonly iterations = new LoopIterations();
  /** A call of the step function ran backward() itself: the runner differentiates no returned loss (lossBackward). */
  private selfDifferentiating = false;
  /** The frames of `expectGrad(t, …)` calls inside a helper taking `t` (compile.ts, helperChecks). */
  private readonly helperChecks = new Set<StackFrame>();
  /** Warnings found by the run itself (e.g. no backward). */
  readonly warnings: TraceDiagnostic[] = [];
  private readonly maxSteps: number;
  /** The model's listeners of the process's end, called when a plain run would (processEnd.ts). */
  readonly exits: ModelExit;

  constructor(
    private readonly engine: object,
    private readonly options: SessionOptions = {},
  ) {
    this.maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    this.exits = new ModelExit(options.ownsProcess === true);
    const flush = (): void => this.flush();
    let lastLoop = -1;
    // (untraced code is not instrumented, so these are never called there)
    const hooks = {
      var: (name: string, mark: number, value: unknown, top?: 1): unknown => {
        if (types.isProxy(value)) return value; // looking into it would run the user's traps
        if (name.startsWith("[")) {
          this.notePattern(JSON.parse(name) as PatternNames, mark, value);
          return value;
        }
        this.recorder.noteVariable(name, mark, value, isTensor);
        if (top === 1) this.recorder.noteTopLevel(name, value);
        if (name.includes(".")) return value;
        if (Array.isArray(value)) this.nameModulesIn(value, name);
        return nameValue(value, name);
      },
      mark: (): number => this.recorder.mark(),
      iter: this.iterations.iter,
      each: this.iterations.each,
      flush: (loop: number): void => {
        lastLoop = loop;
        if (options.progress) options.progress[0] = loop + 1;
        flush();
      },
    };
    this.modules = new UserModules(
      engine,
      hooks,
      this.shadow,
      (f) => {
        // A check stated after backward() reads the pass's gradient of a computed tensor, kept only for it. Kept from
        // the first pass only by a decision taken before it, which only the text can inform: a check that finds its
        // gradient dropped (a model that reaches expectGrad without its name) says so and keeps them from then on
        // (expectGrad.ts), but cannot have its own back. Recomputing it from the pass's root would not be safe: a
        // parameter's values may have changed in place since (`p.data[i] -= …`), which no engine call makes (the
        // recorder finds it only at the step's end: handUpdates.ts).
        if (/\bexpectGrad\b/.test(f.code)) {
          this.recorder.lastGradsWanted = true;
          this.recorder.checksNamed();
        }
        for (const id of f.helperChecks) this.helperChecks.add(this.shadow.frameAt(id));
        const firstLoop = this.modules.loops.length - f.loops.length;
        this.iterations.addFile(f.file, firstLoop, f.loopRanges);
        options.onCompiled?.(f, firstLoop);
      },
      !options.untraced,
    );
    this.mapper = new StackMapper(this.modules);
    // the shadow stack costs nothing per op; V8's stack is the fallback when no user call is in progress
    const shadow = this.shadow;
    const mapper = this.mapper;
    this.recorder = new Recorder({
      ...options,
      locate: () => shadow.locate() ?? mapper.capture(),
      currentLoop: () => this.modules.loops[lastLoop],
      iterations: this.iterations,
      helperCheck: (frame) => this.helperChecks.has(frame),
    });
    // on again when a file of the model's names expectGrad (its compile, above, comes before any of its code runs)
    this.recorder.lastGradsWanted = false;
  }

  /**
   * Names the elements of a destructured array (`const [q, k, v] = x.split(…)`, `const [out, [h_n, c_n]] = lstm(x)`).
   * Other iterables are left alone: reading them here would run the user's code twice.
   */
  /**
   * `const layers = [new nn.Linear(2, 4), new nn.Linear(4, 1)]`: each root module the array holds is named as its
   * element (`layers.0`), its ops' module and its parameters' names; before, each was the root "model", and the trace
   * listed two parameters `model.weight`. The first MODULES_IN_ARRAY elements, only when the first is a module (an
   * array of numbers or tensors costs one look).
   */
  private nameModulesIn(value: unknown[], name: string): void {
    for (let i = 0; i < value.length && i < MODULES_IN_ARRAY; i++) {
      const v: unknown = value[i];
      if (typeof v !== "object" || v === null || types.isProxy(v)) return;
      if ((v as { __nameable?: unknown }).__nameable !== true) return;
      this.recorder.noteRoot(`${name}.${i}`, v);
      nameValue(v, `${name}.${i}`);
    }
  }

  private notePattern(names: PatternNames, mark: number, value: unknown): void {
    if (!Array.isArray(value) || types.isProxy(value)) return;
    names.forEach((name, i) => {
      const v: unknown = value[i];
      if (name === null || types.isProxy(v)) return;
      if (typeof name !== "string") return this.notePattern(name, mark, v);
      this.recorder.noteVariable(name, mark, v, isTensor);
      nameValue(v, name);
    });
  }

  /** Publishes everything recorded so far to the reader. */
  flush(): void {
    this.recorder.commit();
  }

  /**
   * Loads `file` and calls its default export `maxSteps` times. Returns the error diagnostic that ended the
   * run, if any; the recorder keeps what happened before it.
   */
  async run(file: string): Promise<TraceDiagnostic | undefined> {
    // added beside any observer the model installs itself, so a model's own tool never displaces the recorder
    const removeRecorder = this.options.untraced ? null : addObserver(this.recorder);
    // a layer's names for its inner ops (a GRU's r_t): as a variable's, for the ops recorded by then (mark 0)
    const removeLabels = this.options.untraced
      ? null
      : setInnerLabelSink((t, name) => this.recorder.noteVariable(name, 0, t, isTensor));
    try {
      const busy = await pendingWork();
      const exports = this.modules.load(file) as { default?: unknown } | undefined;
      // a file that awaits at its top level (`await main()`) runs on after load
      const rest = this.modules.evaluation(file);
      if (rest !== undefined) await rest;
      const step = exports?.default;
      if (typeof step !== "function" || isClass(step)) {
        // a script: its run is over when `node` would end it, once nothing it started is pending (`main();` of an
        // async main that awaits timers or files runs on after the file's last line)
        if (this.options.progress) this.options.progress[1] = 1;
        await settled(busy);
      } else {
        for (let i = 0; i < this.maxSteps; i++) {
          // The calls after a top-level loop take the steps it left: past maxSteps a call ran unrecorded, training
          // the model beyond what its trace shows (and node, run plainly, never calls the export at all).
          if (!this.recorder.beginStep() && !this.options.untraced) {
            if (i === 0) this.warnings.push(exportNotCalled(file, this.maxSteps));
            break;
          }
          // the next step's event tells the reader the last step is complete (runModel's onStep): publish it now, not
          // at this step's first loop or chunk
          if (i > 0) this.flush();
          const before = this.recorder.backwardCount;
          const pending = this.callStep(step as (index: number) => unknown, i, before);
          if (pending !== undefined) this.lossBackward(await pending, before);
          this.flush();
        }
      }
      await this.exits.drained(busy);
      // a check stated before a backward() that never reached its tensor fails, at its line
      settlePendingGradChecks();
      return this.checkRecorded(file);
    } catch (err) {
      const d = this.diagnose(err, file);
      this.exits.exit(1);
      return d;
    } finally {
      this.flush();
      removeRecorder?.();
      removeLabels?.();
      noteArgument(null, null); // (the last call's named array argument: not beyond the run)
    }
  }

  /**
   * Calls the step function; a synchronous step is over on return (its loss differentiated if it was not), an
   * asynchronous one's promise is returned. A synchronous step's result stays in this frame, which ends with the call:
   * kept in run()'s, the last step's loss (and through it every tensor of that step's graph) lived on while the next
   * step ran, two steps' tensors alive at once: the 10,000-op model's typed arrays peaked at 143 MB rather than 90, the
   * 100,000-op model's at 303 MB rather than 168 (~28,000 more pages of fresh memory, each a page fault). (An async
   * step's promise, which holds its loss, stays in run()'s suspended frame until its next await; releasing it sooner
   * would take another await between steps, a turn the model's own promises would see.)
   */
  private callStep(step: (index: number) => unknown, i: number, before: number): Promise<unknown> | undefined {
    const result = step(i);
    if (result instanceof Promise) return result;
    this.lossBackward(result, before);
    return undefined;
  }

  /**
   * docs/architecture.md, "The one-way flow": a returned scalar is the loss; differentiate it when the step did not
   * (`before`: the backward passes seen before the step).
   */
  private lossBackward(result: unknown, before: number): void {
    // a number (`return total / batches`, `return loss.item()`) is the step's loss as a scalar tensor is
    if (typeof result === "number" && Number.isFinite(result)) {
      if (!this.options.untraced) this.recorder.returnedLoss(result);
      return;
    }
    if (!isTensor(result) || result.size !== 1) return;
    // A step function that differentiates its loss itself is never differentiated by the runner: one that returns its
    // loss without backward() on some calls (an evaluation every third call) had that loss differentiated, and its
    // gradients added into the next call's update (the run trained otherwise than plainly).
    const differentiated = this.recorder.backwardCount !== before;
    if (differentiated) this.selfDifferentiating = true;
    else if (result.requiresGrad && !this.selfDifferentiating) result.backward();
    // the loss the step declares, whichever pass came first (a GAN's discriminator's before its generator's)
    if (!this.options.untraced) this.recorder.returnedLoss(result);
  }

  /** The diagnostic for an exception of the model; a call of something Backstep lacks says so (missingOp.ts). */
  diagnose(err: unknown, file: string): TraceDiagnostic {
    const d = diagnoseError(err, file, this.mapper);
    if (err instanceof TypeError) {
      const hint = missingOpHint(err.message, this.engine) ?? notIterableHint(err.message, sourceAt(d.loc));
      if (hint) d.message = d.message.replace(err.message, `${err.message}: ${hint}`);
      // V8 quotes the compiled expression: `import { nn } from "backstep"` is sucrase's `_backstep.nn`
      d.message = d.message.replace(/(?<![\w$.])_backstep\d*\./g, "");
      // and an imported function's call as `f.call(void 0, …)`, which V8 quotes as `f.call(...)`
      d.message = d.message.replace(/(?<![\w$.])([\w$]+)\.call\(\.\.\.\)/g, "$1(...)");
    }
    return d;
  }

  /** An empty run is an error (nothing to show); a run without backward() is a warning. */
  private checkRecorded(file: string): TraceDiagnostic | undefined {
    if (this.options.untraced) return undefined;
    if (this.recorder.mark() === 0 && this.recorder.currentStep < 0) {
      return diagnostic(
        "no-backward",
        `Nothing to trace: ${file} ran without a single tensor op. Import from "backstep", build a model and compute a loss (or export a default step function that returns it).`,
        file,
      );
    }
    if (this.recorder.backwardCount === 0) {
      this.warnings.push(
        diagnostic(
          "no-backward",
          "The model never called backward(): only the forward pass was recorded. Call loss.backward(), or return the loss from the default-exported step function.",
          file,
          undefined,
          "warning",
        ),
      );
    }
    return undefined;
  }
}

/** The info when a top-level loop recorded every step of maxSteps before the default export could be called. */
function exportNotCalled(file: string, maxSteps: number): TraceDiagnostic {
  return diagnostic(
    "truncated",
    `The default export was not called: the file's own loop recorded the run's ${maxSteps} step(s) before it (raise maxSteps / --steps to record calls after the loop too).`,
    file,
    undefined,
    "info",
  );
}
