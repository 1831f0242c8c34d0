// The webview's side of the protocol: posts typed messages, validates what arrives, keeps view state, fetches values
// lazily.
import type { HostMessage, TensorValues, ViewMessage } from "../../src/protocol/messages";
import { isHostMessage } from "../../src/protocol/guards";
import { messageFromWire, messageToWire } from "../../src/protocol/wire";
import { unpackMessage } from "../../src/protocol/tensorTable";
import type { TensorId } from "../../src/trace/types";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const VALUES_TIMEOUT_MS = 5000;

export class Host<S extends object> {
  private readonly api: VsCodeApi = acquireVsCodeApi();
  private readonly waiting = new Map<number, { tensor: TensorId; resolve: (v: TensorValues | string) => void }>();
  private readonly cache = new Map<TensorId, Promise<TensorValues | string>>();
  private nextId = 1;

  constructor(onMessage: (m: HostMessage) => void) {
    window.addEventListener("message", (e: MessageEvent<unknown>) => {
      const m = unpackMessage(messageFromWire(e.data));
      if (!isHostMessage(m)) {
        console.warn("backstep: ignored a malformed message", m);
        return;
      }
      if (m.type === "values") {
        const w = this.waiting.get(m.requestId);
        if (w && w.tensor === m.tensor) {
          this.waiting.delete(m.requestId);
          w.resolve(m.result.kind === "values" ? m.result : m.result.reason);
        }
        return;
      }
      if (m.type === "trace") this.cache.clear();
      onMessage(m);
    });
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
      this.post({ type: "requestValues", requestId, tensor, maxValues });
    }
    return p;
  }

  /** Values already received, without asking (for synchronous re-renders). */
  async valuesNow(tensors: TensorId[]): Promise<Map<TensorId, TensorValues>> {
    const out = new Map<TensorId, TensorValues>();
    await Promise.all(
      tensors.map(async (t) => {
        const v = await this.values(t);
        if (typeof v !== "string") out.set(t, v);
      }),
    );
    return out;
  }
}
