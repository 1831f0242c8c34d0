// The esbuild options of the Node bundles (the extension, the runner's worker, the CLI, the debug adapter, the npm
// package's engine), shared by scripts/build.mjs and the test that bundles a model with them.

export const node = { platform: "node", format: "cjs", target: "node20", external: ["vscode"] };

/**
 * A production build minifies the Node bundles' whitespace and syntax but not their identifiers: the engine's class
 * names are what users read (`constructor.name`, `new.target.name`). Minified, the .vsix's update events said
 * `W ← W − η·∂L/∂W (Ql, η = 0.1)` for SGD, and errors and `Module.toString()` named `Zx` for `LSTM`. esbuild's
 * `keepNames` keeps them too, but names every closure as it is made: the MLP's untraced bundled step took 33.7–36.6
 * against 32.4–32.8 µs (4 runs each in turn, load ~0.5).
 */
export const nodeMinify = { minify: false, minifyWhitespace: true, minifySyntax: true, minifyIdentifiers: false };
