// The harness itself: code-server serves a real VS Code, Chromium drives it, and the packaged .vsix is installed in it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workbench } from "./harness/workbench";
import { vsixUnderTest } from "./harness/fixtures";

describe("e2e: VS Code with Backstep installed", function () {
  let wb: Workbench | undefined;
  let workspace: string;

  before(async function () {
    workspace = mkdtempSync(join(tmpdir(), "backstep-ws-"));
    writeFileSync(join(workspace, "hello.ts"), "export const answer: number = 6 * 7;\n");
    wb = await Workbench.launch({ workspace, vsix: vsixUnderTest() });
  });

  after(async function () {
    await wb?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  it("serves the workbench, lists the workspace and opens a file by Quick Open", async function () {
    const w = wb!;
    await w.explorerRow("hello.ts").waitFor({ state: "visible" });
    await w.openFile("hello.ts");
    const text = await w.page.locator(".editor-group-container.active .monaco-editor .view-lines").first().innerText();
    assert.match(text.replace(/\u00a0/g, " "), /export const answer: number = 6 \* 7;/);
  });

  it("has the packaged extension installed: its activity-bar container and commands are there", async function () {
    const w = wb!;
    await w.page.locator('.activitybar .action-item a[aria-label^="Backstep"]').waitFor({ state: "visible" });
    // The palette only lists a command the installed manifest contributes.
    await w.page.keyboard.press("F1");
    const input = w.page.locator(".quick-input-widget .quick-input-box input");
    await input.fill(">Backstep: Trace Backprop");
    await w.page
      .locator(".quick-input-list .monaco-list-row", { hasText: "Backstep: Trace Backprop" })
      .first()
      .waitFor({ state: "visible" });
    await w.page.keyboard.press("Escape");
  });

  it("stops code-server with its process group", async function () {
    const w = wb!;
    const pid = w.server.process.pid!;
    await w.close();
    wb = undefined;
    // Orphaned members are reaped by init shortly after the kill; give it a few seconds.
    const gone = async (): Promise<boolean> => {
      for (let i = 0; i < 50; i++) {
        try {
          process.kill(-pid, 0);
        } catch {
          return true;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      return false;
    };
    assert.equal(await gone(), true, `process group ${pid} still alive after stop()`);
  });
});
