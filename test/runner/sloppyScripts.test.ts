// A CommonJS `.js` script runs in sloppy mode, as Node runs it: sucrase's output starts with "use strict" whatever it
// compiled, and a script that assigned an undeclared name ran plainly and failed traced. A module (import/export, an
// .mjs, "type": "module") stays strict, as Node runs it.
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { runNode, plainAndTraced } from "./support/plainAndTraced";
import { runsSloppy } from "../../src/runner/strictness";

const SLOPPY = `var backstep = require("backstep");
var w = backstep.tensor([1, 2, 3], { requiresGrad: true });
total = 0;
total += 1 + 2;
console.log("octal", 010, "callee", (function () { return typeof arguments.callee; })());
function dup(a, a) { return a; }
console.log("dup", dup(1, 2));
if (true) { function inBlock() { return "annex b"; } }
console.log(typeof inBlock === "function" ? inBlock() : "none");
function outer() {
  function pick() { return 1; }
  function pick() { return 2; }
  return pick();
}
console.log("pick", outer(), "this", (function () { return this === globalThis; })());
var loss = w.mul(w).sum();
loss.backward();
console.log("total", total, "grad", Array.from(w.grad.data).join(","));
`;

const STRICT_PROBE = `console.log("strict", (function () { return this === undefined; })());\n`;
const OP = `tensor([1, 2], { requiresGrad: true }).sum().backward();\n`;

describe("runner: a CommonJS script runs sloppy, a module strict", function () {
  this.timeout(120_000);
  const { files, same, traced } = plainAndTraced("backstep-sloppy-");

  it("a .js or .cjs script: undeclared assignments, octals, duplicate parameters and functions, `this` of a bare call", () => {
    const folder = files("script", { "model.js": SLOPPY, "model.cjs": SLOPPY });
    for (const file of ["model.js", "model.cjs"]) {
      const out = same(folder, file);
      assert.equal(runNode([file], folder).out, out, `${file}: Node's own run prints the same`);
      assert.match(out, /octal 8 callee function\ndup 2\nannex b\npick 2 this true\ntotal 3 grad 2,4,6/);
    }
  });

  it("a module stays strict: import or export, .mjs, a package of type module", () => {
    const folder = files("module", {
      "imports.js": `import { tensor } from "backstep";\n${OP}${STRICT_PROBE}`,
      "exports.js": `const { tensor } = require("backstep");\n${OP}${STRICT_PROBE}export const x = 1;\n`,
      "typed/package.json": JSON.stringify({ type: "module" }),
      "typed/model.js": STRICT_PROBE,
      "script.js": `const { tensor } = require("backstep");\n${OP}${STRICT_PROBE}`,
    });
    for (const file of ["imports.js", "exports.js"]) {
      const r = traced(folder, file);
      assert.equal(r.status, 0, r.err);
      assert.match(r.out, /^strict true$/m, file);
    }
    assert.equal(runNode(["typed/model.js"], folder).out, "strict true\n", "Node runs a type-module .js strict");
    assert.equal(runsSloppy(STRICT_PROBE, join(folder, "typed", "model.js")), false, "and so does Backstep");
    assert.equal(runsSloppy(STRICT_PROBE, join(folder, "script.js")), true);
    assert.match(traced(folder, "script.js").out, /^strict false$/m);
  });

  it("decides by Node's rules: file extension, nearest package.json, module declarations", () => {
    assert.equal(runsSloppy("x = 1;", "/nowhere/a.js"), true);
    assert.equal(runsSloppy("x = 1;", "/nowhere/a.cjs"), true);
    assert.equal(runsSloppy("x = 1;", "/nowhere/a.mjs"), false);
    assert.equal(runsSloppy("x = 1;", "/nowhere/a.ts"), false);
    assert.equal(runsSloppy("const m = import('x');", "/nowhere/a.js"), true, "a dynamic import is a script's too");
    assert.equal(runsSloppy("export default 1;", "/nowhere/a.js"), false);
    assert.equal(runsSloppy("var a = 010;", "/nowhere/a.js"), true, "not valid as a module: a script");
  });
});
