// A small CommonJS loader for the user's files: compiles .ts on require, "backstep" is the engine in this thread.
import { existsSync, readFileSync, statSync } from "node:fs";
import { Module, createRequire } from "node:module";
import { basename, dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";
import { compileFile, type CompiledFile } from "./compile";
import { UserSyntaxError } from "./errors";
import { guardExports } from "./exportBindings";
import { missingExportHint } from "./missingOp";
import type { ShadowStack } from "./shadowStack";

export interface LoaderHooks {
  var(name: string, mark: number, value: unknown): unknown;
  mark(): number;
  flush(loop: number): void;
  iter(loop: number): void;
  each(loop: number, fn: unknown): unknown;
}

/** A file's `module`: as much of Node's as user code reads. */
interface UserModule {
  id: string;
  filename: string;
  path: string;
  exports: unknown;
  loaded: boolean;
  /** A file that awaits at its top level: its body's promise (what follows an await runs later, as an ES module's). */
  evaluation?: Promise<unknown>;
}

/** Where V8 put a syntax error of compiled code: the `file:line` heading its stack, the column of its caret. */
function syntaxErrorAt(err: SyntaxError, compiled: CompiledFile): { line: number; column: number } {
  const [head = "", , caret = ""] = (err.stack ?? "").split("\n");
  const line = Number(/:(\d+)$/.exec(head)?.[1] ?? 1);
  const col0 = Math.max(0, caret.indexOf("^"));
  return { line, column: compiled.toOriginalColumn(line - 1, col0) + 1 };
}

/**
 * The file's code as V8 runs it: a function of CommonJS's parameters and the hooks, on a line of its own (line 0,
 * lineOffset −1, so that the user's line N stays line N); an async function when the file awaits at its top level,
 * as an ES module may (`await main()`, `const data = await readFile(…)`). Only the traced file may: a file it imports
 * is required, and the importer would go on before the awaited part had run.
 */
export function moduleScript(
  compiled: CompiledFile,
  params: string,
  importedBy: string | undefined,
): { script: Script; awaits: boolean } {
  const wrap = (prefix: string): { script: Script; awaits: boolean } => ({
    awaits: prefix !== "",
    script: new Script(`(${prefix}function ${compiled.hooks.module}(${params}) {\n${compiled.code}\n})`, {
      filename: compiled.file,
      lineOffset: -1,
    }),
  });
  try {
    return wrap("");
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const at = syntaxErrorAt(err, compiled);
    // valid only as an async function's body: the file awaits at its top level (V8's message for the plain one
    // depends on what follows the `await`, an identifier there: "missing ) after argument list", …)
    let awaited: { script: Script; awaits: boolean } | undefined;
    try {
      awaited = wrap("async ");
    } catch {
      throw new UserSyntaxError(err.message, compiled.file, at.line, at.column);
    }
    if (importedBy === undefined) return awaited;
    throw new UserSyntaxError(
      `await at the top level of a file that ${basename(importedBy)} imports: Backstep runs a top-level await only in the file it traces. Await inside an async function that file calls, or move the await there.`,
      compiled.file,
      at.line,
      at.column,
    );
  }
}

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json"];

/**
 * Resolves a relative import the way TypeScript users write it: with or without an extension, `.js` for `.ts`, or a
 * folder's index.
 */
function resolveUserFile(spec: string, fromDir: string): string | undefined {
  const base = resolve(fromDir, spec);
  const candidates = [base, ...EXTENSIONS.map((e) => base + e)];
  const js = /\.([cm]?)js$/.exec(base);
  if (js) candidates.push(base.slice(0, -js[0].length) + `.${js[1]}ts`);
  candidates.push(...EXTENSIONS.map((e) => resolve(base, "index" + e)));
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/**
 * "backstep" as user code imports it: the engine's exports marked an ES module's (`__esModule`, not enumerable, as
 * the npm package's CommonJS build has it), so that a default import is undefined as it is run plainly, not the
 * whole engine.
 */
export function engineModule(engine: object): object {
  const mod = Object.defineProperties({}, Object.getOwnPropertyDescriptors(engine)) as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(mod, "__esModule"))
    Object.defineProperty(mod, "__esModule", { value: true });
  return mod;
}

/** A file's `import.meta` as Node gives an ES module's (20.11+): its file URL, folder and path. */
function importMeta(file: string): object {
  return Object.assign(Object.create(null) as object, {
    dirname: dirname(file),
    filename: file,
    url: pathToFileURL(file).href,
  });
}

/** Names of the getters and setters of the engine's classes (`T`, `grad`): engine code runs when they are used. */
export function engineAccessors(engine: object): Set<string> {
  const names = new Set<string>();
  const visit = (obj: object, depth: number): void => {
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === "function" && /^[A-Z]/.test(k) && v.prototype) {
        for (
          let p = v.prototype as object | null;
          p && p !== Object.prototype;
          p = Object.getPrototypeOf(p) as object | null
        ) {
          for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(p)))
            if (d.get || d.set) names.add(name);
        }
      } else if (typeof v === "object" && v !== null && depth < 2) visit(v, depth + 1);
    }
  };
  visit(engine, 0);
  return names;
}

/**
 * A name imported from "backstep" that it does not export fails at the import, as ES modules do, saying what
 * Backstep has instead; compiled to CommonJS it would fail at its use with "Cannot read properties of
 * undefined (reading 'call')".
 */
function checkImports(compiled: CompiledFile, engine: object): void {
  // sucrase's `var _backstep = require('backstep');` (instrumented: the value wrapped in hooks); not a namespace import
  const require = compiled.names.require.replace(/\$/g, "\\$");
  const imports = new RegExp(`\\bvar ([\\w$]+) = ([^;\\n]*)\\b${require}\\([^;\\n]*['"]backstep['"]`, "g");
  const bindings = [...compiled.code.matchAll(imports)]
    .filter((m) => !m[2].includes("_interopRequire"))
    .map((m) => m[1]);
  if (bindings.length === 0) return;
  const lines = compiled.code.split("\n");
  const use = new RegExp(
    `(?<![\\w$.])(?:${bindings.map((b) => b.replace(/\$/g, "\\$")).join("|")})\\.([A-Za-z_$][\\w$]*)`,
    "g",
  );
  lines.forEach((text, i) => {
    for (const m of text.matchAll(use)) {
      if (m[1] in engine) continue;
      const column = compiled.toOriginalColumn(i, (m.index ?? 0) + m[0].length - m[1].length) + 1;
      throw new UserSyntaxError(
        `"backstep" has no export named ${m[1]}: ${missingExportHint(m[1], engine)}`,
        compiled.file,
        i + 1,
        column,
      );
    }
  });
}

export class UserModules {
  private readonly compiled = new Map<string, CompiledFile>();
  private readonly cache = new Map<string, UserModule>();
  /** JSON files required, parsed once: by path. */
  private readonly json = new Map<string, unknown>();
  /** Every loop of every compiled file, by the id passed to the flush hook. */
  readonly loops: { file: string; line: number; column: number }[] = [];
  private readonly accessors: Set<string>;
  /** What `require("backstep")` gives user code. */
  private readonly engineModule: object;
  /** The traced file's module: `require.main` in every file. */
  private main: UserModule | undefined;

  constructor(
    private readonly engine: object,
    private readonly hooks: LoaderHooks,
    private readonly shadow: ShadowStack,
    /** Told of each file as it is compiled, with its loops (e.g. to post them to the parent). */
    private readonly onCompiled?: (file: CompiledFile) => void,
    /** false: plain compiled code, no hooks (the untraced baseline of the benchmark). */
    private readonly instrumented = true,
  ) {
    this.accessors = engineAccessors(engine);
    this.engineModule = engineModule(engine);
  }

  /** The compiled file, when `file` (an absolute path as V8 reports it) is one of the user's. */
  file(file: string | null | undefined): CompiledFile | undefined {
    return file ? this.compiled.get(file) : undefined;
  }

  /** A function's text in the program as written (compiled, not instrumented), when one of its files holds it. */
  plainText(text: string): string | undefined {
    for (const compiled of this.compiled.values()) {
      const plain = compiled.plainText(text);
      if (plain !== undefined) return plain;
    }
    return undefined;
  }

  /**
   * Loads (compiling and running) the traced file; returns its exports. A file that awaits at its top level has run
   * to its first await: `evaluation(file)` is the rest.
   */
  load(file: string): unknown {
    return this.loadModule(file, undefined);
  }

  /** What a file that awaits at its top level has still to run after load: its body's promise. */
  evaluation(file: string): Promise<unknown> | undefined {
    return this.cache.get(file)?.evaluation;
  }

  private loadModule(file: string, importedBy: string | undefined): unknown {
    const cached = this.cache.get(file);
    if (cached) return cached.exports;
    const compiled = compileFile(readFileSync(file, "utf8"), file, {
      loopBase: this.loops.length,
      siteBase: this.shadow.siteCount,
      instrumented: this.instrumented,
      accessors: this.accessors,
    });
    checkImports(compiled, this.engine);
    this.shadow.addSites(file, compiled.sites);
    this.compiled.set(file, compiled);
    for (const l of compiled.loops) this.loops.push({ file, ...l });
    this.onCompiled?.(compiled);
    const n = compiled.names;
    const params = [n.exports, n.require, n.module, n.__filename, n.__dirname, n.meta, ...compiled.hooks.params];
    const script = moduleScript(compiled, params.join(", "), importedBy);
    const mod: UserModule = { id: file, filename: file, path: dirname(file), exports: {}, loaded: false };
    if (importedBy === undefined && this.main === undefined) {
      mod.id = ".";
      this.main = mod;
    }
    this.cache.set(file, mod);
    // a circular import reading an exported const before its declaration ran throws, as the ES module's would
    guardExports(mod.exports as object, compiled.lexicalExports);
    const fn = script.script.runInThisContext() as (...args: unknown[]) => unknown;
    const require = this.requireFrom(file);
    const sh = this.shadow;
    sh.enter(); // the module's top level is a frame of its own
    try {
      const result = fn(
        mod.exports,
        require,
        mod,
        file,
        dirname(file),
        importMeta(file),
        this.hooks.var,
        this.hooks.mark,
        this.hooks.flush,
        this.hooks.iter,
        sh.at,
        sh.atNoArgs,
        sh.enter,
        sh.leave,
        this.hooks.each,
        sh.enterAsync,
        sh.leaveAsync,
        sh.away,
        sh.back,
      );
      if (script.awaits) mod.evaluation = result as Promise<unknown>;
      mod.loaded = true;
    } catch (err) {
      this.cache.delete(file);
      throw err;
    } finally {
      sh.leave();
    }
    return mod.exports;
  }

  /**
   * A file's `require`, as Node's: `require.main` is the traced file's module, as Node's is the entry file's; a JSON
   * file is parsed once (every require of it gives the same object); `require.resolve`, `.resolve.paths` and `.cache`
   * are Node's, `require.resolve` of a user file the file the loader runs.
   */
  private requireFrom(file: string): ((spec: string) => unknown) & { main: UserModule | undefined } {
    const nodeRequire = createRequire(file);
    this.sharedEngine(nodeRequire);
    const isUserFile = (spec: string): boolean => spec.startsWith(".") || spec.startsWith("/");
    /** A user file's path, as the loader finds it; a package's, as Node does. */
    const resolveSpec = (spec: string, options?: { paths?: string[] }): string => {
      if (!isUserFile(spec)) return nodeRequire.resolve(spec, options);
      const target = resolveUserFile(spec, dirname(file));
      if (target) return target;
      const message = `Cannot find module '${spec}' imported from ${file}: no such .ts, .js or .json file`;
      throw Object.assign(new Error(message), { code: "MODULE_NOT_FOUND" });
    };
    const require = (spec: string): unknown => {
      if (spec === "backstep") return this.engineModule;
      if (!isUserFile(spec)) return nodeRequire(spec);
      const target = resolveSpec(spec);
      if (!target.endsWith(".json")) return this.loadModule(target, file);
      if (!this.json.has(target)) this.json.set(target, JSON.parse(readFileSync(target, "utf8")) as unknown);
      return this.json.get(target);
    };
    return Object.assign(require, {
      main: this.main,
      resolve: Object.assign(resolveSpec, { paths: nodeRequire.resolve.paths }),
      cache: nodeRequire.cache,
    });
  }

  /**
   * A package the model imports that itself requires "backstep" (a project's own library, in node_modules) gets the
   * engine the model's files get: Node's module cache holds it at the path "backstep" resolves to from the model's
   * folder. It loaded a second engine, whose tensors the model's ops refused ("second argument must be a Tensor").
   */
  private sharedEngine(nodeRequire: NodeJS.Require): void {
    let path: string;
    try {
      path = nodeRequire.resolve("backstep");
    } catch {
      return; // no "backstep" installed there: no package can require it either
    }
    // a module loaded there already is left alone: this process's own engine (tsx maps "backstep" to src/index.ts in
    // the tests, where the entry replaced was the engine's module itself), or one set here for an earlier file
    if (nodeRequire.cache[path] !== undefined) return;
    const mod = new Module(path);
    mod.filename = path;
    mod.exports = this.engineModule;
    mod.loaded = true;
    nodeRequire.cache[path] = mod;
  }
}
