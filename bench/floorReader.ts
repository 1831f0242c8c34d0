// The reading thread of recorderAB.ts's floor mode (floorRecorder.ts's stream, which is no Trace stream): it reads
// every committed int, and about as many values as the overhead benchmarks' reader reads between rounds (20 MLP
// steps, ~46,000 float64 slots), so that the writer meets its chunks' memory as warm or as cold as the Recorder
// does; it marks sealed chunks read, so the writer writes them again. Answers as traceReader.ts does.
import { parentPort } from "node:worker_threads";
import { COMMITTED, HEADER, READ, SEALED, type TraceChunk } from "../src/trace/stream/layout";

const chunks: TraceChunk[] = [];
let at = HEADER;
let valuesAt = 0;
let sum = 0;

parentPort!.on("message", (m: { chunk?: TraceChunk; read?: boolean }) => {
  if (m.chunk) {
    chunks.push(m.chunk);
    return;
  }
  while (chunks.length > 0) {
    const c = chunks[0];
    const sealed = Atomics.load(c.ints, SEALED) === 1;
    const end = Atomics.load(c.ints, COMMITTED);
    for (; at < end; at++) sum += c.ints[at];
    const valuesEnd = Math.min(c.floats.length, valuesAt + 46_000);
    for (; valuesAt < valuesEnd; valuesAt++) sum += c.floats[valuesAt];
    if (!sealed) break;
    Atomics.store(c.ints, READ, 1);
    chunks.shift();
    at = HEADER;
    valuesAt = 0;
  }
  parentPort!.postMessage({ ops: Number.isNaN(sum) ? 1 : 0, summaries: 0 });
});
