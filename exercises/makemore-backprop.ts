// Exercise: become a backprop ninja (Karpathy, makemore part 4). A character-level MLP with batch norm runs forward
// in small steps, and loss.backward() computes every gradient. Your turn: compute them by hand, from dlogprobs back
// to dC, one line per intermediate. Replace each todo(…) marked TODO; each expectGrad line turns ✓ (exact) or ≈
// (equal up to rounding) when your gradient matches autograd's, and stays ✗ with the largest difference until then.
import { manualSeed, randn, tensor, full, onesLike, arange, expectGrad, type Tensor } from "backstep";

/** Stands for a gradient not written yet: NaN everywhere, so its check is ✗ until you replace it. */
const todo = (like: Tensor): Tensor => full(like.shape, NaN, { dtype: "float64" });

// The data: contexts of 3 characters and the character that follows, from a few names (makemore's names.txt).
const words = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia"];
const chars = [".", ..."abcdefghijklmnopqrstuvwxyz"];
const block = 3;
const X: number[][] = [];
const Y: number[] = [];
for (const w of words) {
  let context = [0, 0, 0];
  for (const ch of [...w, "."]) {
    const ix = chars.indexOf(ch);
    X.push(context);
    Y.push(ix);
    context = [...context.slice(1), ix];
  }
}
const n = 32;
const Xb = X.slice(0, n);
const Yb = Y.slice(0, n);

// The network: an embedding table C, a hidden layer with batch norm and tanh, an output layer.
manualSeed(42);
const vocab = chars.length;
const nEmbd = 10;
const nHidden = 64;
const param = (shape: number[], scale: number, shift = 0): Tensor =>
  tensor(randn(shape, { dtype: "float64" }).mul(scale).add(shift), { requiresGrad: true, dtype: "float64" });
const C = param([vocab, nEmbd], 1);
const W1 = param([nEmbd * block, nHidden], 5 / 3 / Math.sqrt(nEmbd * block));
const b1 = param([nHidden], 0.1);
const W2 = param([nHidden, vocab], 0.1);
const b2 = param([vocab], 0.1);
const bngain = param([1, nHidden], 0.1, 1);
const bnbias = param([1, nHidden], 0.1);

// Forward, chunked into steps that are easy to differentiate one at a time.
const emb = C.index([Xb]);
const embcat = emb.view(n, nEmbd * block);
const hprebn = embcat.matmul(W1).add(b1);
const bnmeani = hprebn.sum(0, true).mul(1 / n);
const bndiff = hprebn.sub(bnmeani);
const bndiff2 = bndiff.pow(2);
const bnvar = bndiff2.sum(0, true).mul(1 / (n - 1)); // Bessel's correction: n − 1
const bnvar_inv = bnvar.add(1e-5).pow(-0.5);
const bnraw = bndiff.mul(bnvar_inv);
const hpreact = bngain.mul(bnraw).add(bnbias);
const h = hpreact.tanh();
const logits = h.matmul(W2).add(b2);
const logit_maxes = logits.max(1, true);
const norm_logits = logits.sub(logit_maxes); // for numerical stability
const counts = norm_logits.exp();
const counts_sum = counts.sum(1, true);
const counts_sum_inv = counts_sum.pow(-1);
const probs = counts.mul(counts_sum_inv);
const logprobs = probs.log();
const loss = logprobs
  .index([arange(n), Yb])
  .mean()
  .neg();
loss.backward();

// Backward by hand. Where a value was used twice, its gradient is the sum over both uses.
const dlogprobs = todo(logprobs); // TODO: −1/n at [i, Yb[i]], 0 elsewhere
expectGrad(logprobs, dlogprobs);
const dprobs = todo(probs); // TODO
expectGrad(probs, dprobs);
const dcounts_sum_inv = todo(counts_sum_inv); // TODO
expectGrad(counts_sum_inv, dcounts_sum_inv);
const dcounts_sum = todo(counts_sum); // TODO
expectGrad(counts_sum, dcounts_sum);
const dcounts = todo(counts); // TODO: counts is used twice (probs and counts_sum)
expectGrad(counts, dcounts);
const dnorm_logits = todo(norm_logits); // TODO
expectGrad(norm_logits, dnorm_logits);
const dlogit_maxes = todo(logit_maxes); // TODO: tiny — why?
expectGrad(logit_maxes, dlogit_maxes);
const dlogits = todo(logits); // TODO: two paths (norm_logits and, through the max, logit_maxes:
// F.oneHot(logits.argmax(1), vocab) marks each row's max; import F from "backstep")
expectGrad(logits, dlogits);
const dh = todo(h); // TODO
expectGrad(h, dh);
const dW2 = todo(W2); // TODO
expectGrad(W2, dW2);
const db2 = todo(b2); // TODO
expectGrad(b2, db2);
const dhpreact = todo(hpreact); // TODO
expectGrad(hpreact, dhpreact);
const dbngain = todo(bngain); // TODO: keep its shape [1, 64] (sum(0, true)): expectGrad does not broadcast
expectGrad(bngain, dbngain);
const dbnraw = todo(bnraw); // TODO
expectGrad(bnraw, dbnraw);
const dbnbias = todo(bnbias); // TODO: [1, 64] too
expectGrad(bnbias, dbnbias);
const dbnvar_inv = todo(bnvar_inv); // TODO
expectGrad(bnvar_inv, dbnvar_inv);
const dbnvar = todo(bnvar); // TODO
expectGrad(bnvar, dbnvar);
const dbndiff2 = todo(bndiff2); // TODO
expectGrad(bndiff2, dbndiff2);
const dbndiff = todo(bndiff); // TODO: two paths (bnraw and bndiff2)
expectGrad(bndiff, dbndiff);
const dbnmeani = todo(bnmeani); // TODO: [1, 64] too
expectGrad(bnmeani, dbnmeani);
const dhprebn = todo(hprebn); // TODO: two paths (bndiff and bnmeani)
expectGrad(hprebn, dhprebn);
const dembcat = todo(embcat); // TODO
expectGrad(embcat, dembcat);
const dW1 = todo(W1); // TODO
expectGrad(W1, dW1);
const db1 = todo(b1); // TODO
expectGrad(b1, db1);
const demb = todo(emb); // TODO
expectGrad(emb, demb);
const dC = todo(C); // TODO: each row of C gets the sum of demb over the places Xb picked it
expectGrad(C, dC);
