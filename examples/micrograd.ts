// micrograd's README expression, with scalar tensors: g = 24.7041, ∂g/∂a = 138.8338, ∂g/∂b = 645.5773.
import { tensor, add, div, relu } from "backstep";

const a = tensor(-4.0, { requiresGrad: true, dtype: "float64" });
const b = tensor(2.0, { requiresGrad: true, dtype: "float64" });
let c = a.add(b);
let d = a.mul(b).add(b.pow(3));
c = c.add(c.add(1));
c = c.add(add(1, c).add(a.neg()));
d = d.add(d.mul(2).add(relu(b.add(a))));
d = d.add(d.mul(3).add(relu(b.sub(a))));
const e = c.sub(d);
const f = e.pow(2);
let g = f.div(2.0);
g = g.add(div(10.0, f));
g.backward();

console.log(`g = ${g.item().toFixed(4)}`);
console.log(`∂g/∂a = ${a.grad?.item().toFixed(4)}, ∂g/∂b = ${b.grad?.item().toFixed(4)}`);
