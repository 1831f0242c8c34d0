// Where the Trace/Debug CodeLens goes in a model's source: above its default-exported step function, else above
// `backward()` calls.
import { transform } from "sucrase";
import { parse, type Node } from "acorn";
import { full } from "acorn-walk";

export type LensKind = "step" | "backward";

export interface LensPlace {
  /** 0-based line the lens sits above. */
  line: number;
  kind: LensKind;
}

/** A model file imports (or requires) the "backstep" package. */
export function isModelSource(source: string): boolean {
  return /\bfrom\s*["']backstep["']|\brequire\(\s*["']backstep["']\s*\)|\bimport\s*["']backstep["']/.test(source);
}

interface Span {
  start: number;
  end: number;
  line: number;
}

function span(node: Node): Span {
  return { start: node.start, end: node.end, line: (node.loc?.start.line ?? 1) - 1 };
}

/** The default-exported function (declared inline, or exported by name), if any. */
function defaultExport(program: Node & { body: Node[] }): Span | undefined {
  for (const stmt of program.body) {
    if (stmt.type !== "ExportDefaultDeclaration") continue;
    const decl = (stmt as Node & { declaration: Node & { name?: string } }).declaration;
    if (decl.type !== "Identifier") return { ...span(decl), line: span(stmt).line };
    // `export default step;` — place the lens on the function it names.
    for (const other of program.body) {
      const target = namedDeclaration(other, decl.name ?? "");
      if (target) return target;
    }
    return span(stmt);
  }
  return undefined;
}

function namedDeclaration(stmt: Node, name: string): Span | undefined {
  if (stmt.type === "FunctionDeclaration") {
    const f = stmt as Node & { id: { name: string } | null };
    return f.id?.name === name ? span(stmt) : undefined;
  }
  if (stmt.type === "VariableDeclaration") {
    const decls = (stmt as Node & { declarations: (Node & { id: Node & { name?: string } })[] }).declarations;
    return decls.some((d) => d.id.type === "Identifier" && d.id.name === name) ? span(stmt) : undefined;
  }
  return undefined;
}

function parseModel(source: string): (Node & { body: Node[] }) | undefined {
  try {
    // Sucrase strips the types and keeps every line where it was, so acorn's lines are the user's lines.
    const js = transform(source, {
      transforms: ["typescript"],
      disableESTransforms: true,
      keepUnusedImports: true,
    }).code;
    return parse(js, {
      ecmaVersion: "latest",
      sourceType: "module",
      locations: true,
      allowHashBang: true,
      allowAwaitOutsideFunction: true,
    }) as Node & { body: Node[] };
  } catch {
    return undefined;
  }
}

/** Lines with a `.backward(` call, found without parsing (a file being edited often does not parse). */
function backwardLinesByText(source: string): number[] {
  const lines: number[] = [];
  source.split(/\r?\n/).forEach((text, i) => {
    const code = text.replace(/\/\/.*$/, "");
    if (/\.backward\s*\(/.test(code)) lines.push(i);
  });
  return lines;
}

/** Lens places for a model source; none for a file that does not import "backstep". */
export function lensPlaces(source: string): LensPlace[] {
  if (!isModelSource(source)) return [];
  const program = parseModel(source);
  if (!program) {
    const step = source.split(/\r?\n/).findIndex((l) => /^\s*export\s+default\b/.test(l));
    const places: LensPlace[] = step >= 0 ? [{ line: step, kind: "step" }] : [];
    if (!places.length) for (const line of backwardLinesByText(source)) places.push({ line, kind: "backward" });
    return places;
  }
  const step = defaultExport(program);
  const places: LensPlace[] = step ? [{ line: step.line, kind: "step" }] : [];
  const seen = new Set<number>();
  full(program, (node) => {
    if (node.type !== "CallExpression") return;
    const callee = (node as Node & { callee: Node & { property?: Node & { name?: string }; computed?: boolean } })
      .callee;
    if (callee.type !== "MemberExpression" || callee.computed || callee.property?.name !== "backward") return;
    // A backward() inside the step function is covered by the step's lens.
    if (step && node.start >= step.start && node.end <= step.end) return;
    const line = span(node).line;
    if (!seen.has(line)) places.push({ line, kind: "backward" });
    seen.add(line);
  });
  return places.sort((a, b) => a.line - b.line);
}
