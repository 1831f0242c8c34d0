// Scenario: New Exercise → trace: a wrong hand-written gradient is ✗ in Problems; fix the line in the editor, trace
// again: ✓ at its line.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workbench } from "./harness/workbench";
import { gotoLine, hintAt } from "./harness/editor";
import { repoRoot, vsixUnderTest } from "./harness/fixtures";

const TEMPLATE = readFileSync(join(repoRoot, "exercises", "micrograd.ts"), "utf8");
const lineOf = (text: string): number => TEMPLATE.split("\n").findIndex((l) => l.startsWith(text)) + 1;

/** Backstep: New Exercise from the palette, as a user picks one: the row showing `row`, found by typing `typed`. */
async function newExercise(w: Workbench, row: string, typed: string): Promise<void> {
  const { page } = w;
  await w.chooseCommand("Backstep: New Exercise");
  await page.keyboard.press("Enter");
  const rows = ".quick-input-widget .quick-input-list .monaco-list-row";
  await page.locator(rows, { hasText: row }).waitFor({ state: "visible" });
  await page.locator(".quick-input-widget .quick-input-box input").fill(typed);
  await page.locator(`${rows}.focused`).filter({ hasText: row }).waitFor({ state: "visible" });
  await page.keyboard.press("Enter");
}

/** Problems' rows once the check of `label` is among them as failed (polled while the trace runs), once only. */
async function failedCheck(w: Workbench, label: string): Promise<string[]> {
  const failed = (rows: string[]): string[] => rows.filter((r) => r.includes(`Gradient check failed for ${label}:`));
  let rows: string[] = [];
  for (let i = 0; i < 120 && failed(rows).length === 0; i++) {
    rows = await w.problems();
    if (failed(rows).length === 0) await w.page.waitForTimeout(500);
  }
  assert.equal(failed(rows).length, 1, `Problems: ${rows.join(" | ")}`);
  return rows;
}

describe("e2e: a backprop exercise", function () {
  let wb: Workbench | undefined;
  let workspace: string;

  before(async function () {
    workspace = mkdtempSync(join(tmpdir(), "backstep-exercise-"));
    // a learner's folder (the Explorer shows a row once the workbench is up)
    writeFileSync(join(workspace, "notes.md"), "# backprop notes\n");
    wb = await Workbench.launch({
      workspace,
      vsix: vsixUnderTest(),
      settings: {
        "backstep.intelliSense.offerSetup": false,
        // code-server here has no Python extension: the interpreter comes from the setting (Debian's python3-torch)
        "backstep.python.path": process.env.BACKSTEP_TEST_PYTHON ?? "/usr/bin/python3",
      },
    });
  });

  after(async function () {
    await wb?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  it("New Exercise scaffolds the micrograd exercise; tracing it puts each unsolved check in Problems at its line", async function () {
    const w = wb!;
    await newExercise(w, "micrograd", "micrograd");
    await w.activeTab("micrograd.ts").waitFor({ state: "visible" });
    await w.clearNotifications();

    await w.runCommand("Backstep: Trace Backprop");
    const line = lineOf("expectGrad(d, dd);");
    const rows = await failedCheck(w, "d");
    const failed = rows.filter((r) => r.includes("Gradient check failed for d:"));
    assert.match(failed[0], new RegExp(`\\[Ln ${line}, Col 1\\]`));
    // a TODO's NaN, and autograd's value not given away (it was "NaN vs autograd -2")
    assert.match(failed[0], /d: NaN: not computed yet/);
    assert.doesNotMatch(failed[0], /autograd/);
    // one per TODO: every check of the template fails until it is solved
    assert.equal(rows.filter((r) => r.includes("Gradient check failed for ")).length, 11, rows.join(" | "));
  });

  it("after the learner fixes the line in the editor and traces again, its check is ✓ and leaves Problems", async function () {
    const w = wb!;
    const { page } = w;
    const todo = lineOf("const dd = NaN;");
    await gotoLine(page, todo);
    await page.keyboard.press("Home");
    await page.keyboard.press("Shift+End");
    await page.keyboard.type("const dd = f.item(); // ∂L/∂d = f");
    await page.keyboard.press("Control+S");
    await page.locator(".tabs-container .tab.active.dirty").waitFor({ state: "detached" });
    await w.runCommand("Backstep: Trace Backprop");

    const line = lineOf("expectGrad(d, dd);");
    const hint = await hintAt(page, line, /^✓/, 60_000);
    assert.equal(hint, "✓ d: exact");
    const rows = await w.problems();
    assert.deepEqual(
      rows.filter((r) => r.includes("Gradient check failed for d:")),
      [],
    );
    assert.equal(rows.filter((r) => r.includes("Gradient check failed for ")).length, 10, rows.join(" | "));
    // the next TODO's check is still ✗, with its largest difference
    const next = lineOf("expectGrad(f, df);");
    const unsolved = /^✗ f: NaN: not computed yet/;
    assert.match(await hintAt(page, next, unsolved), unsolved);
  });

  it("the PyTorch exercise (.py): New Exercise scaffolds it, tracing it marks each unsolved expect_grad ✗ at its line", async function () {
    const w = wb!;
    const { page } = w;
    const file = "makemore_backprop.py";
    const py = readFileSync(join(repoRoot, "exercises", file), "utf8");
    await newExercise(w, "PyTorch", "Backprop ninja in PyTorch");
    await w.activeTab(file).waitFor({ state: "visible" });
    await w.clearNotifications();
    await w.runCommand("Backstep: Trace Backprop");
    const line = py.split("\n").findIndex((l) => l.startsWith("expect_grad(logprobs, dlogprobs)")) + 1;
    const wrong = (await failedCheck(w, "logprobs")).filter((r) => r.includes("Gradient check failed for logprobs:"));
    assert.match(wrong[0], new RegExp(`\\[Ln ${line}, Col 1\\]`));
    // the TODO's NaN, at the line's inline hint (autograd's number is not given away)
    const unsolved = /^✗ logprobs: NaN at \[\d+, \d+\]: not computed yet/;
    assert.match(await hintAt(page, line, unsolved), unsolved);
  });
});
