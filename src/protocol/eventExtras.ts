// What the event table (eventTable.ts) packs of its rarer kinds beyond their columns: where update events ran (the
// optimizer's step() call and the user's stack there) once per distinct site, with a column of indices into them, and
// a zeroGrad's parameter names as indices into the message's strings. A step() call updates every parameter from one
// site: at the 10,000-op ResMLP, its 3,620 updates sent as objects for their location were 1.33 of the graph message's
// 2.05 MB (0.69 MB with sites, bench/firstMessage.ts), and VS Code's JSON of them held the extension host ~90 ms.
import type { SourceLoc, StackFrame, TraceEvent } from "../trace/types";
import { isEvent } from "./traceGuard";

/** An update event's location fields, as the trace has them (either may be absent). */
export interface UpdateSite {
  loc?: SourceLoc;
  stack?: StackFrame[];
}

type Update = Extract<TraceEvent, { kind: "update" }>;

/** The fields an update event's columns hold; `loc` and `stack` go in its site. */
const COLUMN_FIELDS = 6;

/** An update event of the fields the columns and its site hold, and no others (a later format's would be lost). */
export function isColumnUpdate(e: TraceEvent): e is Update {
  if (e.kind !== "update") return false;
  let fields = 0;
  for (const _ in e) fields++;
  return fields === COLUMN_FIELDS + ("loc" in e ? 1 : 0) + ("stack" in e ? 1 : 0);
}

/**
 * The distinct sites of the update events packed so far. A step() call's updates come one after another, each with
 * its own equal objects (as the trace reader makes them): the last site is compared field by field first, and a key is
 * made only when it differs (each update's key was a quarter of packing the 10,000-op ResMLP's message).
 */
export class UpdateSites {
  readonly sites: UpdateSite[] = [];
  private readonly byValue = new Map<string, number>();
  private last: { site: UpdateSite; id: number } | undefined;

  /** 0 for an update with neither field, else 1 + the index of its site in `sites`. */
  id(e: Update): number {
    const { loc, stack } = e;
    if (loc === undefined && stack === undefined) return 0;
    const last = this.last;
    if (last && sameLoc(last.site.loc, loc) && sameStack(last.site.stack, stack)) return last.id;
    const key = JSON.stringify([loc ?? null, stack ?? null]);
    let id = this.byValue.get(key);
    if (id === undefined) {
      id = this.sites.length + 1;
      this.byValue.set(key, id);
      this.sites.push({ ...(loc !== undefined ? { loc } : {}), ...(stack !== undefined ? { stack } : {}) });
    }
    this.last = { site: this.sites[id - 1], id };
    return id;
  }
}

function sameLoc(a: SourceLoc | undefined, b: SourceLoc | undefined): boolean {
  if (a === b) return true;
  return a !== undefined && b !== undefined && a.line === b.line && a.column === b.column && a.file === b.file;
}

function sameStack(a: readonly StackFrame[] | undefined, b: readonly StackFrame[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameLoc(a[i], b[i]) || a[i].name !== b[i].name) return false;
  return true;
}

/**
 * The sites as the page receives them, each judged as the guard judges an update's location and stack, or undefined
 * when one is malformed (or has a field of its own).
 */
export function unpackSites(sites: unknown): UpdateSite[] | undefined {
  if (!Array.isArray(sites)) return undefined;
  for (const s of sites as unknown[]) {
    if (typeof s !== "object" || s === null || Array.isArray(s)) return undefined;
    for (const k in s) if (k !== "loc" && k !== "stack") return undefined;
    if (!isEvent({ kind: "update", param: "", before: 0, grad: 0, after: 0, rule: "", ...s })) return undefined;
  }
  return sites as UpdateSite[];
}

/**
 * `other` with each zeroGrad's parameter names back from `otherParams` (absent: none packed so), or undefined when
 * `otherParams` is malformed: not one entry per event, an index out of the strings, or names for an event that is not
 * a zeroGrad with no names of its own.
 */
export function withParams(other: unknown[], otherParams: unknown, strings: readonly string[]): unknown[] | undefined {
  if (otherParams === undefined) return other;
  if (!Array.isArray(otherParams) || otherParams.length !== other.length) return undefined;
  const out = other.slice();
  for (let k = 0; k < out.length; k++) {
    const ids: unknown = otherParams[k];
    if (ids === null) continue;
    const e = out[k] as { kind?: unknown; params?: unknown } | null;
    if (!Array.isArray(ids) || e === null || typeof e !== "object" || e.kind !== "zeroGrad") return undefined;
    if (!Array.isArray(e.params) || e.params.length !== 0) return undefined;
    const params: string[] = [];
    for (const id of ids as unknown[]) {
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= strings.length) return undefined;
      params.push(strings[id as number]);
    }
    out[k] = { ...e, params };
  }
  return out;
}
