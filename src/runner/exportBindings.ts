// What sucrase's CommonJS does otherwise than the ES module a file is written as, for its exports (transpile.ts), and
// the decorators it leaves as written (firstDecorator):
// - `export const a = 1, b = a + 1;` became `const a = 1; exports.a = a, b = a + 1;`, `b` an undeclared name (a
//   ReferenceError in strict code): sucrase's `processSimpleExportVar` ends the declaration after its first
//   declarator. Patched here to declare each declarator on its own.
// - An exported `const`, `let` or `class` read by a circular import before its declaration ran was `undefined`, where
//   the ES module (and tsx) throws "Cannot access 'a' before initialization": the names are collected here as sucrase
//   compiles them, and the loader makes them such properties of `exports` until they are assigned (guardExports).

interface Tokens {
  currentIndex(): number;
  currentToken(): { rhsEndIndex?: number | null; type: number; isType?: boolean };
  tokens: { type: number; isType?: boolean; rhsEndIndex?: number | null }[];
  matches1(type: number): boolean;
  matches1AtIndex(index: number, type: number): boolean;
  removeInitialToken(): void;
  copyToken(): void;
  identifierName(): string;
  identifierNameAtIndex(index: number): string;
  appendCode(code: string): void;
  replaceToken(code: string): void;
}

interface ExportTransformer {
  tokens: Tokens;
  rootTransformer: { processToken(): void };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TokenType } = require("sucrase/dist/parser/tokenizer/types") as { TokenType: Record<string, number> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cjs = require("sucrase/dist/transformers/CJSImportTransformer") as {
  default: { prototype: Record<string, (this: ExportTransformer) => unknown> };
};
const proto = cjs.default.prototype;

/** The names of the lexical exports of the file being compiled (collecting while a transform runs). */
let collected: string[] | undefined;

/**
 * After `export const|let|var`, the declarators' names when each is a plain name with or without an initializer
 * (`a = 1, b: number = 2, c`); undefined for a destructuring one.
 */
function plainDeclarators(tokens: Tokens): string[] | undefined {
  const names: string[] = [];
  for (let i = tokens.currentIndex() + 2; ; i++) {
    if (!tokens.matches1AtIndex(i, TokenType.name)) return undefined;
    names.push(tokens.identifierNameAtIndex(i));
    i++;
    while (i < tokens.tokens.length && tokens.tokens[i].isType) i++;
    if (tokens.matches1AtIndex(i, TokenType.eq)) i = tokens.tokens[i].rhsEndIndex ?? i;
    if (!tokens.matches1AtIndex(i, TokenType.comma)) return names;
  }
}

const simpleExportVar = proto.processSimpleExportVar;
proto.processSimpleExportVar = function (this: ExportTransformer) {
  const t = this.tokens;
  const lexical = !t.matches1AtIndex(t.currentIndex() + 1, TokenType._var);
  const names = plainDeclarators(t);
  if (names === undefined) return simpleExportVar.call(this);
  if (lexical) collected?.push(...names);
  const keyword = t.identifierNameAtIndex(t.currentIndex() + 1);
  t.removeInitialToken(); // export
  t.copyToken(); // var, let, const
  // Declarator by declarator, each a declaration of its own (`const a = 1; exports.a = a; const b = …`): sucrase
  // reads an exported name as `exports.a` (for a destructured one), which a later declarator's value may do.
  names.forEach((name, k) => {
    if (k > 0) t.replaceToken(`; ${keyword}`); // the comma, after `; exports.a = a`
    this.rootTransformer.processToken(); // the name
    while (t.currentToken().isType) this.rootTransformer.processToken();
    if (t.matches1(TokenType.eq)) {
      const end = t.currentToken().rhsEndIndex ?? t.currentIndex();
      while (t.currentIndex() < end) this.rootTransformer.processToken();
    }
    t.appendCode(`; exports.${name} = ${name}`);
  });
};

/** Collects the names of the lexical exports (`export const|let`, `export class`) of the files `compile` compiles. */
export function lexicalExports<T>(compile: () => T): { result: T; names: string[] } {
  const names: string[] = [];
  collected = names;
  try {
    return { result: compile(), names };
  } finally {
    collected = undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const root = require("sucrase/dist/transformers/RootTransformer") as {
  default: { prototype: { processNamedClass(this: unknown): string } };
};
const namedClass = root.default.prototype.processNamedClass;
/** An `export class` is being compiled: the class's name is a lexical export. */
let exportingClass = false;
root.default.prototype.processNamedClass = function (this: unknown) {
  const name = namedClass.call(this);
  if (exportingClass) collected?.push(name);
  exportingClass = false;
  return name;
};
const exportClass = proto.processExportClass;
proto.processExportClass = function (this: ExportTransformer) {
  exportingClass = true;
  try {
    return exportClass.call(this);
  } finally {
    exportingClass = false;
  }
};

/**
 * Makes each name a property of `exports` that throws as the ES module's binding does until the file's own code
 * assigns it (sucrase's `exports.a = a` after the declaration); from then on a plain property, as sucrase's code
 * expects.
 */
export function guardExports(exports: object, names: readonly string[]): void {
  for (const name of names)
    Object.defineProperty(exports, name, {
      configurable: true,
      enumerable: true,
      get(): never {
        throw new ReferenceError(`Cannot access '${name}' before initialization`);
      },
      set(value: unknown) {
        Object.defineProperty(exports, name, { value, writable: true, enumerable: true, configurable: true });
      },
    });
}

/** The offset of the first decorator's `@` among sucrase's tokens (kept in its output: not a type's). */
export function firstDecorator(
  tokens: readonly { type: number; start: number; isType?: boolean }[],
): number | undefined {
  return tokens.find((t) => t.type === TokenType.at && !t.isType)?.start;
}

/**
 * The offset of the first auto-accessor's `accessor` (`accessor count = 0` in a class) among sucrase's tokens: the word
 * followed on its line by a member's name, which only an auto-accessor is (sucrase keeps it as written).
 */
export function firstAutoAccessor(
  tokens: readonly { start: number; end: number; isType?: boolean }[],
  source: string,
): number | undefined {
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i];
    if (t.isType || t.end - t.start !== 8 || source.slice(t.start, t.end) !== "accessor") continue;
    const next = tokens[i + 1];
    if (/^[ \t]+$/.test(source.slice(t.end, next.start)) && /^[#\p{ID_Start}$_[]/u.test(source[next.start] ?? ""))
      return t.start;
  }
  return undefined;
}
