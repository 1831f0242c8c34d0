// A 100,000-op model as a user might write it: a character-level LSTM language model unrolled over a long
// sequence (issue 15). The op count comes from the unroll (~22 ops a character, 910 characters a step), not from
// big tensors: every op is on [4, 32]-sized tensors. 5 steps traced in full by default. The e2e bench traces it in
// code-server.
import { manualSeed, tensor, zeros, stack, nn, F, optim, Tensor } from "backstep";

manualSeed(15);

const text = `It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness,
it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of Darkness,
it was the spring of hope, it was the winter of despair, we had everything before us, we had nothing before us, we were
all going direct to Heaven, we were all going direct the other way.`;
const chars = [...new Set(text)].sort();
const ids = [...text].map((c) => chars.indexOf(c));

const SEQ_LEN = 910;
const BATCH = 4;

/** BATCH windows of SEQ_LEN characters (wrapping around the text): each position's characters, and the next ones. */
const inputs: Tensor[] = [];
const next: number[] = [];
for (let t = 0; t < SEQ_LEN; t++) {
  const at = Array.from({ length: BATCH }, (_, b) => (b * 97 + t) % ids.length);
  const here = at.map((i) => ids[i]!);
  inputs.push(tensor(here, { dtype: "int32" }));
  next.push(...at.map((i) => ids[(i + 1) % ids.length]!));
}

class CharLSTM extends nn.Module {
  embed = new nn.Embedding(chars.length, 16);
  cell = new nn.LSTMCell(16, 32);
  head = new nn.Linear(32, chars.length);

  /** Reads the characters one position at a time → logits [SEQ_LEN·BATCH, vocabulary] for the next character. */
  forward(xs: Tensor[]): Tensor {
    let h = zeros([BATCH, 32]);
    let c = zeros([BATCH, 32]);
    const hs: Tensor[] = [];
    for (const x of xs) {
      [h, c] = this.cell.forward(this.embed.forward(x), [h, c]);
      hs.push(h);
    }
    return this.head.forward(stack(hs, 0).reshape([-1, 32]));
  }
}

const model = new CharLSTM();
const opt = new optim.Adam(model.parameters(), { lr: 3e-3 });

/** One training step: Backstep calls it once per step and records it. */
export default function step(): Tensor {
  opt.zeroGrad();
  const loss = F.crossEntropy(model.forward(inputs), next);
  loss.backward();
  opt.step();
  return loss;
}
