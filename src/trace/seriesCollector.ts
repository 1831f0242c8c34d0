// Every step's statistics for long runs (StepSeries): layers' outputs and gradients, parameters' gradient norms and
// update-to-data ratios, written to the stream once per step. Cheap enough to run on every step (bench/trace.bench.ts).
import type { Storage } from "../engine/dtype";
import type { Tensor } from "../engine/tensor";
import * as summary from "./summary";
import type { TraceWriter } from "./stream";

// Copied once: read through the import, each constant cost a getter call in CommonJS builds (tsx, tests).
const { FROM_TENSOR, FROM_VALUES, LAYER_BLOCK, SUMMARY_SIZE, norm, summarizeInto, updateRatio } = summary;

/**
 * Values a step copies at most for the reader to summarise (FROM_VALUES); beyond, the summaries are taken here. A copy
 * costs the model's thread a fraction of a summary, but the reader must keep up: a big model's layers would send it
 * megabytes a step (an unrolled LSTM's thousands of activations), and chunks it has not read are not written again.
 */
const COPY_BUDGET = 1 << 14;

/**
 * The activations a layer ends with. A layer's output, followed per step, is an activation's, or a module's when
 * no activation takes it next (`h = tanh(fc1(x))` is one layer, `h`; `logits = fc2(h)` another): the
 * pre-activation is not followed, as Karpathy's makemore plots follow tanh outputs. The recorder may not
 * read src/protocol's op facts; a new activation op is added here too (test/trace/summary.test.ts checks the
 * two lists agree).
 */
export const ACTIVATION_OPS: ReadonlySet<string> = new Set([
  "relu",
  "tanh",
  "sigmoid",
  "gelu",
  "silu",
  "leakyRelu",
  "elu",
  "softplus",
  "softsign",
  "mish",
]);

/** One step's statistics as they are gathered, then written as one STEP_SUMMARY record. */
export class SeriesCollector {
  private readonly layerIds = new Map<string, number>();
  /**
   * The layer met k-th in the step before, by k, with its op's and module's count in that step (j: the j-th sigmoid
   * of `deep`): most steps meet the same layers in the same order.
   */
  private readonly lastAt: { op: string; module: string | undefined; j: number; id: number }[] = [];
  /**
   * This step's layers so far by op, then module. A layer is its op's j-th in its module, not the step's k-th layer:
   * an op of the load that joins step 0 only (vanishing's `y = randn(…).sigmoid()`) shifted every later step's layers
   * by one, each step's statistics filed under the layer after it and the first as a new layer.
   */
  private seen = new Map<string, Map<string | undefined, number>>();
  private readonly paramIds = new Map<string, number>();
  /** The step's record: the loss, then layer blocks, then parameter triples (moved to the end when written). */
  private buf = new Float64Array(1 + 8 * LAYER_BLOCK);
  private layers = 0;
  private params: number[] = [];
  /**
   * This step's layer outputs by block, and their tensor ids: a layer's gradient is found by its output. Outputs are
   * met in the order they were made, so their ids ascend and a binary search finds one (a Map keyed by tensor gave
   * each new output an identity hash and an entry, a tenth of the recorder's time in a statistics-only step).
   */
  private readonly outputs: Tensor[] = [];
  private readonly outputIds: number[] = [];
  /** Whether outputIds ascend (an op that hands back an older tensor breaks it: then they are searched in turn). */
  private ascending = true;
  private ordinal = 0;
  private hasLoss = false;
  /** The previous op: its output is a module's when the next op runs outside that module. */
  private prevOp = "";
  private prevModule: string | undefined;
  private prevOutput: Tensor | null = null;
  /** The previous op's output as a trace tensor whose values the stream has, or -1. */
  private prevTensor = -1;
  private prevVar: string | undefined;
  /** This step's SERIES_VALUES records, and the values they copied. */
  private copies = 0;
  private copied = 0;

  constructor(private readonly out: TraceWriter) {}

  /** An op ran forward: decides whether the previous op's output was a layer's, and remembers this one. */
  forward(op: string, input: Tensor | undefined, output: Tensor, module: string | undefined): void {
    if (this.prevOutput !== null) this.settle(module, input === this.prevOutput && ACTIVATION_OPS.has(op));
    this.prevOp = op;
    this.prevModule = module;
    this.prevOutput = output;
    this.prevTensor = -1;
    this.prevVar = undefined;
  }

  /**
   * The op just run recorded its output as trace tensor `id`, its values kept in the stream, in this step: if it is
   * a layer's, the reader summarises those values.
   */
  outputRecorded(id: number): void {
    this.prevTensor = id;
  }

  /** `name = value` ran: the variable of the op just run, if it is that op's output. */
  noteVariable(name: string, value: unknown): void {
    if (value === this.prevOutput && this.prevVar === undefined && !name.includes(".")) this.prevVar = name;
  }

  /** backward() on a scalar: the step's loss, the first one. */
  backwardBegin(root: Tensor): void {
    if (this.prevOutput !== null) this.settle(undefined, false);
    if (!this.hasLoss && root.size === 1) {
      this.buf[0] = root.data[0];
      this.hasLoss = true;
    }
  }

  /** The step function returned this scalar: the step's loss, over the first backward's. */
  returnedLoss(loss: number): void {
    this.buf[0] = loss;
    this.hasLoss = true;
  }

  /**
   * One op differentiated: when its output is a layer's, `upstream` (∂L/∂output, complete here) is summarised, or
   * when `upstreamId` is not -1 (the trace tensor it was recorded as in this step, values kept), the reader does it.
   */
  backward(output: Tensor, upstream: Tensor, upstreamId = -1): void {
    const block = this.blockOf(output);
    if (block < 0) return;
    const at = 1 + block * LAYER_BLOCK;
    if (this.buf[at + 2] !== 0) return;
    if (upstreamId >= 0) {
      this.buf[at + 2] = FROM_TENSOR;
      this.buf[at + 3 + SUMMARY_SIZE] = upstreamId;
      return;
    }
    this.summarise(upstream.data, at + 2, at + 3 + SUMMARY_SIZE);
  }

  /** An optimizer update of the parameter `name`: ‖∂L/∂W‖ and ‖ΔW‖/‖W‖. */
  update(name: string, before: Tensor, grad: Tensor, after: Tensor): void {
    let id = this.paramIds.get(name);
    if (id === undefined) {
      id = this.paramIds.size;
      this.paramIds.set(name, id);
      this.out.seriesParam(id, this.out.string(name));
    }
    this.params.push(id, norm(grad.data), updateRatio(before.data, after.data));
  }

  /** Writes step `step`'s record and starts the next step afresh. */
  endStep(step: number): void {
    if (this.prevOutput !== null) this.settle(undefined, false);
    if (!this.hasLoss) this.buf[0] = NaN;
    const nLayers = this.layers;
    const p = this.params;
    const count = 1 + nLayers * LAYER_BLOCK + p.length;
    this.reserve(count);
    const buf = this.buf;
    // a layer whose gradient never came (a branch not on the loss's path): NaN for its summary
    for (let b = 0; b < nLayers; b++) {
      const at = 1 + b * LAYER_BLOCK;
      if (buf[at + 2] === 0) buf.fill(NaN, at + 3 + SUMMARY_SIZE, at + LAYER_BLOCK);
    }
    const at = 1 + nLayers * LAYER_BLOCK;
    for (let k = 0; k < p.length; k++) buf[at + k] = p[k];
    this.out.stepSummary(step, nLayers, p.length / 3, buf, count);
    this.layers = 0;
    this.params = [];
    this.outputs.length = 0;
    this.outputIds.length = 0;
    this.ascending = true;
    this.ordinal = 0;
    // (a new map, not clear()s that chain each step's tables into the old generation: recorderTensors.ts, beginPass)
    if (this.seen.size > 0) this.seen = new Map();
    this.hasLoss = false;
    this.prevOutput = null;
    this.copies = 0;
    this.copied = 0;
  }

  /**
   * The previous op's output is a layer's when it is an activation, or the last op of a module (`next`: the module
   * now running) that no activation takes next (`activated`).
   */
  private settle(next: string | undefined, activated: boolean): void {
    const op = this.prevOp;
    const module = this.prevModule;
    const output = this.prevOutput!;
    const recorded = this.prevTensor;
    this.prevOutput = null;
    const moduleOutput =
      !activated && module !== undefined && next !== module && !(next !== undefined && within(next, module));
    if (!moduleOutput && !ACTIVATION_OPS.has(op)) return;
    if (this.blockOf(output) >= 0) return;
    // the j-th layer of an op in a module is last step's; found first at the same place in the step
    let byModule = this.seen.get(op);
    if (byModule === undefined) this.seen.set(op, (byModule = new Map()));
    const j = byModule.get(module) ?? 0;
    byModule.set(module, j + 1);
    const k = this.ordinal++;
    const last = this.lastAt[k];
    let id =
      last !== undefined && last.op === op && last.module === module && last.j === j
        ? last.id
        : this.layerIds.get(`${j}|${op}|${module ?? ""}`);
    if (id === undefined) {
      const key = `${j}|${op}|${module ?? ""}`;
      id = this.layerIds.size;
      this.layerIds.set(key, id);
      const w = this.out;
      const v = this.prevVar;
      const name = moduleOutput ? module : (v ?? op);
      w.seriesLayer(
        id,
        w.string(name),
        w.string(op),
        module === undefined ? -1 : w.string(module),
        v === undefined ? -1 : w.string(v),
      );
    }
    if (last === undefined || last.id !== id) this.lastAt[k] = { op, module, j, id };
    const block = this.layers++;
    this.reserve(1 + this.layers * LAYER_BLOCK);
    const at = 1 + block * LAYER_BLOCK;
    this.buf[at] = id;
    this.buf[at + 2] = 0;
    if (recorded >= 0) {
      this.buf[at + 1] = FROM_TENSOR;
      this.buf[at + 3] = recorded;
    } else this.summarise(output.data, at + 1, at + 3);
    const ids = this.outputIds;
    if (block > 0 && output.id <= ids[block - 1]) this.ascending = false;
    this.outputs.push(output);
    ids.push(output.id);
  }

  /**
   * The summary of `values` at `where` in the step's record, its seen flag at `flag`: left to the reader (FROM_VALUES,
   * the values copied into the stream) while the step's copies are within COPY_BUDGET, else taken here.
   */
  private summarise(values: Storage, flag: number, where: number): void {
    const n = values.length;
    if ((values instanceof Float32Array || values instanceof Float64Array) && this.copied + n <= COPY_BUDGET) {
      this.copied += n;
      this.buf[flag] = FROM_VALUES;
      this.buf[where] = this.copies++;
      this.out.seriesValues(values);
      return;
    }
    this.buf[flag] = 1;
    summarizeInto(values, this.buf, where);
  }

  /** The block of this step's layer whose output `t` is, or -1. */
  private blockOf(t: Tensor): number {
    const ids = this.outputIds;
    const outputs = this.outputs;
    const id = t.id;
    let hi = ids.length - 1;
    if (!this.ascending) {
      for (let b = hi; b >= 0; b--) if (outputs[b] === t) return b;
      return -1;
    }
    if (hi < 0 || id < ids[0] || id > ids[hi]) return -1;
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    return outputs[lo] === t ? lo : -1;
  }

  private reserve(n: number): void {
    if (n <= this.buf.length) return;
    const bigger = new Float64Array(2 * n);
    bigger.set(this.buf);
    this.buf = bigger;
  }
}

/** Whether the module path `inner` lies inside `outer` (`model.fc1` inside `model`), without making `outer + "."`. */
function within(inner: string, outer: string): boolean {
  return inner.length > outer.length && inner.charCodeAt(outer.length) === 46 && inner.startsWith(outer);
}
