// Tests of the debugger's expression grammar: precedence, members, indexing, calls, and clear errors (no eval
// anywhere).
import { strict as assert } from "node:assert";
import { ExprError, parseExpr, type Expr } from "../../src/debug/expr";

/** A fully parenthesised rendering, to check the tree's shape. */
function show(e: Expr): string {
  switch (e.kind) {
    case "number":
      return String(e.value);
    case "string":
      return JSON.stringify(e.value);
    case "ident":
      return e.name;
    case "member":
      return `${show(e.object)}.${e.prop}`;
    case "index":
      return `${show(e.object)}[${show(e.index)}]`;
    case "call":
      return `${e.callee}(${e.args.map(show).join(", ")})`;
    case "unary":
      return `(${e.op}${show(e.arg)})`;
    case "binary":
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
  }
}

describe("debug expressions: parser", () => {
  it("follows the usual precedence and left associativity", () => {
    assert.equal(show(parseExpr("a + b * c - d")), "((a + (b * c)) - d)");
    assert.equal(
      show(parseExpr("phase == 'backward' && step >= 2 || op != \"tanh\"")),
      '(((phase == "backward") && (step >= 2)) || (op != "tanh"))',
    );
    assert.equal(show(parseExpr("!(x > 1e-3) && -y < 2.5")), "((!(x > 0.001)) && ((-y) < 2.5))");
    assert.equal(show(parseExpr("a === b")), "(a == b)");
  });

  it("reads the names Variables shows: a module list's index after a dot, and Unicode identifiers", () => {
    assert.equal(show(parseExpr("model.0.weight")), "model.0.weight");
    assert.equal(show(parseExpr("net.h.12.attn.bias.grad[0]")), "net.h.12.attn.bias.grad[0]");
    assert.equal(show(parseExpr("π * größe.norm + ŵ")), "((π * größe.norm) + ŵ)");
    // a number after an operator is still a number
    assert.equal(show(parseExpr("a + .5 * 2.5e1")), "(a + (0.5 * 25))");
    assert.equal(show(parseExpr("x[.5]")), "x[0.5]");
  });

  it("reads property chains, indexing and calls", () => {
    assert.equal(show(parseExpr("model.fc1.weight.grad[0][-1]")), "model.fc1.weight.grad[0][(-1)]");
    assert.equal(show(parseExpr("norm(W1.grad) / norm(W1)")), "(norm(W1.grad) / norm(W1))");
    assert.equal(show(parseExpr("mean(h[1 + 1])")), "mean(h[(1 + 1)])");
    // a method call as PyTorch's users write it is the function of that name on the value
    assert.equal(show(parseExpr("loss.item()")), "item(loss)");
    assert.equal(show(parseExpr("h.grad.norm() > 1")), "(norm(h.grad) > 1)");
  });

  it("rejects what it does not understand, saying where", () => {
    assert.throws(() => parseExpr("h."), /expected a property name at the end/);
    assert.throws(() => parseExpr("h[0"), /expected '\]' at the end/);
    assert.throws(() => parseExpr("a = 1"), /unexpected '=' at column 3/);
    assert.throws(() => parseExpr("'open"), /unterminated string/);
    assert.throws(() => parseExpr("process.exit(1); 2"), ExprError);
    assert.throws(() => parseExpr("   "), /empty expression/);
  });
});
