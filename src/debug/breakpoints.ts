// Breakpoints over a recorded run: each one resolves, once, to the sorted list of events where it stops.
import { Condition, filterHits } from "./breakpointConditions";
import { EvalError } from "./evaluate";
import { conditionalLineEntries } from "./lineEntries";
import type { DebugIndex } from "./debugIndex";
import { DEFAULT_THRESHOLDS, deliberateInf, type HealthThresholds } from "../trace/healthRules";
import { gradientEvents } from "./gradientEvents";
import { gradCheckFailed } from "../trace/text";

export interface BreakpointSpec {
  condition?: string;
  hitCondition?: string;
}
export interface LineBreakpointSpec extends BreakpointSpec {
  line: number;
}
export interface FunctionBreakpointSpec extends BreakpointSpec {
  /** An op name such as `matmul`. */
  name: string;
}

/**
 * Break when a value changes: `param:<name>` (optimizer updates), `grad:<name>` (its gradient), `name:<name>`
 * (reassigned).
 */
export interface DataBreakpointSpec extends BreakpointSpec {
  dataId: string;
}

export type BreakpointKind = "line" | "function" | "data";

export interface ResolvedBreakpoint {
  id: number;
  kind: BreakpointKind;
  verified: boolean;
  /** The line the breakpoint was moved to (the next line with ops), for line breakpoints. */
  line?: number;
  file?: string;
  message?: string;
  /** Events where it stops, ascending. */
  hits: number[];
  spec: LineBreakpointSpec | FunctionBreakpointSpec | DataBreakpointSpec;
}

export type ExceptionFilter = "nan" | "vanishing" | "exploding" | "gradCheck";
export const EXCEPTION_FILTERS: { filter: ExceptionFilter; label: string; description: string; default: boolean }[] = [
  {
    filter: "nan",
    label: "NaN or Inf produced",
    description: "Stop where a NaN or Inf first appears (forward value or gradient)",
    default: true,
  },
  {
    filter: "vanishing",
    label: "Vanishing gradient",
    description:
      "Stop where a parameter's gradient falls below backstep.vanishingThreshold (not one zero by structure)",
    default: false,
  },
  {
    filter: "exploding",
    label: "Exploding gradient",
    description: "Stop where a parameter's gradient rises above backstep.explodingThreshold",
    default: false,
  },
  {
    filter: "gradCheck",
    label: "Gradient check failed",
    description:
      "Stop at an expectGrad (or a custom function's gradcheck) whose hand-written gradient does not match autograd's",
    default: true,
  },
];

export class Breakpoints {
  private nextId = 1;
  private readonly lines = new Map<string, ResolvedBreakpoint[]>();
  private functions: ResolvedBreakpoint[] = [];
  private data: ResolvedBreakpoint[] = [];
  private filters = new Set<ExceptionFilter>();
  private exceptionHits = new Map<ExceptionFilter, number[]>();

  constructor(
    private index: DebugIndex,
    /** The health rules' thresholds (the user's settings, through the launch configuration). */
    private thresholds: HealthThresholds = DEFAULT_THRESHOLDS,
  ) {
    this.computeExceptions();
  }

  /** Replaces the line breakpoints of one file. */
  setLines(file: string, specs: LineBreakpointSpec[]): ResolvedBreakpoint[] {
    const resolved = specs.map((spec) => this.resolveLine(this.nextId++, file, spec));
    this.lines.set(file, resolved);
    return resolved;
  }

  setFunctions(specs: FunctionBreakpointSpec[]): ResolvedBreakpoint[] {
    this.functions = specs.map((spec) => this.resolveFunction(this.nextId++, spec));
    return this.functions;
  }

  setData(specs: DataBreakpointSpec[]): ResolvedBreakpoint[] {
    this.data = specs.map((spec) => this.resolveData(this.nextId++, spec));
    return this.data;
  }

  setExceptionFilters(filters: string[]): void {
    this.filters = new Set(filters.filter((f): f is ExceptionFilter => EXCEPTION_FILTERS.some((x) => x.filter === f)));
  }

  /**
   * After a re-trace, or the first trace of a session whose breakpoints came while it recorded: the same breakpoints,
   * resolved against the new run (ids kept). `spell` gives a file's spelling in the new run (the editor's and the
   * trace's may differ in case where paths do not), `thresholds` the launch's health rules when they are new.
   */
  rebind(
    index: DebugIndex,
    spell: (file: string) => string = (f) => f,
    thresholds: HealthThresholds = this.thresholds,
  ): ResolvedBreakpoint[] {
    this.index = index;
    this.thresholds = thresholds;
    this.computeExceptions();
    const lines = [...this.lines];
    this.lines.clear();
    for (const [was, list] of lines) {
      const file = spell(was);
      this.lines.set(file, [
        ...(this.lines.get(file) ?? []),
        ...list.map((b) => this.resolveLine(b.id, file, b.spec as LineBreakpointSpec)),
      ]);
    }
    this.functions = this.functions.map((b) => this.resolveFunction(b.id, b.spec as FunctionBreakpointSpec));
    this.data = this.data.map((b) => this.resolveData(b.id, b.spec as DataBreakpointSpec));
    return this.all();
  }

  private all(): ResolvedBreakpoint[] {
    return [...[...this.lines.values()].flat(), ...this.functions, ...this.data];
  }

  /** The first stop strictly after `from` (dir 1) or strictly before it (dir -1). */
  nextStop(
    from: number,
    dir: 1 | -1,
  ):
    | {
        event: number;
        reason: "breakpoint" | "function breakpoint" | "data breakpoint" | "exception";
        ids: number[];
        filter?: ExceptionFilter;
      }
    | undefined {
    let best: number | undefined;
    const better = (e: number | undefined): void => {
      if (e !== undefined && (best === undefined || (dir > 0 ? e < best : e > best))) best = e;
    };
    const all = this.all();
    for (const b of all) better(neighbour(b.hits, from, dir));
    for (const f of this.filters) better(neighbour(this.exceptionHits.get(f) ?? [], from, dir));
    if (best === undefined) return undefined;
    const at = best;
    const filter = [...this.filters].find((f) => this.exceptionHits.get(f)?.includes(at));
    if (filter) return { event: at, reason: "exception", ids: [], filter };
    const ids = all.filter((b) => b.hits.includes(at));
    const reason = ids.some((b) => b.kind === "line")
      ? "breakpoint"
      : ids.some((b) => b.kind === "function")
        ? "function breakpoint"
        : "data breakpoint";
    return { event: at, reason, ids: ids.map((b) => b.id) };
  }

  /** Where line breakpoint `id` is (its file and the line it moved to), if it is one. */
  lineOf(id: number): { file: string; line: number } | undefined {
    for (const b of [...this.lines.values()].flat())
      if (b.id === id && b.file && b.line) return { file: b.file, line: b.line };
    return undefined;
  }

  exceptionEvents(filter: ExceptionFilter): readonly number[] {
    return this.exceptionHits.get(filter) ?? [];
  }

  private resolveLine(id: number, file: string, spec: LineBreakpointSpec): ResolvedBreakpoint {
    const byLine = this.index.lineEntries.get(file);
    const line = byLine ? this.index.linesOf(file).find((l) => l >= spec.line) : undefined;
    if (line === undefined || !byLine) {
      return {
        id,
        kind: "line",
        verified: false,
        file,
        spec,
        hits: [],
        message: `No tensor op runs on or after line ${spec.line} of this file in the recorded run.`,
      };
    }
    // with a condition, each visit of the line stops at its first event where the condition holds (tested there)
    return this.withHits({ id, kind: "line", verified: true, file, line, spec, hits: [] }, (condition) =>
      condition.present
        ? { held: conditionalLineEntries(this.index.lineWalk, file, line, (at) => condition.holds(at)) }
        : { events: byLine.get(line) ?? [] },
    );
  }

  private resolveFunction(id: number, spec: FunctionBreakpointSpec): ResolvedBreakpoint {
    const candidates: number[] = [];
    this.index.trace.events.forEach((e, i) => {
      if ((e.kind === "forward" || e.kind === "backward") && this.index.op(e.op)?.op === spec.name) candidates.push(i);
    });
    if (!candidates.length)
      return {
        id,
        kind: "function",
        verified: false,
        spec,
        hits: [],
        message: `No '${spec.name}' op ran in the recorded run.`,
      };
    return this.withHits({ id, kind: "function", verified: true, spec, hits: [] }, () => ({ events: candidates }));
  }

  private resolveData(id: number, spec: DataBreakpointSpec): ResolvedBreakpoint {
    const candidates = this.index.changesOf(spec.dataId);
    if (!candidates.length)
      return {
        id,
        kind: "data",
        verified: false,
        spec,
        hits: [],
        message: `'${spec.dataId.replace(/^\w+:/, "")}' never changes in the recorded run.`,
      };
    return this.withHits({ id, kind: "data", verified: true, spec, hits: [] }, () => ({ events: candidates }));
  }

  /**
   * `b` with its hits among `candidates`, given the condition (a line's depend on it): `events` to test it at, or
   * `held`, where it was tested already.
   */
  private withHits(
    b: ResolvedBreakpoint,
    candidates: (condition: Condition) => { events: readonly number[] } | { held: readonly number[] },
  ): ResolvedBreakpoint {
    try {
      const condition = new Condition(this.index, b.spec);
      const c = candidates(condition);
      const hits = "held" in c ? filterHits(c.held, b.spec, undefined) : filterHits(c.events, b.spec, condition);
      const fatal = condition.fatal;
      if (fatal) throw fatal;
      return { ...b, hits };
    } catch (err) {
      if (err instanceof EvalError) return { ...b, verified: false, message: err.message };
      throw err;
    }
  }

  private computeExceptions(): void {
    const index = this.index;
    const bad = (id: number | null | undefined): boolean => {
      const s = id === null || id === undefined ? undefined : index.tensor(id)?.stats;
      return !!s && s.nan + s.inf > 0;
    };
    const nan: number[] = [];
    const failedChecks: number[] = [];
    const sizes = gradientEvents(index, this.thresholds);
    index.trace.events.forEach((e, i) => {
      // Origins only: the event makes a non-finite tensor out of finite ones.
      if (e.kind === "forward") {
        const op = index.op(e.op);
        // (not an Inf the program asked for, a GPT's causal mask: it stopped there first, deliberateInf)
        if (op && bad(op.output) && !op.inputs.some(bad) && !deliberateInf(op)) nan.push(i);
      } else if (e.kind === "backward") {
        if (!bad(e.upstream) && e.contributions.some(bad)) nan.push(i);
      } else if (e.kind === "update" && bad(e.after) && !bad(e.before) && !bad(e.grad)) nan.push(i);
      else if (e.kind === "gradCheck" && gradCheckFailed(e)) failedChecks.push(i);
    });
    this.exceptionHits = new Map([
      ["nan", nan],
      ["vanishing", sizes.vanishing],
      ["exploding", sizes.exploding],
      ["gradCheck", failedChecks],
    ]);
  }
}

function neighbour(sorted: readonly number[], from: number, dir: 1 | -1): number | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (dir > 0 ? sorted[mid] > from : sorted[mid] < from) {
      found = sorted[mid];
      if (dir > 0) hi = mid - 1;
      else lo = mid + 1;
    } else if (dir > 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return found;
}
