// Every WebAssembly module the build embeds (scripts/buildWasm.mjs's wasmModules: the matmul, the elementwise ops, the
// statistics) is current with its .wat source and holds the bytes wabt compiles it to: a source changed without `npm
// run build` fails here, whichever kernel it is.
import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compileWat, hasWabt, sha256, wasmModules } from "../../scripts/buildWasm.mjs";

describe("the embedded WebAssembly modules", () => {
  it("include every .wat source under src/", () => {
    const sources = (readdirSync("src", { recursive: true }) as string[])
      .filter((f) => f.endsWith(".wat"))
      .map((f) => join("src", f))
      .sort();
    assert.deepEqual(sources, wasmModules.map(([source]) => source).sort());
  });

  for (const [source, out, name] of wasmModules) {
    const file = source.split("/").pop();
    it(`${file}: ${out} was built from the current source`, async () => {
      const mod = (await import(resolve(out))) as Record<string, string>;
      assert.equal(
        mod[`${name}_WAT_SHA256`],
        sha256(readFileSync(source, "utf8")),
        `${file} changed: npm run build rebuilds it`,
      );
    });

    it(`${file}: ${out} holds the bytes wabt compiles it to`, async function () {
      // a worktree whose node_modules predates wabt (npm ci installs it, so CI always runs this)
      if (!hasWabt()) this.skip();
      const mod = (await import(resolve(out))) as Record<string, string>;
      const bytes = await compileWat(source, readFileSync(source, "utf8"));
      assert.equal(Buffer.from(bytes).toString("base64"), mod[`${name}_WASM_BASE64`]);
    });
  }
});
