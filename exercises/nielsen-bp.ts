// Exercise: the four equations of backpropagation (Nielsen, "Neural Networks and Deep Learning", chapter 2) for a
// 2-layer sigmoid network with the quadratic cost C = ½‖a² − y‖². Vectors are columns, as in the book.
// Replace each zerosLike(…) marked TODO with the equation's right-hand side, then Trace Backprop: each expectGrad
// line turns ✓ once it is right.
import { manualSeed, randn, tensor, zerosLike, expectGrad, type Tensor } from "backstep";

manualSeed(0);
const param = (shape: number[]) => randn(shape, { requiresGrad: true, dtype: "float64" });

const x = randn([3, 1], { dtype: "float64" });
const y = tensor([[0], [1]], { dtype: "float64" });
const w1 = param([4, 3]);
const b1 = param([4, 1]);
const w2 = param([2, 4]);
const b2 = param([2, 1]);

const z1 = w1.matmul(x).add(b1);
const a1 = z1.sigmoid();
const z2 = w2.matmul(a1).add(b2);
const a2 = z2.sigmoid();
const C = a2.sub(y).pow(2).sum().mul(0.5);
C.backward();

/** σ′(z) = σ(z)(1 − σ(z)). */
const sigmoidPrime = (z: Tensor): Tensor => z.sigmoid().mul(z.sigmoid().neg().add(1));

// BP1: δᴸ = ∇ₐC ⊙ σ′(zᴸ), the error of the output layer (∇ₐC = a² − y for this cost)
const delta2 = zerosLike(z2); // TODO: BP1
expectGrad(z2, delta2);
// BP2: δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ), the error moved back one layer (w.T is the transpose)
const delta1 = zerosLike(z1); // TODO: BP2
expectGrad(z1, delta1);
// BP3: ∂C/∂bˡ = δˡ
const db2 = zerosLike(b2); // TODO: BP3 for the output layer
expectGrad(b2, db2);
const db1 = zerosLike(b1); // TODO: BP3 for the hidden layer
expectGrad(b1, db1);
// BP4: ∂C/∂wˡ = δˡ (aˡ⁻¹)ᵀ, where a⁰ = x
const dw2 = zerosLike(w2); // TODO: BP4 for the output layer
expectGrad(w2, dw2);
const dw1 = zerosLike(w1); // TODO: BP4 for the hidden layer
expectGrad(w1, dw1);
