// Non-finite numbers across postMessage: VS Code JSON-serialises messages, which turns NaN and ±Infinity into null.
// toWire tags them as {"$nf": "NaN" | "Infinity" | "-Infinity"} (no Trace field is ever such an object) and marks
// the message with "$nonFinite": true; fromWire restores them, and skips the walk for unmarked messages (most are).

export type NonFiniteTag = { $nf: "NaN" | "Infinity" | "-Infinity" };

function tag(x: number): NonFiniteTag {
  return { $nf: Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity" };
}

function isTag(x: object): x is NonFiniteTag {
  const keys = Object.keys(x);
  if (keys.length !== 1 || keys[0] !== "$nf") return false;
  const v = (x as { $nf: unknown }).$nf;
  return v === "NaN" || v === "Infinity" || v === "-Infinity";
}

/** A copy of `value` safe for JSON: non-finite numbers become tags. Shares unchanged subtrees. */
export function toWire(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value : tag(value);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const w = typeof v === "number" && Number.isFinite(v) ? v : toWire(v);
      if (w !== v) {
        out ??= value.slice();
        out[i] = w;
      }
    }
    return out ?? value;
  }
  if (value !== null && typeof value === "object") {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const w = toWire(v);
      if (w !== v) {
        out ??= { ...(value as Record<string, unknown>) };
        out[k] = w;
      }
    }
    return out ?? value;
  }
  return value;
}

/** toWire for a whole message: marks it when something was tagged, so the receiver can skip the walk otherwise. */
export function messageToWire(message: object): unknown {
  const w = toWire(message);
  return w === message ? message : { ...(w as object), $nonFinite: true };
}

/** fromWire for a whole message: walks only messages marked by messageToWire. */
export function messageFromWire(message: unknown): unknown {
  if (message === null || typeof message !== "object" || !(message as { $nonFinite?: unknown }).$nonFinite) return message;
  delete (message as { $nonFinite?: unknown }).$nonFinite;
  return fromWire(message);
}

/** Undo toWire in place on freshly parsed data (the received message is ours to mutate). */
export function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v !== null && typeof v === "object") value[i] = fromWire(v);
    }
    return value;
  }
  if (value !== null && typeof value === "object") {
    if (isTag(value)) return value.$nf === "NaN" ? NaN : value.$nf === "Infinity" ? Infinity : -Infinity;
    const rec = value as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      const v = rec[k];
      if (v !== null && typeof v === "object") rec[k] = fromWire(v);
    }
  }
  return value;
}
