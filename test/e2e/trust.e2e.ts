// Scenario 5: in an untrusted workspace (Restricted Mode) Trace and Debug Backprop run nothing and say why.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workbench } from "./harness/workbench";
import { vsixUnderTest } from "./harness/fixtures";

// If this model ran, it would leave a file behind: the test checks it never appears.
const model = (marker: string): string => `import { tensor } from "backstep";
import { writeFileSync } from "node:fs";
writeFileSync(${JSON.stringify(marker)}, "ran");
const x = tensor([1, 2, 3], { requiresGrad: true });
x.mul(x).sum().backward();
`;

describe("e2e: untrusted workspace", function () {
  let wb: Workbench | undefined;
  let workspace: string;
  let marker: string;

  before(async function () {
    workspace = mkdtempSync(join(tmpdir(), "backstep-untrusted-"));
    marker = join(workspace, "model-ran.txt");
    writeFileSync(join(workspace, "model.ts"), model(marker));
    wb = await Workbench.launch({ workspace, vsix: vsixUnderTest(), untrusted: true, open: "model.ts" });
  });

  after(async function () {
    await wb?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  it("is in Restricted Mode", async function () {
    await wb!.page.locator(".statusbar-item", { hasText: "Restricted Mode" }).first().waitFor({ state: "visible" });
  });

  for (const command of ["Trace Backprop", "Debug Backprop"]) {
    it(`${command} explains that it needs a trusted workspace, and runs nothing`, async function () {
      const w = wb!;
      await w.clearNotifications();
      await w.runCommand(`Backstep: ${command}`);
      const toast = w.notifications(/trusted workspace/);
      await toast.first().waitFor({ state: "visible" });
      const text = await toast.first().innerText();
      assert.match(text, new RegExp(`${command} runs your model's code`));
      // The toast offers the way out.
      await w.page
        .locator(".notifications-toasts .notification-toast", { hasText: "trusted workspace" })
        .getByRole("button", { name: "Manage Workspace Trust" })
        .waitFor({ state: "visible" });
      assert.equal(await w.page.locator(".debug-toolbar").isVisible(), false, "no debug session started");
      assert.equal(existsSync(marker), false, "the model must not have run");
    });
  }
});
