// How a model's process ends, as `node` would end it: when its work is done (its timers and reads), its 'beforeExit'
// and 'exit' listeners called with the status it would exit with (process.exitCode, 1 after an uncaught error).
import { setImmediate, setTimeout } from "node:timers/promises";

/**
 * Whether the model has left work that keeps a thread alive: more of some kind of resource than before it loaded
 * (its timers, reads, sockets; not the thread's message ports, its console's way to the caller). A chain of promises
 * alone is over by the next turn of the event loop. What the thread had in flight as the model came (tsx's loader
 * writing its cache, seen in 1 of 18 runs from source; the bundled worker has nothing) is given up to 20 ms to end
 * first, so that the model's own reads are not taken for it.
 */
export async function pendingWork(): Promise<() => boolean> {
  const count = (): Map<string, number> => {
    const n = new Map<string, number>();
    for (const kind of process.getActiveResourcesInfo())
      if (kind !== "MessagePort") n.set(kind, (n.get(kind) ?? 0) + 1);
    return n;
  };
  const before = count();
  for (const until = Date.now() + 20; before.size > 0 && Date.now() < until;) {
    await setImmediate();
    const now = count();
    for (const [kind, n] of before) {
      const left = Math.min(n, now.get(kind) ?? 0);
      if (left === 0) before.delete(kind);
      else before.set(kind, left);
    }
  }
  return () => [...count()].some(([kind, n]) => n > (before.get(kind) ?? 0));
}

/**
 * Resolves once `busy()` is false on a turn of the event loop (its check after an immediate, when no timer of ours is
 * running): at once while the model works on promises, every 1-20 ms while it waits for its timers or files.
 */
export async function settled(busy: () => boolean): Promise<void> {
  for (let turn = 1; ; turn++) {
    await setImmediate();
    if (!busy()) return;
    await setTimeout(Math.min(20, turn));
  }
}

type Listener = (...args: unknown[]) => void;
type EndEvent = "beforeExit" | "exit";

/** The status the process would exit with now: process.exitCode as the model left it ("3" too), else 0. */
function currentCode(): number {
  const c = process.exitCode;
  return typeof c === "number" ? c : Number(c ?? 0) || 0;
}

/**
 * The model's 'beforeExit' and 'exit' listeners, called when a plain run would call them: left to the worker's own
 * end, they ran after the run was over (their output after the CLI's summary, or lost when the caller ended the
 * worker) and were told 0 for a model that set process.exitCode or threw. The runner's own listeners (registered
 * before the model loads) are left alone.
 */
export class ModelExit {
  /** The listeners there were before the model loaded (the runner's, node's). */
  private readonly runners = new Map<EndEvent, Set<Listener>>();
  /** The status a plain run exits with, once its 'exit' listeners have run; undefined until then. */
  code: number | undefined;

  /**
   * `owned`: the model runs in a thread of its own (the runner's worker), whose process.exitCode and listeners are the
   * model's; otherwise (a session in the caller's thread, as tests run them) nothing is called or set.
   */
  constructor(private readonly owned: boolean) {
    for (const event of ["beforeExit", "exit"] as const)
      this.runners.set(event, new Set(process.rawListeners(event) as Listener[]));
  }

  private modelListeners(event: EndEvent): Listener[] {
    const before = this.runners.get(event)!;
    return (process.rawListeners(event) as Listener[]).filter((l) => !before.has(l));
  }

  /**
   * The event loop ran empty (`busy` tells whether the model started more): 'beforeExit', again for as long as its
   * listeners start more work, as node does; then 'exit'.
   */
  async drained(busy: () => boolean): Promise<void> {
    while (this.owned) {
      const listeners = this.modelListeners("beforeExit");
      if (listeners.length === 0 || this.code !== undefined) break;
      for (const l of listeners) l.call(process, currentCode());
      await setImmediate();
      if (!busy()) break;
      await settled(busy);
    }
    this.exit();
  }

  /**
   * 'exit', once, with `code` (process.exit's argument, 1 after an uncaught error) or process.exitCode; the model's
   * listeners are removed after, so the worker's own end does not call them again. Returns the final status (a
   * listener may set process.exitCode).
   */
  exit(code?: number): number {
    if (this.code !== undefined) return this.code;
    if (!this.owned) return (this.code = code ?? 0);
    if (code !== undefined) process.exitCode = code;
    this.code = currentCode();
    const listeners = this.modelListeners("exit");
    for (const l of listeners) process.removeListener("exit", l);
    for (const l of listeners) l.call(process, this.code);
    this.code = currentCode();
    return this.code;
  }
}
