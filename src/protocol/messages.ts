// The one message protocol between the extension's webview hosts and the webviews (graph panel, side panel).
import type { TraceIndex } from "../trace/traceIndex";
import type { OpId, Trace, TraceTensor, TensorId, TensorStats } from "../trace/types";
import { leafNames } from "./tensorNames";
import type { HealthThresholds } from "./health";
import type { StatsTable } from "./statsTable";
import type { SideModel } from "./sideModel";
import type { IdColumn } from "./columns";

/**
 * A tensor as the webview first sees it: everything but its values, which it asks for lazily, and its statistics only
 * when they came with the trace (statsUpFront.ts); the others arrive in a `stats` reply when a view asks.
 */
export type TensorInfo = Omit<TraceTensor, "values" | "stats"> & { stats?: TensorStats; hasValues: boolean };

/**
 * Which training steps' tensors a windowed trace message carries (traceWindow.ts): the page asks for another step's
 * with `requestSteps`, naming the message's `token` (a reply for another trace is ignored).
 */
export interface TraceWindow {
  token: number;
  /** The steps whose tensors the page has (the reply's steps are added as they arrive). */
  steps: number[];
}

/**
 * A running trace's rows (ops and events) the graph page keeps as a stream (traceRows.ts): a provisional trace message
 * starts one, and the final trace message sends only the rows after them. `ops` and `events` count the stream's rows a
 * message leaves out (the trace's first ones); `tensors`, the ids of the tensors it leaves out (holes in its table)
 * because the stream's provisional message carried them as they are (opTable.ts's IdColumn, ascending).
 */
export interface RowsPrefix {
  stream: number;
  ops: number;
  events: number;
  tensors?: IdColumn;
}

/** Most steps one `requestSteps` may name. */
export const MAX_STEPS_REQUEST = 4;

/**
 * The Trace without tensor values: the structure a webview lays out and steps through. With a `window`, `tensors` has
 * holes (the tensors of the steps not in it, their ids kept): a view reads them through TraceIndex.tensor.
 */
export type TraceStructure = Omit<Trace, "tensors"> & { tensors: TensorInfo[]; window?: TraceWindow };

/** The index a webview builds over the structure it is sent (the same TraceIndex the debugger and editor use). */
export type ViewIndex = TraceIndex<TensorInfo>;

/** Who moved the cursor (mirrors extension/traceStore.ts, which the webview may not import). */
export type CursorSource = "debugger" | "panel" | "trace";

/** Values of one tensor, possibly sampled: `rows`×`cols` picked from the tensor seen as a matrix. */
export interface TensorValues {
  kind: "values";
  /** The tensor's own shape. */
  shape: number[];
  /** The tensor viewed as a matrix: leading dimensions flattened into rows, the last one is columns. */
  rows: number;
  cols: number;
  /** Indices of the rows and columns kept, ascending; all of them when not sampled. */
  rowIndex: number[];
  colIndex: number[];
  /** Row-major, rowIndex.length × colIndex.length. */
  values: number[];
  sampled: boolean;
}

export type ValuesResult = TensorValues | { kind: "missing"; reason: string };

/** How the graph panel saves its drawing: SVG text, or a PNG as a data URL. */
export type ExportFormat = "svg" | "png";

/** How an op of the current trace compares with the previous trace of the same file. */
export interface DiffMark {
  op: OpId;
  /**
   * first: where the runs part; diverged: its value or gradient differs; added: not in the previous run; shape: its
   * output's shape changed; moved: another line.
   */
  kind: "first" | "diverged" | "added" | "shape" | "moved";
  note: string;
}

/** One diverging op's comparison, side by side: the elements around the one that differs most (or the statistics). */
export interface DiffDetail {
  op: OpId;
  /** `value of h = tanh (line 12)`, `gradient ∂L/∂h …`. */
  what: string;
  /** `max |Δ| 0.1 at [3, 1], max rel 0.2`. */
  amount: string;
  /** The current trace's event where it shows (the op's forward, or backward for a gradient). */
  event: number;
  rows: { label: string; previous: number; current: number }[];
}

/** The graph panel's comparison of the current trace (ops by its ids) with the previous trace of the same file. */
export interface GraphDiff {
  title: string;
  summary: string;
  marks: DiffMark[];
  /** Per diverging op, in the order the difference happened (the first divergence first). */
  details: DiffDetail[];
  /** Ops only in the previous run, described (they have no node in the current graph). */
  removed: string[];
}

/** Messages the extension sends to a webview. */
export type HostMessage =
  | {
      type: "trace";
      file: string;
      trace: TraceStructure;
      cursor: number;
      debugging: boolean;
      breakpoints: number[];
      /**
       * A provisional trace: the steps up to `step` of a run still recording (the graph's first paint). The final trace
       * follows, with the same ids for what this one has; until then what needs the whole run is pending.
       */
      provisional?: { step: number };
      /**
       * The trace's first `rows.ops` ops and `rows.events` events are the page's stream `rows.stream` (`trace.ops` and
       * `trace.events` here are the rest); a provisional trace's message starts that stream (counts 0).
       */
      rows?: RowsPrefix;
    }
  /** The side panel's trace: what it draws, made by the host (sideModel.ts), not the trace's structure. */
  | { type: "side"; file: string; side: SideModel; cursor: number }
  | { type: "noTrace"; message: string }
  | { type: "cursor"; file: string; event: number; source: CursorSource }
  | { type: "values"; requestId: number; tensor: TensorId; result: ValuesResult }
  /** The statistics of the tensors a `requestStats` named (those the trace has). */
  | { type: "stats"; requestId: number; stats: StatsTable }
  /**
   * The tensors of the steps a `requestSteps` named that the graph message's window does not carry whatever its step
   * (traceWindow.ts: the parameters, the run-wide events' tensors), in id order.
   */
  | { type: "steps"; requestId: number; token: number; steps: number[]; tensors: TensorInfo[] }
  | { type: "select"; tensor?: TensorId; op?: OpId }
  | { type: "debugging"; active: boolean }
  | { type: "breakpoints"; lines: number[] }
  /** The health rules' thresholds from the user's settings (sent first, and again when they change). */
  | { type: "thresholds"; thresholds: HealthThresholds }
  /** Compare with Previous Trace: mark the graph and show the diff view (null clears it). */
  | { type: "diff"; file: string; diff: GraphDiff | null }
  /** Export Graph: the graph panel serialises its drawing and answers with an `export` message. */
  | { type: "exportGraph"; format: ExportFormat }
  /** A part of the page asked for with `requestPart` (KaTeX): its script and styles, to run under the nonce. */
  | { type: "part"; name: string; js: string; css: string };

/** Messages a webview sends to the extension. */
export type ViewMessage =
  | { type: "ready" }
  /** The page could not complete a trace message from its rows (traceRows.ts): send the whole trace. */
  | { type: "requestTrace" }
  | { type: "requestValues"; requestId: number; tensor: TensorId; maxValues: number }
  /** The statistics of these tensors (at most MAX_STATS_REQUEST), which the trace message left out. */
  | { type: "requestStats"; requestId: number; tensors: TensorId[] }
  /** A part of the page left out of it (KaTeX, src/protocol/page.ts), asked for when first needed. */
  | { type: "requestPart"; name: string }
  /** The tensors of training steps a windowed trace message left out (at most MAX_STEPS_REQUEST steps). */
  | { type: "requestSteps"; requestId: number; token: number; steps: number[] }
  /** Double-click on a node: open the op's line in the editor. */
  | { type: "reveal"; op: OpId }
  /** Timeline scrub, arrow-key step or "run to here": move the cursor (through the debugger when one runs). */
  | { type: "goto"; event: number }
  /** Side panel: a parameter was clicked; the graph selects it. */
  | { type: "selectParam"; name: string }
  /**
   * Side panel: a chart point was clicked; open that training step in the graph (re-recorded if only its statistics
   * were kept).
   */
  | { type: "openStep"; step: number }
  | { type: "showGraph" }
  /** The graph as drawn: SVG text or a PNG data URL, for the host to save. */
  | { type: "export"; format: ExportFormat; data: string }
  /** The graph drew a trace message (a frame after it arrived): the end of Trace Backprop's timing breakdown. */
  | { type: "painted"; ms: number; provisional?: boolean };

export type HostMessageType = HostMessage["type"];
export type ViewMessageType = ViewMessage["type"];

/**
 * Drop every tensor's values: the webview gets them one tensor at a time, on request. With `upFront` (a flag per
 * tensor), only the flagged tensors keep their statistics; a view asks for the others. With `only` (a flag per tensor),
 * the tensors not flagged are holes. `names`: leafNames of the trace, when they were worked out already.
 */
export function traceStructure(
  trace: Trace,
  upFront?: Uint8Array,
  only?: Uint8Array,
  names: ReadonlyMap<TensorId, string> = leafNames(trace.tensors, trace.ops),
): TraceStructure {
  const tensors: TensorInfo[] = new Array(trace.tensors.length);
  // one plain loop, fields by name: a rest pattern per tensor took seconds at 400,000 tensors
  for (let i = 0; i < tensors.length; i++) {
    if (only && only[i] !== 1) continue; // a hole: a tensor of a step the window leaves out
    const t = trace.tensors[i];
    const name = t.name ?? names.get(t.id);
    const info: TensorInfo = {
      id: t.id,
      kind: t.kind,
      shape: t.shape,
      dtype: t.dtype,
      hasValues: t.values !== undefined && t.values.length > 0,
    };
    if (!upFront || upFront[i] === 1) info.stats = t.stats;
    if (name !== undefined) info.name = name;
    if (t.op !== undefined) info.op = t.op;
    tensors[i] = info;
  }
  return { ...trace, tensors };
}
