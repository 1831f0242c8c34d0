// The names of a run's parameters: each root module a model assigns to a variable (`const model = new MLP()`)
// names its parameters after it (`model.fc1.weight`).
import type { Tensor } from "../engine/tensor";

/** Duck type of an nn.Module, so the recorder needs no import of nn. */
interface ModuleLike {
  namedParameters(): [string, Tensor][];
}

function isModuleLike(v: unknown): v is ModuleLike {
  return (
    typeof v === "object" && v !== null && typeof (v as { namedParameters?: unknown }).namedParameters === "function"
  );
}

export class ParamNames {
  private readonly roots = new Map<ModuleLike, string>();
  /** Parameter names by tensor id, made again after a root is added. */
  private names: Map<number, string> | null = null;

  /** `name = value` ran at top level: a module seen for the first time becomes a root named `name`. */
  noteRoot(value: unknown, name: string): void {
    if (!isModuleLike(value) || this.roots.has(value)) return;
    this.roots.set(value, name);
    this.names = null;
  }

  /** The qualified name of a root module's parameter, or undefined. */
  nameOf(t: Tensor): string | undefined {
    if (this.names === null) {
      this.names = new Map();
      for (const [name, p] of this.all()) this.names.set(p.id, name);
    }
    return this.names.get(t.id);
  }

  /** Every root module's parameters, with their qualified names, roots in the order they were seen. */
  all(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [m, root] of this.roots) for (const [n, t] of m.namedParameters()) out.push([qualify(root, n), t]);
    return out;
  }
}

function qualify(root: string, name: string): string {
  return name === root || name.startsWith(root + ".") ? name : `${root}.${name}`;
}
