// Exercise: a differentiable function with a backward you write yourself (like torch.autograd.Function).
// MySigmoid's forward is given; write its backward at the TODO. Its backward runs inside loss.backward() (a
// breakpoint there stops in the backward pass), and Backstep checks it twice: on its first use against finite
// differences (shown at the defineFunction line), and below, where expectGrad holds the true ∂L/∂z against autograd's,
// which your backward computed (the true value is the left one, yours the right). Trace Backprop: both turn ✓ (or ≈,
// equal up to float64 rounding) once the backward is right.
import { defineFunction, manualSeed, randn, expectGrad, type Tensor } from "backstep";

const MySigmoid = defineFunction({
  name: "MySigmoid",
  forward(ctx, z: Tensor): Tensor {
    const y = z.neg().exp().add(1).pow(-1); // σ(z) = 1 / (1 + e⁻ᶻ)
    ctx.saveForBackward(y);
    return y;
  },
  backward(ctx, upstream: Tensor): Tensor {
    const [y] = ctx.saved;
    return upstream.mul(0); // TODO: ∂L/∂z = upstream ⊙ σ′(z), and σ′(z) = y(1 − y)
  },
});

manualSeed(0);
const x = randn([4, 3], { dtype: "float64" });
const w = randn([3, 2], { requiresGrad: true, dtype: "float64" });
const z = x.matmul(w);
const h = MySigmoid.apply(z);
const loss = h.mul(h).sum();
loss.backward();

// ∂L/∂h = 2h; the true ∂L/∂z = 2h ⊙ h(1 − h)
const trueDz = h.mul(2).mul(h).mul(h.neg().add(1));
expectGrad(z, trueDz, { label: "z, true vs yours" });
