// Each example's trace against PyTorch: its twin (models/*.py) on the weights and batch the trace recorded, every named
// intermediate's value and gradient, in float32 as the example is written and in float64 (setDefaultDtype first).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import * as B from "../../src/index";
import { runModel } from "../../src/runner/index";
import type { Trace, TraceOp, TraceTensor } from "../../src/trace/types";
import { PYTHON, TOLERANCE, closeTo, encode, reportWorst } from "./harness";
import type { Encoded, FloatDtype } from "./harness";

/** The names nn.RNN/LSTM/GRU give their own inner tensors in the trace (recurrentSteps.ts), as PyTorch's docs do. */
const LAYER_GATES = new Set(["i_t", "f_t", "g_t", "o_t", "c_t", "h_t", "r_t", "z_t", "n_t"]);

const EXAMPLES = join(__dirname, "..", "..", "examples");
const SCRIPT = join(__dirname, "models", "run.py");

interface Spec {
  shape: number[];
  dtype: "float64" | "int64";
  data: string;
}
interface TwinResult {
  loss: number;
  report: Record<string, { value: Encoded; grad: Encoded | null }>;
  grads: Record<string, Encoded | null>;
}
interface Port {
  example: string;
  twin: string;
  /** The batch the twin is fed, read from the trace: name → tensor (and whether it holds indices). */
  batch: (t: Trace, step0: TraceOp[]) => Record<string, [TraceTensor, "float64" | "int64"]>;
  /** An absolute floor under tol × max|ref|, for gradients that are 0 in exact arithmetic (∂L/∂logit_maxes). */
  atol?: Partial<Record<FloatDtype, number>>;
}

const asTensor = (t: TraceTensor): B.Tensor => {
  assert.ok(t.values, `tensor ${t.id} (${t.name ?? "unnamed"}) has values`);
  return B.tensor(Float64Array.from(t.values), { shape: t.shape, dtype: "float64" });
};
const spec = (t: TraceTensor, dtype: "float64" | "int64"): Spec => ({
  shape: t.shape,
  dtype,
  data: encode(asTensor(t)),
});
const outputOf = (t: Trace, ops: TraceOp[], v: string): TraceTensor =>
  t.tensors[(ops.find((o) => o.var === v) as TraceOp).output];
/** The first tensor named `name` among the inputs of the first step's ops. */
const inputNamed = (t: Trace, ops: TraceOp[], name: string): TraceTensor => {
  const found = ops
    .flatMap((o) => o.inputs)
    .map((i) => t.tensors[i])
    .find((x) => x.name === name && x.kind === "input");
  assert.ok(found, `an input named ${name}`);
  return found;
};

const PORTS: Port[] = [
  {
    example: "makemore-backprop.ts",
    twin: "makemore",
    atol: { float32: 1e-7, float64: 1e-15 },
    batch: (t, ops) => ({ Xb: [outputOf(t, ops, "Xb"), "int64"], Yb: [outputOf(t, ops, "Yb"), "int64"] }),
  },
  {
    example: "nanogpt.ts",
    twin: "nanogpt",
    batch: (t, ops) => ({ x: [inputNamed(t, ops, "x"), "int64"], y: [inputNamed(t, ops, "y"), "int64"] }),
  },
  {
    example: "lenet.ts",
    twin: "lenet",
    batch: (t, ops) => {
      const gather = ops.find((o) => o.op === "gather") as TraceOp; // crossEntropy's pick of the target logits
      const index = t.tensors[gather.inputs[1]];
      const conv1 = ops.find((o) => o.module === "net.conv1") as TraceOp;
      return {
        images: [t.tensors[conv1.inputs[0]], "float64"],
        labels: [{ ...index, shape: [index.shape[0]] }, "int64"],
      };
    },
  },
  {
    example: "lstm.ts",
    twin: "lstm",
    batch: (t, ops) => {
      // const [x, y] = adding_batch(…)
      return { x: [inputNamed(t, ops, "x"), "float64"], y: [inputNamed(t, ops, "y"), "float64"] };
    },
  },
];

describe("oracle: the examples' intermediate gradients against PyTorch (retain_grad) on the same weights and batch", function () {
  this.timeout(180_000);
  /** Per example, a model file that sets the default dtype to float64 and then runs the example unchanged. */
  let wrappers: string;
  before(() => {
    wrappers = mkdtempSync(join(tmpdir(), "backstep-float64-"));
    writeFileSync(
      join(wrappers, "float64.ts"),
      `import { setDefaultDtype } from "backstep";\nsetDefaultDtype("float64");\n`,
    );
    for (const { example } of PORTS) {
      const target = relative(wrappers, join(EXAMPLES, example)).replace(/\\/g, "/").replace(/\.ts$/, "");
      writeFileSync(join(wrappers, example), `import "./float64";\nexport { default } from "${target}";\n`);
    }
  });
  after(() => {
    rmSync(wrappers, { recursive: true, force: true });
    reportWorst("oracle: examples");
  });

  for (const dtype of ["float32", "float64"] as const)
    for (const port of PORTS) {
      it(`${port.example}: every named value and its gradient, the loss and the parameters' gradients (${dtype})`, async () => {
        const file = dtype === "float32" ? join(EXAMPLES, port.example) : join(wrappers, port.example);
        const run = await runModel(file, { maxSteps: 1, values: "all" });
        assert.ok(run.ok, run.error?.message);
        const t = run.trace;
        const ops = t.ops.filter((o) => o.trainingStep === 0);
        const params = t.params.map((p) => t.tensors[p.tensor]);
        assert.ok(params.length > 0 && params.every((p) => p.dtype === dtype), `the parameters are ${dtype}`);
        const weights: Record<string, Spec> = {};
        // each parameter's first snapshot in the step (makemore's W1 = randn(…).mul(…) is the output of that op)
        for (const p of t.params) {
          const first = ops.flatMap((o) => o.inputs).find((i) => t.tensors[i].name === p.name);
          assert.ok(first !== undefined, `${p.name} is used in step 0`);
          weights[p.name] = spec(t.tensors[first], "float64");
        }
        const inputs = Object.fromEntries(Object.entries(port.batch(t, ops)).map(([k, [x, d]]) => [k, spec(x, d)]));
        const res = spawnSync(PYTHON, [SCRIPT], {
          input: JSON.stringify({ model: port.twin, dtype, weights, inputs }),
          encoding: "utf8",
          maxBuffer: 1 << 28,
        });
        assert.equal(res.status, 0, `${PYTHON} ${SCRIPT} (${port.twin}) failed:\n${res.stderr}`);
        const ref = JSON.parse(res.stdout) as TwinResult;

        // the ops the example assigned to a variable, keyed module|var|n in order, and ∂L/∂output of each
        const byKey = new Map<string, TraceOp>();
        const seen = new Map<string, number>();
        for (const o of ops) {
          if (o.var === undefined) continue;
          const k = `${o.module ?? ""}|${o.var}`;
          const n = seen.get(k) ?? 0;
          seen.set(k, n + 1);
          byKey.set(`${k}|${n}`, o);
        }
        const upstream = new Map<number, number>();
        for (const e of t.events) if (e.kind === "backward" && !upstream.has(e.op)) upstream.set(e.op, e.upstream);
        const tol = TOLERANCE[dtype],
          atol = port.atol?.[dtype] ?? 0;
        for (const [key, r] of Object.entries(ref.report)) {
          const op = byKey.get(key);
          assert.ok(op, `${port.example}: PyTorch's ${key} has no op in the trace (${[...byKey.keys()].join(", ")})`);
          closeTo(`${port.example} ${key}`, asTensor(t.tensors[op.output]), r.value, tol, atol, dtype);
          const up = upstream.get(op.id);
          closeTo(
            `${port.example} ∂L/∂${key}`,
            up === undefined ? null : asTensor(t.tensors[up]),
            r.grad,
            tol,
            atol,
            dtype,
          );
        }
        // every variable the backward pass reached is compared, but the gates a recurrent layer names inside itself
        // (src/nn/recurrentSteps.ts): PyTorch's fused nn.LSTM has no tensor of them to retain
        const differentiated = [...byKey]
          .filter(([, o]) => upstream.has(o.id) && !(o.var !== undefined && LAYER_GATES.has(o.var)))
          .map(([k]) => k);
        assert.deepEqual(
          differentiated.filter((k) => !(k in ref.report)),
          [],
          "named ops with a gradient that PyTorch's twin does not record",
        );
        assert.ok(Math.abs(t.losses[0] - ref.loss) <= tol * Math.abs(ref.loss), `loss ${t.losses[0]} vs ${ref.loss}`);
        // the gradients the optimizer used
        const updates = t.events.filter((e) => e.kind === "update");
        assert.equal(updates.length, Object.keys(ref.grads).length);
        for (const u of updates)
          closeTo(`${port.example} ∂L/∂${u.param}`, asTensor(t.tensors[u.grad]), ref.grads[u.param], tol, atol, dtype);
      });
    }
});
