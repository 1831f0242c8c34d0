// Intermediate gradients (retainGrad ↔ retain_grad) of makemore part 4's hand-expanded forward pass, against PyTorch.
import { strict as assert } from "node:assert";
import * as B from "../../src/index";
import type { Tensor } from "../../src/index";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";
import { ints, r } from "./fixtures/inputs";

const n = 8,
  blockSize = 3,
  vocab = 7,
  nEmbd = 4,
  nHidden = 16;

const makemore: OracleCase = {
  name: "makemore part 4: every intermediate's gradient",
  inputs: () => ({
    C: r([vocab, nEmbd]),
    W1: r([nEmbd * blockSize, nHidden]),
    b1: r([nHidden]),
    W2: r([nHidden, vocab]),
    b2: r([vocab]),
    bngain: r([1, nHidden]),
    bnbias: r([1, nHidden]),
    Xb: ints([n, blockSize], vocab),
    Yb: ints([n], vocab),
  }),
  index: ["Xb", "Yb"],
  // ∂L/∂logit_maxes is 0 in exact arithmetic (the max cancels out of the softmax): both sides give rounding noise
  atol: { float32: 1e-7, float64: 1e-15 },
  ts: ({ C, W1, b1, W2, b2, bngain, bnbias, Xb, Yb }) => {
    const emb = C.index([Xb]);
    const embcat = emb.view(emb.shape[0], -1);
    const hprebn = embcat.matmul(W1).add(b1);
    const bnmeani = hprebn.sum(0, true).mul(1 / n);
    const bndiff = hprebn.sub(bnmeani);
    const bndiff2 = bndiff.pow(2);
    const bnvar = bndiff2.sum(0, true).mul(1 / (n - 1));
    const bnvar_inv = bnvar.add(1e-5).pow(-0.5);
    const bnraw = bndiff.mul(bnvar_inv);
    const hpreact = bngain.mul(bnraw).add(bnbias);
    const h = B.tanh(hpreact);
    const logits = h.matmul(W2).add(b2);
    const logit_maxes = logits.max(1, true);
    const norm_logits = logits.sub(logit_maxes);
    const counts = norm_logits.exp();
    const counts_sum = counts.sum(1, true);
    const counts_sum_inv = counts_sum.pow(-1);
    const probs = counts.mul(counts_sum_inv);
    const logprobs = probs.log();
    const loss = logprobs
      .index([B.arange(n, undefined, 1, { dtype: "int32" }), Yb])
      .mean()
      .neg();
    const report: Record<string, Tensor> = {
      logprobs,
      probs,
      counts_sum_inv,
      counts_sum,
      counts,
      norm_logits,
      logit_maxes,
      logits,
      h,
      hpreact,
      bnraw,
      bnvar_inv,
      bnvar,
      bndiff2,
      bndiff,
      hprebn,
      bnmeani,
      embcat,
      emb,
    };
    return { out: loss, report };
  },
  torch: `emb = C[Xb]
embcat = emb.view(emb.shape[0], -1)
hprebn = embcat @ W1 + b1
bnmeani = 1/${n}*hprebn.sum(0, keepdim=True)
bndiff = hprebn - bnmeani
bndiff2 = bndiff**2
bnvar = 1/(${n}-1)*(bndiff2).sum(0, keepdim=True)
bnvar_inv = (bnvar + 1e-5)**-0.5
bnraw = bndiff * bnvar_inv
hpreact = bngain * bnraw + bnbias
h = torch.tanh(hpreact)
logits = h @ W2 + b2
logit_maxes = logits.max(1, keepdim=True).values
norm_logits = logits - logit_maxes
counts = norm_logits.exp()
counts_sum = counts.sum(1, keepdims=True)
counts_sum_inv = counts_sum**-1
probs = counts * counts_sum_inv
logprobs = probs.log()
loss = -logprobs[range(${n}), Yb].mean()
out = loss
report = dict(logprobs=logprobs, probs=probs, counts_sum_inv=counts_sum_inv, counts_sum=counts_sum, counts=counts, norm_logits=norm_logits,
  logit_maxes=logit_maxes, logits=logits, h=h, hpreact=hpreact, bnraw=bnraw, bnvar_inv=bnvar_inv, bnvar=bnvar, bndiff2=bndiff2, bndiff=bndiff,
  hprebn=hprebn, bnmeani=bnmeani, embcat=embcat, emb=emb)`,
};

describeOracle("oracle: intermediate gradients (retainGrad) against PyTorch", [makemore]);

// The same pass checked against the closed forms makemore part 4 derives by hand (exercises 2 and 3), not against
// another engine: ∂L/∂logits = (softmax(logits) − onehot(Y)) / n, and batch norm's backward in one expression.
describe("makemore part 4's closed-form gradients, derived by hand", () => {
  it("∂L/∂logits and ∂L/∂hprebn equal the exercises' formulas", () => {
    B.manualSeed(7);
    const x = makemore.inputs();
    const int = (t: Tensor): Tensor => B.tensor(Array.from(t.values()), { dtype: "int32" }).reshape([...t.shape]);
    const { out, report } = makemore.ts({ ...x, Xb: int(x.Xb), Yb: int(x.Yb) }, "float64") as {
      out: Tensor;
      report: Record<string, Tensor>;
    };
    for (const t of Object.values(report)) t.retainGrad();
    out.backward();
    const { logits, hpreact, hprebn, bnraw, bnvar_inv } = report;
    const Y = Array.from(x.Yb.values());
    const L = logits.values();
    const dlogits = logits.grad?.values();
    assert.ok(dlogits);
    for (let i = 0; i < n; i++) {
      const row = Array.from(L.subarray(i * vocab, (i + 1) * vocab));
      const m = Math.max(...row);
      const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
      for (let j = 0; j < vocab; j++) {
        const want = (Math.exp(row[j] - m) / z - (Y[i] === j ? 1 : 0)) / n;
        assert.ok(
          Math.abs(dlogits[i * vocab + j] - want) <= 1e-15,
          `dlogits[${i}][${j}] ${dlogits[i * vocab + j]} ≠ ${want}`,
        );
      }
    }
    // dhprebn = bngain·bnvar_inv/n · (n·dhpreact − Σ₀dhpreact − n/(n−1)·bnraw·Σ₀(dhpreact·bnraw))
    const dh = hpreact.grad?.values();
    const got = hprebn.grad?.values();
    assert.ok(dh && got);
    const gain = x.bngain.values(),
      inv = bnvar_inv.values(),
      raw = bnraw.values();
    for (let j = 0; j < nHidden; j++) {
      let s = 0,
        sr = 0;
      for (let i = 0; i < n; i++) {
        s += dh[i * nHidden + j];
        sr += dh[i * nHidden + j] * raw[i * nHidden + j];
      }
      for (let i = 0; i < n; i++) {
        const k = i * nHidden + j;
        const want = ((gain[j] * inv[j]) / n) * (n * dh[k] - s - (n / (n - 1)) * raw[k] * sr);
        assert.ok(Math.abs(got[k] - want) <= 1e-12 * (1 + Math.abs(want)), `dhprebn[${i}][${j}] ${got[k]} ≠ ${want}`);
      }
    }
  });
});
