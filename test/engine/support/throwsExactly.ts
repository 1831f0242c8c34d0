// An assertion for argument checks: the error's class and its whole message, which is what the user reads.
import * as assert from "node:assert/strict";

/** Asserts `fn` throws an error of class `kind` whose message is exactly `message`. */
export function throwsExactly(fn: () => unknown, kind: new (...args: never[]) => Error, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof kind, `a ${kind.name}, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}
