// The Recorder's options (recorder.ts): caps on values, steps, ops and events, and the runner's hooks.
import type { OpSite, TraceChunk } from "./assembler";
import type { StackFrame } from "./types";
import type { StepOptions } from "./recorderSteps";
import type { CapOptions } from "./snapshots";

export interface RecorderOptions extends CapOptions, StepOptions {
  /** Steps recorded; later steps still run, unrecorded, and are counted in truncated.stepsDropped. Default 5. */
  maxSteps?: number;
  /**
   * Which steps keep their full record; the others keep only their statistics (Trace.series, recorded for every
   * step either way). Absent: every step is full.
   */
  fullSteps?: StepOptions["fullSteps"];
  /**
   * Caps on what one trace records (defaults DEFAULT_MAX_OPS and DEFAULT_MAX_EVENTS), so a runaway loop cannot
   * exhaust the memory of whoever reads the trace: at either, recording stops for good (the model runs on,
   * unrecorded) and the stream says where, so the reader can name the line that floods it.
   */
  maxOps?: number;
  maxEvents?: number;
  /** The loop the model entered last, if any (the runner knows its loops): where a flood most likely comes from. */
  currentLoop?: StepOptions["currentLoop"];
  /** Which iteration of the user's loops a site runs in (the runner's instrumented loops tell it). */
  iterations?: StepOptions["iterations"];
  /**
   * Whether a stack frame is an `expectGrad(t, …)` call inside a helper taking `t` (makemore part 4's `cmp`): its
   * checks are placed at the helper's call, the frame after it.
   */
  helperCheck?: (frame: StackFrame) => boolean;
  /** Where the current op was called (the runner supplies a user-stack capture). */
  locate?: () => OpSite;
  /** Receives each chunk of the recorded stream as it is started (a TraceAssembler's addChunk, or a post to one). */
  onChunk?: (chunk: TraceChunk) => void;
  /** Ints and float64s per chunk of that stream (default 2^20 and 2^19: 4 MB each). */
  chunkSize?: { ints: number; floats: number };
}
