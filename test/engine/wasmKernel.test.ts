// A kernel that needs more memory gets a new instance on a new memory; the old memory's ArrayBuffer is never detached.
// An isolate's first detached ArrayBuffer invalidates V8's ArrayBufferDetaching protector and deoptimises every
// function compiled with a typed-array access (wasmKernel.ts's withMemory): memory.grow did that in the first step of
// any model whose products outgrew the kernels' first memory. Checked for every module the build embeds.
import * as assert from "node:assert/strict";
import { resolve } from "node:path";
import { wasmModules } from "../../scripts/buildWasm.mjs";
import { WasmKernel } from "../../src/engine/kernels/wasmKernel";
import { recordedStats } from "../../src/trace/statsKernel";
import { computeStats } from "../../src/trace/stats";
import { BINARY_WASM_BASE64 } from "../../src/engine/kernels/wasm/binaryWasm";

describe("WasmKernel's memory", () => {
  for (const [source, out, name] of wasmModules) {
    const file = source.split("/").pop();
    it(`${file}: more memory is a new instance; the old buffer stays attached`, async () => {
      const mod = (await import(resolve(out))) as Record<string, string>;
      const kernel = new WasmKernel<{ memory: WebAssembly.Memory }>(mod[`${name}_WASM_BASE64`]!, {
        keepBytes: 1 << 22,
        maxBytes: 1 << 22,
      });
      const first = kernel.withMemory(1000);
      assert.ok(first, "the module instantiates with a memory it is given");
      const old = kernel.views!.buffer;
      const oldBytes = old.byteLength;
      assert.ok(oldBytes >= 1000);
      assert.equal(kernel.withMemory(oldBytes), first, "a call that fits keeps its instance");

      const second = kernel.withMemory(3 * oldBytes);
      assert.ok(second);
      assert.notEqual(second, first);
      assert.ok(kernel.views!.buffer.byteLength >= 3 * oldBytes);
      assert.notEqual(kernel.views!.buffer, old, "views of the new memory");
      // memory.grow would have detached it: byteLength 0
      assert.equal(old.byteLength, oldBytes);
      assert.equal(kernel.withMemory(2 * oldBytes), second, "smaller calls reuse the bigger memory");
    });
  }

  it("grows at least twofold, within maxBytes, and declines calls over it", () => {
    const kernel = new WasmKernel<{ memory: WebAssembly.Memory }>(BINARY_WASM_BASE64, {
      keepBytes: 1 << 20,
      maxBytes: 5 * 65536,
    });
    kernel.withMemory(2 * 65536);
    kernel.withMemory(3 * 65536);
    assert.equal(kernel.bytes(), 4 * 65536, "2 pages → 4, not 3");
    kernel.withMemory(4 * 65536 + 1);
    assert.equal(kernel.bytes(), 5 * 65536, "capped at maxBytes");
    assert.equal(kernel.withMemory(5 * 65536 + 1), null);
  });

  it("the statistics kernel's numbers as its memory is replaced: small, then large, then small arrays", () => {
    for (const n of [40, 70_000, 300_000, 50]) {
      const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
      assert.deepEqual(recordedStats(values), computeStats(values), `${n} values`);
    }
  });
});
