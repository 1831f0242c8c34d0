# Exercise: become a backprop ninja in PyTorch (Karpathy, makemore part 4). A character-level MLP with batch norm runs
# forward in small steps, and loss.backward() computes every gradient. Your turn: compute them by hand, from dlogprobs
# back to dC, one line per intermediate. Replace each todo(…) marked TODO; each expect_grad line turns ✓ (exact) or ≈
# (equal up to rounding) when your gradient matches autograd's, and stays ✗ with the largest difference until then.
# (expect_grad is Backstep's cmp(): no retain_grad() needed. Run without Backstep, it does nothing.)
import torch

try:
    from backstep_torch import expect_grad
except ImportError:  # run with plain python, outside Backstep: nothing to check against

    def expect_grad(t, manual, **options):
        pass


def todo(like):
    """Stands for a gradient not written yet: NaN everywhere, so its check is ✗ until you replace it."""
    return torch.full_like(like, float("nan"), dtype=torch.float64)


# The data: contexts of 3 characters and the character that follows, from a few names (makemore's names.txt).
words = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia"]
chars = "." + "abcdefghijklmnopqrstuvwxyz"
block_size = 3
X, Y = [], []
for w in words:
    context = [0] * block_size
    for ch in w + ".":
        ix = chars.index(ch)
        X.append(context)
        Y.append(ix)
        context = context[1:] + [ix]
n = 32
Xb, Yb = torch.tensor(X[:n]), torch.tensor(Y[:n])

# The network, in float64 so that a right answer is exact or equal up to rounding.
g = torch.Generator().manual_seed(42)
vocab_size, n_embd, n_hidden = len(chars), 10, 64


def param(shape, scale, shift=0.0):
    return (torch.randn(shape, generator=g, dtype=torch.float64) * scale + shift).requires_grad_()


C = param((vocab_size, n_embd), 1.0)
W1 = param((n_embd * block_size, n_hidden), (5 / 3) / (n_embd * block_size) ** 0.5)
b1 = param((n_hidden,), 0.1)
W2 = param((n_hidden, vocab_size), 0.1)
b2 = param((vocab_size,), 0.1)
bngain = param((1, n_hidden), 0.1, 1.0)
bnbias = param((1, n_hidden), 0.1)

# Forward, chunked into steps that are easy to differentiate one at a time.
emb = C[Xb]
embcat = emb.view(n, -1)
hprebn = embcat @ W1 + b1
bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
bndiff = hprebn - bnmeani
bndiff2 = bndiff**2
bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdim=True)  # Bessel's correction: n − 1
bnvar_inv = (bnvar + 1e-5) ** -0.5
bnraw = bndiff * bnvar_inv
hpreact = bngain * bnraw + bnbias
h = torch.tanh(hpreact)
logits = h @ W2 + b2
logit_maxes = logits.max(1, keepdim=True).values
norm_logits = logits - logit_maxes  # for numerical stability
counts = norm_logits.exp()
counts_sum = counts.sum(1, keepdim=True)
counts_sum_inv = counts_sum**-1
probs = counts * counts_sum_inv
logprobs = probs.log()
loss = -logprobs[range(n), Yb].mean()
loss.backward()

# Backward by hand. Where a value was used twice, its gradient is the sum over both uses.
dlogprobs = todo(logprobs)  # TODO: −1/n at [i, Yb[i]], 0 elsewhere
expect_grad(logprobs, dlogprobs)
dprobs = todo(probs)  # TODO
expect_grad(probs, dprobs)
dcounts_sum_inv = todo(counts_sum_inv)  # TODO
expect_grad(counts_sum_inv, dcounts_sum_inv)
dcounts_sum = todo(counts_sum)  # TODO
expect_grad(counts_sum, dcounts_sum)
dcounts = todo(counts)  # TODO: counts is used twice (probs and counts_sum)
expect_grad(counts, dcounts)
dnorm_logits = todo(norm_logits)  # TODO
expect_grad(norm_logits, dnorm_logits)
dlogit_maxes = todo(logit_maxes)  # TODO: tiny — why?
expect_grad(logit_maxes, dlogit_maxes)
dlogits = todo(logits)  # TODO: two paths (norm_logits and, through the max, logit_maxes:
# torch.nn.functional.one_hot(logits.max(1).indices, vocab_size) marks each row's max)
expect_grad(logits, dlogits)
dh = todo(h)  # TODO
expect_grad(h, dh)
dW2 = todo(W2)  # TODO
expect_grad(W2, dW2)
db2 = todo(b2)  # TODO
expect_grad(b2, db2)
dhpreact = todo(hpreact)  # TODO
expect_grad(hpreact, dhpreact)
dbngain = todo(bngain)  # TODO
expect_grad(bngain, dbngain)
dbnraw = todo(bnraw)  # TODO
expect_grad(bnraw, dbnraw)
dbnbias = todo(bnbias)  # TODO
expect_grad(bnbias, dbnbias)
dbnvar_inv = todo(bnvar_inv)  # TODO
expect_grad(bnvar_inv, dbnvar_inv)
dbnvar = todo(bnvar)  # TODO
expect_grad(bnvar, dbnvar)
dbndiff2 = todo(bndiff2)  # TODO
expect_grad(bndiff2, dbndiff2)
dbndiff = todo(bndiff)  # TODO: two paths (bnraw and bndiff2)
expect_grad(bndiff, dbndiff)
dbnmeani = todo(bnmeani)  # TODO: keep its shape [1, 64] (torch.allclose would broadcast [64]; expect_grad does not)
expect_grad(bnmeani, dbnmeani)
dhprebn = todo(hprebn)  # TODO: two paths (bndiff and bnmeani)
expect_grad(hprebn, dhprebn)
dembcat = todo(embcat)  # TODO
expect_grad(embcat, dembcat)
dW1 = todo(W1)  # TODO
expect_grad(W1, dW1)
db1 = todo(b1)  # TODO
expect_grad(b1, db1)
demb = todo(emb)  # TODO
expect_grad(emb, demb)
dC = todo(C)  # TODO: each row of C gets the sum of demb over the places Xb picked it
expect_grad(C, dC)
