// Karpathy's makemore part 4 ("Becoming a Backprop Ninja"): the MLP with BatchNorm, its forward pass chunked into the notebook's steps.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { manualSeed, tensor, randn, rand, randint, tanh, optim, Tensor } from "backstep";

// read in all the words
const words = readFileSync(join(__dirname, "data", "names.txt"), "utf8").split("\n").filter((w) => w.length > 0);

// build the vocabulary of characters and mappings to/from integers
const chars = [...new Set(words.join(""))].sort();
const stoi: Record<string, number> = Object.fromEntries(chars.map((s, i) => [s, i + 1]));
stoi["."] = 0;
const itos: Record<number, string> = Object.fromEntries(Object.entries(stoi).map(([s, i]) => [i, s]));
const vocab_size = Object.keys(itos).length;

// build the dataset
const block_size = 3; // context length: how many characters do we take to predict the next one?

function build_dataset(words: string[]): [Tensor, Tensor] {
  const X: number[][] = [], Y: number[] = [];
  for (const w of words) {
    let context = Array<number>(block_size).fill(0);
    for (const ch of w + ".") {
      const ix = stoi[ch];
      X.push(context);
      Y.push(ix);
      context = [...context.slice(1), ix]; // crop and append
    }
  }
  return [tensor(X, { dtype: "int32" }), tensor(Y, { dtype: "int32" })];
}

manualSeed(42);
// random.shuffle(words), from the seeded generator
const order = rand([words.length]).values();
const shuffled = words.map((w, i) => ({ w, key: order[i] })).sort((a, b) => a.key - b.key).map((e) => e.w);
const n1 = Math.floor(0.8 * shuffled.length);
const [Xtr, Ytr] = build_dataset(shuffled.slice(0, n1)); // 80%

const n_embd = 10; // the dimensionality of the character embedding vectors
const n_hidden = 64; // the number of neurons in the hidden layer of the MLP

manualSeed(2147483647); // for reproducibility
const C = randn([vocab_size, n_embd]);
// Layer 1
const W1 = randn([n_embd * block_size, n_hidden]).mul((5 / 3) / (n_embd * block_size) ** 0.5);
const b1 = randn([n_hidden]).mul(0.1); // using b1 just for fun, it's useless because of BN
// Layer 2
const W2 = randn([n_hidden, vocab_size]).mul(0.1);
const b2 = randn([vocab_size]).mul(0.1);
// BatchNorm parameters
const bngain = randn([1, n_hidden]).mul(0.1).add(1.0);
const bnbias = randn([1, n_hidden]).mul(0.1);

const parameters = [C, W1, b1, W2, b2, bngain, bnbias];
for (const p of parameters) p.requiresGrad = true;

const batch_size = 32;
const n = batch_size; // a shorter variable also, for convenience
const lr = 0.1;
// the update p.data += -lr * p.grad, done by SGD so that the trace shows it at its line (by hand: at the step's end)
const optimizer = new optim.SGD(parameters, { lr });

/** Python's range(n). */
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export default function step(): Tensor {
  // construct a minibatch
  const ix = randint(0, Xtr.shape[0], [batch_size]);
  const Xb = Xtr.index([ix]), Yb = Ytr.index([ix]); // batch X,Y

  // forward pass, "chunkated" into smaller steps that are possible to backward one at a time
  const emb = C.index([Xb]); // embed the characters into vectors
  const embcat = emb.view(emb.shape[0], -1); // concatenate the vectors
  // Linear layer 1
  const hprebn = embcat.matmul(W1).add(b1); // hidden layer pre-activation
  // BatchNorm layer
  const bnmeani = hprebn.sum(0, true).mul(1 / n);
  const bndiff = hprebn.sub(bnmeani);
  const bndiff2 = bndiff.pow(2);
  const bnvar = bndiff2.sum(0, true).mul(1 / (n - 1)); // note: Bessel's correction (dividing by n-1, not n)
  const bnvar_inv = bnvar.add(1e-5).pow(-0.5);
  const bnraw = bndiff.mul(bnvar_inv);
  const hpreact = bngain.mul(bnraw).add(bnbias);
  // Non-linearity
  const h = tanh(hpreact); // hidden layer
  // Linear layer 2
  const logits = h.matmul(W2).add(b2); // output layer
  // cross entropy loss (same as F.crossEntropy(logits, Yb))
  const logit_maxes = logits.max(1, true);
  const norm_logits = logits.sub(logit_maxes); // subtract max for numerical stability
  const counts = norm_logits.exp();
  const counts_sum = counts.sum(1, true);
  const counts_sum_inv = counts_sum.pow(-1); // if I use (1.0 / counts_sum) instead then I can't get backprop to be bit exact...
  const probs = counts.mul(counts_sum_inv);
  const logprobs = probs.log();
  const loss = logprobs.index([range(n), Yb]).mean().neg();

  // PyTorch backward pass
  for (const p of parameters) p.grad = null;
  for (const t of [logprobs, probs, counts, counts_sum, counts_sum_inv,
    norm_logits, logit_maxes, logits, h, hpreact, bnraw,
    bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani,
    embcat, emb]) {
    t.retainGrad();
  }
  loss.backward();

  // update
  optimizer.step();
  return loss;
}
