// Builds small Traces by hand for the extension's tests, with stats computed from the given values.
import type { SourceLoc, Trace, TraceEvent, TraceOp, TraceTensor, TensorKind } from "../../src/trace/types";

export function statsOf(values: number[]): TraceTensor["stats"] {
  const finite = values.filter(Number.isFinite);
  const n = finite.length || 1;
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  return {
    min: Math.min(...finite),
    max: Math.max(...finite),
    mean,
    std: Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / n),
    norm: Math.sqrt(values.reduce((a, b) => a + b * b, 0)),
    nan: values.filter(Number.isNaN).length,
    inf: values.filter((v) => v === Infinity || v === -Infinity).length,
    zeros: values.filter((v) => v === 0).length,
  };
}

export class TraceBuilder {
  readonly trace: Trace;

  constructor(readonly file: string) {
    this.trace = {
      format: "backstep-trace", version: 1, program: file, ops: [], tensors: [], events: [], params: [],
      diagnostics: [], losses: [], truncated: { valuesDropped: 0, eventsDropped: 0, stepsDropped: 0 }, durationMs: 12,
    };
  }

  tensor(shape: number[], values: number[], kind: TensorKind = "activation", name?: string): number {
    const id = this.trace.tensors.length;
    this.trace.tensors.push({ id, kind, shape, dtype: "float32", stats: statsOf(values), values, ...(name ? { name } : {}) });
    return id;
  }

  op(op: string, inputs: number[], output: number, line: number, extra: Partial<TraceOp> = {}): number {
    const id = this.trace.ops.length;
    const loc: SourceLoc = { file: this.file, line, column: 7 };
    this.trace.ops.push({ id, op, step: 0, inputs, output, attrs: {}, loc, stack: [{ ...loc, name: "<module>" }], ...extra });
    this.trace.events.push({ kind: "forward", op: id });
    return id;
  }

  event(e: TraceEvent): void {
    this.trace.events.push(e);
  }
}

/**
 * line 3: const z = x.matmul(W)   x = [[1, 2]], W = [[0.5, -1], [0.25, 0.5]]  → z = [[1, 0]]
 * line 4: const h = z.tanh()      → h = [[tanh 1, 0]]
 * line 5: const loss = h.sum()    → loss = tanh 1
 * then loss.backward(): ∂L/∂h = 1, ∂h/∂z = 1 − tanh²(z), ∂L/∂W = xᵀ · ∂L/∂z.
 */
export function tanhTrace(file: string, upstreamScale = 1): Trace {
  const b = new TraceBuilder(file);
  const t1 = Math.tanh(1);
  const x = b.tensor([1, 2], [1, 2], "input", "x");
  const W = b.tensor([2, 2], [0.5, -1, 0.25, 0.5], "param", "W");
  const z = b.tensor([1, 2], [1, 0]);
  const h = b.tensor([1, 2], [t1, 0]);
  const loss = b.tensor([], [t1]);
  const matmul = b.op("matmul", [x, W], z, 3, { var: "z" });
  const tanh = b.op("tanh", [z], h, 4, { var: "h" });
  const sum = b.op("sum", [h], loss, 5, { var: "loss" });
  const s = upstreamScale;
  const dLoss = b.tensor([], [s], "grad");
  const dh = b.tensor([1, 2], [s, s], "grad");
  b.event({ kind: "backward", op: sum, upstream: dLoss, local: [{ formula: "1", jacobianShape: [1, 2] }], contributions: [dh] });
  const localTanh = b.tensor([1, 2], [1 - t1 * t1, 1], "constant");
  const dz = b.tensor([1, 2], [s * (1 - t1 * t1), s], "grad");
  b.event({ kind: "backward", op: tanh, upstream: dh, local: [{ formula: "1 - \\tanh^2(x)", jacobianShape: [2, 2], tensor: localTanh }], contributions: [dz] });
  const dW = b.tensor([2, 2], [s * (1 - t1 * t1), s, 2 * s * (1 - t1 * t1), 2 * s], "grad");
  b.event({ kind: "backward", op: matmul, upstream: dz, local: [null, { formula: "x^\\top", jacobianShape: [2, 4] }], contributions: [null, dW] });
  b.trace.params.push({ name: "W", tensor: W, grad: dW });
  b.trace.losses.push(t1);
  return b.trace;
}
