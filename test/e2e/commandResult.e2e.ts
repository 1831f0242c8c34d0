// Trace Backprop's result stays in the extension host: what a command returns travels back to the window that ran it,
// and a trace there is tens of MB of JSON at 10,000 ops (serialised by the host, parsed by the editor: a long hitch).
import assert from "node:assert/strict";
import { Workbench } from "./harness/workbench";
import { examplesDir, vsixUnderTest } from "./harness/fixtures";

const MODEL = "mlp-classifier.ts";

describe("e2e: Trace Backprop's command result", function () {
  let wb: Workbench | undefined;

  after(async function () {
    await wb?.close();
  });

  it("does not send the trace back to the window that ran the command", async function () {
    wb = await Workbench.launch({
      workspace: examplesDir,
      vsix: vsixUnderTest(),
      open: MODEL,
      settings: { "backstep.intelliSense.offerSetup": false },
    });
    const w = wb;
    // Everything the window receives from code-server from now on (the extension host talks over a WebSocket): a
    // reload opens new sockets, which we watch from their start.
    const received: string[] = [];
    w.page.on("websocket", (ws) =>
      ws.on("framereceived", (f) =>
        received.push(typeof f.payload === "string" ? f.payload : f.payload.toString("latin1")),
      ),
    );
    await w.runCommand("Developer: Reload Window");
    await w.page.locator(".explorer-folders-view .monaco-list-row").first().waitFor({ state: "visible" });
    await w.openFile(MODEL);
    await w.runCommand("Backstep: Trace Backprop");
    await w.page
      .locator(".statusbar-item", { hasText: new RegExp(`${MODEL}: \\d+ steps · \\d+ ops`) })
      .first()
      .waitFor({ state: "visible" });
    await w.webview("svg.graph g.node");
    await w.page.waitForTimeout(2000); // a reply would follow the command's end
    const all = received.join("");
    assert.ok(all.includes(`${MODEL}: `), "the extension host's messages (the status bar's text) were seen");
    // A RunResult's own fields: the runner's phase timings and the model's captured output.
    assert.ok(!all.includes("workerReadyMs"), "the RunResult (its timings) reached the window");
  });
});
