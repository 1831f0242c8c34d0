// Rows of a trace message that are well formed by construction: the page's unpack builds each op, tensor and event of
// a packed message from typed columns and the message's strings, checking as it goes what the columns cannot promise
// (a tensor's kind and dtype, a shape's or an op's extra outputs' numbers, a Jacobian shape's, the events kept as
// objects). The message guard then checks only that ids index the trace for such rows, not each row's fields again:
// at 10,000 ops those checks were about half of the page's cold unpack and check of the final trace (~45 of ~90 ms of
// CPU, node; 107-383 ms in the editor). An array is marked only by the unpack that built it, or by the page's rows made
// whole from marked ones (traceRows.ts); a copy is not marked, and is checked row by row.

const built = new WeakSet<readonly unknown[]>();

/** Marks `rows` (an array the unpack built) as well formed by construction; returns it. */
export function markBuilt<T extends readonly unknown[]>(rows: T): T {
  built.add(rows);
  return rows;
}

/** Whether `rows` is an array markBuilt marked. */
export function isBuilt(rows: unknown): boolean {
  return Array.isArray(rows) && built.has(rows);
}
