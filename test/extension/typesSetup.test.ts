// IntelliSense setup: copying the shipped declarations into node_modules/backstep, and detecting what is already there.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MARKER, installTypes, setupPlan, typesStatus } from "../../extension/typesSetup";

describe("extension: IntelliSense setup", () => {
  let tmp: string;
  let types: string;
  let root: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "backstep-types-"));
    types = path.join(tmp, "ext", "dist", "types");
    fs.mkdirSync(path.join(types, "engine"), { recursive: true });
    fs.writeFileSync(path.join(types, "index.d.ts"), `export { Tensor } from "./engine/tensor";\n`);
    fs.writeFileSync(path.join(types, "engine", "tensor.d.ts"), `export declare class Tensor { shape: number[] }\n`);
    fs.writeFileSync(path.join(types, "engine", "tensor.js.map"), `not a declaration`);
    root = path.join(tmp, "ws");
    fs.mkdirSync(path.join(root, "models"), { recursive: true });
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("installs the declarations as a types-only package and then reports them installed", () => {
    assert.equal(typesStatus(path.join(root, "models"), root, "0.1.0").kind, "missing");
    const dir = installTypes(types, root, "0.1.0");
    assert.equal(dir, path.join(root, "node_modules", "backstep"));
    assert.equal(
      fs.readFileSync(path.join(dir, "engine", "tensor.d.ts"), "utf8"),
      fs.readFileSync(path.join(types, "engine", "tensor.d.ts"), "utf8"),
    );
    assert.ok(!fs.existsSync(path.join(dir, "engine", "tensor.js.map")));
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    assert.equal(pkg.name, "backstep");
    assert.equal(pkg.types, "index.d.ts");
    assert.equal(pkg[MARKER], true);
    assert.deepEqual(typesStatus(path.join(root, "models"), root, "0.1.0"), { kind: "installed", dir });
  });

  it("calls our copy from another extension version stale, and replaces it", () => {
    installTypes(types, root, "0.0.9");
    fs.writeFileSync(path.join(root, "node_modules", "backstep", "old.d.ts"), "");
    assert.equal(typesStatus(root, root, "0.1.0").kind, "stale");
    installTypes(types, root, "0.1.0");
    assert.equal(typesStatus(root, root, "0.1.0").kind, "installed");
    assert.ok(!fs.existsSync(path.join(root, "node_modules", "backstep", "old.d.ts")));
  });

  it("never overwrites a real installed package, wherever TypeScript would find it", () => {
    const real = path.join(root, "models", "node_modules", "backstep");
    fs.mkdirSync(real, { recursive: true });
    fs.writeFileSync(path.join(real, "package.json"), JSON.stringify({ name: "backstep", version: "2.0.0" }));
    assert.deepEqual(typesStatus(path.join(root, "models"), root, "0.1.0"), { kind: "installed", dir: real });
    fs.mkdirSync(path.join(root, "node_modules", "backstep"), { recursive: true });
    fs.writeFileSync(
      path.join(root, "node_modules", "backstep", "package.json"),
      JSON.stringify({ name: "backstep", version: "2.0.0" }),
    );
    assert.throws(() => installTypes(types, root, "0.1.0"), /installed backstep package/);
  });

  it("explains a missing declarations folder", () => {
    assert.throws(() => installTypes(path.join(tmp, "nope"), root, "0.1.0"), /type declarations are missing/);
  });

  it("plans `npm install -D backstep@<version>` in the nearest project with a package.json, else the copy", () => {
    assert.deepEqual(setupPlan(path.join(root, "models"), root, "0.1.0"), { kind: "copy", root });
    fs.writeFileSync(path.join(root, "package.json"), "{}");
    assert.deepEqual(setupPlan(path.join(root, "models"), root, "0.1.0"), {
      kind: "npm",
      projectDir: root,
      args: ["install", "--save-dev", "backstep@0.1.0"],
    });
    // the nearest project wins (a model in a sub-project of a monorepo), and nothing above the workspace counts
    fs.writeFileSync(path.join(root, "models", "package.json"), "{}");
    assert.deepEqual(setupPlan(path.join(root, "models"), root, "0.2.0"), {
      kind: "npm",
      projectDir: path.join(root, "models"),
      args: ["install", "--save-dev", "backstep@0.2.0"],
    });
    fs.writeFileSync(path.join(tmp, "package.json"), "{}");
    fs.rmSync(path.join(root, "package.json"));
    fs.rmSync(path.join(root, "models", "package.json"));
    assert.deepEqual(setupPlan(path.join(root, "models"), root, "0.1.0"), { kind: "copy", root });
  });
});

describe("extension: IntelliSense setup with tsconfig paths", () => {
  it("counts a tsconfig `paths` entry for backstep (like this repo's examples/) as set up", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "backstep-paths-"));
    try {
      const root = path.join(tmp, "ws");
      fs.mkdirSync(path.join(root, "models"), { recursive: true });
      fs.writeFileSync(
        path.join(root, "tsconfig.json"),
        `{\n  // comments are allowed\n  "compilerOptions": { "paths": { "backstep": ["../src/index.ts"] } }\n}\n`,
      );
      assert.deepEqual(typesStatus(path.join(root, "models"), root, "0.1.0"), {
        kind: "mapped",
        config: path.join(root, "tsconfig.json"),
      });
      const repoExamples = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../examples");
      assert.equal(typesStatus(repoExamples, repoExamples, "0.1.0").kind, "mapped");
      fs.writeFileSync(path.join(root, "tsconfig.json"), `{ "compilerOptions": { "paths": { "other": ["x"] } } }`);
      assert.equal(typesStatus(path.join(root, "models"), root, "0.1.0").kind, "missing");
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
