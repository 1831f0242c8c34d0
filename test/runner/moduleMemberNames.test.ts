// A module's own members may have any name: the engine's internals are not reached through names a program can give
// its methods and fields (the corpus program collide-module-member-names.ts checks what the program sees; this, what
// the trace says).
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";

const PROGRAM = join(__dirname, "fixtures", "corpus", "collide-module-member-names.ts");

describe("a module's members named as the engine's internals were (link, path)", () => {
  it("the trace names parameters and modules from the module tree, not from a field named `path`", async function () {
    this.timeout(60_000);
    const { ok, trace, error } = await runModel(PROGRAM, { maxSteps: 1 });
    assert.ok(ok, JSON.stringify(error));
    assert.deepEqual(
      trace.params.map((p) => p.name),
      ["net.embed.weight", "net.embed.bias", "net.path.0.weight", "net.path.0.bias"],
    );
    assert.deepEqual([...new Set(trace.ops.map((o) => o.module))], ["net.embed", "net.path.0", "net.path.1", "net"]);
    // the program's own link(u, v) ran once, as its call: its two ops, in the module whose method it is
    assert.deepEqual(
      trace.ops.filter((o) => o.loc?.line === 16).map((o) => `${o.op}@${o.module}`),
      ["mul@net", "sum@net"],
    );
  });
});
