// The one-way imports between the parts (docs/architecture.md, "The parts") are lint errors when broken.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { ESLint } from "eslint";

const root = join(__dirname, "../..");

/** The import specifiers ESLint refuses in `code`, were it the file at `path`. */
async function refused(path: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result.messages
    .filter((m) => m.ruleId === "no-restricted-imports" || m.ruleId === "@typescript-eslint/no-restricted-imports")
    .map((m) => /'([^']+)' import is restricted/.exec(m.message)?.[1] ?? m.message);
}

const uses = (names: string[]): string => `export const used = [${names.join(", ")}];\n`;

describe("import boundaries (eslint.config.mjs)", function () {
  this.timeout(60_000);

  it("webview/ imports src/protocol, src/trace's pure index and text, and the Trace's types only", async () => {
    const code = [
      `import { isHostMessage } from "../../src/protocol/guards";`,
      `import { TraceIndex } from "../../src/trace/traceIndex";`,
      `import { formatNumber } from "../../src/trace/text";`,
      `import type { Trace } from "../../src/trace/types";`,
      `import { parseTrace } from "../../src/trace/json";`,
      `import { Tensor } from "../../src/engine/tensor";`,
      `import { runModel } from "../../src/runner";`,
      `import * as vscode from "vscode";`,
      `import { readFileSync } from "node:fs";`,
      `export type T = Trace;`,
      uses([
        "isHostMessage",
        "TraceIndex",
        "formatNumber",
        "parseTrace",
        "Tensor",
        "runModel",
        "vscode",
        "readFileSync",
      ]),
    ].join("\n");
    assert.deepEqual(await refused("webview/graph/zz.ts", code), [
      "../../src/trace/json",
      "../../src/engine/tensor",
      "../../src/runner",
      "vscode",
      "node:fs",
    ]);
  });

  it("what the webviews import imports nothing but types, the protocol and the pure trace modules", async () => {
    const code = [
      `import { traceIdProblem } from "../trace/traceIndex";`,
      `import type { HostMessage } from "./messages";`,
      `import type { Trace } from "../trace/types";`,
      `import { computeStats } from "../trace/stats";`,
      `import { readFileSync } from "node:fs";`,
      `export type T = Trace | HostMessage;`,
      uses(["traceIdProblem", "computeStats", "readFileSync"]),
    ].join("\n");
    assert.deepEqual(await refused("src/protocol/zz.ts", code), ["../trace/stats", "node:fs"]);
    assert.deepEqual(
      await refused("src/trace/text.ts", `import { computeStats } from "./stats";\n${uses(["computeStats"])}`),
      ["./stats"],
    );
  });

  it("extension/ uses src/debug and src/trace through their index files", async () => {
    const code = [
      `import { TraceCursor } from "../../src/debug";`,
      `import { TraceIndex } from "../../src/trace";`,
      `import { Evaluator } from "../../src/debug/evaluate";`,
      `import type { Trace } from "../../src/trace/types";`,
      `export type T = Trace;`,
      uses(["TraceCursor", "TraceIndex", "Evaluator"]),
    ].join("\n");
    assert.deepEqual(await refused("extension/debug/zz.ts", code), [
      "../../src/debug/evaluate",
      "../../src/trace/types",
    ]);
  });

  it("src/ never imports vscode, extension/ or webview/", async () => {
    const code = `import * as vscode from "vscode";\nimport { el } from "../../webview/common/dom";\nimport { activate } from "../../extension/extension";\n${uses(["vscode", "el", "activate"])}`;
    assert.deepEqual(await refused("src/trace/zz.ts", code), [
      "vscode",
      "../../webview/common/dom",
      "../../extension/extension",
    ]);
  });
});
