// The import graph of a source tree, read with the TypeScript compiler's parser, and the cycles in it.
import ts from "typescript";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * One relative import or re-export: from and to are paths relative to the root; typeOnly when it vanishes at run time.
 */
export interface ImportEdge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, join(base, "index.ts")].find((p) => existsSync(p)) ?? null;
}

/** True for `import type …` and for `import { type A, type B }` (nothing of it is left in the JavaScript). */
function isTypeOnly(s: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(s)) return s.isTypeOnly;
  const c = s.importClause;
  if (c === undefined) return false; // import "./x": run for its effect
  if (c.isTypeOnly) return true;
  const named = c.namedBindings;
  return (
    c.name === undefined &&
    named !== undefined &&
    ts.isNamedImports(named) &&
    named.elements.length > 0 &&
    named.elements.every((e) => e.isTypeOnly)
  );
}

/** Every relative import and re-export of the .ts files under root/dir. */
export function importEdges(root: string, dir: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of tsFiles(join(root, dir))) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
    for (const s of source.statements) {
      if (!(ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) || s.moduleSpecifier === undefined) continue;
      const to = resolveImport(file, (s.moduleSpecifier as ts.StringLiteral).text);
      if (to !== null) edges.push({ from: relative(root, file), to: relative(root, to), typeOnly: isTypeOnly(s) });
    }
  }
  return edges;
}

/** One cycle per strongly connected component of the graph (Tarjan's algorithm), each as a path a → … → a. */
export function cycles(edges: readonly { from: string; to: string }[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) (next.get(e.from) ?? next.set(e.from, []).get(e.from)!).push(e.to);
  const index = new Map<string, number>(),
    low = new Map<string, number>(),
    stack: string[] = [],
    onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) visit(w);
      if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, low.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = new Set<string>();
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.add(w);
    } while (w !== v);
    if (component.size > 1 || (next.get(v) ?? []).includes(v)) found.push(pathWithin(v, component, next));
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** A shortest path from v back to v inside its component (breadth first). */
function pathWithin(v: string, component: Set<string>, next: Map<string, string[]>): string[] {
  const parent = new Map<string, string>();
  const queue = [v];
  for (let i = 0; i < queue.length; i++) {
    for (const w of next.get(queue[i]) ?? []) {
      if (!component.has(w)) continue;
      if (w === v) {
        const path: string[] = [];
        for (let u = queue[i]; u !== v; u = parent.get(u)!) path.unshift(u);
        return [v, ...path, v];
      }
      if (!parent.has(w)) {
        parent.set(w, queue[i]);
        queue.push(w);
      }
    }
  }
  return [v, v];
}
