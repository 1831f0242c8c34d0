// The stream's layout, shared by its writer and reader: chunks, their header, record tags and codes.
import type { OpHealth } from "../assembler";
import type { AttrValue, Dtype, GradCheckEvent, GradCheckVerdict, TensorKind } from "../types";
import { parseWire, stringifyWire } from "../wire";

/**
 * A chunk of the stream. `ints[0]` is how far the ints are written and complete, `ints[1]` is 1 once the writer
 * has moved on to the next chunk, `ints[2]` is 1 once the reader has read it all; records start at `ints[3]`.
 * A chunk read is written again: the writer hands it out anew, and the reader reads it as the next chunk.
 *
 * A record is a tag and its fields; ops, tensors, frames, strings and attribute sets are numbered densely across
 * a run's chunks, in order of appearance. A record's values are in its own chunk's value memory: `singles`
 * (float32 values) and `floats` (float64 values, statistics, losses) are two views of it, and a record locates
 * its values in 4-byte slots.
 */
export interface TraceChunk {
  ints: Int32Array<SharedArrayBuffer>;
  floats: Float64Array<SharedArrayBuffer>;
  singles: Float32Array<SharedArrayBuffer>;
}

export const COMMITTED = 0;
export const SEALED = 1;
/** Set by the reader when it is done with a sealed chunk: the writer may use it again. */
export const READ = 2;
export const HEADER = 3;
/** Record tags (a record is its tag, then its fields). */
export const FRAME = 1;
export const OP = 2;
export const TENSOR = 3;
export const STEP = 4;
export const BACKWARD = 6;
export const ACCUMULATE = 7;
export const UPDATE = 8;
export const OP_VAR = 9;
export const TENSOR_NAME = 10;
export const STEP_LOSS = 11;
export const HEALTH = 12;
export const STRING = 13;
export const ATTRS = 14;
export const ZERO_GRAD = 15;
/** Recording stopped at a cap: which cap, its value, the frames of the op that hit it and of the loop it was in. */
export const CAPPED = 16;
export const CAPS: readonly ("ops" | "events")[] = ["ops", "events"];
/** A gradient check (docs/architecture.md, "The Trace"): its codes, ids and lists, and six float64 values. */
export const GRAD_CHECK = 17;
export const GRAD_SOURCES: readonly GradCheckEvent["source"][] = ["expectGrad", "function"];
export const VERDICTS: readonly GradCheckVerdict[] = ["exact", "close", "mismatch", "shape", "missing"];
/** A gradCheck record's flags: it has maxAbsDiff and relErr; it has a worst element. */
export const HAS_DIFF = 1;
export const HAS_WORST = 2;
/** The next op ran in the backward pass (inside a user-defined backward): its phase, an index into PHASES. */
export const OP_PHASE = 18;
export const PHASES: readonly "backward"[] = ["backward"];
/** A layer the step series follows: its id, and the strings of its name, op, module and variable (-1: none). */
export const SERIES_LAYER = 19;
/** A parameter the step series follows: its id and its name's string. */
export const SERIES_PARAM = 20;
/**
 * One step's statistics: the step, its layer and parameter counts, and where its floats are: the loss, then per
 * layer LAYER_BLOCK floats (its id, whether its output and its gradient were seen, their two summaries), then per
 * parameter its id, gradient norm and update-to-data ratio.
 */
export const STEP_SUMMARY = 21;
/**
 * A layer's output or gradient values in a step recorded with statistics only, for the reader to summarise (summary.ts,
 * FROM_VALUES): dtype (0 float32, 1 float64), count, and where the values are (a 4-byte slot, as a tensor's).
 */
export const SERIES_VALUES = 22;

/** What a TENSOR record's value slot holds (its "held" field): 8 float64 statistics only, computed by the writer. */
export const STATS_ONLY = 0;
/** The tensor's values (the reader computes their statistics). */
export const VALUES = 1;
/**
 * In the value slot's place, the id of a tensor read earlier in the same step, values kept: this tensor's values are
 * those with the last two dims swapped (its shape is the swapped one).
 */
export const TRANSPOSE_OF = 2;
/**
 * Five float64s in the value slot: an elementwise op's local derivative f′, which the reader computes as the engine
 * did (kernels/unary.ts's unaryInto with its code, the op's input and output, two parameters): the code, the ids of
 * the input and the output (read earlier in the same step, values kept), and the two parameters.
 */
export const DERIVATIVE_OF = 3;
/**
 * Five float64s in the value slot, the first two the ids of two tensors of one size read earlier in the same step,
 * values kept: this tensor's values are their products, element by element, each rounded once to its dtype; the third
 * 1 when the second is an indicator f′ (ReLU's, clamp's), whose 0 selects 0 whatever the first is (selectsGradient).
 */
export const PRODUCT_OF = 4;
/** A TENSOR record's "held" field. */
export type HeldCode =
  typeof STATS_ONLY | typeof VALUES | typeof TRANSPOSE_OF | typeof DERIVATIVE_OF | typeof PRODUCT_OF;
/** The held codes whose values the reader computes from five float64s (DERIVATIVE_OF, PRODUCT_OF). */
export type DerivedCode = typeof DERIVATIVE_OF | typeof PRODUCT_OF;

/**
 * Tensor dtypes as the stream writes them (an index into DTYPES; 0 and 1 as before ints were recorded as such).
 * An int32 tensor was recorded as float32, as "float32": labels and indices showed float32, and ints past 2^24 rounded.
 */
export const DTYPE_CODE = {
  float32: 0,
  float64: 1,
  int32: 2,
  int64: 3,
  bool: 4,
  float16: 5,
  bfloat16: 6,
  uint8: 7,
  int8: 8,
  int16: 9,
} as const satisfies Record<Dtype, number>;
/** DTYPE_CODE's dtypes by code, for the reader (a Dtype added to the trace's types fails to compile until coded). */
export const DTYPES: readonly Dtype[] = (Object.keys(DTYPE_CODE) as Dtype[]).sort(
  (x, y) => DTYPE_CODE[x] - DTYPE_CODE[y],
);

/**
 * Whether a tensor of `dtype` keeps its values as float32 (each exact: halves, bytes, int16 and bools); float64,
 * int32 and int64 keep them as float64 (int32's all exact, int64's up to 2^53: the recorders keep only the statistics
 * of an int64 tensor with a value past that, rather than values rounded).
 */
export function singleStored(dtype: Dtype): boolean {
  return dtype !== "float64" && dtype !== "int32" && dtype !== "int64";
}

export const KINDS: readonly TensorKind[] = ["input", "param", "activation", "constant", "grad"];
/** Tensor kinds as the stream writes them (an index into KINDS). */
export const KIND = { input: 0, param: 1, activation: 2, constant: 3, grad: 4 } as const satisfies Record<
  TensorKind,
  number
>;
export type KindCode = (typeof KIND)[TensorKind];
export const HEALTH_KINDS: readonly OpHealth["kind"][] = ["dead-relu", "saturated"];
export const NONE = -1;

/** Attribute sets as JSON, keeping the numbers JSON has no word for (in the one encoding, protocol/wire's). */
export function attrsToJson(attrs: Readonly<Record<string, AttrValue>>): string {
  return stringifyWire(attrs);
}

export function attrsFromJson(json: string): Record<string, AttrValue> {
  return parseWire(json) as Record<string, AttrValue>;
}
