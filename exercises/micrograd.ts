// Exercise: backprop by hand on scalars, micrograd-style (Karpathy, "The spelled-out intro to neural networks").
// Replace each NaN marked TODO with ∂L/∂(that value): a number, or an expression of other values' .item().
// Trace Backprop (right-click → Trace Backprop), and each expectGrad line turns ✓ once its gradient is right.
import { tensor, expectGrad } from "backstep";

const scalar = (v: number) => tensor(v, { requiresGrad: true, dtype: "float64" });

// L = (a·b + c)·f
const a = scalar(2.0);
const b = scalar(-3.0);
const c = scalar(10.0);
const e = a.mul(b);
const d = e.add(c);
const f = scalar(-2.0);
const L = d.mul(f);
L.backward();

// ∂L/∂L = 1. Walk back one node at a time with the chain rule.
const dd = NaN; // TODO: ∂L/∂d, where L = d·f
expectGrad(d, dd);
const df = NaN; // TODO: ∂L/∂f
expectGrad(f, df);
const de = NaN; // TODO: ∂L/∂e, where d = e + c (a sum passes the gradient through)
expectGrad(e, de);
const dc = NaN; // TODO: ∂L/∂c
expectGrad(c, dc);
const da = NaN; // TODO: ∂L/∂a, where e = a·b
expectGrad(a, da);
const db = NaN; // TODO: ∂L/∂b
expectGrad(b, db);

// A neuron: o = tanh(x1·w1 + x2·w2 + bias)
const x1 = scalar(2.0);
const x2 = scalar(0.0);
const w1 = scalar(-3.0);
const w2 = scalar(1.0);
const bias = scalar(6.8813735870195432);
const n = x1.mul(w1).add(x2.mul(w2)).add(bias);
const o = n.tanh();
o.backward();

const dn = NaN; // TODO: ∂o/∂n = 1 − tanh²(n) (o.item() is tanh(n))
expectGrad(n, dn);
const dw1 = NaN; // TODO: ∂o/∂w1
expectGrad(w1, dw1);
const dx1 = NaN; // TODO: ∂o/∂x1
expectGrad(x1, dx1);
const dw2 = NaN; // TODO: ∂o/∂w2 (what is x2?)
expectGrad(w2, dw2);
const dx2 = NaN; // TODO: ∂o/∂x2
expectGrad(x2, dx2);
