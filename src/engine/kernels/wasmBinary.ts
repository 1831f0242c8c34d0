// The WebAssembly SIMD elementwise kernel (wasm/binary.wat) behind binaryInto: copies the operands into the module's
// memory, walks the broadcast's rows there with f32x4 / f64x2 and copies the result back. One instance per thread, its
// memory reused (as wasmMatmul.ts's).
import { BINARY_WASM_BASE64 } from "./wasm/binaryWasm";

interface BinaryExports {
  memory: WebAssembly.Memory;
  rows_f32(
    code: number,
    n: number,
    rows: number,
    o: number,
    a: number,
    b: number,
    ia: number,
    ib: number,
    offs: number,
  ): void;
  rows_f64(
    code: number,
    n: number,
    rows: number,
    o: number,
    a: number,
    b: number,
    ia: number,
    ib: number,
    offs: number,
  ): void;
}

/**
 * Up to keepBytes of memory stay between calls; an op needing more gets it, freed after it. An op whose copies need
 * more than maxBytes (a float32 op of ~1.4 million values) is left to the loop, which needs no memory beyond its
 * output: the kernel holds a copy of both operands and of the result, and a model near its memory limit
 * (memoryGuard.ts counts this memory too) would otherwise stop at an op that runs with the loop.
 */
export const binaryMemory = { keepBytes: 16 * 2 ** 20, maxBytes: 16 * 2 ** 20 };

/** Where each row's pair of offsets goes (below: the two 16-byte splats). */
const OFFS = 32;

let wasmModule: WebAssembly.Module | null | undefined;
let instance: BinaryExports | null = null;
/** Views of the instance's memory, made again only when its buffer changes (it grows, or a new instance). */
let views: { buffer: ArrayBuffer; f32: Float32Array; f64: Float64Array; i32: Int32Array } | null = null;

function compiled(): WebAssembly.Module | null {
  if (wasmModule === undefined) {
    try {
      wasmModule = new WebAssembly.Module(Uint8Array.from(atob(BINARY_WASM_BASE64), (ch) => ch.charCodeAt(0)));
    } catch {
      wasmModule = null; // no WebAssembly or no SIMD: binaryInto's loop runs
    }
  }
  return wasmModule;
}

export function wasmBinaryAvailable(): boolean {
  return compiled() !== null;
}

/** Lets the instance and its memory go (the next op makes another); for tests. */
export function freeWasmBinary(): void {
  instance = views = null;
}

/** Bytes of the current instance's memory (0 when none is live). */
export function wasmBinaryBytes(): number {
  return instance === null ? 0 : instance.memory.buffer.byteLength;
}

function exportsWith(bytes: number): BinaryExports | null {
  const mod = compiled();
  if (mod === null) return null;
  instance ??= new WebAssembly.Instance(mod).exports as unknown as BinaryExports;
  const have = instance.memory.buffer.byteLength;
  try {
    if (bytes > have) instance.memory.grow(Math.ceil((bytes - have) / 65536));
  } catch {
    instance = views = null; // the process's memory: the loop needs none
    return null;
  }
  const buffer = instance.memory.buffer;
  if (views === null || views.buffer !== buffer)
    views = { buffer, f32: new Float32Array(buffer), f64: new Float64Array(buffer), i32: new Int32Array(buffer) };
  return instance;
}

const up4 = (n: number): number => (n + 3) & ~3;

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
    bytes = (oAt + out.length) * size;
  if (bytes > binaryMemory.maxBytes) return false;
  const x = exportsWith(bytes);
  if (x === null) return false;
  const v = views!;
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
  if (v.buffer.byteLength > binaryMemory.keepBytes) instance = views = null; // (the views would keep it alive)
  return true;
}
