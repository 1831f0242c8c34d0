// Deterministic values in [-1, 1) for kernel tests (a linear congruential sequence: no engine, no seed state).
export type Floats = Float32Array | Float64Array;

/** `n` values made by `make`, filled from `seed`. */
export function random(make: (n: number) => Floats, n: number, seed: number): Floats {
  const x = make(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    x[i] = s / 2 ** 30 - 1;
  }
  return x;
}
