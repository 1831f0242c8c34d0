// einsum as PyTorch's torch.einsum, composed of the engine's ops (no rule of its own: autograd follows the parts):
// diagonals by indexSelect, sums, and each pair of operands contracted by one batched matmul.
import { Tensor } from "../tensor";
import { ShapeError, fmt } from "../shape";
import { expand } from "./shape";
import { permute, reshape } from "./layout";
import { sum } from "./reduce";
import { matmul } from "./matmul";
import { indexSelect } from "./indexing";

/** A dim's label: a letter, or "…k" for the k-th dim the ellipses stand for (counted from the left). */
type Label = string;
/** An operand with a label per dim. */
type Term = { t: Tensor; labels: Label[] };

const LETTER = /^[a-zA-Z]$/;

/** The labels of one side of the equation ("bij", "...ij"), checked; null stands for the ellipsis. */
function parseTerm(equation: string, term: string): (Label | null)[] {
  const out: (Label | null)[] = [];
  for (let i = 0; i < term.length; i++) {
    if (term.startsWith("...", i)) {
      if (out.includes(null)) throw new SyntaxError(`einsum: "${equation}" has two ellipses in "${term}"`);
      out.push(null);
      i += 2;
    } else if (LETTER.test(term[i])) out.push(term[i]);
    else throw new SyntaxError(`einsum: "${equation}": subscripts are letters and "...", got "${term[i]}"`);
  }
  return out;
}

/** PyTorch's order of letters in an implicit output: upper case before lower case, each alphabetically. */
const letterRank = (l: string): number => (l <= "Z" ? l.charCodeAt(0) - 65 : 26 + l.charCodeAt(0) - 97);

/** The sizes of `labels`' dims in the term. */
const sizesIn = (term: Term, labels: readonly Label[]): number[] =>
  labels.map((l) => term.t.shape[term.labels.indexOf(l)]);
const volume = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

/** The term with its dims reordered as `labels` (a subset of its own, the same ones). */
function arrange(term: Term, labels: readonly Label[]): Tensor {
  const perm = labels.map((l) => term.labels.indexOf(l));
  return perm.every((p, i) => p === i) ? term.t : permute(term.t, perm);
}

/** The term with each label that repeats reduced to the diagonal (PyTorch's "ii->i"), by indexSelect. */
function diagonals(term: Term): Term {
  let { t, labels } = term;
  for (let b = labels.length - 1; b > 0; b--) {
    const a = labels.indexOf(labels[b]);
    if (a === b) continue;
    const n = t.shape[a];
    const rest = labels.map((_, i) => i).filter((i) => i !== a && i !== b);
    const moved = permute(t, [...rest, a, b]);
    const diag = Array.from({ length: n }, (_, i) => i * (n + 1));
    t = indexSelect(reshape(moved, [...rest.map((i) => t.shape[i]), n * n]), -1, diag);
    labels = [...rest.map((i) => labels[i]), labels[a]];
    b = labels.length;
  }
  return { t, labels };
}

/** The term with the labels `keep` does not name summed out. */
function sumOut(term: Term, keep: (l: Label) => boolean): Term {
  const axes = term.labels.map((l, i) => (keep(l) ? -1 : i)).filter((i) => i >= 0);
  if (axes.length === 0) return term;
  return { t: sum(term.t, axes), labels: term.labels.filter((l) => keep(l)) };
}

/** The term with its size-1 dims of `labels` broadcast to their full sizes. */
function broadcast(term: Term, labels: ReadonlySet<Label>, sizes: Map<Label, number>): Term {
  const shape = term.labels.map((l, i) => (labels.has(l) ? sizes.get(l)! : term.t.shape[i]));
  return shape.every((s, i) => s === term.t.shape[i]) ? term : { t: expand(term.t, shape), labels: term.labels };
}

/** x and y as one term: their shared labels not needed later summed over, by one batched matmul. */
function contract(x: Term, y: Term, needed: ReadonlySet<Label>, sizes: Map<Label, number>): Term {
  const shared = new Set(x.labels.filter((l) => y.labels.includes(l)));
  x = broadcast(x, shared, sizes);
  y = broadcast(y, shared, sizes);
  const batch = [...shared].filter((l) => needed.has(l));
  const summed = [...shared].filter((l) => !needed.has(l));
  const left = x.labels.filter((l) => !shared.has(l));
  const right = y.labels.filter((l) => !shared.has(l));
  const [sb, sl, sk, sr] = [sizesIn(x, batch), sizesIn(x, left), sizesIn(x, summed), sizesIn(y, right)];
  const [B, M, K, N] = [sb, sl, sk, sr].map(volume);
  const a = reshape(arrange(x, [...batch, ...left, ...summed]), [B, M, K]);
  const b = reshape(arrange(y, [...batch, ...summed, ...right]), [B, K, N]);
  return { t: reshape(matmul(a, b), [...sb, ...sl, ...sr]), labels: [...batch, ...left, ...right] };
}

/**
 * Einstein summation, as PyTorch's torch.einsum(equation, ...operands) (or an array of them): "bij,bjk->bik" (batched
 * matmul), "i,j->ij", "ii->i" (a diagonal), "...ij->...ji"; without "->", the labels seen once, upper case first, each
 * alphabetically, after the ellipsis's dims. A size-1 dim broadcasts against its label's other sizes.
 */
export function einsum(equation: string, ...operands: (Tensor | Tensor[])[]): Tensor {
  const ts = operands.flat();
  const eq = equation.replace(/\s+/g, "");
  const [lhs, rhs, extra] = eq.split("->");
  if (extra !== undefined) throw new SyntaxError(`einsum: "${equation}" has more than one "->"`);
  const terms = lhs.split(",").map((s) => parseTerm(equation, s));
  if (terms.length !== ts.length)
    throw new TypeError(`einsum: "${equation}" names ${terms.length} operand(s), ${ts.length} given`);
  ts.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`einsum: operand ${i} must be a Tensor`);
  });
  // the ellipses' dims, right-aligned across operands as in broadcasting
  const ellipsisDims = ts.map((t, i) => t.ndim - (terms[i].length - (terms[i].includes(null) ? 1 : 0)));
  const E = Math.max(0, ...ellipsisDims.filter((_, i) => terms[i].includes(null)));
  const ell = Array.from({ length: E }, (_, k) => `…${k}`);
  const sizes = new Map<Label, number>();
  const inputs: Term[] = ts.map((t, i) => {
    const d = ellipsisDims[i];
    if (terms[i].includes(null) ? d < 0 : d !== 0)
      throw new ShapeError(
        `einsum: operand ${i} of shape ${fmt(t.shape)} has ${t.ndim} dims; "${lhs.split(",")[i]}" names ${t.ndim - d}`,
      );
    const labels = terms[i].flatMap((l) => (l === null ? ell.slice(E - d) : [l]));
    labels.forEach((l, k) => {
      const n = t.shape[k],
        seen = sizes.get(l);
      if (seen !== undefined && seen !== n && seen !== 1 && n !== 1)
        throw new ShapeError(`einsum: "${l}" is ${seen} long in one place and ${n} in operand ${i} (${fmt(t.shape)})`);
      if (seen === undefined || seen === 1) sizes.set(l, n);
    });
    return { t, labels };
  });
  let output: Label[];
  if (rhs === undefined) {
    const count = (l: Label): number => inputs.reduce((n, x) => n + x.labels.filter((m) => m === l).length, 0);
    const once = [...sizes.keys()].filter((l) => LETTER.test(l) && count(l) === 1);
    output = [...ell, ...once.sort((p, q) => letterRank(p) - letterRank(q))];
  } else {
    output = parseTerm(equation, rhs).flatMap((l) => (l === null ? ell : [l]));
    for (const l of output) {
      if (!sizes.has(l)) throw new SyntaxError(`einsum: "${equation}": output subscript ${l} is in no operand`);
      if (output.indexOf(l) !== output.lastIndexOf(l))
        throw new SyntaxError(`einsum: "${equation}": output subscript ${l} appears more than once`);
    }
  }
  for (const x of inputs)
    x.labels.forEach((l, k) => {
      if (x.labels.indexOf(l) !== k && x.t.shape[k] !== x.t.shape[x.labels.indexOf(l)])
        throw new ShapeError(`einsum: "${l}" repeats in operand ${inputs.indexOf(x)} with sizes that differ`);
    });
  // left to right: each operand's own labels that nothing later needs are summed first, then it joins the product
  const neededAfter = (i: number): Set<Label> => new Set([...output, ...inputs.slice(i + 1).flatMap((x) => x.labels)]);
  let acc = sumOut(diagonals(inputs[0]), (l) => neededAfter(0).has(l));
  for (let i = 1; i < inputs.length; i++) {
    const needed = neededAfter(i);
    const keep = (l: Label): boolean => needed.has(l) || acc.labels.includes(l);
    acc = contract(acc, sumOut(diagonals(inputs[i]), keep), needed, sizes);
  }
  acc = sumOut(acc, (l) => output.includes(l));
  // an output label whose every operand dim was 1 long is 1 long; one another operand broadcasts to full is expanded
  acc = broadcast(acc, new Set(output), sizes);
  return arrange(acc, output);
}
