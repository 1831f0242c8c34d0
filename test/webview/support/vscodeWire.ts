// What VS Code does to a message between webview.postMessage in the extension host and the message event in the
// webview (src/vs/workbench/api/common/extHostWebviewMessaging.ts, for extensions whose engine is ≥ 1.57): the
// message becomes JSON text, except its ArrayBuffers and typed arrays, which travel as bytes beside it and come back
// as typed arrays of the same kind. Tests and the benchmarks send the webviews their messages this way.

const TYPED = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedName = keyof typeof TYPED;

interface BufferRef {
  $$vscode_array_buffer_reference$$: true;
  index: number;
  view?: { type: TypedName; byteOffset: number; byteLength: number };
}

export interface SerializedMessage {
  json: string;
  buffers: ArrayBuffer[];
}

function typedName(v: ArrayBufferView): TypedName | undefined {
  return (Object.keys(TYPED) as TypedName[]).find((k) => v instanceof TYPED[k]);
}

/** The extension host's side: JSON text with each buffer replaced by a reference, and the buffers. */
export function serializeMessage(message: unknown): SerializedMessage {
  const buffers: ArrayBuffer[] = [];
  const add = (b: ArrayBuffer): number => {
    let i = buffers.indexOf(b);
    if (i < 0) i = buffers.push(b) - 1;
    return i;
  };
  const json = JSON.stringify(message, (_key, value: unknown) => {
    if (value instanceof ArrayBuffer) return { $$vscode_array_buffer_reference$$: true, index: add(value) };
    if (ArrayBuffer.isView(value)) {
      const type = typedName(value);
      if (type) {
        const ref: BufferRef = {
          $$vscode_array_buffer_reference$$: true,
          index: add(value.buffer as ArrayBuffer),
          view: { type, byteOffset: value.byteOffset, byteLength: value.byteLength },
        };
        return ref;
      }
    }
    return value;
  });
  return { json, buffers };
}

/** The renderer's side: the message with its typed arrays back. */
export function deserializeMessage(s: SerializedMessage): unknown {
  return JSON.parse(s.json, (_key, value: unknown) => {
    if (typeof value !== "object" || value === null || !("$$vscode_array_buffer_reference$$" in value)) return value;
    const ref = value as BufferRef;
    const buffer = s.buffers[ref.index];
    if (!ref.view) return buffer;
    const T = TYPED[ref.view.type];
    const bytes = T.BYTES_PER_ELEMENT;
    return new T(buffer, ref.view.byteOffset, ref.view.byteLength / bytes);
  });
}

/** The page-side reviver as source text, for the harness's pages (the same as deserializeMessage). */
export const PAGE_REVIVER = `function (key, value) {
  if (typeof value !== "object" || value === null || !("$$vscode_array_buffer_reference$$" in value)) return value;
  var buffer = window.__buffers[value.index];
  if (!value.view) return buffer;
  var T = window[value.view.type];
  return new T(buffer, value.view.byteOffset, value.view.byteLength / T.BYTES_PER_ELEMENT);
}`;
