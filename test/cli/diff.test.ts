// `backstep diff` (dist/cli.js) on two real runs of the MLP example, one with a constant changed at a known line;
// `backstep report` on one of them (test/webview/browser/report.test.ts opens such a page in Chromium).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { decodeReportPayload } from "../../src/protocol/reportPayload";
import { readTraceFile } from "../../src/trace/json";

const root = join(__dirname, "..", "..");
const cli = join(root, "dist", "cli.js");

function backstep(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("backstep diff and report (dist/cli.js)", function () {
  this.timeout(90_000);
  let tmp: string;
  let a: string;
  let a2: string;
  let b: string;
  /** The line of `randn([n, 2]).mul(0.5)`, whose 0.5 run b changes. */
  let line: number;

  before(function () {
    if (!existsSync(cli) || !existsSync(join(root, "dist", "runnerWorker.js"))) {
      const r = spawnSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    }
    tmp = mkdtempSync(join(tmpdir(), "backstep-diff-"));
    const source = readFileSync(join(root, "examples", "mlp-classifier.ts"), "utf8");
    line = source.split("\n").findIndex((l) => l.includes(".mul(0.5)")) + 1;
    assert.ok(line > 0, "the example scales its noise by 0.5");
    writeFileSync(join(tmp, "a.ts"), source);
    // the same model in another folder, with the noise scale changed: the runs part at that mul
    writeFileSync(join(tmp, "b.ts"), source.replace(".mul(0.5)", ".mul(0.6)"));
    [a, a2, b] = [join(tmp, "a.json"), join(tmp, "a2.json"), join(tmp, "b.json")];
    for (const [model, out] of [
      ["a.ts", a],
      ["a.ts", a2],
      ["b.ts", b],
    ]) {
      const r = backstep("trace", join(tmp, model), "--steps", "2", "--json", out);
      assert.equal(r.status, 0, r.stderr);
    }
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("two runs of the same model agree (exit 0)", () => {
    const r = backstep("diff", a, a2);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /No divergence/);
    assert.match(r.stdout, /Structure: the same ops in both runs/);
  });

  it("a changed constant is reported at its op first, then every op downstream (exit 1)", () => {
    const r = backstep("diff", a, b);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`First divergence: input 1 \\(constant\\) of\\n  a  \\S*a\\.ts:${line}  mul  step 0`),
    );
    assert.match(r.stdout, /max \|a−b\| 0\.1 at \[\] \(a 0\.5, b 0\.6\)/);
    assert.match(r.stdout, /Structure: the same ops in both runs/);
    const json = JSON.parse(backstep("diff", a, b, "--json").stdout) as {
      same: boolean;
      first: { kind: string; a: { op: string; loc: { line: number } } };
      divergences: { kind: string; a: { op: string; var?: string } }[];
    };
    assert.equal(json.same, false);
    assert.equal(json.first.a.op, "mul");
    assert.equal(json.first.a.loc.line, line);
    // the first value that differs is that mul's output; the loss's value and h's gradient differ too
    assert.equal(json.divergences.find((d) => d.kind === "value")?.a.op, "mul");
    assert.ok(json.divergences.some((d) => d.kind === "value" && d.a.var === "loss"));
    assert.ok(json.divergences.some((d) => d.kind === "gradient" && d.a.var === "h"));
  });

  it("a tolerance wide enough makes them agree", () => {
    const r = backstep("diff", a, b, "--atol", "100");
    assert.equal(r.status, 0, r.stdout);
  });

  it("bad input is a clear error", () => {
    const one = backstep("diff", a);
    assert.equal(one.status, 2);
    assert.match(one.stderr, /diff: give two trace files/);
    const tol = backstep("diff", a, b, "--rtol", "x");
    assert.equal(tol.status, 2);
    assert.match(tol.stderr, /--rtol needs a number >= 0, got "x"/);
    const model = join(tmp, "a.ts");
    const notTrace = backstep("diff", a, model);
    assert.equal(notTrace.status, 2);
    assert.ok(notTrace.stderr.includes(`backstep: ${model}: is a model, not a trace; trace it first`), notTrace.stderr);
    const empty = join(tmp, "empty.json");
    writeFileSync(empty, "");
    const notJson = backstep("diff", a, empty);
    assert.equal(notJson.status, 2);
    assert.match(
      notJson.stderr,
      /empty\.json: not a trace file: its JSON does not parse .*backstep trace model\.ts --json/,
    );
    const missing = backstep("diff", a, join(tmp, "nope.json"));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.json: no such file\n$/);
  });

  it("the losses in columns, step by step, and the diverging ops as a table", () => {
    const r = backstep("diff", a, b);
    const [la, lb] = [readTraceFile(a).losses, readTraceFile(b).losses];
    const rows = r.stdout.split("\n");
    const at = rows.indexOf("Loss by step:");
    assert.ok(at > 0, r.stdout);
    assert.deepEqual(rows[at + 1].trim().split(/\s+/), ["step", "0", "1"]);
    for (const [k, l] of [
      [2, la],
      [3, lb],
    ] as const)
      assert.deepEqual(
        rows[at + k].trim().split(/\s+/).slice(1).map(Number),
        l.map((x) => Number(x.toPrecision(4))),
      );
    assert.match(r.stdout, /^ {2}step +line +op +max \|a−b\| +differs$/m);
    assert.match(r.stdout, new RegExp(`^  0 +\\S*a\\.ts:${line} +mul +0\\.\\d+ +input 1 \\(constant\\), value$`, "m"));
    assert.match(r.stdout, /^ {2}1 +\S*a\.ts:\d+ +z1 = add \(model\.fc1\) +\S+ +model\.fc1\.bias, value, gradient$/m);
  });

  it("an op changed (tanh → relu) is named as the first change, before the values it changed", () => {
    const source = readFileSync(join(tmp, "a.ts"), "utf8");
    const relu = join(tmp, "relu.ts");
    writeFileSync(relu, source.replace("z1.tanh()", "z1.relu()"));
    const out = join(tmp, "relu.json");
    assert.equal(backstep("trace", relu, "--steps", "2", "--json", out).status, 0);
    const r = backstep("diff", a, out);
    assert.equal(r.status, 1);
    assert.match(
      r.stdout,
      /The ops differ \(all under Structure, below\); the first change:\n {2}- only in a: \S*a\.ts:\d+ {2}h = tanh {2}\(model\) {2}step 0\n/,
    );
  });

  it("report writes one HTML file holding the trace, and refuses a model file with what to do", () => {
    const out = join(tmp, "out.html");
    const r = backstep("report", a, "-o", out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*out\.html/);
    const html = readFileSync(out, "utf8");
    // the page's data: base64 pieces of the gzipped payload, which decode to the trace
    const pieces = [
      ...html.matchAll(/<script type="application\/octet-stream" id="backstep-report-data-\d+">([^<]*)</g),
    ];
    assert.ok(pieces.length > 0, "the page holds its data");
    const data = decodeReportPayload(gunzipSync(Buffer.concat(pieces.map((m) => Buffer.from(m[1], "base64")))));
    assert.equal(data.file, readTraceFile(a).program);
    assert.ok(
      data.trace.ops.some((o) => o.op === "tanh" && o.var === "h"),
      "the trace's ops are in the page",
    );
    const model = backstep("report", join(tmp, "a.ts"));
    assert.equal(model.status, 2);
    assert.match(model.stderr, /is a model; trace it first \(backstep trace .*a\.ts --json trace\.json\)/);
    const nowhere = backstep("report", a, "-o", join(tmp, "no", "such", "r.html"));
    assert.equal(nowhere.status, 2);
    assert.match(nowhere.stderr, /^backstep: \S*r\.html: cannot write it: the folder \S*such does not exist\n$/);
  });
});
