// Builds every bundle with esbuild: the extension, the runner's worker, the CLI, the standalone debug adapter, the
// webviews,
// and the npm package packages/backstep (the engine as CommonJS with an ESM entry over it, the CLI and its worker).
import * as esbuild from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { buildWasm } from "./buildWasm.mjs";
import { node, nodeMinify } from "./bundleOptions.mjs";

const production = process.argv.includes("--production");
// KaTeX's woff2 fonts as data URLs in the CSS (every Chromium reads woff2; the woff/ttf fallbacks are dropped): the
// webviews inline their bundle and fetch nothing (extension/panels/assets.ts), the report is one file.
const browser = {
  platform: "browser",
  format: "iife",
  target: "chrome120",
  loader: { ".woff2": "dataurl", ".woff": "empty", ".ttf": "empty" },
};
const report = { ...browser, minify: true, sourcemap: false, legalComments: "none" };

const PKG = "packages/backstep";

/** [entry, outfile, options] — every shipped bundle. */
const bundles = [
  ["extension/extension.ts", "dist/extension.js", node],
  ["src/runner/worker.ts", "dist/runnerWorker.js", node],
  // the CodeLens's parser thread (sucrase + acorn off the extension host's event loop)
  ["extension/editor/lensWorker.ts", "dist/lensWorker.js", node],
  ["src/cli/main.ts", "dist/cli.js", { ...node, banner: { js: "#!/usr/bin/env node" } }],
  ["extension/debug/adapterMain.ts", "dist/debugAdapter.js", node],
  ["webview/graph/main.ts", "dist/webview/graph.js", browser],
  ["webview/side/main.ts", "dist/webview/side.js", browser],
  // KaTeX, which the graph page runs on first use (webview/graph/tex.ts): its own script and styles, inlined as text
  ["webview/graph/katexBundle.ts", "dist/webview/katex.js", browser],
  // `backstep report`: the graph panel with a standalone host, inlined into one HTML file (src/report), so minified
  // always (no comments) and KaTeX's woff2 fonts as data URLs (every browser the report targets reads woff2)
  ["webview/report/main.ts", "dist/webview/report.js", report],
  // The npm package: the same sources, built into the package's own folder (docs/packaging.md).
  ["src/index.ts", `${PKG}/dist/index.cjs`, node],
  ["src/cli/main.ts", `${PKG}/dist/cli.js`, { ...node, banner: { js: "#!/usr/bin/env node" } }],
  ["src/runner/worker.ts", `${PKG}/dist/runnerWorker.js`, node],
  ["webview/report/main.ts", `${PKG}/dist/webview/report.js`, report],
];

// the WebAssembly kernels first: the bundles embed them
await buildWasm();

const missing = bundles.filter(([entry]) => !existsSync(entry)).map(([entry]) => entry);
if (missing.length) console.warn(`build: not yet present, skipped: ${missing.join(", ")}`);

await Promise.all(
  bundles
    .filter(([entry]) => existsSync(entry))
    .map(([entry, outfile, options]) =>
      esbuild.build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        sourcemap: !production,
        minify: production,
        logLevel: "warning",
        alias: { backstep: "./src/index.ts" },
        loader: { ".woff2": "file", ".woff": "file", ".ttf": "file" },
        ...options,
        ...(production && options.platform === "node" ? nodeMinify : {}),
      }),
    ),
);

writePackageEsmEntry();
copyFileSync("LICENSE", `${PKG}/LICENSE`);
// the CLI traces .py models with the Python recorder, which it finds at dist/../python
mkdirSync(`${PKG}/python/backstep_torch`, { recursive: true });
for (const f of readdirSync("python/backstep_torch").filter((f) => f.endsWith(".py")))
  copyFileSync(`python/backstep_torch/${f}`, `${PKG}/python/backstep_torch/${f}`);

/**
 * The package's `import` entry re-exports the CommonJS build's names, so a program that both imports and requires
 * "backstep" (or depends on a library that does) gets one engine: one rule table, one observer, one Tensor class.
 */
function writePackageEsmEntry() {
  const cjs = resolve(`${PKG}/dist/index.cjs`);
  const names = Object.keys(createRequire(import.meta.url)(cjs)).filter((n) => n !== "default" && n !== "__esModule");
  const lines = [
    "// ESM entry of backstep: the CommonJS build's exports, so `import` and `require` share one engine.",
    'import engine from "./index.cjs";',
    // `export { $n as n }` rather than `export const { n }`: an export may be named with a reserved word (`var`).
    `const { ${names.map((n) => `${n}: $${n}`).join(", ")} } = engine;`,
    `export { ${names.map((n) => `$${n} as ${n}`).join(", ")} };`,
  ];
  writeFileSync(`${PKG}/dist/index.mjs`, lines.join("\n") + "\n");
}

console.log(`build: ${bundles.length - missing.length} bundles${production ? " (production)" : ""}`);
