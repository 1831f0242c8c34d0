// The names instrumented code calls the runner by, chosen per file so that none can be a name the user's code uses.

export interface HookNames {
  /** `var(name, mark(), value)`: `value` was assigned to the variable `name`. */
  var: string;
  mark: string;
  /** `flush(k)`: loop k is about to start. */
  flush: string;
  /** `iter(k)`: an iteration of loop k begins (the first statement of its body). */
  iter: string;
  /** `each(k, f)`: f, a function passed by name to an iteration method, whose calls are iterations of loop k. */
  each: string;
  /** `at(site, lastArgument)`: the call at `site` is about to happen. */
  at: string;
  /** `...atNoArgs(site)`: the same for a call without arguments (it spreads an empty list). */
  atNoArgs: string;
  /** Around every function body (the shadow stack). */
  enter: string;
  leave: string;
  /** An async function's: `const s = enterAsync()`, `leaveAsync(s)`, `back(s, await away(s, x))` (shadowStack.ts). */
  enterAsync: string;
  leaveAsync: string;
  away: string;
  back: string;
  /** The local an async function's body keeps its frame in. */
  asyncFrame: string;
  /** The module wrapper function (its frames read as `<module>`). */
  module: string;
  /** The wrapper's parameters, in the order the loader passes the hooks. */
  params: string[];
}

/**
 * `__bs_…`, unless the code mentions `__bs_` anywhere (a variable, a property, a string): then `__bs1_…`, and so on.
 * A user's `const __bs_r = …` would otherwise redeclare a hook (a SyntaxError) or shadow it.
 */
/** What every hook name starts with (`__bs_…`, `__bs1_…`): text holding none was not instrumented. */
export const HOOK_MARK = "__bs";

export function hookNames(code: string): HookNames {
  let prefix = `${HOOK_MARK}_`;
  for (let k = 1; code.includes(prefix); k++) prefix = `${HOOK_MARK}${k}_`;
  const names = {
    var: prefix + "var",
    mark: prefix + "mark",
    flush: prefix + "flush",
    iter: prefix + "iter",
    each: prefix + "each",
    at: prefix + "r",
    atNoArgs: prefix + "r0",
    enter: prefix + "enter",
    leave: prefix + "leave",
    enterAsync: prefix + "aenter",
    leaveAsync: prefix + "aleave",
    away: prefix + "away",
    back: prefix + "back",
    asyncFrame: prefix + "s",
    module: prefix + "module",
  };
  const { var: v, mark, flush, iter, at, atNoArgs, enter, leave, each, enterAsync, leaveAsync, away, back } = names;
  return {
    ...names,
    params: [v, mark, flush, iter, at, atNoArgs, enter, leave, each, enterAsync, leaveAsync, away, back],
  };
}
