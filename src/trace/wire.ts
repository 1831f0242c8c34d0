// The one encoding of NaN and ±Infinity, which JSON lacks, wherever Backstep's data is JSON: saved trace files,
// the recorder's stream (op attributes), and messages to and from the webviews (VS Code JSON-serialises them,
// turning NaN and ±Infinity into null; src/protocol/wire.ts marks such messages). toWire tags such a number as
// {"$nf": "NaN" | "Infinity" | "-Infinity"}, an object no Trace field ever is, so a string "NaN" stays a string;
// fromWire restores the numbers. Pure (no imports): the webviews run it too.

export type NonFiniteTag = { $nf: "NaN" | "Infinity" | "-Infinity" };

/** The tag's key as it appears in JSON text: text without it has nothing to restore. */
export const NON_FINITE_KEY = '"$nf"';

function tag(x: number): NonFiniteTag {
  return { $nf: Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity" };
}

function isTag(x: object): x is NonFiniteTag {
  const keys = Object.keys(x);
  if (keys.length !== 1 || keys[0] !== "$nf") return false;
  const v = (x as { $nf: unknown }).$nf;
  return v === "NaN" || v === "Infinity" || v === "-Infinity";
}

/**
 * A copy of `value` safe for JSON: non-finite numbers become tags. Shares unchanged subtrees (and returns `value`
 * itself when nothing changed).
 */
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
  // typed arrays hold NaN and ±Infinity as they are (a message's typed arrays travel as bytes, not JSON)
  if (ArrayBuffer.isView(value)) return value;
  if (value !== null && typeof value === "object") {
    let out: Record<string, unknown> | undefined;
    const rec = value as Record<string, unknown>;
    // (for…in over own data: no entries array per object, which a million ops would allocate)
    for (const k in rec) {
      if (!Object.prototype.hasOwnProperty.call(rec, k)) continue;
      const v = rec[k];
      const w =
        typeof v === "number"
          ? Number.isFinite(v)
            ? v
            : tag(v)
          : v !== null && typeof v === "object" && !ArrayBuffer.isView(v)
            ? toWire(v)
            : v;
      if (w !== v) {
        out ??= { ...rec };
        out[k] = w;
      }
    }
    return out ?? value;
  }
  return value;
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
  if (value !== null && typeof value === "object" && !ArrayBuffer.isView(value)) {
    if (isTag(value)) return value.$nf === "NaN" ? NaN : value.$nf === "Infinity" ? Infinity : -Infinity;
    const rec = value as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      const v = rec[k];
      if (v !== null && typeof v === "object") rec[k] = fromWire(v);
    }
  }
  return value;
}

/** JSON text of `value`, non-finite numbers tagged. */
export function stringifyWire(value: unknown, indent?: number): string {
  return JSON.stringify(toWire(value), null, indent);
}

/** Parses JSON text written with tags, restoring the numbers (the walk is skipped when the text has no tag). */
export function parseWire(text: string): unknown {
  const raw = JSON.parse(text) as unknown;
  return text.includes(NON_FINITE_KEY) ? fromWire(raw) : raw;
}
