// The debugger's Op scope writes an elementwise op's local derivative with the program's operands (DAP, real
// runner), as the graph's inspector does: the rules' placeholders (a, b, x) read as the program's own variables, so
// `b = h.mul(h)` showed ∂b/∂h = b (the program's b is h²; the derivative is h) and `a = h.mul(2)` ∂a/∂h = b.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Trace } from "../../src/trace/types";
import { runModel } from "../../src/runner/index";
import { launch, scopeVars, startAdapter, where } from "./dapHarness";
import { tempDirs } from "../support/tempDirs";

describe("local derivatives in the Op scope (DAP, real runner)", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-local-formulas-");

  it("are written with the program's operands: names, and numbers for scalars", async () => {
    const program = join(tmp(), "fanout.ts");
    writeFileSync(
      program,
      `import { tensor } from "backstep";
const w = tensor([1, 2, 3], { requiresGrad: true });
const h = w.tanh();
const a = h.mul(2);
const b = h.mul(h);
const s = a.add(b);
const loss = s.sum();
loss.backward();
`,
    );
    const h = await startAdapter({ runModel });
    try {
      await where(h.dc, await launch(h.dc, { program, stopOnEntry: true }));
      const { trace } = (await h.dc.customRequest("backstep/trace")).body as { trace: Trace };
      /** The Op scope's local-derivative rows at the backward event of the op assigned to `v`. */
      const locals = async (v: string): Promise<string[]> => {
        const op = trace.ops.find((o) => o.var === v)!;
        const at = trace.events.findIndex((e) => e.kind === "backward" && e.op === op.id);
        await h.dc.customRequest("backstep/goto", { event: at });
        return (await scopeVars(h.dc, "Op"))
          .filter((x) => x.name.endsWith("(local)"))
          .map((x) => `${x.name} = ${x.value}`);
      };
      const [b0, b1] = await locals("b");
      assert.match(b0, /^∂b\/∂h \(input 0\) \(local\) = h\s/);
      assert.match(b1, /^∂b\/∂h \(input 1\) \(local\) = h\s/);
      assert.match((await locals("a"))[0], /^∂a\/∂h \(local\) = 2\s/);
      assert.match((await locals("h"))[0], /^∂h\/∂w \(local\) = 1 − tanh²\(w\)\s/);
    } finally {
      await h.close();
    }
  });
});
