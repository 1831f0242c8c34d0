// Types of scripts/buildWasm.mjs, for the test that checks the committed kernels are current.
export const wasmModules: [source: string, out: string, name: string][];
export function moduleText(source: string, wat: string, bytes: Uint8Array, name: string): string;
export function sha256(text: string): string;
export function compileWat(source: string, wat: string): Promise<Uint8Array>;
export function hasWabt(): boolean;
export function buildWasm(): Promise<void>;
