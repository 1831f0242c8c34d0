// The shadow call stack the instrumented user code keeps (callSites.ts), read by the recorder at each op.
import type { OpSite } from "../trace/assembler";
import type { SourceLoc, StackFrame } from "../trace/types";
import { noteArgument } from "../engine/label";

/** No user position (the runner itself called in, or the module has not made a call yet). */
const NONE = -1;
/** What a call without arguments spreads (never seen by user code, so never modified). */
const NO_ARGS: readonly never[] = [];

export class ShadowStack {
  /** The running user frame's current call site. */
  private current = NONE;
  /** The callers' call sites, outermost first. */
  private saved: number[] = [];
  private readonly frames: StackFrame[] = [];
  private readonly locs: SourceLoc[] = [];
  /** Per site, the name of its call's last argument when the program names it (`labels`): noteArgument's. */
  private readonly args: (string | undefined)[] = [];
  /** Whether the call in progress noted an argument, to take back at the next call. */
  private argued = false;
  /**
   * What locate() returned last, until the stack changes: the ops of one call (a Linear's three) share it, and a
   * recorder that sees the same object again need not look its frames up again.
   */
  private site: OpSite | undefined;

  /** Registers a file's sites; returns the id of the first (ids are dense across files). */
  addSites(file: string, sites: readonly { line: number; column: number; name: string; arg?: string }[]): number {
    const base = this.frames.length;
    for (const s of sites) {
      this.frames.push({ file, line: s.line, column: s.column, name: s.name });
      this.locs.push({ file, line: s.line, column: s.column });
      this.args.push(s.arg);
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

  /**
   * `r(site, lastArgument)`: the call at `site` is about to happen. A last argument the program names (`labels` in
   * `F.crossEntropy(logits, labels)`) names the tensor the engine makes of it (label.ts's nameMadeOf), until the next
   * call.
   */
  readonly at = <T>(site: number, value: T): T => {
    this.current = site;
    this.site = undefined;
    const arg = this.args[site];
    // (an array: the engine names the tensor it makes of it by identity, reading nothing of it)
    if (arg !== undefined && Array.isArray(value)) {
      noteArgument(arg, value);
      this.argued = true;
      return value;
    }
    if (this.argued) this.forgetArgument();
    return value;
  };

  /** `f(...r0(site))`: the same for a call without arguments. */
  readonly atNoArgs = (site: number): readonly never[] => {
    this.current = site;
    this.site = undefined;
    if (this.argued) this.forgetArgument();
    return NO_ARGS;
  };

  private forgetArgument(): void {
    noteArgument(null, null);
    this.argued = false;
  }

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
   * An async function's body begins (`const s = enterAsync()`): a frame as enter() makes, which its awaits take off
   * the stack and put back (away, back). Without them, an async function that awaited stayed on the stack while its
   * caller ran on, and its continuation ran on what the stack held then: `await Promise.all([a(), b()])` located b's
   * ops under a's frames, or without main's.
   */
  readonly enterAsync = (): AsyncFrame => {
    this.enter();
    return { callers: this.saved.slice(), current: NONE, resumed: undefined, away: false };
  };

  /** `away(s, x)` in `back(s, await away(s, x))`: the function suspends; what ran before it runs on. */
  readonly away = <T>(f: AsyncFrame, value: T): T => {
    // (resumed by a rejection, which back() does not see: its frame was never put back)
    if (!f.away) {
      f.current = this.current;
      this.restore(f);
    }
    f.away = true;
    return value;
  };

  /** `back(s, …)`: the function resumes, in a later turn: its frame and its callers' as they were at its call. */
  readonly back = <T>(f: AsyncFrame, value: T): T => {
    if (!f.away) return value; // (a catch block's, its frame on the stack: the throw was not an await's)
    f.resumed = { saved: this.saved, current: this.current };
    f.away = false;
    this.saved = f.callers.slice();
    this.current = f.current;
    this.site = undefined;
    return value;
  };

  /** `leaveAsync(s)`, in the finally of an async function's body. */
  readonly leaveAsync = (f: AsyncFrame): void => {
    if (!f.away) this.restore(f);
    f.away = true;
  };

  /** The stack as it was before the function's frame went on: its caller's, or the turn's it resumed in. */
  private restore(f: AsyncFrame): void {
    if (f.resumed === undefined) return this.leave();
    this.saved = f.resumed.saved;
    this.current = f.resumed.current;
    this.site = undefined;
  }

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

/** An async function's call, across its awaits (ShadowStack.enterAsync). */
export interface AsyncFrame {
  /** The callers' sites at its call, outermost first. */
  readonly callers: readonly number[];
  /** Its current site when it suspended. */
  current: number;
  /** The stack its latest resumption found (undefined: it has not suspended yet, its caller's frame is below it). */
  resumed: { saved: number[]; current: number } | undefined;
  /** Off the stack: suspended, or over. */
  away: boolean;
}
