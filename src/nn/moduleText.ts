// A module as PyTorch prints it (console.log(model)): its settings on one line, its children indented.
import { Tensor } from "../engine/tensor";
import type { Module } from "./module";

/** `Linear(inFeatures=2, outFeatures=3, weight=[3,2], bias=[3])`, a container's children one per line below it. */
export function moduleText(m: Module): string {
  const settings: string[] = [];
  for (const [key, v] of Object.entries(m)) {
    if (key === "training" || key.startsWith("__") || (key === "length" && m.namedChildren().length > 0)) continue;
    if (typeof v === "number" || typeof v === "boolean") settings.push(`${key}=${v}`);
    else if (Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === "number"))
      settings.push(`${key}=[${v.join(",")}]`);
    else if (v instanceof Tensor && v.requiresGrad) settings.push(`${key}=[${v.shape.join(",")}]`);
  }
  const kids = m.namedChildren();
  const head = `${m.constructor.name}(${settings.join(", ")}`;
  if (kids.length === 0) return `${head})`;
  const lines = kids.map(([key, c]) => `  (${key}): ${c.toString().split("\n").join("\n  ")}`);
  return `${head}${settings.length > 0 ? "," : ""}\n${lines.join("\n")}\n)`;
}
