// The WebAssembly im2col (wasm/im2col.wat) behind conv.ts's: copies one image into the module's memory, lays its
// patches out there (a row of stride 1 as one memory.copy) and copies the columns back.
import type { ConvGeom } from "./conv";
import { IM2COL_WASM_BASE64 } from "./wasm/im2colWasm";
import { WasmKernel, up4 } from "./wasmKernel";

interface Im2colExports {
  memory: WebAssembly.Memory;
  im2col(
    x: number,
    cols: number,
    span: number,
    C: number,
    H: number,
    W: number,
    KH: number,
    KW: number,
    SH: number,
    SW: number,
    PH: number,
    PW: number,
    OH: number,
    OW: number,
    shift: number,
  ): void;
}

/** As the elementwise kernel's (wasmBinary.ts): the loop needs no memory beyond its output. */
export const im2colKernel = new WasmKernel<Im2colExports>(IM2COL_WASM_BASE64, {
  keepBytes: 16 * 2 ** 20,
  maxBytes: 16 * 2 ** 20,
});

/**
 * conv.ts's im2col of the image at `xo` of `x` into `cols` (rows `ld` apart from `co`), `spans` holding each kw's
 * [lo, hi). x and cols of one float type. Returns false, having done nothing, when the module is unavailable or the
 * image too large for its memory.
 */
export function im2colWasm(
  x: Float32Array | Float64Array,
  xo: number,
  g: ConvGeom,
  cols: Float32Array | Float64Array,
  co: number,
  ld: number,
  spans: Int32Array,
): boolean {
  const { C, H, W, KH, KW, OH, OW } = g;
  const wide = x instanceof Float64Array;
  const size = wide ? 8 : 4;
  const image = C * H * W,
    L = OH * OW,
    rows = C * KH * KW;
  // in elements of the values' size, each region on 16 bytes: the spans (i32 pairs), the image, the columns
  const xAt = up4(Math.ceil((KW * 8) / size)),
    cAt = xAt + up4(image);
  const k = im2colKernel.withMemory((cAt + rows * L) * size);
  if (k === null) return false;
  const v = im2colKernel.views!;
  v.i32.set(spans);
  const mem = wide ? v.f64 : v.f32;
  mem.set(x.subarray(xo, xo + image), xAt);
  k.im2col(xAt * size, cAt * size, 0, C, H, W, KH, KW, g.SH, g.SW, g.PH, g.PW, OH, OW, wide ? 3 : 2);
  if (ld === L) cols.set(mem.subarray(cAt, cAt + rows * L), co);
  else for (let r = 0; r < rows; r++) cols.set(mem.subarray(cAt + r * L, cAt + r * L + L), co + r * ld);
  im2colKernel.done();
  return true;
}
