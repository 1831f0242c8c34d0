// The WebAssembly SIMD matmul (wasm/matmul.wat): copies strided operands into the module's memory, packs them into
// panels, multiplies there with f32x4 / f64x2 and copies C back. One instance per thread, its memory reused.
import { MATMUL_WASM_BASE64 } from "./wasm/matmulWasm";
import { WasmKernel } from "./wasmKernel";

interface MatmulExports {
  memory: WebAssembly.Memory;
  pack(src: number, s1: number, s2: number, n: number, K: number, P: number, dst: number, shift: number): void;
  gemm(
    ap: number,
    bp: number,
    c: number,
    Mp: number,
    K: number,
    Np: number,
    kcb: number,
    mcb: number,
    wide: number,
  ): void;
}

/** Values of k per block (B's panel stays in L1) and rows of A per block (their panels stay in L2). */
export const blocking = { kc: 256, mc: 128 };

/**
 * The module's instance (wasmKernel.ts). Memory: up to keepBytes stays between calls; a product needing more gets it,
 * freed after it. Products needing more than maxBytes are left to the TypeScript kernel (wasm32 addresses 4 GiB).
 */
const kernel = new WasmKernel<MatmulExports>(MATMUL_WASM_BASE64, { keepBytes: 16 * 2 ** 20, maxBytes: 2 ** 31 });
export const wasmMemory = kernel.limits;

/** Copies src[from, from + n) into dst at `at`, without a subarray when src is copied whole. */
function copyIn(
  dst: Float32Array | Float64Array,
  at: number,
  src: Float32Array | Float64Array,
  from: number,
  n: number,
) {
  dst.set(from === 0 && n === src.length ? src : src.subarray(from, from + n), at);
}

export function wasmMatmulAvailable(): boolean {
  return kernel.available();
}

/** Bytes of the current instance's memory (0 when none is live). */
export function wasmMemoryBytes(): number {
  return kernel.bytes();
}

/** Elements from the first to the last one a strided R×C read touches, inclusive (0 when empty). */
function span(R: number, rs: number, C: number, cs: number): number {
  return R === 0 || C === 0 ? 0 : (R - 1) * rs + (C - 1) * cs + 1;
}

const up = (n: number, m: number): number => Math.ceil(n / m) * m;

/**
 * C[M,N] (rows of N, from co) += Σₖ A(i,k)·B(k,j), A(i,k) = a[ao + i·ais + k·aks], B(k,j) = b[bo + k·bks + j·bjs],
 * as mmStrided, in WebAssembly. All three arrays of one float type. Returns false, having done nothing, when the
 * module is unavailable or the product too large for its memory.
 */
export function mmWasm(
  a: Float32Array | Float64Array,
  ao: number,
  ais: number,
  aks: number,
  b: Float32Array | Float64Array,
  bo: number,
  bks: number,
  bjs: number,
  c: Float32Array | Float64Array,
  co: number,
  M: number,
  K: number,
  N: number,
): boolean {
  if (a.constructor !== c.constructor || b.constructor !== c.constructor) return false;
  if (M === 0 || N === 0 || K === 0) return true;
  const wide = c instanceof Float64Array;
  const size = wide ? 8 : 4,
    NR = wide ? 4 : 8;
  const Mp = up(M, 4),
    Np = up(N, NR);
  const aLen = span(M, ais, K, aks),
    bLen = span(K, bks, N, bjs);
  // regions in elements, each starting on 16 bytes: A and B as given, C padded, then the packed panels
  const aAt = 0,
    bAt = up(aLen, 4),
    cAt = bAt + up(bLen, 4),
    apAt = cAt + Mp * Np,
    bpAt = apAt + Mp * K,
    end = bpAt + K * Np;
  const x = kernel.withMemory(end * size);
  if (x === null) return false;
  const v = kernel.views!;
  const mem = wide ? v.f64 : v.f32;
  copyIn(mem, aAt, a, ao, aLen);
  copyIn(mem, bAt, b, bo, bLen);
  if (N === Np) copyIn(mem, cAt, c, co, M * N);
  else for (let i = 0; i < M; i++) mem.set(c.subarray(co + i * N, co + i * N + N), cAt + i * Np);
  const shift = wide ? 3 : 2;
  x.pack(aAt * size, ais, aks, M, K, 4, apAt * size, shift);
  x.pack(bAt * size, bjs, bks, N, K, NR, bpAt * size, shift);
  x.gemm(apAt * size, bpAt * size, cAt * size, Mp, K, Np, blocking.kc, blocking.mc, wide ? 1 : 0);
  if (N === Np) c.set(mem.subarray(cAt, cAt + M * N), co);
  else for (let i = 0; i < M; i++) c.set(mem.subarray(cAt + i * Np, cAt + i * Np + N), co + i * N);
  kernel.done();
  return true;
}
