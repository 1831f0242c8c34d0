// A call of something Backstep lacks says so, from the API the engine has at run time, and suggests what exists.
import * as assert from "node:assert/strict";
import * as engine from "../../src/index";
import {
  ALTERNATIVES,
  COMPOSITIONS,
  backstepNames,
  missingExportHint,
  missingOpHint,
  notIterableHint,
} from "../../src/runner/missingOp";

/** A stand-in engine: a Tensor class with the given methods, and top-level functions. */
function fakeEngine(methods: string[], functions: string[] = []): object {
  class Tensor {}
  for (const m of methods) Object.defineProperty(Tensor.prototype, m, { value: () => undefined });
  return { Tensor, ...Object.fromEntries(functions.map((f) => [f, () => undefined])), F: { relu: () => undefined } };
}

describe("runner: calls of what Backstep lacks", () => {
  it("names the missing op of the real engine, for a name that will never exist", () => {
    assert.equal(
      missingOpHint("z.frobnicateNeverAnOp is not a function", engine),
      "Backstep has no frobnicateNeverAnOp",
    );
    assert.equal(missingOpHint("nn.FrobnicateNever is not a constructor", engine), "Backstep has no FrobnicateNever");
  });

  it("says an array's method was called on something that is not an array, not that Backstep lacks it", () => {
    assert.equal(
      missingOpHint("model.layers.reduce is not a function", engine),
      "model.layers is not an array: reduce is an array's method; write for (const item of model.layers) { … }, " +
        "or Array.from(model.layers).reduce(…)",
    );
  });

  it("says nothing when Backstep has the name (the receiver was something of the user's) or for other messages", () => {
    assert.equal(missingOpHint("z.relu is not a function", engine), undefined);
    assert.equal(missingOpHint("model.forward is not a function", engine), undefined);
    assert.equal(missingOpHint("f is not a function", engine), undefined);
    assert.equal(missingOpHint("Cannot read properties of undefined (reading 'x')", engine), undefined);
  });

  it("answers PyTorch's (values, indices) read by name: x.max(1).values is the values tensor itself here", () => {
    for (const receiver of ["x.max(...).values", "h.sort(...).values"]) {
      const hint = missingOpHint(`${receiver}.mul is not a function`, engine) ?? "";
      assert.match(hint, /max\(dim\) and min\(dim\) give the values tensor itself/);
      assert.match(hint, /drop \.values, or destructure/);
    }
    // a name Backstep lacks after .values is still that name's answer
    assert.match(missingOpHint("x.max(...).values.swish is not a function", engine) ?? "", /Backstep has no swish/);
  });

  it("looks the API up at run time: an op added later is found without a list to update", () => {
    assert.equal(
      missingOpHint("z.swish is not a function", fakeEngine(["mul", "sigmoid"])),
      "Backstep has no swish; use z.mul(z.sigmoid())",
    );
    assert.equal(missingOpHint("z.swish is not a function", fakeEngine(["mul", "sigmoid", "swish"])), undefined);
    assert.equal(missingOpHint("z.swish is not a function", fakeEngine(["mul"], ["swish"])), undefined);
  });

  it("answers PyTorch's in-place ops with the assignment that does their job", () => {
    assert.equal(
      missingOpHint("h.add_ is not a function", engine),
      "Backstep has no add_: its ops make new tensors instead of changing one in place; write h = h.add(…)",
    );
    assert.equal(
      missingOpHint("this.w.clamp_ is not a function", engine),
      "Backstep has no clamp_: its ops make new tensors instead of changing one in place; write this.w = this.w.clamp(…)",
    );
    assert.match(missingOpHint("p.grad.zero_ is not a function", engine) ?? "", /write p\.grad = null \(PyTorch's/);
    assert.match(missingOpHint("h.zero_ is not a function", engine) ?? "", /write h = zerosLike\(h\)$/);
    assert.equal(missingOpHint("h.frob_ is not a function", fakeEngine([])), "Backstep has no frob_");
    // PyTorch's x.size(0), where Backstep's size is the element count
    assert.match(
      missingOpHint("x.size is not a function", engine) ?? "",
      /for PyTorch's x\.size\(d\) write x\.shape\[d\]/,
    );
  });

  it("suggests Backstep's name for another library's, only when that name exists", () => {
    assert.equal(
      missingOpHint("h.matMul is not a function", fakeEngine(["matmul"])),
      "Backstep has no matMul; use h.matmul",
    );
    assert.equal(missingOpHint("h.matMul is not a function", fakeEngine([])), "Backstep has no matMul");
    assert.equal(
      missingOpHint("h.expandDims is not a function", fakeEngine(["reshape"])),
      "Backstep has no expandDims; use h.reshape",
    );
    assert.equal(missingOpHint("F.Relu is not a function", fakeEngine([])), "Backstep has no Relu; use F.relu");
    assert.equal(missingOpHint("t.relu is not a function", fakeEngine([])), "Backstep has relu only as F.relu");
  });

  it("suggests only for names Backstep lacks, and only names it has (the tables stay live as the engine grows)", () => {
    const names = backstepNames(engine);
    const present = [...Object.keys(ALTERNATIVES), ...Object.keys(COMPOSITIONS)].filter((k) => names.has(k));
    assert.deepEqual(present, [], "names the engine has now: drop them from missingOp.ts's tables");
    const unknown = [
      ...Object.values(ALTERNATIVES).flat(),
      ...Object.values(COMPOSITIONS).flatMap(([ops]) => ops),
    ].filter((k) => !names.has(k));
    assert.deepEqual(unknown, [], "suggestions the engine does not have");
  });

  it("answers PyTorch's snake_case names with Backstep's camelCase ones", () => {
    assert.equal(
      missingOpHint("F.conv_transpose2d is not a function", engine),
      "Backstep has no conv_transpose2d; use F.convTranspose2d",
    );
    assert.equal(
      missingOpHint("F.cross_entropy is not a function", engine),
      "Backstep has no cross_entropy; use F.crossEntropy",
    );
    assert.equal(
      missingOpHint("logits.log_softmax is not a function", engine),
      "Backstep has no log_softmax; use logits.logSoftmax",
    );
  });
});

describe("runner: PyTorch's (values, indices) of max(dim) destructured", () => {
  const v8 = "object is not iterable (cannot read property Symbol(Symbol.iterator))";
  it("says what max() and min() over every dim return and what to write, from the expression at the error's column", () => {
    assert.equal(
      notIterableHint(v8, "logits.max();"),
      "Backstep's max() over every dim returns one tensor, not (values, indices): write const [values, indices] = logits.max(dim)",
    );
    assert.equal(
      notIterableHint("min is not a function or its return value is not iterable", "min(this.h);"),
      "Backstep's min() over every dim returns one tensor, not (values, indices): write const [values, indices] = min(this.h, dim)",
    );
  });

  it("says nothing of other expressions or messages", () => {
    assert.equal(notIterableHint(v8, "x.split(2);"), undefined);
    assert.equal(notIterableHint(v8, "maximum(a, b)"), undefined);
    assert.equal(notIterableHint("x.max is not a function", "x.max(1)"), undefined);
    assert.equal(notIterableHint(v8, undefined), undefined);
  });
});

describe("runner: imports of what Backstep lacks", () => {
  it("names the missing export and the op to use instead, from the engine at run time", () => {
    assert.equal(missingExportHint("frobnicateNeverExported", engine), "Backstep has no frobnicateNeverExported");
    assert.equal(
      missingExportHint("swish", fakeEngine(["mul", "sigmoid"])),
      "Backstep has no swish; use x.mul(x.sigmoid())",
    );
    assert.equal(missingExportHint("item", fakeEngine(["item"])), "Backstep has item only as Tensor.item");
    assert.equal(missingExportHint("clip", fakeEngine([], ["clamp"])), "Backstep has no clip; use clamp");
  });
});
