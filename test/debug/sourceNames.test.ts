// What the debugger reads of a model's source where the Trace is silent: the variables an op's call reads (a
// function's parameters, Python's operands), and the `loss.backward()` line that started a backward pass.
import { strict as assert } from "node:assert";
import { callNames } from "../../src/debug/argNames";
import { backwardCalls, type PassInput } from "../../src/debug/backwardCalls";
import type { Frame } from "../../src/debug/debugIndex";

/** The 1-based column of `text` in `line`. */
const col = (line: string, text: string): number => line.indexOf(text) + 1;

describe("debug source reading: the names an op's call reads", () => {
  it("names a method's receiver and plain arguments, a namespace call's arguments, Python's operands", () => {
    const cell = "  const pre = h.matmul(W).add(x);";
    assert.deepEqual(callNames(cell, col(cell, "matmul"), "matmul", 2), ["h", "W"]);
    // a call's result as the receiver has no name; the argument has
    assert.deepEqual(callNames(cell, col(cell, "add"), "add", 2), [undefined, "x"]);
    const relu = "    return F.relu(z);";
    assert.deepEqual(callNames(relu, col(relu, "relu"), "relu", 1), ["z"]);
    const py = "    diff = pred - target";
    assert.deepEqual(callNames(py, col(py, "pred"), "sub", 2), ["pred", "target"]);
  });

  it("names nothing where the call is not the op's or its arguments do not match its inputs", () => {
    const linear = "    const z = this.fc.forward(x);";
    assert.equal(callNames(linear, col(linear, "forward"), "matmul", 2), undefined);
    const loss = "  const loss = F.mseLoss(out, target);";
    assert.equal(callNames(loss, col(loss, "mseLoss"), "sub", 2), undefined);
    // torch.cat([a, b]): the namespace is no input
    const cat = "  h = torch.cat([a, b])";
    assert.deepEqual(callNames(cat, col(cat, "cat"), "cat", 2), [undefined, undefined]);
    const member = "  const y = this.h.matmul(W);";
    assert.deepEqual(callNames(member, col(member, "matmul"), "matmul", 2), [undefined, "W"]);
  });
});

/** One backward pass after the events `before` (frames innermost first), then the events `after`. */
function pass(before: Frame[][], after: Frame[][]): PassInput {
  const frames = [...before, before[before.length - 1], ...after];
  const phases = [...before.map(() => "forward"), "backward", ...after.map(() => "update")];
  return {
    count: frames.length,
    frames,
    ownLocation: frames.map(() => true),
    step: frames.map(() => 0),
    phase: (i) => phases[i],
    callAt: (i, d) => (d < frames[i].length ? 0 : undefined),
  };
}

describe("debug source reading: where backward() was called", () => {
  const file = "/m/model.ts";
  const f = (name: string, line: number, at = file): Frame => ({ name, file: at, line, column: 3 });

  it("finds the call after the last forward op, in the caller when the op ran in a helper that returned", () => {
    const source = [
      "function mse(p: Tensor, t: Tensor): Tensor {", // 1
      "  return p.sub(t).pow(2).mean();", // 2
      "}", // 3
      "export default function step(): Tensor {", // 4
      "  const loss = mse(out, y);", // 5
      "  // loss.backward() in a comment is no call", // 6
      "  loss.backward();", // 7
      "  opt.step();", // 8
      "}", // 9
      "function other() { x.backward(); }", // 10
    ];
    const calls = backwardCalls(pass([[f("mse", 2), f("step", 5)]], [[f("step", 8)]]), () => source.join("\n"));
    const call = calls.get(1);
    assert.ok(call);
    assert.deepEqual([call.text, call.frames.map((x) => `${x.name}@${x.line}`)], ["loss.backward()", ["step@7"]]);
  });

  it("stops at the end of the function: a pass whose call is not in the source found is left without one", () => {
    const source = ["function step() {", "  const loss = f(x);", "}", "const l = step();", "l.backward();"];
    const calls = backwardCalls(pass([[f("step", 2), f("<module>", 4)]], []), () => source.join("\n"));
    assert.deepEqual(
      calls.get(1)?.frames.map((x) => `${x.name}@${x.line}`),
      ["<module>@5"],
      "not in step, which ends at its closing brace: at the top level",
    );
    assert.equal(backwardCalls(pass([[f("step", 2)]], []), () => undefined).size, 0, "no source, no call");
  });

  it("reads a Python function's end from its indentation", () => {
    const py = "/m/model.py";
    const source = [
      "def train_step(x, y):", // 1
      "    loss = ((net(x) - y) ** 2).mean()", // 2
      "    if True:", // 3
      "        loss.backward(retain_graph=True)", // 4
      "    return loss", // 5
      "", // 6
      "out = train_step(x, y)", // 7
      "out.backward()", // 8
    ];
    const calls = backwardCalls(pass([[f("train_step", 2, py), f("<module>", 7, py)]], []), () => source.join("\n"));
    assert.deepEqual(
      [calls.get(1)?.text, calls.get(1)?.frames.map((x) => `${x.name}@${x.line}`)],
      ["loss.backward(retain_graph=True)", ["train_step@4", "<module>@7"]],
    );
  });
});
