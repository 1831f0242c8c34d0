// Every .ts file of this repository, compiled and instrumented: the result still compiles and keeps every line.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileFile } from "../../src/runner/compile";
import { UserSyntaxError } from "../../src/runner/errors";
import { moduleScript } from "../../src/runner/loader";

const root = join(__dirname, "..", "..");

describe("runner: instrumentation sweep over the repository's own TypeScript", function () {
  this.timeout(120_000);

  it("compiles every file it instruments, with its lines where they were", () => {
    const files = execFileSync("git", ["ls-files", "*.ts"], { cwd: root, encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    assert.ok(files.length > 200, `${files.length} files`);
    let instrumented = 0;
    const refused: string[] = [];
    for (const rel of files) {
      const source = readFileSync(join(root, rel), "utf8");
      let compiled;
      try {
        compiled = compileFile(source, join(root, rel));
      } catch (err) {
        // the deliberately broken fixtures, namespaces with values, and import.meta (CommonJS has none): refused
        // with a message at the user's line, as a plain run of the same compiled code would fail
        assert.ok(err instanceof UserSyntaxError, `${rel}: ${String(err)}`);
        if (!/import\.meta/.test(err.message)) refused.push(rel);
        continue;
      }
      instrumented++;
      const plain = compileFile(source, join(root, rel), { instrumented: false });
      assert.equal(
        compiled.code.split("\n").length,
        plain.code.split("\n").length,
        `${rel}: instrumentation keeps the line count`,
      );
      assert.equal(
        plain.code.split("\n").length,
        source.split("\n").length,
        `${rel}: compilation keeps the line count`,
      );
      // compiles (without running) as the loader wraps it (as the traced file: an async function where it awaits at its
      // top level; CommonJS's names hidden where the file declares its own, `const exports = …`): a syntax error or a
      // redeclared hook would throw here
      const n = compiled.names;
      const params = [n.exports, n.require, n.module, n.__filename, n.__dirname, n.meta, ...compiled.hooks.params].join(
        ", ",
      );
      assert.doesNotThrow(() => moduleScript(compiled, params, undefined), `${rel} compiles once instrumented`);
      const lines = source.split("\n");
      for (const s of compiled.sites) {
        assert.ok(
          s.line >= 1 && s.line <= lines.length && s.column >= 1 && s.column <= lines[s.line - 1].length,
          `${rel}: call site ${s.line}:${s.column} is inside the source`,
        );
      }
    }
    assert.ok(instrumented > 200, `${instrumented} instrumented`);
    assert.ok(
      refused.every((r) => /fixtures\/.*(bad-|fail-syntax|fail-decorator|fail-auto-accessor|namespaces\.ts)/.test(r)),
      `refused: ${refused.join(", ")}`,
    );
  });
});
