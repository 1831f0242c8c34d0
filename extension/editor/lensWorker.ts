// The CodeLens's parser thread: places the Trace/Debug lenses of a TypeScript model (sucrase + acorn) away from the
// extension host's event loop. Its first parse compiles both libraries (1.5 s of the host's CPU in a cold start's
// profile at load 17, run before the first Trace Backprop command could start).
import { parentPort } from "node:worker_threads";
import { lensPlaces } from "./codeLensPlacement";

export interface LensRequest {
  id: number;
  source: string;
}

export interface LensReply {
  id: number;
  places: ReturnType<typeof lensPlaces>;
}

parentPort?.on("message", (m: LensRequest) => {
  const reply: LensReply = { id: m.id, places: lensPlaces(m.source) };
  parentPort!.postMessage(reply);
});
