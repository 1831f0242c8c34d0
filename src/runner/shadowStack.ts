// The shadow call stack the instrumented user code keeps (callSites.ts), read by the recorder at each op.
import type { OpSite } from "../trace/assembler";
import type { SourceLoc, StackFrame } from "../trace/types";

/** No user position (the runner itself called in, or the module has not made a call yet). */
const NONE = -1;
/** What a call without arguments spreads (never seen by user code, so never modified). */
const NO_ARGS: readonly never[] = [];

export class ShadowStack {
  /** The running user frame's current call site. */
  private current = NONE;
  /** The callers' call sites, outermost first. */
  private readonly saved: number[] = [];
  private readonly frames: StackFrame[] = [];
  private readonly locs: SourceLoc[] = [];
  /**
   * What locate() returned last, until the stack changes: the ops of one call (a Linear's three) share it, and a
   * recorder that sees the same object again need not look its frames up again.
   */
  private site: OpSite | undefined;

  /** Registers a file's sites; returns the id of the first (ids are dense across files). */
  addSites(file: string, sites: readonly { line: number; column: number; name: string }[]): number {
    const base = this.frames.length;
    for (const s of sites) {
      this.frames.push({ file, line: s.line, column: s.column, name: s.name });
      this.locs.push({ file, line: s.line, column: s.column });
    }
    return base;
  }

  /** The frame of site `id` (the object locate() puts in a stack: compared by identity). */
  frameAt(id: number): StackFrame {
    return this.frames[id];
  }

  get siteCount(): number {
    return this.frames.length;
  }

  /** `r(site, lastArgument)`: the call at `site` is about to happen. */
  readonly at = <T>(site: number, value: T): T => {
    this.current = site;
    this.site = undefined;
    return value;
  };

  /** `f(...r0(site))`: the same for a call without arguments. */
  readonly atNoArgs = (site: number): readonly never[] => {
    this.current = site;
    this.site = undefined;
    return NO_ARGS;
  };

  readonly enter = (): void => {
    this.saved.push(this.current);
    this.current = NONE;
    this.site = undefined;
  };

  readonly leave = (): void => {
    this.current = this.saved.pop() ?? NONE;
    this.site = undefined;
  };

  /**
   * The user stack now, innermost first, or undefined when no user call is in progress. The same object while the
   * stack stays as it is: read it, never change it.
   */
  readonly locate = (): OpSite | undefined => {
    if (this.current === NONE) return undefined;
    if (this.site !== undefined) return this.site;
    const stack: StackFrame[] = [this.frames[this.current]];
    for (let i = this.saved.length - 1; i >= 0; i--) {
      const s = this.saved[i];
      if (s !== NONE) stack.push(this.frames[s]);
    }
    this.site = { loc: this.locs[this.current], stack };
    return this.site;
  };
}
