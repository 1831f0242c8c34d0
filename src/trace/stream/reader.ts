// The caller's side of the stream: reads each chunk as far as it is committed and builds the Trace's objects.
import type { OpHealth, TracePatch } from "../assembler";
import { measureHealth } from "../health";
import type {
  AttrValue,
  LocalDerivative,
  RecordingStop,
  SourceLoc,
  StackFrame,
  TraceEvent,
  TraceOp,
  TraceTensor,
} from "../types";
import * as layout from "./layout";
import { attrsFromJson, type TraceChunk } from "./layout";
import { LAYER_BLOCK } from "../summary";
import { Shapes } from "./shapes";
import { readGradCheck, TensorReader } from "./tensorReader";

// Copied into this module once: read through the import on every record, each constant cost a getter call in
// CommonJS builds (tsx, tests), where an imported binding is a property with a getter.
const {
  ACCUMULATE,
  ATTRS,
  BACKWARD,
  CAPPED,
  CAPS,
  COMMITTED,
  FRAME,
  GRAD_CHECK,
  HEADER,
  HEALTH,
  HEALTH_KINDS,
  NONE,
  OP,
  OP_PHASE,
  OP_VAR,
  PHASES,
  READ,
  SEALED,
  SERIES_LAYER,
  SERIES_PARAM,
  SERIES_VALUES,
  STEP,
  STEP_LOSS,
  STEP_SUMMARY,
  STRING,
  TENSOR,
  TENSOR_NAME,
  UPDATE,
  ZERO_GRAD,
} = layout;

/** The attrs of every op without any: one object, as ops with the same attrs share theirs (ATTRS records). */
const NO_ATTRS: Record<string, AttrValue> = Object.freeze({});

/** Where a reader puts what it reads, in the order it happened. */
export interface TraceSink {
  op(op: TraceOp): void;
  tensor(t: TraceTensor): void;
  event(e: TraceEvent): void;
  patch(p: TracePatch): void;
  opHealth(h: OpHealth): void;
  /** Recording stopped at a cap; nothing follows but the final parameters. */
  capped(stop: RecordingStop): void;
  /** A layer or a parameter the step series follows, before the first summary that names it. */
  seriesLayer(layer: SeriesLayerDef): void;
  seriesParam(id: number, name: string): void;
  /** One step's statistics, laid out as layout.STEP_SUMMARY says (a view of the chunk: read it before returning). */
  stepSummary(step: number, layers: number, params: number, data: Float64Array): void;
}

/** A layer of the step series as the stream defines it. */
export interface SeriesLayerDef {
  id: number;
  name: string;
  op: string;
  module?: string;
  var?: string;
}

/** Reads one run's chunks, as far as they are written (the receiving side). */
export class TraceReader {
  private readonly chunks: (TraceChunk | undefined)[] = [];
  private current = 0;
  private at = HEADER;
  private readonly strings: string[] = [];
  private readonly attrs: Record<string, AttrValue>[] = [];
  /** Frames as the Trace holds them: a location, or a named stack frame. */
  private readonly frames: (SourceLoc | StackFrame)[] = [];
  private ops = 0;
  /** One array per distinct shape, for tensors and Jacobian shapes (shapes.ts). */
  private readonly shapes = new Shapes();
  /** TENSOR records, and the current step's values (tensorReader.ts). */
  private readonly tensors = new TensorReader(this.strings, this.shapes);
  /** The phase an OP_PHASE record gave the next op. */
  private nextPhase: "backward" | undefined;

  constructor(private readonly sink: TraceSink) {}

  /** A chunk the writer started (in order). */
  addChunk(chunk: TraceChunk): void {
    this.chunks.push(chunk);
  }

  /**
   * Reads the records committed since the last call; returns true when it read them all. With a `deadline`
   * (a Date.now() time) it stops at a record soon after it, so a caller's timers run while a flood is read.
   */
  poll(deadline = Infinity): boolean {
    while (this.current < this.chunks.length) {
      const chunk = this.chunks[this.current]!;
      // sealed first: a sealed chunk's committed length is final
      const sealed = Atomics.load(chunk.ints, SEALED) === 1;
      const end = Atomics.load(chunk.ints, COMMITTED);
      if (end > this.at) this.at = this.read(chunk, this.at, end, deadline);
      if (this.at < end) return false;
      if (!sealed) return true;
      this.chunks[this.current++] = undefined;
      this.at = HEADER;
      // read through: the writer may write it again (handing it out anew)
      Atomics.store(chunk.ints, READ, 1);
    }
    return true;
  }

  /** Reads the records in [from, to) of a chunk; returns where it stopped. */
  private read(chunk: TraceChunk, from: number, to: number, deadline: number): number {
    const sink = this.sink;
    const a = chunk.ints;
    const fl = chunk.floats;
    const str = this.strings;
    let i = from;
    let records = 0;
    while (i < to) {
      // the clock is read every 4096 records (a few hundred µs of reading)
      if ((++records & 4095) === 0 && Date.now() > deadline) return i;
      const tag = a[i++];
      switch (tag) {
        case FRAME: {
          const file = str[a[i]];
          const loc = { file, line: a[i + 1], column: a[i + 2] };
          this.frames.push(a[i + 3] === NONE ? loc : { ...loc, name: str[a[i + 3]] });
          i += 4;
          break;
        }
        case OP: {
          // arrays of their length: an empty array's first push gives it room for 17
          const at = i;
          i += 6;
          const nIn = a[i++];
          const inputs = new Array<number>(nIn);
          for (let k = 0; k < nIn; k++) inputs[k] = a[i++];
          const nStack = a[i++];
          const stack = new Array<StackFrame>(nStack);
          for (let k = 0; k < nStack; k++) stack[k] = this.frames[a[i++]] as StackFrame;
          const op: TraceOp = {
            id: this.ops++,
            op: str[a[at]],
            trainingStep: a[at + 1],
            inputs,
            output: a[at + 2],
            attrs: a[at + 5] === NONE ? NO_ATTRS : this.attrs[a[at + 5]],
            stack,
          };
          if (a[at + 3] !== NONE) op.module = str[a[at + 3]];
          if (a[at + 4] !== NONE) op.loc = this.frames[a[at + 4]];
          if (this.nextPhase !== undefined) {
            op.phase = this.nextPhase;
            this.nextPhase = undefined;
          }
          sink.op(op);
          sink.event({ kind: "forward", op: op.id });
          // an op's output comes just before it: when its values were kept, its health is measured here
          const out = this.tensors.last;
          if (out !== undefined && out.id === op.output && out.values !== undefined && op.phase === undefined) {
            const h = measureHealth(op.op, op.id, out.values, out.shape);
            if (h) sink.opHealth(h);
          }
          break;
        }
        case TENSOR:
          i = this.tensors.read(chunk, i);
          sink.tensor(this.tensors.last!);
          break;
        case STEP:
          sink.event({ kind: "step", index: a[i++] });
          break;
        case BACKWARD: {
          const op = a[i++];
          const upstream = a[i++];
          const nLocal = a[i++];
          const local = new Array<LocalDerivative | null>(nLocal);
          for (let k = 0; k < nLocal; k++, i += 4) {
            if (a[i] === NONE) {
              local[k] = null;
              continue;
            }
            const jacobianShape = this.shapes.get(a, i + 1, 2) as [number, number];
            const d: LocalDerivative = { formula: str[a[i]], jacobianShape };
            if (a[i + 3] !== NONE) d.tensor = a[i + 3];
            local[k] = d;
          }
          const nContrib = a[i++];
          const contributions = new Array<number | null>(nContrib);
          for (let k = 0; k < nContrib; k++, i++) contributions[k] = a[i] === NONE ? null : a[i];
          sink.event({ kind: "backward", op, upstream, local, contributions });
          break;
        }
        case ACCUMULATE: {
          const e: TraceEvent = { kind: "accumulate", tensor: a[i], contribution: a[i + 1], total: a[i + 2] };
          if (a[i + 3] !== NONE) e.from = a[i + 3];
          i += 4;
          sink.event(e);
          break;
        }
        case UPDATE: {
          const e: Extract<TraceEvent, { kind: "update" }> = {
            kind: "update",
            param: str[a[i]],
            before: a[i + 1],
            grad: a[i + 2],
            after: a[i + 3],
            rule: str[a[i + 4]],
          };
          if (a[i + 5] !== NONE) e.loc = this.frames[a[i + 5]];
          i += 6;
          const stack: StackFrame[] = [];
          for (let k = a[i++]; k > 0; k--) stack.push(this.frames[a[i++]] as StackFrame);
          if (stack.length > 0) e.stack = stack;
          sink.event(e);
          break;
        }
        case ZERO_GRAD: {
          const e: Extract<TraceEvent, { kind: "zeroGrad" }> = { kind: "zeroGrad", params: [] };
          if (a[i] !== NONE) e.loc = this.frames[a[i]];
          i++;
          const stack: StackFrame[] = [];
          for (let k = a[i++]; k > 0; k--) stack.push(this.frames[a[i++]] as StackFrame);
          if (stack.length > 0) e.stack = stack;
          for (let k = a[i++]; k > 0; k--) e.params.push(str[a[i++]]);
          const tensors: number[] = [];
          for (let k = a[i++]; k > 0; k--) tensors.push(a[i++]);
          if (tensors.length > 0) e.tensors = tensors;
          sink.event(e);
          break;
        }
        case OP_PHASE:
          this.nextPhase = PHASES[a[i++]];
          break;
        case GRAD_CHECK: {
          const { event, end } = readGradCheck(a, fl, i, str, this.frames);
          sink.event(event);
          i = end;
          break;
        }
        case OP_VAR:
          sink.patch({ kind: "op-var", op: a[i], var: str[a[i + 1]] });
          i += 2;
          break;
        case TENSOR_NAME:
          sink.patch({ kind: "tensor-name", tensor: a[i], name: str[a[i + 1]] });
          i += 2;
          break;
        case STEP_LOSS:
          sink.patch({ kind: "step-loss", index: a[i], loss: fl[a[i + 1]] });
          i += 2;
          break;
        case HEALTH:
          sink.opHealth({ op: a[i], kind: HEALTH_KINDS[a[i + 1]], fraction: fl[a[i + 2]] });
          i += 3;
          break;
        case STRING: {
          const length = a[i++];
          let text = "";
          for (let k = 0; k < length; k += 4096)
            text += String.fromCharCode.apply(
              null,
              a.subarray(i + k, i + Math.min(length, k + 4096)) as unknown as number[],
            );
          str.push(text);
          i += length;
          break;
        }
        case CAPPED: {
          const stop: RecordingStop = { cap: CAPS[a[i]], limit: a[i + 1] };
          if (a[i + 2] !== NONE) stop.loc = this.frames[a[i + 2]];
          if (a[i + 3] !== NONE) stop.loop = this.frames[a[i + 3]];
          i += 4;
          sink.capped(stop);
          break;
        }
        case SERIES_LAYER: {
          const def: SeriesLayerDef = { id: a[i], name: str[a[i + 1]], op: str[a[i + 2]] };
          if (a[i + 3] !== NONE) def.module = str[a[i + 3]];
          if (a[i + 4] !== NONE) def.var = str[a[i + 4]];
          i += 5;
          sink.seriesLayer(def);
          break;
        }
        case SERIES_PARAM:
          sink.seriesParam(a[i], str[a[i + 1]]);
          i += 2;
          break;
        case SERIES_VALUES: {
          const n = a[i + 1];
          const at = a[i + 2];
          this.tensors.step.seriesValues(
            a[i] === 0 ? chunk.singles.subarray(at, at + n) : fl.subarray(at >> 1, (at >> 1) + n),
          );
          i += 3;
          break;
        }
        case STEP_SUMMARY: {
          const at = a[i + 3];
          const data = fl.subarray(at, at + 1 + a[i + 1] * LAYER_BLOCK + a[i + 2] * 3);
          const step = this.tensors.step;
          sink.stepSummary(a[i], a[i + 1], a[i + 2], step.summarised(data, a[i + 1]));
          step.endStep(this.tensors.count);
          i += 4;
          break;
        }
        case ATTRS:
          this.attrs.push(attrsFromJson(str[a[i++]]));
          break;
        default:
          throw new Error(`backstep: corrupt trace stream: record tag ${tag} at ${i - 1}`);
      }
    }
    return i;
  }
}
