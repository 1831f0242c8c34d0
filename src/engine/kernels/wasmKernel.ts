// One WebAssembly kernel module of the engine's (the matmul, the elementwise ops, the max-pool, im2col, and the
// trace's statistics) per thread: compiled once from the bytes scripts/buildWasm.mjs embedded; one instance, replaced
// by one with more memory when a call needs it (never grown: withMemory) and let go after a call that took more than
// `keepBytes`; views of its memory made again only when its buffer changes. Below the class: which ops take the
// kernels other than the matmul (simdFor), and their switch.

/** Views of an instance's memory. */
export interface KernelViews {
  buffer: ArrayBuffer;
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
}

/** WebAssembly's page: memories are made in pages. */
const PAGE = 65536;

export class WasmKernel<X extends { memory: WebAssembly.Memory }> {
  private mod: WebAssembly.Module | null | undefined;
  private instance: X | null = null;
  /**
   * The views of the live instance's memory, valid after `withMemory` returned it. Made at every call instead, with the
   * memory.buffer getter thrice and a subarray per operand, they were most of the matmul's own time in the char-LSTM's
   * untraced profile (6% self; its products are [4, 16]·[16, 128] and alike).
   */
  views: KernelViews | null = null;

  /**
   * `limits`: up to keepBytes of memory stay between calls; a call needing more gets it, freed after it (`done`); a
   * call needing more than maxBytes is declined (the TypeScript kernel runs). Tests and benchmarks may change them.
   */
  constructor(
    private readonly base64: string,
    readonly limits: { keepBytes: number; maxBytes: number },
  ) {}

  /** The compiled module, or null where WebAssembly or its SIMD is missing. */
  private compiled(): WebAssembly.Module | null {
    if (this.mod === undefined) {
      try {
        this.mod = new WebAssembly.Module(Uint8Array.from(atob(this.base64), (ch) => ch.charCodeAt(0)));
      } catch {
        this.mod = null;
      }
    }
    return this.mod;
  }

  available(): boolean {
    return this.compiled() !== null;
  }

  /** Bytes of the live instance's memory (0 when none is). */
  bytes(): number {
    return this.instance === null ? 0 : this.instance.memory.buffer.byteLength;
  }

  /** For tests: sets every bit of the live instance's memory (NaN in both float types), as calls may leave it. */
  scribble(): void {
    this.views?.i32.fill(-1);
  }

  /** Lets the instance and its memory go (the next call makes another). */
  free(): void {
    this.instance = this.views = null; // (the views would keep the memory alive)
  }

  /**
   * The instance, its memory at least `bytes` and `views` made for it; null (the TypeScript kernel runs) where the
   * module is unavailable, over maxBytes, or when the memory cannot be had (the engine's own limit or the process's).
   *
   * More memory is a new instance on a new memory (the module imports its memory), never `memory.grow`: growing
   * detaches the memory's old ArrayBuffer, and an isolate's first detached ArrayBuffer invalidates V8's
   * ArrayBufferDetaching protector, deoptimising every function compiled with a typed-array access (53 of them in
   * the char-LSTM's first step, `--trace-deopt`) and compiling them again with a check that their buffers are not
   * detached. In the char-LSTM's first recorded step after the warm-up, where its first product outgrew the matmul's
   * memory, that cost ~170 ms of ~930 (fresh processes in turn, 5 each, load ~0.5; docs/performance-history.md).
   */
  withMemory(bytes: number): X | null {
    if (bytes > this.limits.maxBytes) return null;
    const mod = this.compiled();
    if (mod === null) return null;
    if (this.instance === null || bytes > this.instance.memory.buffer.byteLength) {
      // at least twice the memory it replaces (within maxBytes): a model's growing sizes make few instances
      const have = this.instance === null ? 0 : this.instance.memory.buffer.byteLength;
      const want = Math.max(bytes, Math.min(2 * have, this.limits.maxBytes));
      try {
        const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(want / PAGE)) });
        this.instance = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as X;
      } catch {
        this.free();
        return null;
      }
    }
    const x = this.instance;
    const buffer = x.memory.buffer;
    if (this.views === null || this.views.buffer !== buffer)
      this.views = {
        buffer,
        f32: new Float32Array(buffer),
        f64: new Float64Array(buffer),
        i32: new Int32Array(buffer),
      };
    return x;
  }

  /** After a call: frees memory grown over keepBytes. */
  done(): void {
    if (this.views !== null && this.views.buffer.byteLength > this.limits.keepBytes) this.free();
  }
}

/** n rounded up to a multiple of 4: elements of 4 or 8 bytes from there start on 16 bytes. */
export const up4 = (n: number): number => (n + 3) & ~3;

/**
 * Ops over fewer values than this stay in their loops (the elementwise ops, ReLU, the max-pool, im2col): below, the
 * call and the copies cost more than SIMD saves (a float32 mul on this 2-core Xeon, 2026-12-04: the loop ~6 ns a
 * value; the WebAssembly kernel ~0.45 µs a call, even with the loop at 64–128 values, 0.36× its time at 256 and 0.13×
 * at 2,048; rows of 32 over a broadcast bias, 0.68× at 256).
 */
export const WASM_MIN_VALUES = 128;

let wasmEnabled = true;

/**
 * Turns the elementwise, ReLU, max-pool and im2col kernels off (their loops run everywhere) or back on; for tests and
 * benchmarks. (The matmul has its own switch and threshold: useWasmMatmul, WASM_MIN_MACS.)
 */
export function useWasmKernels(on: boolean): void {
  wasmEnabled = on;
}

/** Whether `n` values of `o` computed from `x` (and `y`) go to a WebAssembly kernel: all of one float type. */
export function simdFor(n: number, o: unknown, x: unknown, y: unknown = o): o is Float32Array | Float64Array {
  return (
    wasmEnabled &&
    n >= WASM_MIN_VALUES &&
    ((o instanceof Float32Array && x instanceof Float32Array && y instanceof Float32Array) ||
      (o instanceof Float64Array && x instanceof Float64Array && y instanceof Float64Array))
  );
}
