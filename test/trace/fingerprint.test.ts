// The fingerprint that tells the recorder a leaf's values changed since it recorded them (src/trace/fingerprint.ts).
import * as assert from "node:assert/strict";
import { fingerprint } from "../../src/trace/fingerprint";

describe("fingerprint of a tensor's values", () => {
  it("changes with any one value of a tensor it reads in full, of each storage type, and with the length", () => {
    const arrays = [
      new Float32Array(4096).map((_, i) => i / 7),
      new Float64Array(2048).map((_, i) => i / 7),
      new Int32Array(1001).map((_, i) => i - 500),
      new Uint8Array(4096).map((_, i) => i % 2),
    ];
    for (const a of arrays) {
      const print = fingerprint(a);
      assert.equal(fingerprint(a.slice()), print, "the same values, another array");
      for (let i = 0; i < a.length; i++) {
        const v = a[i];
        a[i] = a instanceof Uint8Array ? 1 - v : v + 1;
        assert.notEqual(fingerprint(a), print, `${a.constructor.name}[${i}]`);
        a[i] = v;
      }
      assert.equal(fingerprint(a), print);
      assert.notEqual(fingerprint(a.subarray(0, a.length - 1)), print, "one value fewer");
    }
  });

  it("reads a plain array a program put in a tensor's place value by value", () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    const print = fingerprint(values as unknown as Float32Array);
    assert.equal(print, fingerprint([...values] as unknown as Float32Array));
    values[99] = -1;
    assert.notEqual(fingerprint(values as unknown as Float32Array), print);
  });

  it("tells values apart by their bits: NaN is itself, -0 is not 0, a float64's low word counts", () => {
    assert.equal(fingerprint(new Float32Array([NaN, 1])), fingerprint(new Float32Array([NaN, 1])));
    assert.notEqual(fingerprint(new Float32Array([-0, 1])), fingerprint(new Float32Array([0, 1])));
    assert.notEqual(fingerprint(new Float64Array([1])), fingerprint(new Float64Array([1 + Number.EPSILON])));
  });

  it("reads a larger tensor's first, last and evenly spread values: a new batch, a shuffle or a scale shows", () => {
    const n = 690_000;
    const a = new Int32Array(n).map((_, i) => (i * 7919) % 27);
    const print = fingerprint(a);
    const changed = (edit: (b: Int32Array) => void): boolean => {
      const b = a.slice();
      edit(b);
      return fingerprint(b) !== print;
    };
    assert.ok(
      changed((b) => (b[0] += 1)),
      "the first value",
    );
    assert.ok(
      changed((b) => (b[n - 1] += 1)),
      "the last value",
    );
    assert.ok(
      changed((b) => b.reverse()),
      "reversed",
    );
    assert.ok(
      changed((b) => b.copyWithin(0, 1)),
      "shifted by one",
    );
    assert.ok(
      changed((b) => b.set(b.subarray(n / 2), 0)),
      "its second half copied over its first",
    );
    assert.ok(!changed(() => undefined));
  });
});
