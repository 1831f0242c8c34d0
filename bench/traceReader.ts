// The trace benchmark's reading thread: what runModel does on the caller's thread while a model runs in a
// worker. It takes each chunk of the stream as it arrives and reads what is committed when asked, so that the
// model's thread can be timed while this one is idle. It builds every op, tensor (values and statistics) and
// event as runModel's does, then lets them go: thousands of steps would not fit in memory.
import { parentPort } from "node:worker_threads";
import { TraceReader, type TraceChunk } from "../src/trace/stream";

const port = parentPort!;
let ops = 0;
let summaries = 0;
const reader = new TraceReader({
  op: () => void ops++,
  tensor: () => undefined,
  event: () => undefined,
  patch: () => undefined,
  opHealth: () => undefined,
  capped: () => undefined,
  seriesLayer: () => undefined,
  seriesParam: () => undefined,
  stepSummary: () => void summaries++,
});
port.on("message", (m: { chunk?: TraceChunk; read?: boolean; reset?: boolean }) => {
  if (m.chunk) reader.addChunk(m.chunk);
  if (m.read) {
    reader.poll();
    port.postMessage({ ops, summaries });
    if (m.reset) {
      ops = 0;
      summaries = 0;
    }
  }
});
