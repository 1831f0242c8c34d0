// jvp: forward-mode differentiation. Each op carries its input tangents forward through the rule's jvp.
import { Tensor } from "../engine/tensor";
import { withTangents } from "../engine/mode";
import { castTo, zerosLike } from "../engine/storage";
import { ShapeError, fmt, sameShape } from "../engine/shape";

/**
 * Evaluates fn at `primals` and its directional derivative J·t along `tangents` in one forward
 * pass (no backward). Returns [output, tangent of the output].
 */
export function jvp(
  fn: (...primals: Tensor[]) => Tensor,
  primals: readonly Tensor[],
  tangents: readonly Tensor[],
): [Tensor, Tensor] {
  if (primals.length !== tangents.length)
    throw new Error(`jvp: ${primals.length} primals but ${tangents.length} tangents`);
  const map = new Map<number, Tensor>();
  primals.forEach((p, i) => {
    const t = tangents[i];
    if (!(p instanceof Tensor) || !(t instanceof Tensor))
      throw new TypeError("jvp: primals and tangents must be Tensors");
    if (!sameShape(p.shape, t.shape))
      throw new ShapeError(`jvp: tangent ${i} has shape ${fmt(t.shape)} but its primal has shape ${fmt(p.shape)}`);
    map.set(p.id, castTo(t, p.dtype));
  });
  const out = withTangents(map, () => fn(...primals));
  if (!(out instanceof Tensor)) throw new TypeError("jvp: fn must return a Tensor");
  return [out, map.get(out.id) ?? zerosLike(out)];
}
