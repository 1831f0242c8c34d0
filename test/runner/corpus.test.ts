// The differential corpus: every program in test/runner/fixtures/corpus behaves the same traced as plainly run,
// and every op it records is located at the call the program's `// @ops` markers name.
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runPlain, runTraced } from "./fixtures/corpusRun";

const dir = join(__dirname, "fixtures", "corpus");
const programs = readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .sort();

/**
 * `// @ops a b` at the end of a line: calls of a and b on that line record ops (a at the first `.a(` of the line, else
 * the first `a(`, b likewise after it; `(`: the next parenthesis, where a computed call `o[k](…)` is placed).
 * A program's own helper files are the .ts files under lib/ whose path starts with its name and a dash.
 */
function expectedSites(program: string): string[] {
  const base = program.replace(/\.ts$/, "");
  const lib = join(dir, "lib");
  const own = existsSync(lib)
    ? readdirSync(lib, { recursive: true, encoding: "utf8" }).filter(
        (f) => f.startsWith(base + "-") && f.endsWith(".ts"),
      )
    : [];
  const files = [join(dir, program), ...own.map((f) => join(lib, f))];
  const sites: string[] = [];
  for (const file of files) {
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, i) => {
        const m = /\/\/ @ops (.*)$/.exec(line);
        if (!m) return;
        const code = line.slice(0, m.index);
        let from = 0;
        for (const token of m[1].trim().split(/\s+/)) {
          const c =
            token === "("
              ? code.indexOf("(", from)
              : ([`.${token}(`, `${token}(`, `${token}<`, token]
                  .map((t, k) => code.indexOf(t, from) + (k === 0 && code.indexOf(t, from) >= 0 ? 1 : 0))
                  .find((c) => c >= 0) ?? -1);
          assert.ok(c >= 0, `${file}:${i + 1}: marker ${token} is not on the line`);
          sites.push(`${file}:${i + 1}:${c + 1}`);
          from = c + 1;
        }
      });
  }
  return sites.sort();
}

/** `// @error Name: message` in a program: it must end with this error (a deliberately failing program). */
function expectedError(program: string): string | undefined {
  return /\/\/ @error (.*)$/m.exec(readFileSync(join(dir, program), "utf8"))?.[1].trim();
}

/** `// @diagnostic text`: the runner's diagnostic for that error must contain this text. */
function expectedDiagnostic(program: string): string | undefined {
  return /\/\/ @diagnostic (.*)$/m.exec(readFileSync(join(dir, program), "utf8"))?.[1].trim();
}

describe("runner: differential corpus (traced = plain, ops at their calls)", function () {
  this.timeout(60_000);
  let prepare: typeof Error.prepareStackTrace;
  before(() => (prepare = Error.prepareStackTrace));
  afterEach(() => (Error.prepareStackTrace = prepare));

  it("has at least 100 programs", () => assert.ok(programs.length >= 100, `${programs.length} programs`));

  for (const program of programs) {
    it(program, async () => {
      const file = join(dir, program);
      const plain = await runPlain(file);
      const traced = await runTraced(file);
      const { trace, locMismatches, visible, ...behaviour } = traced;
      assert.deepEqual(behaviour, plain, "the traced run behaves as the plain one");
      const error = expectedError(program);
      if (error === undefined) assert.equal(plain.error, undefined, `the program runs: ${plain.error?.message}`);
      else assert.equal(`${plain.error?.name}: ${plain.error?.message}`, error);
      const says = expectedDiagnostic(program);
      if (says !== undefined)
        assert.ok(traced.error?.diagnostic.includes(says), `"${traced.error?.diagnostic}" says "${says}"`);
      for (const text of visible) assert.doesNotMatch(text, /__bs\d*_/, "no instrumentation name reaches the user");
      assert.deepEqual(locMismatches, [], "the shadow stack locates each op where V8 does");
      const actual = [
        ...new Set(
          trace.ops.map((o) =>
            o.loc ? `${o.loc.file}:${o.loc.line}:${o.loc.column}` : `op ${o.id} ${o.op} without a location`,
          ),
        ),
      ].sort();
      assert.deepEqual(actual, expectedSites(program), "ops are located at the marked calls");
    });
  }
});
