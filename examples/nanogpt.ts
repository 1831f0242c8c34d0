// nanoGPT's model.py (LayerNorm, CausalSelfAttention, MLP, Block, GPT), 2 layers, trained char-level on a little Shakespeare.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { manualSeed, tensor, ones, zeros, randn, rand, arange, nn, F, optim, Tensor } from "backstep";

interface GPTConfig {
  block_size: number;
  vocab_size: number;
  n_layer: number;
  n_head: number;
  n_embd: number;
  dropout: number;
  bias: boolean; // True: bias in Linears and LayerNorms, like GPT-2. False: a bit better and faster
}

/** torch.nn.init.normal_ and zeros_: in place, before any op runs. */
function normal_(p: Tensor, mean: number, std: number): void {
  const r = randn(p.shape).values();
  for (let i = 0; i < p.size; i++) p.data[i] = mean + std * r[i];
}
const zeros_ = (p: Tensor): void => void p.data.fill(0);

/** LayerNorm but with an optional bias. PyTorch doesn't support simply bias=False */
class LayerNorm extends nn.Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(ndim: number, bias: boolean) {
    super();
    this.weight = ones([ndim], { requiresGrad: true });
    this.bias = bias ? zeros([ndim], { requiresGrad: true }) : null;
  }

  forward(input: Tensor): Tensor {
    return F.layerNorm(input, this.weight.shape, this.weight, this.bias, 1e-5);
  }
}

class CausalSelfAttention extends nn.Module {
  c_attn: nn.Linear;
  c_proj: nn.Linear;
  attn_dropout: nn.Dropout;
  resid_dropout: nn.Dropout;
  n_head: number;
  n_embd: number;
  bias!: Tensor;
  constructor(config: GPTConfig) {
    super();
    if (config.n_embd % config.n_head !== 0) throw new Error("n_embd must be a multiple of n_head");
    // key, query, value projections for all heads, but in a batch
    this.c_attn = new nn.Linear(config.n_embd, 3 * config.n_embd, { bias: config.bias });
    // output projection
    this.c_proj = new nn.Linear(config.n_embd, config.n_embd, { bias: config.bias });
    // regularization
    this.attn_dropout = new nn.Dropout(config.dropout);
    this.resid_dropout = new nn.Dropout(config.dropout);
    this.n_head = config.n_head;
    this.n_embd = config.n_embd;
    // causal mask to ensure that attention is only applied to the left in the input sequence
    this.registerBuffer("bias", ones([config.block_size, config.block_size]).tril()
      .view(1, 1, config.block_size, config.block_size));
  }

  forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape; // batch size, sequence length, embedding dimensionality (n_embd)

    // calculate query, key, values for all heads in batch and move head forward to be the batch dim
    let [q, k, v] = this.c_attn.forward(x).split(this.n_embd, 2);
    k = k.view(B, T, this.n_head, C / this.n_head).transpose(1, 2); // (B, nh, T, hs)
    q = q.view(B, T, this.n_head, C / this.n_head).transpose(1, 2); // (B, nh, T, hs)
    v = v.view(B, T, this.n_head, C / this.n_head).transpose(1, 2); // (B, nh, T, hs)

    // manual implementation of attention
    let att = q.matmul(k.transpose(-2, -1)).mul(1.0 / Math.sqrt(k.shape[k.ndim - 1]));
    att = att.maskedFill(this.bias.slice(2, 0, T).slice(3, 0, T).eq(0), -Infinity); // self.bias[:,:,:T,:T] == 0
    att = F.softmax(att, -1);
    att = this.attn_dropout.forward(att);
    let y = att.matmul(v); // (B, nh, T, T) x (B, nh, T, hs) -> (B, nh, T, hs)
    y = y.transpose(1, 2).contiguous().view(B, T, C); // re-assemble all head outputs side by side

    // output projection
    y = this.resid_dropout.forward(this.c_proj.forward(y));
    return y;
  }
}

class MLP extends nn.Module {
  c_fc: nn.Linear;
  gelu: nn.GELU;
  c_proj: nn.Linear;
  dropout: nn.Dropout;
  constructor(config: GPTConfig) {
    super();
    this.c_fc = new nn.Linear(config.n_embd, 4 * config.n_embd, { bias: config.bias });
    this.gelu = new nn.GELU();
    this.c_proj = new nn.Linear(4 * config.n_embd, config.n_embd, { bias: config.bias });
    this.dropout = new nn.Dropout(config.dropout);
  }

  forward(x: Tensor): Tensor {
    x = this.c_fc.forward(x);
    x = this.gelu.forward(x);
    x = this.c_proj.forward(x);
    x = this.dropout.forward(x);
    return x;
  }
}

class Block extends nn.Module {
  ln_1: LayerNorm;
  attn: CausalSelfAttention;
  ln_2: LayerNorm;
  mlp: MLP;
  constructor(config: GPTConfig) {
    super();
    this.ln_1 = new LayerNorm(config.n_embd, config.bias);
    this.attn = new CausalSelfAttention(config);
    this.ln_2 = new LayerNorm(config.n_embd, config.bias);
    this.mlp = new MLP(config);
  }

  forward(x: Tensor): Tensor {
    x = x.add(this.attn.forward(this.ln_1.forward(x)));
    x = x.add(this.mlp.forward(this.ln_2.forward(x)));
    return x;
  }
}

/** nn.ModuleDict(dict(wte=…, wpe=…, drop=…, h=…, ln_f=…)): the modules as named fields. */
class ModuleDict extends nn.Module {
  constructor(
    readonly wte: nn.Embedding,
    readonly wpe: nn.Embedding,
    readonly drop: nn.Dropout,
    readonly h: Block[],
    readonly ln_f: LayerNorm,
  ) {
    super();
  }
  forward(): never {
    throw new Error("ModuleDict is not callable");
  }
}

class GPT extends nn.Module {
  transformer: ModuleDict;
  lm_head: nn.Linear;
  constructor(readonly config: GPTConfig) {
    super();
    this.transformer = new ModuleDict(
      new nn.Embedding(config.vocab_size, config.n_embd),
      new nn.Embedding(config.block_size, config.n_embd),
      new nn.Dropout(config.dropout),
      Array.from({ length: config.n_layer }, () => new Block(config)),
      new LayerNorm(config.n_embd, config.bias),
    );
    this.lm_head = new nn.Linear(config.n_embd, config.vocab_size, { bias: false });
    // with weight tying when using torch.compile() some warnings get generated
    this.transformer.wte.weight = this.lm_head.weight; // https://paperswithcode.com/method/weight-tying

    // init all weights
    for (const [, module] of this.namedModules()) this._init_weights(module);
    // apply special scaled init to the residual projections, per GPT-2 paper
    for (const [pn, p] of this.namedParameters()) {
      if (pn.endsWith("c_proj.weight")) normal_(p, 0.0, 0.02 / Math.sqrt(2 * config.n_layer));
    }
  }

  _init_weights(module: nn.Module): void {
    if (module instanceof nn.Linear) {
      normal_(module.weight, 0.0, 0.02);
      if (module.bias !== null) zeros_(module.bias);
    } else if (module instanceof nn.Embedding) {
      normal_(module.weight, 0.0, 0.02);
    }
  }

  forward(idx: Tensor, targets?: Tensor): [Tensor, Tensor | null] {
    const [, t] = idx.shape;
    if (t > this.config.block_size) throw new Error(`Cannot forward sequence of length ${t}, block size is only ${this.config.block_size}`);
    const pos = arange(0, t, 1, { dtype: "int32" }); // shape (t)

    // forward the GPT model itself
    const tok_emb = this.transformer.wte.forward(idx); // token embeddings of shape (b, t, n_embd)
    const pos_emb = this.transformer.wpe.forward(pos); // position embeddings of shape (t, n_embd)
    let x = this.transformer.drop.forward(tok_emb.add(pos_emb));
    for (const block of this.transformer.h) x = block.forward(x);
    x = this.transformer.ln_f.forward(x);

    if (targets !== undefined) {
      // if we are given some desired targets also calculate the loss
      const logits = this.lm_head.forward(x);
      const loss = F.crossEntropy(logits.view(-1, logits.shape[logits.ndim - 1]), targets.view(-1), { ignoreIndex: -1 });
      return [logits, loss];
    }
    // inference-time mini-optimization: only forward the lm_head on the very last position
    const logits = this.lm_head.forward(x.index([null, [-1], null])); // note: using list [-1] to preserve the time dim
    return [logits, null];
  }
}

// data: the characters of the text, encoded as integers (as nanoGPT's shakespeare_char prepare.py)
const text = readFileSync(join(__dirname, "data", "shakespeare.txt"), "utf8");
const chars = [...new Set(text)].sort();
const stoi: Record<string, number> = Object.fromEntries(chars.map((ch, i) => [ch, i]));
const encode = (s: string): number[] => [...s].map((c) => stoi[c]);
const data = encode(text);
const train_data = data.slice(0, Math.floor(data.length * 0.9));

const batch_size = 4;
const block_size = 16;

manualSeed(1337);
function get_batch(): [Tensor, Tensor] {
  const ix = Array.from(rand([batch_size]).values(), (u) => Math.floor(u * (train_data.length - block_size)));
  // torch.stack([data[i:i+block_size] for i in ix]), made as one tensor of the rows
  const x = tensor(ix.map((i) => train_data.slice(i, i + block_size)), { dtype: "int32" });
  const y = tensor(ix.map((i) => train_data.slice(i + 1, i + 1 + block_size)), { dtype: "int32" });
  return [x, y];
}

const model = new GPT({ block_size, vocab_size: chars.length, n_layer: 2, n_head: 2, n_embd: 32, dropout: 0.0, bias: true });

// configure_optimizers: weight decay on the 2D parameters (matmuls and embeddings), none on biases and layernorms
const param_dict = model.namedParameters();
const decay_params = param_dict.filter(([, p]) => p.ndim >= 2);
const nodecay_params = param_dict.filter(([, p]) => p.ndim < 2);
const learning_rate = 1e-3;
const optim_groups = [
  new optim.AdamW(decay_params, { lr: learning_rate, betas: [0.9, 0.99], weightDecay: 0.1 }),
  new optim.AdamW(nodecay_params, { lr: learning_rate, betas: [0.9, 0.99], weightDecay: 0.0 }),
];

export default function step(): Tensor {
  const [X, Y] = get_batch();
  const [, loss] = model.forward(X, Y);
  for (const optimizer of optim_groups) optimizer.zeroGrad();
  (loss as Tensor).backward();
  for (const optimizer of optim_groups) optimizer.step();
  return loss as Tensor;
}
