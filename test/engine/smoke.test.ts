import * as assert from "node:assert/strict";
describe("toolchain", () => { it("runs TypeScript tests", () => { const x: number = 1; assert.equal(x + 1, 2); }); });
