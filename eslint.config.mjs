// Lint rules, including the one-way imports between the parts (docs/architecture.md, "The parts").
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const nodeBuiltins = ["fs", "path", "os", "child_process", "worker_threads", "node:*"];

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "packages/*/dist/**",
      "node_modules/**",
      "**/*.vsix",
      "test/**/fixtures/**",
      "bench/results/**",
      ".cache/**",
      "docs/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "vscode",
              message: 'src/ is the engine: it never imports vscode (docs/architecture.md, "The parts").',
            },
          ],
          patterns: [
            {
              group: ["**/extension/**", "**/webview/**", "../extension", "../webview"],
              message: 'src/ never imports extension/ or webview/ (docs/architecture.md, "The parts").',
            },
          ],
        },
      ],
    },
  },
  {
    // The webviews run in a browser on data they are sent: they import from src/ only the message contract
    // (src/protocol) and the two pure modules every view shares, the trace's index and its text; the Trace's types
    // they may import as types. Those pure modules in turn import nothing but types (the block below), so
    // nothing of the engine, the runner or Node can reach the webview through them.
    files: ["webview/**/*.ts"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "vscode", message: 'webview/ runs in the browser: no vscode (docs/architecture.md, "The parts").' },
          ],
          patterns: [
            {
              group: ["**/extension/**", "../extension"],
              message: 'webview/ never imports extension/ (docs/architecture.md, "The parts").',
            },
            { group: nodeBuiltins, message: "webview/ runs in the browser: no Node built-ins." },
            {
              regex: "(^|/)src/(?!protocol/|trace/)",
              message:
                'webview/ imports from src/ only src/protocol and src/trace\'s pure modules (docs/architecture.md, "The parts").',
            },
            {
              regex: "(^|/)src/trace/(?!traceIndex$|text$|wire$|slices$)",
              allowTypeImports: true,
              message:
                "webview/ may import src/trace's types, and at run time only its pure traceIndex, text, wire and slices modules.",
            },
          ],
        },
      ],
    },
  },
  {
    // What the webviews import at run time: pure code that imports only types, src/protocol and the pure trace modules.
    files: ["src/protocol/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex:
                "^(?!\\./\\w+$|\\.\\./trace/(traceIndex|traceIds|eventHoles|text|healthRules|wire|slices)$)\\.\\.?/",
              allowTypeImports: true,
              message:
                "The webviews import src/protocol: it may import only types, src/protocol and src/trace's pure traceIndex, traceIds, eventHoles, text, healthRules, wire and slices.",
            },
            { group: nodeBuiltins, message: "The webviews import src/protocol: no Node built-ins." },
          ],
        },
      ],
    },
  },
  {
    files: [
      "src/trace/traceIndex.ts",
      "src/trace/consumers.ts",
      "src/trace/eventHoles.ts",
      "src/trace/traceIds.ts",
      "src/trace/gradTimeline.ts",
      "src/trace/gradChanges.ts",
      "src/trace/text.ts",
      "src/trace/healthRules.ts",
      "src/trace/wire.ts",
      "src/trace/slices.ts",
    ],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex:
                "^(?!\\./(traceIndex|consumers|traceIds|eventHoles|gradTimeline|gradChanges|text|healthRules|wire|slices)$)\\.\\.?/",
              allowTypeImports: true,
              message: "The webviews import this module: it may import only types and the other pure trace modules.",
            },
            { group: nodeBuiltins, message: "The webviews import this module: no Node built-ins." },
          ],
        },
      ],
    },
  },
  {
    // The extension uses src/debug and src/trace through their index files, which say what is theirs to use.
    files: ["extension/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/src/debug/*"],
              message: "extension/ uses the debugger's runtime through src/debug/index.ts; export what it needs there.",
            },
            {
              group: ["**/src/trace/*"],
              message: "extension/ uses src/trace through src/trace/index.ts; export what it needs there.",
            },
          ],
        },
      ],
    },
  },
  {
    // No line over 120 columns where Prettier formats (.prettierignore): it breaks code at 120, and comments are
    // wrapped by hand. Strings, template literals, regular expressions and URLs may run longer (they are not broken).
    files: ["**/*.ts", "**/*.mjs"],
    ignores: ["examples/**"],
    rules: {
      "max-len": [
        "error",
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  {
    files: ["scripts/**/*.mjs", "**/*.cjs"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        __dirname: "readonly",
        require: "readonly",
        module: "writable",
      },
    },
  },
  {
    // exercise templates hold what the learner is about to use (σ′, the saved y): unused until the TODO is solved
    files: ["exercises/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-vars": "off" },
  },
);
