// Where a module sits in its tree (nn.Module): its parent and key, or a root's names, kept outside the instance so that
// a module's own properties are only its children and parameters; and the count of their changes (naming.ts).
import type { Module } from "./module";
import { noteLinkChanged } from "../engine/naming";

export interface Links {
  rootName?: string;
  /** The variable a traced run saw the root assigned to: its module paths' root in the trace (tracePath). */
  varName?: string;
  parent?: Module;
  key?: string;
}
const links = new WeakMap<Module, Links>();

export function linksOf(m: Module): Links {
  let l = links.get(m);
  if (l === undefined) links.set(m, (l = {}));
  return l;
}

/** Sets one of a module's links, counted as a change (a recorder's buffer names follow it: ParamNames). */
export function setLink<K extends keyof Links>(l: Links, key: K, value: Links[K]): void {
  l[key] = value;
  noteLinkChanged();
}

/**
 * Dotted path from the root: "model", "model.fc1", "model.layers.0" (nn.Module's `path`). The engine reads it here,
 * not through the instance, where a program's own field or method named `path` would be read instead.
 */
export function pathOf(m: Module): string {
  const l = linksOf(m);
  return l.parent !== undefined ? `${pathOf(l.parent)}.${l.key}` : (l.rootName ?? "model");
}

/** The path the trace gives a module (nn.Module's `tracePath`): rooted at its root's variable, if a run saw one. */
export function tracePathOf(m: Module): string {
  const l = linksOf(m);
  // the variable first, as the recorder names a root's parameters after it (trace/params.ts)
  return l.parent !== undefined ? `${tracePathOf(l.parent)}.${l.key}` : (l.varName ?? l.rootName ?? "model");
}

/** The top of the module tree `m` is in. */
export function rootOf(m: Module): Module {
  for (let p = links.get(m)?.parent; p !== undefined; p = links.get(p)?.parent) m = p;
  return m;
}

/** True when `a` is `b` or one of b's ancestors (guards against cycles in the module tree). */
export function isAncestor(a: Module, b: Module): boolean {
  for (let m: Module | undefined = b; m !== undefined; m = links.get(m)?.parent) if (m === a) return true;
  return false;
}
