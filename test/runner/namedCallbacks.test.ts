// A function passed by name to a method called forEach, map, filter… (`batches.forEach(trainBatch)`) is passed as a
// proxy that marks each call an iteration of the loop it makes: the model's own method, which may be no Array's,
// sees the function it was passed (its properties, its name, `new` of a class). Plain tsx = traced.
import * as assert from "node:assert/strict";
import { plainAndTraced } from "./support/plainAndTraced";

describe("runner: a function passed by name to an iteration method is still that function", function () {
  this.timeout(120_000);
  const { files, same } = plainAndTraced("backstep-callbacks-");

  it("a class passed to a factory's map, a function's own properties, its name and length", () => {
    const folder = files("callbacks", {
      "model.ts": `import { tensor } from "backstep";
class Point {
  constructor(public x: number) {}
}
const factory = { map(C: new (x: number) => Point) { return new C(1); } };
console.log("constructed:", factory.map(Point).x);
function onBatch(a: number, b: number) { return a + b; }
(onBatch as unknown as { tag: string }).tag = "batch handler";
const seen: string[] = [];
const registry = {
  forEach(fn: (a: number, b: number) => number) {
    seen.push(String((fn as unknown as { tag?: string }).tag), fn.name, String(fn.length), String(fn(2, 3)));
  },
};
registry.forEach(onBatch);
console.log(seen.join(" "));
const w = tensor([1, 2], { requiresGrad: true });
[1, 2].forEach(function scale(k) { w.mul(k).sum().backward(); });
console.log("grad", w.grad!.toArray().join(","));
`,
    });
    const out = same(folder, "model.ts");
    assert.match(out, /constructed: 1/);
    assert.match(out, /batch handler onBatch 2 5/);
    assert.match(out, /grad 3,3/);
  });
});
