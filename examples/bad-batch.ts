// A long run with one bad step: step 300 trains on a batch whose labels are all flipped (a corrupted batch), so
// the loss spikes there. Trace it with the setting backstep.longRun.statsOnly on and backstep.maxSteps 1000, then
// click the spike in the side panel's loss chart: Backstep re-runs the model (seeded, so deterministic) up to step
// 300 and opens it in the graph.
import { manualSeed, randn, tensor, nn, F, optim, Tensor } from "backstep";

manualSeed(0);

/** The step that gets the corrupted batch. */
const BAD_STEP = 300;

const n = 32;
const labels = Array.from({ length: n }, (_, i) => i % 2);
const flipped = labels.map((c) => 1 - c);
const x = tensor(labels.map((c) => (c === 0 ? [-1, -1] : [1, 1]))).add(randn([n, 2]).mul(0.5));

const model = new nn.Sequential(new nn.Linear(2, 16), new nn.Tanh(), new nn.Linear(16, 2));
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });

/** Backstep calls it once per step with the step's index. */
export default function step(index: number): Tensor {
  opt.zeroGrad();
  const logits = model.forward(x);
  const loss = F.crossEntropy(logits, index === BAD_STEP ? flipped : labels);
  loss.backward();
  opt.step();
  return loss;
}
