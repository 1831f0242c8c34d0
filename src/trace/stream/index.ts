// How a recorder hands its Trace to the reader building it: records written straight into shared memory.
// Posting a batch of objects between threads cost more than recording them (structured clone, ~3 µs a tensor;
// even transferring typed arrays cost ~20 µs a message), so the recorder writes int records and float values
// into chunks of shared memory that the reading thread already holds, and publishes how far it got with one
// atomic store. Nothing is copied or posted per op; the reader builds the Trace's objects, and the statistics of
// the values it receives, on its own thread, while the model runs; and what was written before a worker was
// stopped (time limit, memory limit) is still there to read.
export { DERIVATIVE_OF, GRAD_SOURCES, HAS_DIFF, HAS_WORST, KIND, PRODUCT_OF, VERDICTS } from "./layout";
export type { DerivedCode, KindCode, TraceChunk } from "./layout";
export { TraceWriter } from "./writer";
export { LONG_RUN_CHUNK } from "./chunks";
export { TraceReader, type TraceSink } from "./reader";
