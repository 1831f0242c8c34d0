// LaTeX to plain Unicode math for places KaTeX cannot run (debugger Variables, editor hovers): 1 - \tanh^2(x) → 1 −
// tanh²(x).

const SYMBOLS: Record<string, string> = {
  alpha: "α",
  beta: "β",
  gamma: "γ",
  delta: "δ",
  epsilon: "ε",
  eta: "η",
  theta: "θ",
  lambda: "λ",
  mu: "μ",
  pi: "π",
  sigma: "σ",
  tau: "τ",
  phi: "φ",
  psi: "ψ",
  omega: "ω",
  Delta: "Δ",
  Sigma: "Σ",
  partial: "∂",
  nabla: "∇",
  cdot: "·",
  cdots: "⋯",
  ldots: "…",
  dots: "…",
  times: "×",
  odot: "⊙",
  otimes: "⊗",
  le: "≤",
  leq: "≤",
  ge: "≥",
  geq: "≥",
  ne: "≠",
  neq: "≠",
  approx: "≈",
  to: "→",
  infty: "∞",
  in: "∈",
  sum: "Σ",
  prod: "Π",
  top: "ᵀ",
  prime: "′",
  pm: "±",
  mid: "|",
  lVert: "‖",
  rVert: "‖",
  backslash: "\\",
  ",": "\u2009",
  ";": " ",
  ":": " ",
  "!": "",
  " ": " ",
  quad: "  ",
  qquad: "    ",
  "{": "{",
  "}": "}",
  _: "_",
  "%": "%",
  $: "$",
  "&": "&",
  "#": "#",
};
/** Operator names set upright: \tanh → tanh. */
const WORDS = new Set([
  "tanh",
  "sinh",
  "cosh",
  "sin",
  "cos",
  "tan",
  "exp",
  "ln",
  "log",
  "min",
  "max",
  "arg",
  "det",
  "sign",
  "softmax",
]);
/** Commands whose braced argument is shown as is. */
const WRAPPERS = new Set([
  "mathrm",
  "operatorname",
  "text",
  "textrm",
  "mathit",
  "mathbf",
  "boldsymbol",
  "mathsf",
  "mathtt",
]);
const DOUBLE_STRUCK: Record<string, string> = { "1": "𝟙", R: "ℝ", N: "ℕ", Z: "ℤ", E: "𝔼" };

const SUP: Record<string, string> = {
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
  "+": "⁺",
  "-": "⁻",
  "−": "⁻",
  "=": "⁼",
  "(": "⁽",
  ")": "⁾",
  a: "ᵃ",
  b: "ᵇ",
  c: "ᶜ",
  d: "ᵈ",
  e: "ᵉ",
  f: "ᶠ",
  g: "ᵍ",
  h: "ʰ",
  i: "ⁱ",
  j: "ʲ",
  k: "ᵏ",
  l: "ˡ",
  m: "ᵐ",
  n: "ⁿ",
  o: "ᵒ",
  p: "ᵖ",
  r: "ʳ",
  s: "ˢ",
  t: "ᵗ",
  u: "ᵘ",
  v: "ᵛ",
  w: "ʷ",
  x: "ˣ",
  y: "ʸ",
  z: "ᶻ",
  L: "ᴸ",
  T: "ᵀ",
  ᵀ: "ᵀ",
  "′": "′",
};
const SUB: Record<string, string> = {
  "0": "₀",
  "1": "₁",
  "2": "₂",
  "3": "₃",
  "4": "₄",
  "5": "₅",
  "6": "₆",
  "7": "₇",
  "8": "₈",
  "9": "₉",
  "+": "₊",
  "-": "₋",
  "−": "₋",
  "=": "₌",
  "(": "₍",
  ")": "₎",
  a: "ₐ",
  e: "ₑ",
  h: "ₕ",
  i: "ᵢ",
  j: "ⱼ",
  k: "ₖ",
  l: "ₗ",
  m: "ₘ",
  n: "ₙ",
  o: "ₒ",
  p: "ₚ",
  r: "ᵣ",
  s: "ₛ",
  t: "ₜ",
  u: "ᵤ",
  v: "ᵥ",
  x: "ₓ",
};

/** Script text as raised/lowered characters when every character has one, else ^(…) / _(…). */
function script(s: string, table: Record<string, string>, mark: "^" | "_"): string {
  const chars = [...s];
  if (chars.length > 0 && chars.every((c) => table[c] !== undefined)) return chars.map((c) => table[c]).join("");
  if (mark === "_") return chars.length === 1 ? `_${s}` : `[${s}]`;
  return chars.length === 1 ? `^${s}` : `^(${s})`;
}

/** Wraps a fraction's part in parentheses unless it is one symbol-like token. */
const atom = (s: string): string => (/^[∂∇]?[\p{L}\p{N}.′]+(_\w|\[[^\]\s]*\])?$/u.test(s) ? s : `(${s})`);
/** Commands that stand for a letter: a space after them is the command's terminator, not text. */
const LETTERS = /^[∂∇αβγδεηθλμπστφψωΔΣ]$/;

class Reader {
  i = 0;
  constructor(readonly src: string) {}

  /** Reads until `stop` (a closing brace, or the end), returning the converted text. */
  seq(stop?: string): string {
    let out = "";
    while (this.i < this.src.length) {
      const c = this.src[this.i];
      if (stop !== undefined && c === stop) {
        this.i++;
        return out;
      }
      out += this.item(out);
    }
    return out;
  }

  /** One argument: a braced group, a command, or a single character. */
  arg(): string {
    while (this.src[this.i] === " ") this.i++;
    const c = this.src[this.i];
    if (c === undefined) return "";
    if (c === "{") {
      this.i++;
      return this.seq("}");
    }
    if (c === "\\") return this.command();
    this.i++;
    return c;
  }

  private item(before: string): string {
    const c = this.src[this.i];
    if (c === "{") {
      this.i++;
      return this.seq("}");
    }
    if (c === "\\") return this.command();
    if (c === "^" || c === "_") {
      this.i++;
      const a = this.arg();
      return script(a, c === "^" ? SUP : SUB, c);
    }
    this.i++;
    if (c === "&") return "  ";
    if (c === "-" && /\S\s*$/.test(before) && /\s/.test(this.src[this.i] ?? "")) return "−";
    if (c === "-" && before.trim() === "") return "−";
    return c;
  }

  private command(): string {
    this.i++; // the backslash
    const m = /^([A-Za-z]+|.)/.exec(this.src.slice(this.i));
    const name = m ? m[1] : "";
    this.i += name.length;
    if (name === "frac" || name === "dfrac" || name === "tfrac") {
      const num = this.arg(),
        den = this.arg();
      return `${atom(num)}/${atom(den)}`;
    }
    if (name === "sqrt") {
      const a = this.arg();
      return `√${atom(a)}`;
    }
    if (WRAPPERS.has(name)) return this.arg();
    if (name === "mathbb") {
      const a = this.arg();
      return DOUBLE_STRUCK[a] ?? a;
    }
    if (name === "left" || name === "right" || name === "big" || name === "Big" || name === "bigl" || name === "bigr")
      return this.arg().replace(/^\.$/, "");
    if (name === "begin" || name === "end") {
      const env = this.arg();
      return /matrix/.test(env) ? (name === "begin" ? "[" : "]") : "";
    }
    if (name === "\\") return "; ";
    if (WORDS.has(name)) return name;
    const sym = SYMBOLS[name];
    // (as TeX skips the space after a control word: after a letter, and after an opening ‖)
    if (sym !== undefined && (LETTERS.test(sym) || name === "lVert")) while (this.src[this.i] === " ") this.i++;
    if (sym !== undefined) return sym;
    return name; // an unknown command: its name reads better than a backslash
  }
}

/** Plain Unicode for a LaTeX formula; text without LaTeX comes back unchanged. */
export function latexToUnicode(latex: string): string {
  if (!/[\\^_{}]/.test(latex)) return latex;
  return new Reader(latex)
    .seq()
    .replace(/[ \t]{2,}/g, " ")
    .replace(/\[ /g, "[")
    .replace(/ \]/g, "]")
    .trim();
}
