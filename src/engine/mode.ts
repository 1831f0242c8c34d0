// Global autodiff mode: whether ops record gradient work, whether they are reported, and forward-mode tangents.
import type { Tensor } from "./tensor";

let gradDepthOff = 0;
let quietDepth = 0;
let tangentMap: Map<number, Tensor> | null = null;

/** True when new ops should record backward work (false inside noGrad and inside backward itself). */
export function isGradEnabled(): boolean {
  return gradDepthOff === 0;
}

/**
 * True when ops are engine-internal (gradient computation, optimizer maths) and must not be reported as forward ops.
 */
export function isQuiet(): boolean {
  return quietDepth > 0;
}

/** Runs `fn` without recording gradient work; results do not require grad. Ops are still reported to the observer. */
export function noGrad<T>(fn: () => T): T {
  gradDepthOff++;
  try {
    return fn();
  } finally {
    gradDepthOff--;
  }
}

/** Runs engine-internal maths: no gradient recording, no observer reports, no tangents. */
export function internal<T>(fn: () => T): T {
  gradDepthOff++;
  quietDepth++;
  const saved = tangentMap;
  tangentMap = null;
  try {
    return fn();
  } finally {
    gradDepthOff--;
    quietDepth--;
    tangentMap = saved;
  }
}

/** Runs `fn` with gradients recorded as usual but nothing reported to the observer (checks like gradcheck). */
export function quietly<T>(fn: () => T): T {
  quietDepth++;
  try {
    return fn();
  } finally {
    quietDepth--;
  }
}

/**
 * Runs user code the engine calls from internal maths (a user-defined function's backward, inside backward()) with
 * its ops reported to the observer, still without recording gradient work.
 */
export function reported<T>(fn: () => T): T {
  const saved = quietDepth;
  quietDepth = 0;
  try {
    return fn();
  } finally {
    quietDepth = saved;
  }
}

/** The forward-mode tangents in effect (inside jvp), keyed by tensor id. */
export function tangents(): Map<number, Tensor> | null {
  return tangentMap;
}

export function withTangents<T>(map: Map<number, Tensor>, fn: () => T): T {
  const saved = tangentMap;
  tangentMap = map;
  try {
    return fn();
  } finally {
    tangentMap = saved;
  }
}

let localsDescribed = false;

/**
 * True inside a backward pass whose observer wants each op's local derivatives: a rule then keeps what the
 * description needs (an elementwise op's f′) rather than fusing it into its VJP.
 */
export function describingLocals(): boolean {
  return localsDescribed;
}

export function withLocalsDescribed<T>(on: boolean, fn: () => T): T {
  const saved = localsDescribed;
  localsDescribed = on;
  try {
    return fn();
  } finally {
    localsDescribed = saved;
  }
}
