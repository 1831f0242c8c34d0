// IntelliSense for `import … from "backstep"` without the npm package: copy the extension's declarations into
// node_modules/backstep.
import * as fs from "node:fs";
import * as path from "node:path";

/** Written into the package.json we create, so we know the folder is ours to update. */
export const MARKER = "backstepExtensionTypes";

export type TypesStatus =
  | { kind: "installed"; dir: string } // a real backstep package (npm install), or our current copy
  | { kind: "stale"; dir: string } // our copy, from another extension version
  | { kind: "mapped"; config: string } // a tsconfig/jsconfig `paths` entry resolves "backstep"
  | { kind: "missing" };

/**
 * Whether a tsconfig/jsconfig text maps "backstep" in `compilerOptions.paths` (JSON with comments, so matched, not
 * parsed).
 */
export function mapsBackstep(configText: string): boolean {
  return /"paths"\s*:\s*\{[^}]*"backstep"\s*:/s.test(configText.replace(/\/\/[^\n]*/g, ""));
}

/** Looks for node_modules/backstep from the model's folder up to the workspace root, as TypeScript resolves it. */
export function typesStatus(fromDir: string, workspaceRoot: string, version: string): TypesStatus {
  let dir = path.resolve(fromDir);
  const root = path.resolve(workspaceRoot);
  for (;;) {
    const pkgDir = path.join(dir, "node_modules", "backstep");
    const pkg = readJson(path.join(pkgDir, "package.json"));
    if (pkg) {
      if (pkg[MARKER] === true && pkg.version !== version) return { kind: "stale", dir: pkgDir };
      return { kind: "installed", dir: pkgDir };
    }
    for (const name of ["tsconfig.json", "jsconfig.json"]) {
      const config = path.join(dir, name);
      if (fs.existsSync(config) && mapsBackstep(fs.readFileSync(config, "utf8"))) return { kind: "mapped", config };
    }
    const parent = path.dirname(dir);
    if (dir === root || parent === dir || !dir.startsWith(root)) return { kind: "missing" };
    dir = parent;
  }
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function declarationFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...declarationFiles(full, base));
    else if (entry.name.endsWith(".d.ts")) out.push(path.relative(base, full));
  }
  return out;
}

/**
 * Copies the declarations shipped in the extension (`typesDir`, holding index.d.ts) into
 * `<workspaceRoot>/node_modules/backstep` with a types-only package.json. Refuses to touch a real
 * installed package. Returns the folder written.
 */
export function installTypes(typesDir: string, workspaceRoot: string, version: string): string {
  if (!fs.existsSync(path.join(typesDir, "index.d.ts"))) {
    throw new Error(
      `The extension's type declarations are missing (${path.join(typesDir, "index.d.ts")}); reinstall Backstep or run \`npm run package\`.`,
    );
  }
  const target = path.join(workspaceRoot, "node_modules", "backstep");
  const existing = readJson(path.join(target, "package.json"));
  if (existing && existing[MARKER] !== true)
    throw new Error(`${target} is an installed backstep package; it already provides the types.`);
  if (existing) fs.rmSync(target, { recursive: true, force: true });
  for (const rel of declarationFiles(typesDir)) {
    fs.mkdirSync(path.dirname(path.join(target, rel)), { recursive: true });
    fs.copyFileSync(path.join(typesDir, rel), path.join(target, rel));
  }
  const pkg = {
    name: "backstep",
    version,
    description:
      "Type declarations for Backstep models, written by the Backstep VS Code extension (types only; the extension runs the models). Delete this folder or `npm install backstep` to replace it.",
    types: "index.d.ts",
    [MARKER]: true,
  };
  fs.writeFileSync(path.join(target, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  return target;
}

/** How to give a folder the types: `npm install -D backstep` into the nearest package.json's project, else the copy. */
export type SetupPlan = { kind: "npm"; projectDir: string; args: string[] } | { kind: "copy"; root: string };

/**
 * The nearest folder with a package.json from the model's folder up to the workspace root: a project that
 * manages its dependencies gets the real package (`npm install -D backstep@<version>`, the extension's own
 * version, so types and runner agree); a folder of loose files gets the shipped declarations copied.
 */
export function setupPlan(fromDir: string, workspaceRoot: string, version: string): SetupPlan {
  let dir = path.resolve(fromDir);
  const root = path.resolve(workspaceRoot);
  if (!dir.startsWith(root)) dir = root;
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json")))
      return { kind: "npm", projectDir: dir, args: ["install", "--save-dev", `backstep@${version}`] };
    const parent = path.dirname(dir);
    if (dir === root || parent === dir) return { kind: "copy", root };
    dir = parent;
  }
}
