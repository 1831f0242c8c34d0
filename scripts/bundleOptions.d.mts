// Types of scripts/bundleOptions.mjs, for the test that bundles a model with them.
import type { BuildOptions } from "esbuild";
export const node: BuildOptions;
export const nodeMinify: BuildOptions;
