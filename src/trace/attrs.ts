// An op's attributes for the Trace: plain values, each distinct set written to the stream once.
import type { TraceWriter } from "./stream";
import type { AttrValue } from "./types";

/** An op's attributes as last recorded for an op name, to skip converting and keying the same ones again. */
interface AttrCache {
  op: string;
  raw: Readonly<Record<string, unknown>>;
  id: number;
  /** The op name's string id. */
  name: number;
}

/** Whether `attrs` has the same keys and values as `raw` (arrays element by element). */
function sameAttrs(attrs: Readonly<Record<string, unknown>>, raw: Readonly<Record<string, unknown>>): boolean {
  let n = 0;
  for (const k in attrs) {
    n++;
    const a = attrs[k];
    const b = raw[k];
    if (a === b) continue;
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  }
  for (const _ in raw) n--;
  return n === 0;
}

function toAttr(v: unknown): AttrValue | undefined {
  if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "number")) return v.slice() as number[];
    if (v.every((x) => typeof x === "string")) return v.slice() as string[];
  }
  if (v === undefined || typeof v === "function") return undefined;
  return String(v);
}

/** How many of a step's first ops have their attributes remembered by their ordinal (a few MB at most). */
const ORDINALS = 1 << 17;

/** The attribute sets of a run's ops, as the stream numbers them. */
export class AttrSets {
  /** Per op name, the attributes last seen and their id: most ops of a name get the same ones step after step. */
  private readonly cache = new Map<string, AttrCache>();
  /**
   * Per op ordinal in its step (the first ORDINALS), the attributes that op had last step: a step's ops repeat the
   * last step's in order, and an op name whose ops differ (the LSTM's 40 slices, attention's permutes and means)
   * missed the per-name cache at each change, converting and keying its attributes again (attention's traced step
   * spent ~9 of its ~30 µs of recorded forward ops here, a CPU profile, bundled).
   */
  private readonly byOrdinal: (AttrCache | undefined)[] = [];
  /**
   * The string id of the op name id() was last given: the lookup that finds its attributes finds it too (a second
   * lookup among the stream's strings per op was ~2% of the recorder's time in a profile of the MLP's traced step;
   * bundled A/B, bench/recorderAB.ts, 1,500 interleaved rounds at load 10–12: the recorded step 0.988× [quartiles
   * 0.84–1.20]).
   */
  name = -1;

  constructor(private readonly out: TraceWriter) {}

  /**
   * The id of an op's attribute set (-1: none), as the stream numbers them; `name` becomes its name's string id.
   * `ordinal`: the op's place in its step (0 for the first), or -1.
   */
  id(op: string, attrs: Readonly<Record<string, unknown>>, ordinal = -1): number {
    const byOrdinal = ordinal >= 0 && ordinal < ORDINALS;
    if (byOrdinal) {
      const last = this.byOrdinal[ordinal];
      if (last !== undefined && last.op === op && sameAttrs(attrs, last.raw)) {
        this.name = last.name;
        return last.id;
      }
    }
    // most ops of a name get the same attributes step after step
    const cached = this.cache.get(op);
    if (cached !== undefined) {
      this.name = cached.name;
      if (sameAttrs(attrs, cached.raw)) {
        if (byOrdinal) this.byOrdinal[ordinal] = cached;
        return cached.id;
      }
    }
    const converted: Record<string, AttrValue> = {};
    let any = false;
    for (const k in attrs) {
      const v = toAttr(attrs[k]);
      if (v === undefined) continue;
      converted[k] = v;
      any = true;
    }
    const id = any ? this.out.attrSet(converted) : -1;
    // a copy: the engine's object is the op's, and nothing stops it changing
    const raw: Record<string, unknown> = {};
    for (const k in attrs) raw[k] = Array.isArray(attrs[k]) ? (attrs[k] as unknown[]).slice() : attrs[k];
    const name = cached !== undefined ? cached.name : this.out.string(op);
    this.name = name;
    const entry: AttrCache = { op, raw, id, name };
    this.cache.set(op, entry);
    if (byOrdinal) this.byOrdinal[ordinal] = entry;
    return id;
  }
}
