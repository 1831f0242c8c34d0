// Lint rules, including the one-way imports of DESIGN.md §1.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const nodeBuiltins = ["fs", "path", "os", "child_process", "worker_threads", "node:*"];

export default tseslint.config(
  { ignores: ["dist/**", "packages/*/dist/**", "node_modules/**", "**/*.vsix", "test/**/fixtures/**", "bench/results/**", ".cache/**", "docs/**"] },
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
      "no-restricted-imports": ["error", {
        paths: [{ name: "vscode", message: "src/ is the engine: it never imports vscode (DESIGN.md §1)." }],
        patterns: [{ group: ["**/extension/**", "**/webview/**", "../extension", "../webview"], message: "src/ never imports extension/ or webview/ (DESIGN.md §1)." }],
      }],
    },
  },
  {
    files: ["webview/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [{ name: "vscode", message: "webview/ runs in the browser: no vscode (DESIGN.md §1)." }],
        patterns: [
          { group: ["**/extension/**", "../extension"], message: "webview/ never imports extension/ (DESIGN.md §1)." },
          { group: nodeBuiltins, message: "webview/ runs in the browser: no Node built-ins." },
        ],
      }],
    },
  },
  {
    files: ["scripts/**/*.mjs", "**/*.cjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", __dirname: "readonly", require: "readonly", module: "writable" } },
  },
);
