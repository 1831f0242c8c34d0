# makemore part 4's forward pass, as the notebook writes it, for examples/makemore-backprop.ts.
import torch


def run(W, I, dtype, rec):
    C, W1, b1, W2, b2, bngain, bnbias = (W[k].requires_grad_() for k in ["C", "W1", "b1", "W2", "b2", "bngain", "bnbias"])
    Xb, Yb = I["Xb"], I["Yb"]
    n = Xb.shape[0]
    emb = rec(None, "emb", C[Xb])
    embcat = rec(None, "embcat", emb.view(emb.shape[0], -1))
    hprebn = rec(None, "hprebn", embcat @ W1 + b1)
    bnmeani = rec(None, "bnmeani", 1/n*hprebn.sum(0, keepdim=True))
    bndiff = rec(None, "bndiff", hprebn - bnmeani)
    bndiff2 = rec(None, "bndiff2", bndiff**2)
    bnvar = rec(None, "bnvar", 1/(n-1)*(bndiff2).sum(0, keepdim=True))
    bnvar_inv = rec(None, "bnvar_inv", (bnvar + 1e-5)**-0.5)
    bnraw = rec(None, "bnraw", bndiff * bnvar_inv)
    hpreact = rec(None, "hpreact", bngain * bnraw + bnbias)
    h = rec(None, "h", torch.tanh(hpreact))
    logits = rec(None, "logits", h @ W2 + b2)
    logit_maxes = rec(None, "logit_maxes", logits.max(1, keepdim=True).values)
    norm_logits = rec(None, "norm_logits", logits - logit_maxes)
    counts = rec(None, "counts", norm_logits.exp())
    counts_sum = rec(None, "counts_sum", counts.sum(1, keepdims=True))
    counts_sum_inv = rec(None, "counts_sum_inv", counts_sum**-1)
    probs = rec(None, "probs", counts * counts_sum_inv)
    logprobs = rec(None, "logprobs", probs.log())
    loss = rec(None, "loss", -logprobs[range(n), Yb].mean())
    return dict(C=C, W1=W1, b1=b1, W2=W2, b2=b2, bngain=bngain, bnbias=bnbias), loss
