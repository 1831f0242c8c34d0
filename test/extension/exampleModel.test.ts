// The scaffolded example model runs and trains, and type-checks with only the declarations the extension ships.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { EXAMPLE_FILE_NAME, EXAMPLE_MODEL, exampleFileName } from "../../extension/exampleModel";
import { installTypes } from "../../extension/typesSetup";
import { lensPlaces } from "../../extension/editor/codeLensPlacement";
import { runModel } from "../../src/runner/index";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

describe("extension: the example model", function () {
  this.timeout(120_000);
  let tmp: string;
  let file: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "backstep-example-"));
    file = path.join(tmp, "ws", EXAMPLE_FILE_NAME);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, EXAMPLE_MODEL);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("runs through the runner, records forward and backward for each step, and its loss falls", async () => {
    const result = await runModel(file, { maxSteps: 5, timeoutMs: 60_000 });
    assert.ok(result.ok, result.error?.message);
    const kinds = new Set(result.trace.events.map((e) => e.kind));
    for (const k of ["forward", "backward", "update"]) assert.ok(kinds.has(k as never), `no ${k} events`);
    assert.equal(result.trace.losses.length, 5);
    const l = result.trace.losses;
    // Every step lowers the loss, by a visible amount over the five recorded steps.
    for (let i = 1; i < l.length; i++) assert.ok(l[i] < l[i - 1], `loss ${l.join(" → ")}`);
    assert.ok(l[0] - l[4] > 0.02, `loss ${l.join(" → ")}`);
    assert.deepEqual(result.trace.params.map((p) => p.name).sort(), [
      "model.fc1.bias",
      "model.fc1.weight",
      "model.fc2.bias",
      "model.fc2.weight",
    ]);
  });

  it("type-checks with no errors once the shipped declarations are set up (no backstep package, no @types/node)", () => {
    const typesDir = path.join(tmp, "types");
    execFileSync(process.execPath, [path.join(ROOT, "scripts", "buildTypes.mjs"), typesDir], {
      cwd: ROOT,
      stdio: "pipe",
    });
    const check = (moduleResolution: ts.ModuleResolutionKind): string[] => {
      const program = ts.createProgram([file], {
        noEmit: true,
        strict: true,
        target: ts.ScriptTarget.ES2020,
        module: ts.ModuleKind.ESNext,
        moduleResolution,
        types: [],
      });
      return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    };
    // Without the setup, the import is the red squiggle the user would see.
    assert.ok(check(ts.ModuleResolutionKind.Bundler).some((e) => /Cannot find module 'backstep'/.test(e)));
    installTypes(typesDir, path.dirname(file), "0.0.0-test");
    for (const moduleResolution of [ts.ModuleResolutionKind.Node10, ts.ModuleResolutionKind.Bundler]) {
      assert.deepEqual(check(moduleResolution), [], `moduleResolution ${ts.ModuleResolutionKind[moduleResolution]}`);
    }
  });

  it("gets its CodeLens on the step function, and a fresh name beside an existing one", () => {
    const line = EXAMPLE_MODEL.split("\n").findIndex((l) => l.startsWith("export default function step"));
    assert.deepEqual(lensPlaces(EXAMPLE_MODEL), [{ line, kind: "step" }]);
    assert.equal(
      exampleFileName((n) => n === EXAMPLE_FILE_NAME),
      "backstep-example-2.ts",
    );
  });
});
