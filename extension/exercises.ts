// The guided exercises Backstep: New Exercise scaffolds: each a file of exercises/ (shipped in the .vsix) whose TODO
// lines
// turn ✓ as they are solved, each checked by an expectGrad (or a defineFunction's first-use check; in a .py exercise,
// expect_grad).

export interface Exercise {
  id: string;
  /** The template's file name in exercises/, also the name it gets in the workspace. */
  file: string;
  title: string;
  detail: string;
}

export const EXERCISES: readonly Exercise[] = [
  {
    id: "micrograd",
    file: "micrograd.ts",
    title: "Scalar backprop by hand (micrograd)",
    detail:
      "The chain rule one node at a time on scalar expressions and a tanh neuron, as in Karpathy's micrograd lecture",
  },
  {
    id: "nielsen-bp",
    file: "nielsen-bp.ts",
    title: "BP1–BP4 for a 2-layer sigmoid network (Nielsen)",
    detail:
      "The four equations of backpropagation, δ and the gradients of every weight and bias, from chapter 2 of Nielsen's book",
  },
  {
    id: "makemore-backprop",
    file: "makemore-backprop.ts",
    title: "Backprop ninja: makemore part 4",
    detail:
      "The full manual backward of a character MLP with batch norm, from dlogprobs to dC, as in Karpathy's makemore part 4",
  },
  {
    id: "makemore-backprop-py",
    file: "makemore_backprop.py",
    title: "Backprop ninja in PyTorch: makemore part 4",
    detail:
      "The same manual backward in PyTorch, each gradient checked by expect_grad in place of the lecture's cmp(), without retain_grad()",
  },
  {
    id: "custom-function",
    file: "custom-function.ts",
    title: "A custom function with its own backward",
    detail: "defineFunction with a backward you write, checked against finite differences and against autograd",
  },
];

/** `micrograd.ts`, or `micrograd-2.ts`… (`makemore_backprop-2.py`) — the first name not in `taken`. */
export function exerciseFileName(exercise: Exercise, taken: (name: string) => boolean): string {
  if (!taken(exercise.file)) return exercise.file;
  for (let i = 2; ; i++) {
    const name = exercise.file.replace(/(\.\w+)$/, `-${i}$1`);
    if (!taken(name)) return name;
  }
}
