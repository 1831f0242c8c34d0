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
