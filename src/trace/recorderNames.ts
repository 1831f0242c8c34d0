// The names a run gives the trace's tensors after they were recorded: the variable an op's result is assigned to
// (`h = tanh(z)`), a root module's parameters and buffers (`model.attn.mask`), and the leaves a top-level object holds.
import type { Tensor } from "../engine/tensor";
import type { StepBook } from "./recorderSteps";
import type { TensorIds } from "./recorderTensors";
import type { TraceWriter } from "./stream";
import type { OpId } from "./types";

export class TraceNames {
  constructor(
    private readonly ids: TensorIds,
    private readonly out: TraceWriter,
    private readonly steps: StepBook,
  ) {}

  /** `name = value` ran: name the op that produced `value` since `mark`, its tensor, or a root module. */
  noteVariable(name: string, mark: OpId, value: unknown, isTensor: (v: unknown) => v is Tensor): void {
    const recording = this.steps.recording;
    if (recording) this.steps.series.noteVariable(name, value);
    if (isTensor(value)) {
      const notes = this.ids.notes;
      const tensor = notes.output(value);
      if (tensor >= 0 && notes.outputOp(value) >= mark && recording && !notes.named(value)) {
        notes.markNamed(value);
        const s = this.out.string(name);
        this.out.opVar(notes.outputOp(value), s);
        this.out.tensorName(tensor, s);
      }
    } else if (!name.includes(".")) {
      this.noteRoot(name, value);
    }
  }

  /** A module assigned to a variable (`model`), or held by an array one names (`layers.0`): a root of the names. */
  noteRoot(name: string, value: unknown): void {
    // its buffers that ops made at its construction are named after it; leaf buffers when read (TensorIds.idOf)
    const notes = this.ids.notes;
    for (const [buffer, t] of this.ids.params.noteRoot(value, name)) {
      const tensor = notes.output(t);
      if (tensor < 0 || notes.named(t)) continue;
      notes.markNamed(t);
      this.out.tensorName(tensor, this.out.string(buffer));
    }
  }

  /** `const name = value` ran at a file's top level: the leaves requiring grad its objects hold are named by path. */
  noteTopLevel(name: string, value: unknown): void {
    this.ids.params.noteTopLevel(value, name);
  }
}
