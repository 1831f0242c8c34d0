// The reading side of the trace stream: what the extension host (runModel's thread) spends building the Trace of the
// 10,000-op model from the recorder's chunks. The model is recorded once, in-process, into chunks nobody reads
// meanwhile (so none is written again); then the same chunks are read into a new Trace, round after round: CPU time
// per read (the garbage collector's included, on this thread) and the heap the finished Trace holds.
// `node --import tsx bench/read.bench.ts [rounds]` runs it alone; `npm run bench read` through the bench runner.
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as engine from "../src/index";
import { ModelSession } from "../src/runner/session";
import { TraceAssembler } from "../src/trace/assembler";
import type { TraceChunk } from "../src/trace/stream";
import { median, quantile } from "./traceOverhead";

const model = join(__dirname, "models", "resmlp-10k.ts");

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** The model's stream as the runner's worker writes it (default caps, 5 steps), its chunks kept. */
export async function recordChunks(file = model): Promise<TraceChunk[]> {
  const chunks: TraceChunk[] = [];
  const session = new ModelSession(engine, { onChunk: (c) => chunks.push(c) });
  await session.run(file);
  session.recorder.finish();
  session.flush();
  return chunks;
}

/** Reads `chunks` into a new Trace: CPU and wall time, in ms. */
export function readOnce(chunks: readonly TraceChunk[]): { cpuMs: number; wallMs: number; asm: TraceAssembler | null } {
  const asm = new TraceAssembler(model);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (const c of chunks) asm.addChunk(c);
  asm.poll();
  const wallMs = performance.now() - w0;
  const d = process.cpuUsage(c0);
  return { cpuMs: (d.user + d.system) / 1000, wallMs, asm };
}

export default async function run(rounds = 15): Promise<Record<string, number>> {
  const chunks = await recordChunks();
  readOnce(chunks);
  const cpu: number[] = [];
  const wall: number[] = [];
  let heapMb = 0;
  let ops = 0;
  let tensors = 0;
  // the round's Trace, let go before the next round's heap is measured
  const held: { asm: TraceAssembler | null } = { asm: null };
  for (let r = 0; r < rounds; r++) {
    held.asm = null;
    gc();
    const h0 = process.memoryUsage().heapUsed;
    const got = readOnce(chunks);
    cpu.push(got.cpuMs);
    wall.push(got.wallMs);
    held.asm = got.asm;
    got.asm = null;
    gc();
    heapMb = (process.memoryUsage().heapUsed - h0) / 2 ** 20;
    ops = held.asm!.trace.ops.length;
    tensors = held.asm!.trace.tensors.length;
  }
  const out = {
    ops,
    tensors,
    chunks: chunks.length,
    readCpuMs: median(cpu),
    readCpuMsQ1: quantile(cpu, 0.25),
    readCpuMsQ3: quantile(cpu, 0.75),
    readWallMs: median(wall),
    traceHeapMb: heapMb,
    rounds,
  };
  console.log(
    `10,000-op model (${ops} ops, ${tensors} tensors): read ${out.readCpuMs.toFixed(0)} ms CPU [quartiles ${out.readCpuMsQ1.toFixed(0)}–${out.readCpuMsQ3.toFixed(0)}], ${out.readWallMs.toFixed(0)} ms wall (medians of ${rounds}); the Trace holds ${heapMb.toFixed(1)} MB of heap`,
  );
  return out;
}

if (require.main === module) void run(Number(process.argv[2] ?? 15));
