// The seeded random generator behind randn/rand/initialisation/dropout.
//
// Generator: xoshiro128** (Blackman & Vigna) on 32-bit integer state, seeded by expanding the
// seed with splitmix32. It uses only Math.imul, shifts and xor, so a seed gives the same stream
// on every machine and engine. Uniforms are 24-bit fractions in [0, 1); normals use the
// Box–Muller transform (both outputs, the second cached).

let s0 = 0,
  s1 = 0,
  s2 = 0,
  s3 = 0;
let spare: number | null = null;

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Seeds the generator; the same seed reproduces randn, rand, weight initialisation and dropout masks. */
export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${seed}`);
  const next = splitmix32(Math.floor(seed) ^ Math.floor(seed / 2 ** 32));
  s0 = next();
  s1 = next();
  s2 = next();
  s3 = next();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  spare = null;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Next 32-bit unsigned integer (xoshiro128**). */
export function nextUint32(): number {
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  return result;
}

/** The generator's whole state, to put back with setRandomState (checks that run user code must not move it). */
export interface RandomState {
  readonly s: readonly [number, number, number, number];
  readonly spare: number | null;
}

export function randomState(): RandomState {
  return { s: [s0, s1, s2, s3], spare };
}

export function setRandomState(state: RandomState): void {
  [s0, s1, s2, s3] = state.s;
  spare = state.spare;
}

/** Uniform in [0, 1). */
export function uniform(): number {
  return (nextUint32() >>> 8) / 16777216;
}

/** Standard normal (Box–Muller). */
export function normal(): number {
  if (spare !== null) {
    const v = spare;
    spare = null;
    return v;
  }
  let u = 0;
  while (u === 0) u = uniform();
  const v = uniform();
  const r = Math.sqrt(-2 * Math.log(u));
  spare = r * Math.sin(2 * Math.PI * v);
  return r * Math.cos(2 * Math.PI * v);
}

manualSeed(0);
