// Options objects read as PyTorch reads its keywords: one Backstep does not have is an error naming it, as PyTorch's
// "got an unexpected keyword argument", and PyTorch's snake_case name of one it has is taken as that one
// (`label_smoothing` is `labelSmoothing`), as the optimizers take `weight_decay`. Ignored, a ported model ran
// otherwise than in PyTorch without a word: `F.crossEntropy(z, y, { label_smoothing: 0.2 })` without smoothing,
// `new nn.LSTM(4, 5, { batch_first: true })` reading its input as [T, N, …], `F.maxPool2d(x, 2, { dilation: 2 })`
// undilated.

/** PyTorch's snake_case key as Backstep's camelCase one: `label_smoothing` → labelSmoothing, `T_max` → tMax. */
const camel = (k: string): string => {
  const c = k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  return c === k ? k : c.charAt(0).toLowerCase() + c.slice(1);
};

/**
 * `given` with its keys checked against `known` (a PyTorch snake_case key renamed to its camelCase twin): a key that
 * is neither is a TypeError naming `fn`, the key, and the options there are. Returns `given` itself when nothing was
 * renamed; `{}` for undefined.
 */
export function optionsOf<T extends object>(fn: string, given: T | undefined, known: readonly string[]): T {
  if (given === undefined || given === null) return {} as T;
  if (typeof given !== "object")
    throw new TypeError(`${fn}: expected an options object ({ ${known.join(", ")} }), got ${String(given)}`);
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const twin = camel(key);
    if (twin !== key && known.includes(twin)) {
      const o: Record<string, unknown> = (out ??= { ...(given as Record<string, unknown>) });
      o[twin] = o[key];
      delete o[key];
      continue;
    }
    const what = known.length > 0 ? `its options: ${known.join(", ")}` : "it takes none";
    throw new TypeError(`${fn}: Backstep has no option "${key}" (${what})`);
  }
  return (out ?? given) as T;
}

/**
 * A parameter PyTorch takes positionally or by keyword (`F.softplus(x, 2)`, `nn.LeakyReLU(negative_slope=0.2)`): a
 * value of `type` is `key`'s, an object is options checked against `known`, undefined is none. Anything else is a
 * TypeError: a number where the options object goes (`softplus(x, 2)`) or options where a number goes
 * (`new nn.LeakyReLU({ negative_slope: 0.2 })`) was ignored, or made NaN, without a word.
 */
export function valueOrOptions<T extends object>(
  fn: string,
  given: unknown,
  key: keyof T & string,
  type: "number" | "string",
  known: readonly string[],
): T {
  if (given === undefined) return {} as T;
  if (typeof given === type) return { [key]: given } as T;
  if (typeof given === "object" && given !== null) return optionsOf(fn, given as T, known);
  throw new TypeError(
    `${fn}: expected ${key} (a ${type}) or an options object ({ ${known.join(", ")} }), got ${String(given)}`,
  );
}
