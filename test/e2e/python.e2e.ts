// Scenario: a PyTorch model. Right-click mlp.py → Trace Backprop: the graph shows its ops with shapes and variable
// names; Debug Backprop with a gutter breakpoint on a .py line stops there in the forward pass and again in backward.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Workbench } from "./harness/workbench";
import { clickGutterBreakpoint, stoppedLine, topFrame } from "./harness/editor";
import { examplesDir, lineOf, screenshotPath, vsixUnderTest } from "./harness/fixtures";

const MODEL = "mlp.py";
const DIR = join(examplesDir, "python");
// code-server here has no Python extension: the interpreter comes from the setting (Debian's python3-torch)
const PYTHON = process.env.BACKSTEP_TEST_PYTHON ?? "/usr/bin/python3";

describe("e2e: a PyTorch model (.py)", function () {
  let wb: Workbench | undefined;
  const source = readFileSync(join(DIR, MODEL), "utf8");
  const hLine = lineOf(source, "h = torch.tanh(z1)");

  before(async function () {
    wb = await Workbench.launch({
      workspace: DIR,
      vsix: vsixUnderTest(),
      open: MODEL,
      settings: {
        "backstep.intelliSense.offerSetup": false,
        "backstep.python.path": PYTHON,
        "debug.toolBarLocation": "docked",
      },
    });
  });

  after(async function () {
    await wb?.close();
  });

  it("Trace Backprop from the Explorer's context menu opens the graph with the model's ops, variable names and shapes", async function () {
    const w = wb!;
    await w.explorerContextMenu(MODEL, "Trace Backprop");
    await w.page.locator(".tabs-container .tab", { hasText: "Backprop Graph" }).waitFor({ state: "visible" });
    const graph = await w.webview("svg.graph g.node");
    const labels = await graph.locator("svg.graph g.node .label").allTextContents();
    for (const op of ["linear", "tanh", "cross_entropy"])
      assert.ok(labels.includes(op), `op ${op} among nodes: ${labels.join(", ")}`);
    const details = await graph.locator("svg.graph g.node .detail").allTextContents();
    for (const v of ["z1", "h", "logits", "loss"])
      assert.ok(details.includes(v), `variable ${v} among node details: ${details.join(", ")}`);
    const edges = await graph.locator("svg.graph .edge-label").allTextContents();
    for (const shape of ["32×2", "32×16", "16×2", "2×16"])
      assert.ok(edges.includes(shape), `edge shape ${shape} among ${edges.join(", ")}`);
    await w.screenshot(screenshotPath("python-graph.png"));
  });

  it("Debug Backprop stops on a gutter breakpoint of a .py line in the forward pass, then in the backward pass", async function () {
    const w = wb!;
    await w.page.locator(".editor-group-container .tab", { hasText: MODEL }).first().click();
    await clickGutterBreakpoint(w.page, hLine);
    await w.runCommand("Backstep: Debug Backprop");
    for (const frame of [/^forward · tanh/, /^backward · tanh/]) {
      await topFrame(w.page).filter({ hasText: frame }).waitFor({ state: "visible" });
      let at: number | undefined;
      for (let i = 0; i < 40 && at !== hLine; i++) {
        at = await stoppedLine(w.page);
        if (at !== hLine) await w.page.waitForTimeout(250);
      }
      assert.equal(at, hLine, `stopped on line ${at}, expected ${hLine}`);
      if (frame.source.startsWith("^forward"))
        await w.page
          .getByRole("button", { name: /^Continue\b/ })
          .first()
          .click();
    }
    await w.screenshot(screenshotPath("python-debugger.png"));
  });
});
