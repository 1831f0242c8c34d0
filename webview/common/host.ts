// The webview's side of the protocol: posts typed messages, validates what arrives, keeps view state, fetches values
// and statistics lazily.
import type { HostMessage, TensorInfo, TensorValues, ViewMessage } from "../../src/protocol/messages";
import { eachStats, MAX_STATS_REQUEST } from "../../src/protocol/statsTable";
import { hostMessageSlices, isHostMessage } from "../../src/protocol/guards";
import { messageFromWire, messageToWire } from "../../src/protocol/wire";
import { isPacked, unpackMessage, unpackMessageSlices } from "../../src/protocol/tensorTable";
import { runBudgeted } from "../../src/trace/slices";
import { RowStore } from "../../src/protocol/traceRows";
import type { TensorId } from "../../src/trace/types";
import { nextTask } from "./nextTask";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const VALUES_TIMEOUT_MS = 5000;

/**
 * A packed message (a trace, a step's tensors) is unpacked and checked in tasks of about this length: in code-server
 * the webview runs on the workbench's thread, and the 100,000-op LSTM's final trace message took ~0.9 s in one task
 * (the e2e bench's longest editor hitch, load 13).
 */
const UNPACK_TASK_MS = 30;

/** A performance mark at the start of each packed message's unpack (the tests tell its task by it). */
export const UNPACK_MARK = "backstep:unpack";
/** A performance mark when a packed message reached the page (the e2e bench times its way here and its unpack). */
export const RECEIVED_MARK = "backstep:received";

export class Host<S extends object> {
  private readonly api: VsCodeApi = acquireVsCodeApi();
  private readonly waiting = new Map<number, { tensor: TensorId; resolve: (v: TensorValues | string) => void }>();
  private readonly cache = new Map<TensorId, Promise<TensorValues | string>>();
  /** What arrived of `cache`: a tensor's values or the reason they are unavailable. */
  private readonly arrived = new Map<TensorId, TensorValues | string>();
  /** The current trace's tensors: a `stats` reply fills in their statistics. */
  private tensors: TensorInfo[] = [];
  /** Statistics asked for and not yet answered: per request its resolve, per tensor the request's promise. */
  private readonly statsWaiting = new Map<number, () => void>();
  private readonly statsAsked = new Map<TensorId, Promise<void>>();
  /** Parts of the page asked for (`requestPart`), by name: the answer's resolve. */
  private readonly partsWaiting = new Map<string, (text: { js: string; css: string } | undefined) => void>();
  private nextId = 1;
  /** A packed message being unpacked in slices: the messages after it wait for it, in order. */
  private unpacking: Promise<void> | undefined;
  /** A running trace's rows (its provisional trace's), which its final trace message leaves out. */
  private readonly rows = new RowStore();

  constructor(private readonly onMessage: (m: HostMessage) => void) {
    window.addEventListener("message", (e: MessageEvent<unknown>) => {
      const raw = messageFromWire(e.data);
      if (!this.unpacking && !isPacked(raw)) {
        const m = unpackMessage(raw);
        return this.receive(m, isHostMessage(m));
      }
      performance.mark(RECEIVED_MARK);
      const work = (this.unpacking ?? Promise.resolve()).then(async () => {
        // Its unpack starts in a task after the one that received it, which already read (deserialised) it: with the
        // unpack's first part, that task took 38-323 ms in the e2e 10k runs (long animation frames of 50 ms or more:
        // DOMWindow.onmessage), 21-99 ms since (e2eAB, 2 launches x 3 runs each in turn, load 10-13.6).
        await nextTask();
        performance.mark(UNPACK_MARK);
        const whole = this.rows.complete(await runBudgeted(unpackMessageSlices(raw), nextTask, UNPACK_TASK_MS));
        // a trace message that leaves out rows this page does not hold (one it refused): the host sends it whole
        if (!whole) return this.post({ type: "requestTrace" });
        const m = whole.message;
        const ok = await runBudgeted(hostMessageSlices(m), nextTask, UNPACK_TASK_MS);
        if (ok) whole.fill();
        this.receive(m, ok);
      });
      // a message that throws is reported as before (an uncaught error), and the messages after it still come
      const settled = work.catch((err: unknown) => {
        setTimeout(() => {
          throw err;
        });
      });
      this.unpacking = settled;
      void settled.then(() => {
        if (this.unpacking === settled) this.unpacking = undefined;
      });
    });
  }

  /** Handles a received message, unpacked, if it passed the guard. */
  private receive(x: unknown, ok: boolean): void {
    if (!ok) {
      console.warn("backstep: ignored a malformed message", x);
      return;
    }
    const m = x as HostMessage;
    if (m.type === "values") {
      const w = this.waiting.get(m.requestId);
      if (w && w.tensor === m.tensor) {
        this.waiting.delete(m.requestId);
        w.resolve(m.result.kind === "values" ? m.result : m.result.reason);
      }
      return;
    }
    if (m.type === "part") {
      const resolve = this.partsWaiting.get(m.name);
      this.partsWaiting.delete(m.name);
      resolve?.({ js: m.js, css: m.css });
      return;
    }
    if (m.type === "stats") {
      const done = this.statsWaiting.get(m.requestId);
      if (!done) return; // a reply for a trace since replaced
      this.statsWaiting.delete(m.requestId);
      const tensors = this.tensors;
      eachStats(m.stats, (id, stats) => {
        const t = tensors[id];
        if (t && !t.stats) t.stats = stats;
      });
      done();
      return;
    }
    if (m.type === "trace") {
      this.rows.accepted(m);
      this.cache.clear();
      this.arrived.clear();
      this.tensors = m.trace.tensors;
      // a late reply must not fill the new trace's tensors with the old one's statistics
      for (const done of this.statsWaiting.values()) done();
      this.statsWaiting.clear();
      this.statsAsked.clear();
    }
    this.onMessage(m);
  }

  post(m: ViewMessage): void {
    this.api.postMessage(messageToWire(m));
  }

  state(): Partial<S> {
    const s = this.api.getState();
    return typeof s === "object" && s !== null ? (s as Partial<S>) : {};
  }

  saveState(s: S): void {
    this.api.setState(s);
  }

  /** A tensor's values (sampled to at most `maxValues`), or the reason they are unavailable. Cached per trace. */
  values(tensor: TensorId, maxValues = 4096): Promise<TensorValues | string> {
    let p = this.cache.get(tensor);
    if (!p) {
      const requestId = this.nextId++;
      p = new Promise((resolve) => {
        this.waiting.set(requestId, { tensor, resolve });
        // A host that never answers (its trace was replaced) must not hold the inspector forever.
        setTimeout(() => {
          if (this.waiting.delete(requestId)) {
            this.cache.delete(tensor);
            resolve("The extension did not send these values.");
          }
        }, VALUES_TIMEOUT_MS);
      });
      this.cache.set(tensor, p);
      const asked = p;
      void p.then((v) => {
        if (this.cache.get(tensor) === asked) this.arrived.set(tensor, v);
      });
      this.post({ type: "requestValues", requestId, tensor, maxValues });
    }
    return p;
  }

  /**
   * Fetches the statistics of those of `ids` the trace message left out, into the trace's tensors (`stats`). Resolves
   * when they are there, or when the host did not answer in time (the tensors then stay without).
   */
  stats(ids: Iterable<TensorId>): Promise<void> {
    const missing: TensorId[] = [];
    const pending = new Set<Promise<void>>();
    for (const id of ids) {
      const t = this.tensors[id];
      if (!t || t.stats) continue;
      const asked = this.statsAsked.get(id);
      if (asked) pending.add(asked);
      else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += MAX_STATS_REQUEST) {
      const part = missing.slice(i, i + MAX_STATS_REQUEST);
      const requestId = this.nextId++;
      const p = new Promise<void>((resolve) => {
        const done = (): void => {
          for (const id of part) this.statsAsked.delete(id);
          resolve();
        };
        this.statsWaiting.set(requestId, done);
        setTimeout(() => {
          if (this.statsWaiting.delete(requestId)) done();
        }, VALUES_TIMEOUT_MS);
      });
      for (const id of part) this.statsAsked.set(id, p);
      pending.add(p);
      this.post({ type: "requestStats", requestId, tensors: part });
    }
    return pending.size ? Promise.all(pending).then(() => undefined) : Promise.resolve();
  }

  /** A part of the page left out of it (KaTeX), from the host; undefined if it did not answer in time. */
  part(name: string): Promise<{ js: string; css: string } | undefined> {
    return new Promise((resolve) => {
      this.partsWaiting.get(name)?.(undefined);
      this.partsWaiting.set(name, resolve);
      setTimeout(() => {
        if (this.partsWaiting.get(name) !== resolve) return;
        this.partsWaiting.delete(name);
        resolve(undefined);
      }, VALUES_TIMEOUT_MS);
      this.post({ type: "requestPart", name });
    });
  }

  /** A tensor's values or the reason they are unavailable, if they have arrived; undefined otherwise (not asked). */
  received(tensor: TensorId): TensorValues | string | undefined {
    return this.arrived.get(tensor);
  }
}
