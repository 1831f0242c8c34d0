// What the optim unit tests share: a one-weight SGD, a scheduler's rates, and an exact error check.
import * as assert from "node:assert/strict";
import { optim, tensor } from "../../src/index";

/** SGD at lr 0.8 on one weight (`more`: its other options). */
export const sgd = (more: Partial<optim.SGDOptions> = {}): optim.SGD =>
  new optim.SGD([tensor([1], { requiresGrad: true })], { lr: 0.8, ...more });

/** The learning rate after each of `n` scheduler steps. */
export function rates(s: optim.LRScheduler, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s.step();
    out.push(s.getLastLr()[0]);
  }
  return out;
}

/** `actual` equals `expected` to 1e-14 (relative) element by element. */
export function near(actual: readonly number[], expected: readonly number[]): void {
  assert.equal(actual.length, expected.length, `${actual} vs ${expected}`);
  actual.forEach((v, i) =>
    assert.ok(Math.abs(v - expected[i]) <= 1e-14 * Math.abs(expected[i]), `${actual} vs ${expected}`),
  );
}

/** `make` throws a `name` error whose message is exactly `message`. */
export const rejects = (make: () => unknown, name: "TypeError" | "RangeError", message: string): void =>
  assert.throws(make, { name, message });
