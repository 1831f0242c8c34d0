// Which .py files are PyTorch models, and where their Trace/Debug CodeLens goes: above a module-level `def step(`, else
// above `.backward(` calls.
import type { LensPlace } from "./codeLensPlacement";

/** A Python file that imports torch (`import torch`, `import torch.nn as nn`, `from torch import …`). */
export function isPythonModelSource(source: string): boolean {
  return /^\s*(import\s+torch\b|from\s+torch\b)/m.test(source);
}

/** Lens places for a PyTorch model; none for a file that does not import torch. */
export function pythonLensPlaces(source: string): LensPlace[] {
  if (!isPythonModelSource(source)) return [];
  const lines = source.split(/\r?\n/);
  const step = lines.findIndex((l) => /^def\s+step\s*\(/.test(l));
  if (step >= 0) return [{ line: step, kind: "step" }];
  const places: LensPlace[] = [];
  lines.forEach((text, i) => {
    if (/\.backward\s*\(/.test(text.replace(/#.*$/, ""))) places.push({ line: i, kind: "backward" });
  });
  return places;
}
