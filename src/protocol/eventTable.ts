// The trace message's events as typed columns: forward, backward and accumulate events (nearly all of them) as
// numbers, the rarer kinds (step, update, zeroGrad, gradCheck, kinds of a later format) as objects. Each kind's fields
// are columns of that kind's events only (a forward event is its kind and op), and a local derivative (formula and
// Jacobian shape) is an index into the message's distinct ones: at the e2e bench's 100,000-op LSTM (245,800 events, 20
// distinct local derivatives) the table went 9.4 → 4.0 MB (bench/firstMessage.ts). At 10,000 ops the events as
// objects were a quarter of the message and of its deserialisation.
import type { LocalDerivative, TraceEvent } from "../trace/types";
import {
  isIndexColumn,
  narrow,
  packCounts,
  packIds,
  unpackCounts,
  unpackIds,
  type CountColumn,
  type IdColumn,
  type IndexColumn,
} from "./columns";
import type { StringTable } from "./stringTable";
import { inParts, runAll, type Slices } from "../trace/slices";
import { isEvent } from "./traceGuard";
import { EventHoles, withHoles } from "../trace/eventHoles";
import { ACCUMULATE, BACKWARD, FORWARD, holeSource, OTHER, UPDATE } from "./eventRows";
import { isColumnUpdate, unpackSites, UpdateSites, withParams, type UpdateSite } from "./eventExtras";

export interface EventTable {
  /** 0: the event is in `other`; 1 forward, 2 backward, 3 accumulate, 4 update. */
  kind: Uint8Array;
  /** forward and backward: the op; accumulate: `from` (-1: none). */
  op: IdColumn;
  /** Per backward event, in order: its upstream, and its inputs' count (their entries follow in the input columns). */
  upstream: IdColumn;
  arity: CountColumn;
  /** Per accumulate event, in order. */
  tensor: IdColumn;
  contribution: IdColumn;
  total: IdColumn;
  /** Per input of a backward event: the contribution (-1: null). */
  inputContribution: IdColumn;
  /** Per input: 0 for no local derivative, else 1 + the index of its formula and Jacobian shape in `locals`. */
  local: IndexColumn;
  /** Three numbers per distinct local derivative: its formula (an index into the message's strings), Jacobian shape. */
  locals: Float64Array;
  /** Per input: the local derivative's tensor (-1: none). */
  localTensor: IdColumn;
  /**
   * Per update event, in order: its parameter's name and rule (indices into the message's strings: at the 10,000-op
   * ResMLP its 3,620 updates as objects were 0.71 of the message's 1.74 MB, nearly all of it the rule's text).
   */
  param: IndexColumn;
  rule: IndexColumn;
  before: IdColumn;
  grad: IdColumn;
  after: IdColumn;
  /** Per update event: 0 for no location, else 1 + the index of its step() call's location and stack in `sites`. */
  site: IndexColumn;
  sites: UpdateSite[];
  /** The events not in columns, by index (`otherAt` ascending). */
  otherAt: number[];
  other: TraceEvent[];
  /**
   * Per event in `other`: null, or a zeroGrad event's parameter names as indices into the message's strings (its
   * `params` then empty). Each zeroGrad names every parameter: at the 10,000-op ResMLP 5 events of ~480 names were 104
   * of the message's 883 KB.
   */
  otherParams?: (number[] | null)[];
}

export function packEvents(events: readonly TraceEvent[], strings: StringTable): EventTable {
  const n = events.length;
  let inputs = 0;
  let backward = 0;
  let accumulate = 0;
  let updates = 0;
  for (const e of events) {
    if (e.kind === "accumulate") accumulate++;
    else if (isColumnUpdate(e)) updates++;
    else if (isColumnBackward(e)) {
      backward++;
      inputs += e.local.length;
    }
  }
  const kind = new Uint8Array(n);
  const op = new Int32Array(n);
  const upstream = new Int32Array(backward);
  const arity = new Int32Array(backward);
  const tensor = new Int32Array(accumulate);
  const contribution = new Int32Array(accumulate);
  const total = new Int32Array(accumulate);
  const inputContribution = new Int32Array(inputs);
  const local = new Int32Array(inputs);
  const localTensor = new Int32Array(inputs);
  const locals: number[] = [];
  const localIds = new Map<string, number>();
  // per Jacobian shape array (the trace reader shares one per shape) and formula: a local derivative met before is
  // found without making its key (116,000 of them at 100,000 ops)
  const byShape = new Map<readonly number[], Map<string, number>>();
  const param = new Int32Array(updates);
  const rule = new Int32Array(updates);
  const before = new Int32Array(updates);
  const grad = new Int32Array(updates);
  const after = new Int32Array(updates);
  const site = new Int32Array(updates);
  const sites = new UpdateSites();
  const otherAt: number[] = [];
  const other: TraceEvent[] = [];
  const otherParams: (number[] | null)[] = [];
  let u = 0;
  let b = 0;
  let a = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const e = events[i];
    if (e.kind === "forward") {
      kind[i] = FORWARD;
      op[i] = e.op;
    } else if (e.kind === "accumulate") {
      kind[i] = ACCUMULATE;
      op[i] = e.from ?? -1;
      tensor[a] = e.tensor;
      contribution[a] = e.contribution;
      total[a++] = e.total;
    } else if (isColumnBackward(e)) {
      kind[i] = BACKWARD;
      op[i] = e.op;
      upstream[b] = e.upstream;
      arity[b++] = e.local.length;
      for (let j = 0; j < e.local.length; j++, k++) {
        const l = e.local[j];
        inputContribution[k] = e.contributions[j] ?? -1;
        localTensor[k] = l?.tensor ?? -1;
        if (!l) continue; // local[k] stays 0: no local derivative
        let seen = byShape.get(l.jacobianShape);
        if (seen === undefined) byShape.set(l.jacobianShape, (seen = new Map()));
        let id = seen.get(l.formula);
        if (id === undefined) {
          const f = strings.id(l.formula);
          const key = `${f},${l.jacobianShape[0]},${l.jacobianShape[1]}`;
          id = localIds.get(key);
          if (id === undefined) {
            id = localIds.size;
            localIds.set(key, id);
            locals.push(f, l.jacobianShape[0], l.jacobianShape[1]);
          }
          seen.set(l.formula, id);
        }
        local[k] = id + 1;
      }
    } else if (isColumnUpdate(e)) {
      kind[i] = UPDATE;
      param[u] = strings.id(e.param);
      rule[u] = strings.id(e.rule);
      before[u] = e.before;
      grad[u] = e.grad;
      site[u] = sites.id(e);
      after[u++] = e.after;
    } else {
      kind[i] = OTHER;
      otherAt.push(i);
      const params = e.kind === "zeroGrad" && Array.isArray(e.params) ? e.params : [];
      if (params.length > 0 && params.every((p) => typeof p === "string")) {
        other.push({ ...e, params: [] } as TraceEvent);
        otherParams.push(params.map((p) => strings.id(p)));
      } else {
        other.push(e);
        otherParams.push(null);
      }
    }
  }
  return {
    kind,
    op: packIds(op),
    upstream: packIds(upstream),
    arity: packCounts(arity),
    tensor: packIds(tensor),
    contribution: packIds(contribution),
    total: packIds(total),
    inputContribution: packIds(inputContribution),
    local: narrow(local),
    locals: Float64Array.from(locals),
    localTensor: packIds(localTensor),
    param: narrow(param),
    rule: narrow(rule),
    before: packIds(before),
    grad: packIds(grad),
    after: packIds(after),
    site: narrow(site),
    sites: sites.sites,
    otherAt,
    other,
    otherParams,
  };
}

/** A backward event the columns hold: one output, a local derivative and a contribution per input. */
function isColumnBackward(e: TraceEvent): e is Extract<TraceEvent, { kind: "backward" }> {
  return e.kind === "backward" && !e.upstreams && e.local.length === e.contributions.length;
}

/**
 * The events back as objects, or undefined when the table is malformed (columns missing, of the wrong type or
 * length, an index out of range, a Jacobian shape that is not whole numbers, an event kept as an object that the guard
 * would refuse). Each event is then well formed with the message's strings (checkedRows.ts); that its ids index the
 * trace is the guard's to check.
 */
export function unpackEvents(table: unknown, strings: readonly string[]): TraceEvent[] | undefined {
  return runAll(unpackEventsSlices(table, strings));
}

/**
 * unpackEvents, pausing every ROWS_PER_PAUSE events (the graph page unpacks a big trace a task at a time). `holes`: the
 * forward, backward and accumulate events are left as holes, every column checked as if they were built, and the
 * array is marked with an EventHoles that builds them on demand (src/trace/eventHoles.ts).
 */
export function* unpackEventsSlices(
  table: unknown,
  strings: readonly string[],
  holes = false,
): Slices<TraceEvent[] | undefined> {
  if (typeof table !== "object" || table === null) return undefined;
  const t = table as Partial<Record<keyof EventTable, unknown>>;
  if (!(t.kind instanceof Uint8Array)) return undefined;
  const n = t.kind.length;
  const op = unpackIds(t.op, n);
  const upstream = unpackIds(t.upstream);
  const tensor = unpackIds(t.tensor);
  const na = tensor?.length;
  const contribution = unpackIds(t.contribution, na);
  const total = unpackIds(t.total, na);
  const inputContribution = unpackIds(t.inputContribution);
  const m = inputContribution?.length;
  const localTensor = unpackIds(t.localTensor, m);
  if (!op || !upstream || !tensor || !contribution || !total || !inputContribution || !localTensor) return undefined;
  const before = unpackIds(t.before);
  const nu = before?.length;
  const grad = unpackIds(t.grad, nu);
  const after = unpackIds(t.after, nu);
  if (!before || !grad || !after || !isIndexColumn(t.param, nu as number) || !isIndexColumn(t.rule, nu as number))
    return undefined;
  const sites = unpackSites(t.sites);
  if (!sites || !isIndexColumn(t.site, nu as number)) return undefined;
  const arity = unpackCounts(t.arity, upstream.length);
  if (!arity || !isIndexColumn(t.local, m as number)) return undefined;
  if (!(t.locals instanceof Float64Array) || t.locals.length % 3 !== 0) return undefined;
  if (!Array.isArray(t.otherAt) || !Array.isArray(t.other) || t.otherAt.length !== t.other.length) return undefined;
  const other = withParams(t.other as unknown[], t.otherParams, strings);
  // the events kept as objects are judged here as the guard would (the others are built from the columns)
  if (!other?.every(isEvent)) return undefined;
  const c = {
    ...(t as EventTable),
    ...{ op, upstream, arity, tensor, contribution, total, inputContribution, localTensor, before, grad, after, other },
  };
  const nLocals = c.locals.length / 3;
  // One Jacobian shape array per distinct local derivative, and one object for it where it names no tensor, shared by
  // the events that have it (as the host's trace reader shares shapes; no view writes to them).
  const shared: LocalDerivative[] = new Array(nLocals);
  for (let l = 0; l < nLocals; l++) {
    const f = c.locals[3 * l];
    if (!Number.isInteger(f) || f < 0 || f >= strings.length) return undefined;
    if (!Number.isInteger(c.locals[3 * l + 1]) || !Number.isInteger(c.locals[3 * l + 2])) return undefined;
    shared[l] = { formula: strings[f], jacobianShape: [c.locals[3 * l + 1], c.locals[3 * l + 2]] };
  }
  // (holes: filled with undefined, so the array is not holey to V8)
  const out: TraceEvent[] = holes ? new Array<TraceEvent>(n).fill(undefined as unknown as TraceEvent) : new Array(n);
  /** Each accumulate and backward event's row in its kind's columns; each backward's first input's. */
  const row = new Int32Array(n);
  const inputAt = new Int32Array(upstream.length);
  const source = holeSource(c, shared, row, inputAt);
  /** Where each kind's columns are read, from part to part. */
  const cursor = { next: 0, u: 0, a: 0, b: 0, k: 0 };
  const part = (from: number, to: number): true | undefined => {
    // in locals while a part runs: the loop reads and bumps them per event
    let { next, u, a, b, k } = cursor;
    for (let i = from; i < to; i++) {
      switch (c.kind[i]) {
        case FORWARD:
          if (!holes) out[i] = source.build(i);
          break;
        case ACCUMULATE:
          if (a >= tensor.length) return true;
          row[i] = a++;
          if (!holes) out[i] = source.build(i);
          break;
        case BACKWARD: {
          if (b >= c.upstream.length) return true;
          const arity = c.arity[b];
          if (arity < 0 || k + arity > localTensor.length) return true;
          for (let j = k; j < k + arity; j++) if (c.local[j] > nLocals || c.local[j] < 0) return true;
          row[i] = b;
          inputAt[b++] = k;
          k += arity;
          if (!holes) out[i] = source.build(i);
          break;
        }
        case UPDATE: {
          if (u >= before.length) return true;
          const param = strings[c.param[u]] as string | undefined;
          const rule = strings[c.rule[u]] as string | undefined;
          const at = c.site[u];
          if (param === undefined || rule === undefined || at < 0 || at > sites.length) return true;
          const e = { kind: "update", param, before: before[u], grad: grad[u], after: after[u], rule } as const;
          out[i] = at === 0 ? e : { ...e, ...sites[at - 1] };
          u++;
          break;
        }
        case OTHER:
          if (c.otherAt[next] !== i) return true;
          out[i] = c.other[next++];
          break;
        default:
          return true;
      }
    }
    Object.assign(cursor, { next, u, a, b, k });
    return undefined;
  };
  if (yield* inParts(n, part)) return undefined;
  const { next, u, a, b, k } = cursor;
  const whole =
    next === c.other.length &&
    k === localTensor.length &&
    a === tensor.length &&
    b === upstream.length &&
    u === before.length;
  if (!whole) return undefined;
  return holes ? withHoles(out, new EventHoles([source])) : out;
}
