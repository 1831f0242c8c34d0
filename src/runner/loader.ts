// A small CommonJS loader for the user's files: compiles .ts on require, "backstep" is the engine in this thread.
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { Script } from "node:vm";
import { compileFile, type CompiledFile } from "./compile";
import { UserSyntaxError } from "./errors";
import { missingExportHint } from "./missingOp";
import type { ShadowStack } from "./shadowStack";

export interface LoaderHooks {
  var(name: string, mark: number, value: unknown): unknown;
  mark(): number;
  flush(loop: number): void;
}

interface UserModule {
  exports: unknown;
  loaded: boolean;
}

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"];

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
  const bindings = [...compiled.code.matchAll(/\bvar ([\w$]+) = ([^;\n]*)require\([^;\n]*['"]backstep['"]/g)]
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
  /** Every loop of every compiled file, by the id passed to the flush hook. */
  readonly loops: { file: string; line: number; column: number }[] = [];
  private readonly accessors: Set<string>;

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
  }

  /** The compiled file, when `file` (an absolute path as V8 reports it) is one of the user's. */
  file(file: string | null | undefined): CompiledFile | undefined {
    return file ? this.compiled.get(file) : undefined;
  }

  /** Loads (compiling and running) a user file; returns its exports. */
  load(file: string): unknown {
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
    const mod: UserModule = { exports: {}, loaded: false };
    this.cache.set(file, mod);
    // The wrapper sits on its own line 0 (lineOffset −1), so the user's line N stays line N for V8.
    const params = ["exports", "require", "module", "__filename", "__dirname", ...compiled.hooks.params].join(", ");
    const script = new Script(`(function ${compiled.hooks.module}(${params}) {\n${compiled.code}\n})`, {
      filename: file,
      lineOffset: -1,
    });
    const fn = script.runInThisContext() as (...args: unknown[]) => void;
    const require = this.requireFrom(file);
    const sh = this.shadow;
    sh.enter(); // the module's top level is a frame of its own
    try {
      fn(
        mod.exports,
        require,
        mod,
        file,
        dirname(file),
        this.hooks.var,
        this.hooks.mark,
        this.hooks.flush,
        sh.at,
        sh.atNoArgs,
        sh.enter,
        sh.leave,
      );
      mod.loaded = true;
    } catch (err) {
      this.cache.delete(file);
      throw err;
    } finally {
      sh.leave();
    }
    return mod.exports;
  }

  private requireFrom(file: string): (spec: string) => unknown {
    const nodeRequire = createRequire(file);
    return (spec: string): unknown => {
      if (spec === "backstep") return this.engine;
      if (spec.startsWith(".") || spec.startsWith("/")) {
        const target = resolveUserFile(spec, dirname(file));
        if (!target) throw new Error(`Cannot find module '${spec}' imported from ${file}: no such .ts or .js file`);
        if (target.endsWith(".json")) return JSON.parse(readFileSync(target, "utf8")) as unknown;
        return this.load(target);
      }
      return nodeRequire(spec);
    };
  }
}
