// The WebAssembly SIMD elementwise kernel (wasm/binary.wat) behind binaryInto: copies the operands into the module's
// memory, walks the broadcast's rows there with f32x4 / f64x2 and copies the result back. One instance per thread, its
// memory reused (as wasmMatmul.ts's).
import { BINARY_WASM_BASE64 } from "./wasm/binaryWasm";
import { WasmKernel, up4 } from "./wasmKernel";

/** A kernel over rows of n values (binary.wat's header). */
type Rows = (
  code: number,
  n: number,
  rows: number,
  o: number,
  a: number,
  b: number,
  ia: number,
  ib: number,
  offs: number,
) => void;

interface BinaryExports {
  memory: WebAssembly.Memory;
  rows_f32: Rows;
  rows_f64: Rows;
  relu_f32(o: number, x: number, n: number): void;
  relu_f64(o: number, x: number, n: number): void;
  reluvjp_f32(o: number, x: number, up: number, n: number): void;
  reluvjp_f64(o: number, x: number, up: number, n: number): void;
}

/**
 * Up to keepBytes of memory stay between calls; an op needing more gets it, freed after it. An op whose copies need
 * more than maxBytes (a float32 op of ~1.4 million values) is left to the loop, which needs no memory beyond its
 * output: the kernel holds a copy of both operands and of the result, and a model near its memory limit
 * (memoryGuard.ts counts this memory too) would otherwise stop at an op that runs with the loop.
 */
export const binaryKernel = new WasmKernel<BinaryExports>(BINARY_WASM_BASE64, {
  keepBytes: 16 * 2 ** 20,
  maxBytes: 16 * 2 ** 20,
});

/** Where each row's pair of offsets goes (below: the two 16-byte splats). */
const OFFS = 32;

/**
 * out = a ∘ b (code 0–3: add, sub, mul, div) in `rows` rows of n values: row r reads a from element offsets[2r] on
 * (advancing along the row when ia is 1, else staying), b from offsets[2r + 1] (ib alike). All three arrays of one
 * float type; out is only written. Returns false, having done nothing, when the module is unavailable or the op too
 * large for its memory.
 */
export function binaryWasm(
  code: number,
  out: Float32Array | Float64Array,
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  n: number,
  rows: number,
  ia: number,
  ib: number,
  offsets: Int32Array,
): boolean {
  const wide = out instanceof Float64Array;
  const size = wide ? 8 : 4;
  // regions in elements of the values' size, each on 16 bytes: the offsets, then a, b and o
  const aAt = up4((OFFS + rows * 8) / size),
    bAt = aAt + up4(a.length),
    oAt = bAt + up4(b.length),
    x = binaryKernel.withMemory((oAt + out.length) * size);
  if (x === null) return false;
  const v = binaryKernel.views!;
  const at = OFFS >> 2;
  if (rows === 1) {
    v.i32[at] = offsets[0];
    v.i32[at + 1] = offsets[1];
  } else v.i32.set(offsets.subarray(0, 2 * rows), at);
  if (wide) {
    v.f64.set(a, aAt);
    v.f64.set(b, bAt);
    x.rows_f64(code, n, rows, oAt * 8, aAt * 8, bAt * 8, ia, ib, OFFS);
    out.set(v.f64.subarray(oAt, oAt + out.length));
  } else {
    v.f32.set(a, aAt);
    v.f32.set(b, bAt);
    x.rows_f32(code, n, rows, oAt * 4, aAt * 4, bAt * 4, ia, ib, OFFS);
    out.set(v.f32.subarray(oAt, oAt + out.length));
  }
  binaryKernel.done();
  return true;
}

/**
 * ReLU of x into out, or with `up` its VJP (out = up · f′(x)): unary.ts's loops, bit for bit. All arrays of one float
 * type and length; out is only written. Returns false, having done nothing, where binaryWasm would.
 */
export function reluWasm(
  out: Float32Array | Float64Array,
  x: Float32Array | Float64Array,
  up?: Float32Array | Float64Array,
): boolean {
  const wide = out instanceof Float64Array;
  const size = wide ? 8 : 4;
  const n = out.length;
  // x, then up, then o, each on 16 bytes
  const xAt = 64 / size,
    upAt = xAt + up4(n),
    oAt = upAt + (up ? up4(n) : 0),
    k = binaryKernel.withMemory((oAt + n) * size);
  if (k === null) return false;
  const v = binaryKernel.views!;
  const mem = wide ? v.f64 : v.f32;
  mem.set(x, xAt);
  if (up) {
    mem.set(up, upAt);
    (wide ? k.reluvjp_f64 : k.reluvjp_f32)(oAt * size, xAt * size, upAt * size, n);
  } else (wide ? k.relu_f64 : k.relu_f32)(oAt * size, xAt * size, n);
  out.set(mem.subarray(oAt, oAt + n));
  binaryKernel.done();
  return true;
}
