// The packed trace message's shape as the tests of its tables read it (src/protocol/tensorTable.ts, opTable.ts,
// eventTable.ts).
import type { IdColumn } from "../../../src/protocol/columns";

export type Packed = {
  trace: {
    strings: string[];
    tensorTable: {
      kind: Int32Array;
      dtype: Int32Array;
      shape: Int32Array;
      shapes: unknown[][];
      stats: { norm: Float64Array | number[] };
    };
    opTable: {
      output: IdColumn;
      inputs: IdColumn;
      site: Uint8Array;
      sites: Int32Array;
      attr: Uint8Array;
      attrs: unknown[];
      outputsAt: number[];
      outputs: unknown[];
    };
    eventTable: {
      kind: Uint8Array;
      upstream: IdColumn;
      arity: Uint8Array;
      tensor: IdColumn;
      local: Uint8Array;
      locals: Float64Array;
      rule: Uint8Array;
      before: IdColumn;
      otherAt: number[];
      other: Record<string, unknown>[];
    };
  };
};
