// A tiny, safe expression language for watches, hovers and breakpoint conditions (no eval): names, members, indexing,
// calls, comparisons.

export type BinaryOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||" | "+" | "-" | "*" | "/";

export type Expr =
  | { kind: "number"; value: number }
  | { kind: "string"; value: string }
  | { kind: "ident"; name: string }
  | { kind: "member"; object: Expr; prop: string }
  | { kind: "index"; object: Expr; index: Expr }
  | { kind: "call"; callee: string; args: Expr[] }
  | { kind: "unary"; op: "!" | "-"; arg: Expr }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr };

type Token =
  | { kind: "number"; value: number; at: number }
  | { kind: "string"; value: string; at: number }
  | { kind: "ident"; value: string; at: number }
  | { kind: "punct"; value: string; at: number };

export class ExprError extends Error {}

const PUNCT = [
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "===",
  "!==",
  "<",
  ">",
  "!",
  "(",
  ")",
  "[",
  "]",
  ".",
  ",",
  "+",
  "-",
  "*",
  "/",
];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const prev = out[out.length - 1];
    if (prev?.kind === "punct" && prev.value === "." && /\d/.test(c)) {
      // a module list's member as Variables names it, `model.0.weight` (also `model[0].weight`)
      const digits = /^\d+/.exec(src.slice(i))![0];
      out.push({ kind: "ident", value: digits, at: i });
      i += digits.length;
      continue;
    }
    if (
      c === "." &&
      (prev?.kind === "ident" || (prev?.kind === "punct" && (prev.value === ")" || prev.value === "]")))
    ) {
      out.push({ kind: "punct", value: ".", at: i });
      i++;
      continue;
    }
    const num = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ kind: "number", value: Number(num[0]), at: i });
      i += num[0].length;
      continue;
    }
    // (the program's own names may be any JavaScript or Python identifier: `π`, `größe`)
    const id = /^[\p{ID_Start}_$][\p{ID_Continue}$\u200c\u200d]*/u.exec(src.slice(i));
    if (id) {
      out.push({ kind: "ident", value: id[0], at: i });
      i += id[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ExprError(`unterminated string starting at column ${i + 1}`);
      out.push({ kind: "string", value: src.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const p = PUNCT.filter((s) => src.startsWith(s, i)).sort((a, b) => b.length - a.length)[0];
    if (!p) throw new ExprError(`unexpected '${c}' at column ${i + 1}`);
    // `===` and `!==` mean the same as `==` and `!=` here: there is no type coercion to guard against.
    out.push({ kind: "punct", value: p === "===" ? "==" : p === "!==" ? "!=" : p, at: i });
    i += p.length;
  }
  return out;
}

const PRECEDENCE: Record<string, number> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
};

/** Parses an expression; throws ExprError with the column of the problem. */
export function parseExpr(src: string): Expr {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isPunct = (v: string): boolean => peek()?.kind === "punct" && peek()?.value === v;
  const expect = (v: string): void => {
    if (!isPunct(v)) throw new ExprError(`expected '${v}' ${where()}`);
    pos++;
  };
  const where = (): string => {
    const t = peek();
    return t ? `at column ${t.at + 1}` : "at the end";
  };

  function primary(): Expr {
    const t = peek();
    if (!t) throw new ExprError("expression is incomplete");
    pos++;
    if (t.kind === "number") return { kind: "number", value: t.value };
    if (t.kind === "string") return { kind: "string", value: t.value };
    if (t.kind === "ident") {
      if (isPunct("(")) {
        pos++;
        const args: Expr[] = [];
        while (!isPunct(")")) {
          args.push(binary(0));
          if (!isPunct(")")) expect(",");
        }
        pos++;
        return { kind: "call", callee: t.value, args };
      }
      return { kind: "ident", name: t.value };
    }
    if (t.value === "(") {
      const e = binary(0);
      expect(")");
      return e;
    }
    if (t.value === "!" || t.value === "-") return { kind: "unary", op: t.value, arg: postfix(primary()) };
    throw new ExprError(`unexpected '${t.value}' at column ${t.at + 1}`);
  }

  function postfix(e: Expr): Expr {
    for (;;) {
      if (isPunct(".")) {
        pos++;
        const t = peek();
        if (t?.kind !== "ident") throw new ExprError(`expected a property name ${where()}`);
        pos++;
        if (isPunct("(")) {
          // a method call as PyTorch's users write it, `loss.item()`, `h.grad.norm()`: the function of that name on
          // the value (`item(loss)`); it failed with "unexpected '('"
          pos++;
          const args: Expr[] = [e];
          while (!isPunct(")")) {
            args.push(binary(0));
            if (!isPunct(")")) expect(",");
          }
          pos++;
          e = { kind: "call", callee: t.value, args };
        } else e = { kind: "member", object: e, prop: t.value };
      } else if (isPunct("[")) {
        pos++;
        const index = binary(0);
        expect("]");
        e = { kind: "index", object: e, index };
      } else return e;
    }
  }

  function binary(minPrec: number): Expr {
    let left = postfix(primary());
    for (;;) {
      const t = peek();
      const prec = t?.kind === "punct" ? PRECEDENCE[t.value] : undefined;
      if (!t || prec === undefined || prec <= minPrec) return left;
      pos++;
      const right = binary(prec);
      left = { kind: "binary", op: t.value as BinaryOp, left, right };
    }
  }

  if (tokens.length === 0) throw new ExprError("empty expression");
  const e = binary(0);
  if (pos < tokens.length)
    throw new ExprError(`unexpected '${String(tokens[pos].value)}' at column ${tokens[pos].at + 1}`);
  return e;
}
