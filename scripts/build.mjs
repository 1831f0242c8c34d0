// Builds every bundle with esbuild: the extension, the runner's worker, the CLI, the standalone debug adapter and the webviews.
import * as esbuild from "esbuild";
import { existsSync } from "node:fs";

const production = process.argv.includes("--production");
const node = { platform: "node", format: "cjs", target: "node20", external: ["vscode"] };
const browser = { platform: "browser", format: "iife", target: "chrome120" };

/** [entry, outfile, options] — every shipped bundle. */
const bundles = [
  ["extension/extension.ts", "dist/extension.js", node],
  ["src/runner/worker.ts", "dist/runnerWorker.js", node],
  ["src/cli/main.ts", "dist/cli.js", { ...node, banner: { js: "#!/usr/bin/env node" } }],
  ["extension/debug/adapterMain.ts", "dist/debugAdapter.js", node],
  ["webview/graph/main.ts", "dist/webview/graph.js", browser],
  ["webview/side/main.ts", "dist/webview/side.js", browser],
];

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
      }),
    ),
);

console.log(`build: ${bundles.length - missing.length} bundles${production ? " (production)" : ""}`);
