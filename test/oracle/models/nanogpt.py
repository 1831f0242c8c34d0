# nanoGPT's model.py (dropout 0, the manual attention path), recording what examples/nanogpt.ts assigns to variables.
import math

import torch
import torch.nn as nn
from torch.nn import functional as F

REC = None  # rec(module, var, tensor), set by run()


def rec(m, var, t):
    return REC(m.path, var, t)


class LayerNorm(nn.Module):
    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, input):
        return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_attn = nn.Linear(c["n_embd"], 3 * c["n_embd"])
        self.c_proj = nn.Linear(c["n_embd"], c["n_embd"])
        self.n_head, self.n_embd = c["n_head"], c["n_embd"]
        self.register_buffer("bias", torch.tril(torch.ones(c["block_size"], c["block_size"])).view(1, 1, c["block_size"], c["block_size"]))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = rec(self, "q", q), rec(self, "k", k), rec(self, "v", v)
        k = rec(self, "k", k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2))
        q = rec(self, "q", q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2))
        v = rec(self, "v", v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2))
        att = rec(self, "att", (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1))))
        att = rec(self, "att", att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf")))
        att = rec(self, "att", F.softmax(att, dim=-1))
        y = rec(self, "y", att @ v)
        y = rec(self, "y", y.transpose(1, 2).contiguous().view(B, T, C))
        return rec(self.c_proj, "y", self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c["n_embd"], 4 * c["n_embd"])
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * c["n_embd"], c["n_embd"])

    def forward(self, x):
        x = rec(self.c_fc, "x", self.c_fc(x))
        x = rec(self.gelu, "x", self.gelu(x))
        return rec(self.c_proj, "x", self.c_proj(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = LayerNorm(c["n_embd"], True)
        self.attn = CausalSelfAttention(c)
        self.ln_2 = LayerNorm(c["n_embd"], True)
        self.mlp = MLP(c)

    def forward(self, x):
        x = rec(self, "x", x + self.attn(self.ln_1(x)))
        return rec(self, "x", x + self.mlp(self.ln_2(x)))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], c["n_embd"]),
            wpe=nn.Embedding(c["block_size"], c["n_embd"]),
            h=nn.ModuleList([Block(c) for _ in range(c["n_layer"])]),
            ln_f=LayerNorm(c["n_embd"], True),
        ))
        self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx, targets):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long)
        tok_emb = rec(self.transformer.wte, "tok_emb", self.transformer.wte(idx))
        pos_emb = rec(self.transformer.wpe, "pos_emb", self.transformer.wpe(pos))
        x = rec(self, "x", tok_emb + pos_emb)
        for block in self.transformer.h:
            x = block(x)
        x = rec(self.transformer.ln_f, "x", self.transformer.ln_f(x))
        logits = rec(self.lm_head, "logits", self.lm_head(x))
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, rec(self, "loss", loss)


def run(W, I, dtype, rec_):
    global REC
    REC = rec_
    idx, targets = I["x"], I["y"]
    sd = {k[len("model."):]: v for k, v in W.items()}
    c = dict(block_size=sd["transformer.wpe.weight"].shape[0], vocab_size=sd["transformer.wte.weight"].shape[0],
             n_layer=len({k.split(".")[2] for k in sd if k.startswith("transformer.h.")}), n_head=2, n_embd=sd["transformer.wte.weight"].shape[1])
    model = GPT(c).to(dtype)
    for name, m in model.named_modules():
        m.path = "model" + ("." + name if name else "")
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert unexpected == [] and all(k.endswith("attn.bias") or k == "lm_head.weight" for k in missing), (missing, unexpected)
    _, loss = model(idx, targets)
    return {"model." + k: p for k, p in model.named_parameters()}, loss
