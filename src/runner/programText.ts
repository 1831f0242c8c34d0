// Function.prototype.toString as the program wrote its functions: a traced program that prints or parses a
// function's text (`String(f)`, `f.toString()`) gets its own text, not the runner's instrumentation of it.
import { HOOK_MARK } from "./hooks";
import { wrappedFunction } from "../nn/moduleMethods";

/** Maps a function's text as V8 holds it (instrumented) back to the program's; undefined: not the user's. */
export interface ProgramText {
  plainText(text: string): string | undefined;
}

let current: ProgramText | undefined;
let installed = false;

/**
 * From now on, in this thread, Function.prototype.toString gives the program's own text of the functions `texts`
 * compiled. Installed once per thread; a later session's `texts` replaces the last's. Its own text reads as the
 * native function's does.
 */
export function showProgramText(texts: ProgramText): void {
  current = texts;
  if (installed) return;
  installed = true;
  const native = Function.prototype.toString;
  const nativeText = native.call(native);
  const toString = {
    toString(this: unknown): string {
      if (this === toString) return nativeText;
      // a receiver that is not a function throws the native TypeError
      // (an engine wrapper of a module's method is the method: wrapForward, wrapMethods)
      const text = native.call(wrappedFunction(this) ?? (this as () => unknown));
      return text.includes(HOOK_MARK) ? (current?.plainText(text) ?? text) : text;
    },
  }.toString;
  const own = Object.getOwnPropertyDescriptor(Function.prototype, "toString")!;
  Object.defineProperty(Function.prototype, "toString", { ...own, value: toString });
}
