// Short layer names for a narrow panel: the part that tells layers apart (fc1, layers.3), not the shared "model."
// prefix.

/**
 * Each name without the dotted prefix all names share; a bare index keeps the segment before it
 * ("deep.layers.3" among its siblings is "layers.3"), and a lone name keeps its last two segments.
 */
export function shortLayerNames(names: readonly string[]): Map<string, string> {
  const parts = names.map((n) => n.split("."));
  let common = 0;
  if (parts.length > 1) {
    const shortest = Math.min(...parts.map((p) => p.length));
    while (common < shortest - 1 && parts.every((p) => p[common] === parts[0][common])) common++;
  } else if (parts.length === 1) common = Math.max(0, parts[0].length - 2);
  const out = new Map<string, string>();
  names.forEach((name, i) => {
    const p = parts[i];
    let from = common;
    if (from > 0 && /^\d+$/.test(p[from] ?? "") && p.length - from === 1) from--;
    out.set(name, p.slice(from).join(".") || name);
  });
  return out;
}
