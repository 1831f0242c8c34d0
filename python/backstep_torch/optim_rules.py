"""The update rule an optimizer applies, in the notation of the backprop literature: the TypeScript optimizers'
formula() in the same words for those the engine has (SGD, Adam, AdamW, RMSprop, Adagrad: test/python/
optimizerRules.test.ts holds them equal), and the other torch.optim optimizers' in the same notation (torch 1.13's
documented algorithms), so that an Adadelta step reads as its rule and not as `Adadelta.step()`."""

# each setting shown after the rule when the group has it and it is not 0 or None
_SETTINGS = ("lr", "momentum", "weight_decay", "betas", "eps", "alpha", "lr_decay", "rho", "lambd", "t0", "etas", "step_sizes",
             "momentum_decay", "amsgrad", "history_size")


def describe_optimizer(opt, group=None):
    """The update rule, in the notation of the backprop literature, with the settings of `group` (a param group of
    `opt`; its first when None). Asked per group at each update: a group's own lr or momentum (`[{"params": a}, {"params":
    b, "lr": 1.0, "momentum": 0.9}]`), and the lr a scheduler set for that update, were shown as group 0's then."""
    g = group if group is not None else opt.param_groups[0] if opt.param_groups else {}
    name = type(opt).__name__
    lr = g.get("lr")
    wd = g.get("weight_decay", 0) or 0
    grad = "(∂L/∂W + λ·W)" if wd and name != "AdamW" else "∂L/∂W"
    rule = _rule(name, g, grad, wd)
    settings = ", ".join("%s=%s" % (k, _short(g[k])) for k in _SETTINGS if k in g and g[k] not in (0, None, False))
    return "%s  [%s: %s]" % (rule, name, settings) if lr is not None else rule


def _rule(name, g, grad, wd):
    if name == "SGD":
        damp = "(1−τ)·" if g.get("dampening") else ""
        if not g.get("momentum"):
            return "W ← W − η·%s" % grad
        return "v ← μ·v + %s%s;  W ← W − η·%s" % (damp, grad, "(%s + μ·v)" % grad if g.get("nesterov") else "v")
    if name in ("Adam", "AdamW"):
        rule = "m ← β₁·m + (1−β₁)·%s;  v ← β₂·v + (1−β₂)·%s²;  W ← W − η·m̂/(√v̂ + ε)" % (grad, grad)
        return "W ← W·(1 − η·λ);  " + rule if name == "AdamW" and wd else rule
    if name == "RMSprop":
        denom = "√(s − ḡ²) + ε" if g.get("centered") else "√s + ε"
        step = ("b ← μ·b + %s/(%s);  W ← W − η·b" % (grad, denom)) if g.get("momentum") else ("W ← W − η·%s/(%s)" % (grad, denom))
        return "s ← α·s + (1−α)·%s²;  %s%s" % (grad, ("ḡ ← α·ḡ + (1−α)·%s;  " % grad) if g.get("centered") else "", step)
    if name == "Adagrad":
        lr_t = "η/(1 + (t−1)·lr_decay)" if g.get("lr_decay") else "η"
        return "s ← s + %s²;  W ← W − %s·%s/(√s + ε)" % (grad, lr_t, grad)
    # (not in the TypeScript engine)
    if name == "Adadelta":
        return "s ← ρ·s + (1−ρ)·%s²;  Δ ← √(u + ε)/√(s + ε)·%s;  u ← ρ·u + (1−ρ)·Δ²;  W ← W − η·Δ" % (grad, grad)
    if name == "Adamax":
        return "m ← β₁·m + (1−β₁)·%s;  u ← max(β₂·u, |%s| + ε);  W ← W − η·m/((1−β₁ᵗ)·u)" % (grad, grad)
    if name == "NAdam":
        return ("μₜ ← β₁·(1 − ½·0.96^(t·ψ));  m ← β₁·m + (1−β₁)·%s;  v ← β₂·v + (1−β₂)·%s²;  "
                "W ← W − η·(μₜ₊₁·m/(1 − ∏μ₁..ₜ₊₁) + (1−μₜ)·%s/(1 − ∏μ₁..ₜ))/(√v̂ + ε)" % (grad, grad, grad))
    if name == "RAdam":
        return ("m ← β₁·m + (1−β₁)·%s;  v ← β₂·v + (1−β₂)·%s²;  ρₜ ← ρ∞ − 2t·β₂ᵗ/(1−β₂ᵗ);  "
                "W ← W − η·m̂·rₜ/(√v̂ + ε) if ρₜ > 5, else W ← W − η·m̂" % (grad, grad))
    if name == "ASGD":
        return "ηₜ ← η/(1 + λ·η·t)^α;  W ← W·(1 − λ·ηₜ) − ηₜ·%s;  W̄ ← W̄ + μₜ·(W − W̄)" % grad
    if name == "Rprop":
        return "Δ ← Δ·η₊ if ∂L/∂W·(∂L/∂W)ₜ₋₁ > 0, Δ·η₋ if < 0 (within step_sizes);  W ← W − sign(∂L/∂W)·Δ"
    if name == "LBFGS":
        return "d ← −H·∂L/∂W (H: the inverse Hessian estimated from the last history_size steps);  W ← W + η·d"
    if name == "SparseAdam":
        return "m ← β₁·m + (1−β₁)·∂L/∂W;  v ← β₂·v + (1−β₂)·(∂L/∂W)²;  W ← W − η·m̂/(√v̂ + ε) (the rows with a gradient)"
    return "%s.step()" % name


def _short(v):
    """A setting to 6 significant digits, as the TypeScript optimizers' rule states η (src/optim/optimizer.ts): a
    scheduler's lr 0.7 · 0.7 was `lr=0.48999999999999994`, CosineAnnealingLR's `lr=0.037500000000000006`."""
    if isinstance(v, float):
        return float("%.6g" % v)
    if isinstance(v, tuple):
        return tuple(_short(x) for x in v)
    return v
