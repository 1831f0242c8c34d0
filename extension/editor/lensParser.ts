// Where the CodeLens's places come from: a parser thread (extension/editor/lensWorker.ts), started on the first
// request and kept; in the extension host itself when the thread cannot run.
import { Worker } from "node:worker_threads";
import { lensPlaces, type LensPlace } from "./codeLensPlacement";
import type { LensReply, LensRequest } from "./lensWorker";

export class LensParser {
  private worker: Worker | undefined;
  private failed = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { source: string; resolve: (p: LensPlace[]) => void }>();

  /** `script` is the built lensWorker.js. */
  constructor(private readonly script: string) {}

  /** The lens places of a TypeScript model's source (lensPlaces), parsed off the extension host's thread. */
  places(source: string): Promise<LensPlace[]> {
    const worker = this.started();
    if (!worker) return Promise.resolve(lensPlaces(source));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, { source, resolve });
      const request: LensRequest = { id, source };
      worker.postMessage(request);
    });
  }

  /** Whether requests go to the parser thread (it started and has not failed). */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  private started(): Worker | undefined {
    if (this.worker || this.failed) return this.worker;
    try {
      const w = new Worker(this.script);
      w.on("message", (m: LensReply) => {
        const wait = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        wait?.resolve(m.places);
      });
      w.on("error", () => this.fail());
      w.on("exit", () => this.fail());
      w.unref(); // never keeps the extension host alive
      this.worker = w;
    } catch {
      this.failed = true;
    }
    return this.worker;
  }

  /** The thread is gone: what it was asked is parsed here, and so is everything after. */
  private fail(): void {
    this.failed = true;
    this.worker = undefined;
    const pending = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of pending) w.resolve(lensPlaces(w.source));
  }

  dispose(): void {
    const w = this.worker;
    this.failed = true; // no thread after disposal (the pending requests are answered as it exits)
    void w?.terminate();
  }
}
