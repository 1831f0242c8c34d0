// Emits the engine's type declarations (src/index.ts and what it reaches) into dist/types, shipped in the .vsix for
// model
// IntelliSense, and into the npm package (packages/backstep/dist/types); a folder given as argument replaces both.
import ts from "typescript";
import { cpSync, rmSync } from "node:fs";

const [outDir, ...copies] = process.argv[2] ? [process.argv[2]] : ["dist/types", "packages/backstep/dist/types"];
for (const dir of [outDir, ...copies]) rmSync(dir, { recursive: true, force: true });
const program = ts.createProgram(["src/index.ts"], {
  declaration: true,
  emitDeclarationOnly: true,
  outDir,
  rootDir: "src",
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
  types: ["node"],
  strict: true,
  skipLibCheck: true,
  isolatedModules: true,
  stripInternal: true,
});
const result = program.emit();
const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter(
  (d) => d.category === ts.DiagnosticCategory.Error,
);
if (diagnostics.length) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => "\n" };
  console.error(ts.formatDiagnostics(diagnostics, host));
  process.exit(1);
}
for (const dir of copies) cpSync(outDir, dir, { recursive: true });
console.log(
  `buildTypes: ${result.emittedFiles?.length ?? "declarations"} written to ${[outDir, ...copies].join(" and ")}`,
);
