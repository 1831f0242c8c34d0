// The trace message's typed columns, shared by its tables (opTable.ts, eventTable.ts, tensorTable.ts, statsTable.ts):
// index columns as narrow as their values, counts one byte each with the rare big ones beside them, and ids as
// differences. Packed by the host, checked and unpacked by the webview.

/** A column of indices, as narrow as its values allow (narrow). */
export type IndexColumn = Uint8Array | Uint16Array | Int32Array;

/** The narrowest of Uint8Array, Uint16Array and Int32Array that holds these values. */
export function narrow(values: Int32Array): IndexColumn {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    else if (v > hi) hi = v;
  }
  if (lo < 0 || hi > 0xffff) return values;
  return hi > 0xff ? Uint16Array.from(values) : Uint8Array.from(values);
}

/**
 * A column of counts (an op's inputs, a backward event's arity): one byte each, where the rare count over 254 (a stack
 * of 910 unrolled states) is 255 and goes in `big`, in order. Narrowed whole, the 100,000-op LSTM's two such columns
 * were 16-bit for 5 ops of 100,145, 196 KB each: its graph message 3,345 → 3,149 KB so (code-server relays ~0.15 s a MB
 * at the e2e bench's load, in one task of the workbench's).
 */
export type CountColumn = IndexColumn | { small: Uint8Array; big: Int32Array };

/** The smaller of narrow's column and the one-byte column with the counts over 254 beside it. */
export function packCounts(counts: Int32Array): CountColumn {
  const n = counts.length;
  let big = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const v = counts[i];
    if (v >= 0xff) big++;
    if (v > hi) hi = v;
  }
  if (hi < 0xff || n + 4 * big >= (hi > 0xffff ? 4 : 2) * n) return narrow(counts);
  const small = new Uint8Array(n);
  const rest = new Int32Array(big);
  for (let i = 0, k = 0; i < n; i++) {
    const v = counts[i];
    if (v < 0xff) small[i] = v;
    else {
      small[i] = 0xff;
      rest[k++] = v;
    }
  }
  return { small, big: rest };
}

/** packCounts' column of length `n` back as an index column, or undefined when it is not one (a count below 0). */
export function unpackCounts(x: unknown, n: number): IndexColumn | undefined {
  if (isIndexColumn(x, n)) return x instanceof Int32Array && x.some((v) => v < 0) ? undefined : x;
  if (typeof x !== "object" || x === null) return undefined;
  const { small, big } = x as { small?: unknown; big?: unknown };
  if (!isColumn(small, Uint8Array, n) || !(big instanceof Int32Array)) return undefined;
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = small[i];
    if (v < 0xff) out[i] = v;
    else if (k < big.length && big[k] >= 0xff) out[i] = big[k++];
    else return undefined;
  }
  return k === big.length ? narrow(out) : undefined;
}

/**
 * A column of ids (of tensors, ops or strings; -1 for none): as they are, or as the differences between consecutive
 * ones (the first from 0) in an Int8Array or Int16Array, as they mostly are small (ids run in recording order). The
 * type's least value stands for an id that is not (its place holds it in `escaped`, as the id itself), the one above
 * it for -1, which leaves the last id as it was: a column where "none" alternates with ids (a backward event's local
 * derivative tensors, each input's contribution) had each id after a -1 escaped, 291 KB of escapes in one column of the
 * 100,000-op LSTM's graph message.
 */
export type IdColumn = Int32Array | { delta: Int8Array | Int16Array; escaped: Int32Array };

/** The narrowest IdColumn of these ids (the fewest bytes). */
export function packIds(ids: Int32Array): IdColumn {
  const n = ids.length;
  let wide8 = 0; // differences outside an Int8Array's range (but its two marks)
  let wide16 = 0;
  for (let i = 0, prev = 0; i < n; i++) {
    const v = ids[i];
    if (v === -1) continue;
    const d = v - prev;
    if (d <= -0x7f || d > 0x7f) wide8++;
    if (d <= -0x7fff || d > 0x7fff) wide16++;
    prev = v;
  }
  const bytes8 = n + 4 * wide8;
  const bytes16 = 2 * n + 4 * wide16;
  if (4 * n <= Math.min(bytes8, bytes16)) return ids;
  const delta = bytes8 <= bytes16 ? new Int8Array(n) : new Int16Array(n);
  const esc = delta instanceof Int8Array ? -0x80 : -0x8000;
  const escaped = new Int32Array(delta instanceof Int8Array ? wide8 : wide16);
  for (let i = 0, k = 0, prev = 0; i < n; i++) {
    const v = ids[i];
    if (v === -1) {
      delta[i] = esc + 1;
      continue;
    }
    const d = v - prev;
    if (d <= esc + 1 || d > -esc - 1) {
      delta[i] = esc;
      escaped[k++] = v;
    } else delta[i] = d;
    prev = v;
  }
  return { delta, escaped };
}

/** packIds' column back as the ids, or undefined when it is not one (or not of length `n`, when given). */
export function unpackIds(x: unknown, n?: number): Int32Array | undefined {
  if (x instanceof Int32Array) return n === undefined || x.length === n ? x : undefined;
  if (typeof x !== "object" || x === null) return undefined;
  const { delta, escaped } = x as { delta?: unknown; escaped?: unknown };
  if (!(delta instanceof Int8Array || delta instanceof Int16Array) || !(escaped instanceof Int32Array))
    return undefined;
  if (n !== undefined && delta.length !== n) return undefined;
  const esc = delta instanceof Int8Array ? -0x80 : -0x8000;
  const out = new Int32Array(delta.length);
  let k = 0;
  for (let i = 0, v = 0; i < delta.length; i++) {
    const d = delta[i];
    if (d === esc + 1) {
      out[i] = -1;
      continue;
    }
    if (d !== esc) v += d;
    else if (k < escaped.length) v = escaped[k++];
    else return undefined;
    out[i] = v;
  }
  return k === escaped.length ? out : undefined;
}

/** Whether `x` is an index column (narrow's) of length `n`. */
export function isIndexColumn(x: unknown, n: number): x is IndexColumn {
  return isColumn(x, Uint8Array, n) || isColumn(x, Uint16Array, n) || isColumn(x, Int32Array, n);
}

/** Whether `x` is a typed array of this kind and length (what a packed column must be). */
export function isColumn<T extends ArrayBufferView>(
  x: unknown,
  kind: new (n: number) => T,
  n: number,
): x is T & { length: number } {
  return x instanceof kind && (x as unknown as { length: number }).length === n;
}
