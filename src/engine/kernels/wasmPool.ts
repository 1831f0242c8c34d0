// The WebAssembly SIMD max-pool (wasm/pool.wat) behind maxPool2d's 2×2 windows of stride 2 without padding, in
// float32: copies the input into the module's memory, pools there and copies the maxima and their argmax indices back.
import { POOL_WASM_BASE64 } from "./wasm/poolWasm";
import { WasmKernel, up4 } from "./wasmKernel";

interface PoolExports {
  memory: WebAssembly.Memory;
  maxpool2_f32(x: number, o: number, arg: number, planes: number, H: number, W: number, OH: number, OW: number): void;
}

/** As the elementwise kernel's (wasmBinary.ts): the loop needs no memory beyond its outputs. */
export const poolKernel = new WasmKernel<PoolExports>(POOL_WASM_BASE64, {
  keepBytes: 16 * 2 ** 20,
  maxBytes: 16 * 2 ** 20,
});

/**
 * The 2×2, stride-2 max-pool of `planes` H×W planes of `d` into `out` (planes·OH·OW) and the flat index into `d` of
 * each maximum into `arg`, as maxPool2d.ts's loop. Returns false, having done nothing, when the module is unavailable
 * or the pool too large for its memory.
 */
export function maxPoolWasm(
  d: Float32Array,
  planes: number,
  H: number,
  W: number,
  OH: number,
  OW: number,
  out: Float32Array,
  arg: Int32Array,
): boolean {
  const n = planes * H * W,
    m = planes * OH * OW;
  // in 4-byte elements, each region on 16 bytes: the input, the maxima, the indices
  const xAt = 16,
    oAt = xAt + up4(n),
    aAt = oAt + up4(m);
  const k = poolKernel.withMemory((aAt + m) * 4);
  if (k === null) return false;
  const v = poolKernel.views!;
  v.f32.set(d, xAt);
  k.maxpool2_f32(xAt * 4, oAt * 4, aAt * 4, planes, H, W, OH, OW);
  out.set(v.f32.subarray(oAt, oAt + m));
  arg.set(v.i32.subarray(aAt, aAt + m));
  poolKernel.done();
  return true;
}
