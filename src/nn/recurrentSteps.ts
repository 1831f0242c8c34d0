// One time step of each recurrent cell (Elman, LSTM, GRU) with PyTorch's gate order (i, f, g, o and r, z, n), its inner
// tensors named in the trace as PyTorch's documentation names them; recurrent.ts runs them over sequences.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { labelInner } from "../engine/label";
import { linear } from "./functional";

/** One step of an Elman RNN: h′ = f(W_ih·x + b_ih + W_hh·h + b_hh), f tanh or ReLU. */
export function rnnStep(
  x: Tensor,
  h: Tensor,
  relu: boolean,
  wih: Tensor,
  whh: Tensor,
  bih: Tensor | null,
  bhh: Tensor | null,
): Tensor {
  const pre = ops.add(linear(x, wih, bih), linear(h, whh, bhh));
  return relu ? ops.relu(pre) : ops.tanh(pre);
}

/**
 * The step's new state named h_t (c_t) in the trace inside a layer; a cell's is what it returns, named by the variable
 * the program assigns it to.
 */
const stateLabel = (t: Tensor, name: string, inLayer: boolean): Tensor => (inLayer ? labelInner(t, name) : t);

/**
 * One step of an LSTM: gates = W_ih·x + b_ih + W_hh·h + b_hh split as i, f, g, o; c′ = f⊙c + i⊙g; h′ = o⊙tanh(c′).
 * The gates are named in the trace as PyTorch's documentation names them (i_t, f_t, g_t, o_t, c_t, h_t).
 */
export function lstmStep(
  x: Tensor,
  h: Tensor,
  c: Tensor,
  wih: Tensor,
  whh: Tensor,
  bih: Tensor | null,
  bhh: Tensor | null,
  inLayer = false,
): [Tensor, Tensor] {
  const gates = ops.add(linear(x, wih, bih), linear(h, whh, bhh));
  const [i, f, g, o] = ops.chunk(gates, 4, -1);
  const ft = labelInner(ops.sigmoid(f), "f_t");
  const fc = ops.mul(ft, c);
  const it = labelInner(ops.sigmoid(i), "i_t");
  const gt = labelInner(ops.tanh(g), "g_t");
  const cNext = stateLabel(ops.add(fc, ops.mul(it, gt)), "c_t", inLayer);
  const ot = labelInner(ops.sigmoid(o), "o_t");
  const hNext = stateLabel(ops.mul(ot, ops.tanh(cNext)), "h_t", inLayer);
  return [hNext, cNext];
}

/**
 * One step of a GRU: r, z = σ(…); n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn)); h′ = (1 − z)⊙n + z⊙h. Named in the
 * trace as PyTorch's documentation names them (r_t, z_t, n_t, h_t).
 */
export function gruStep(
  x: Tensor,
  h: Tensor,
  wih: Tensor,
  whh: Tensor,
  bih: Tensor | null,
  bhh: Tensor | null,
  inLayer = false,
): Tensor {
  const [xr, xz, xn] = ops.chunk(linear(x, wih, bih), 3, -1);
  const [hr, hz, hn] = ops.chunk(linear(h, whh, bhh), 3, -1);
  const r = labelInner(ops.sigmoid(ops.add(xr, hr)), "r_t");
  const z = labelInner(ops.sigmoid(ops.add(xz, hz)), "z_t");
  const n = labelInner(ops.tanh(ops.add(xn, ops.mul(r, hn))), "n_t");
  return stateLabel(ops.add(ops.mul(ops.sub(1, z), n), ops.mul(z, h)), "h_t", inLayer);
}
