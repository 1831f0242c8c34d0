// The adding problem (Hochreiter & Schmidhuber, 1997) for an nn.LSTM: sum the two marked numbers of a sequence.
import { manualSeed, tensor, rand, nn, F, optim, Tensor } from "backstep";

manualSeed(7);

const seq_len = 8;
const batch_size = 16;
const hidden_size = 12;

/** Each step is (value in [0, 1), marker); exactly two steps are marked, and the target is the sum of their values. */
function adding_batch(n: number, T: number): [Tensor, Tensor] {
  const values = rand([n, T]).values();
  const picks = rand([n, 2]).values();
  const x = new Float32Array(n * T * 2);
  const y = new Float32Array(n);
  for (let b = 0; b < n; b++) {
    const first = Math.floor(picks[2 * b] * (T / 2)); // one in the first half
    const second = Math.floor(T / 2 + picks[2 * b + 1] * (T / 2)); // one in the second half
    for (let t = 0; t < T; t++) {
      x[(b * T + t) * 2] = values[b * T + t];
      x[(b * T + t) * 2 + 1] = t === first || t === second ? 1 : 0;
    }
    y[b] = values[b * T + first] + values[b * T + second];
  }
  return [tensor(x, { shape: [n, T, 2] }), tensor(y, { shape: [n, 1] })];
}

class Adder extends nn.Module {
  lstm = new nn.LSTM(2, hidden_size, { batchFirst: true });
  fc = new nn.Linear(hidden_size, 1);

  forward(x: Tensor): Tensor {
    const [out] = this.lstm.forward(x); // out: (batch, seq_len, hidden_size); also (h_n, c_n)
    const last = out.index([null, -1, null]); // out[:, -1, :]: the hidden state after the last step
    return this.fc.forward(last);
  }
}

const model = new Adder();
const optimizer = new optim.Adam(model.parameters(), { lr: 0.02 });
const [x, y] = adding_batch(batch_size, seq_len);

export default function step(): Tensor {
  optimizer.zeroGrad();
  const pred = model.forward(x);
  const loss = F.mseLoss(pred, y);
  loss.backward();
  optimizer.step();
  return loss;
}
