// A model's own arguments in the editor: Trace Backprop runs the model with the arguments of the `backstep` launch
// configuration that runs it (launch.json), as F5 on that configuration does, and says so in its log.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workbench } from "./harness/workbench";
import { cliTrace, vsixUnderTest } from "./harness/fixtures";
import { loggedLine } from "./harness/extensionLog";

const MODEL = "deep.ts";
// its depth is its first argument, as `node deep.ts 6` gives it: each layer adds ops
const SOURCE = `import { manualSeed, randn, nn, F, Tensor } from "backstep";

manualSeed(1);
const depth = Number(process.argv[2] ?? "1");
const layers: nn.Linear[] = [];
for (let i = 0; i < depth; i++) layers.push(new nn.Linear(4, 4));
const x = randn([8, 4]);
const y = randn([8, 4]);

export default function step(): Tensor {
  let h = x;
  for (const layer of layers) h = layer.forward(h).tanh();
  return F.mseLoss(h, y);
}
`;

describe("e2e: a model's arguments from its launch configuration", function () {
  let wb: Workbench | undefined;
  let workspace: string;

  before(async function () {
    workspace = mkdtempSync(join(tmpdir(), "backstep-args-"));
    writeFileSync(join(workspace, MODEL), SOURCE);
    mkdirSync(join(workspace, ".vscode"));
    const launch = {
      version: "0.2.0",
      configurations: [
        {
          type: "backstep",
          request: "launch",
          name: "deep, 6 layers",
          program: "${workspaceFolder}/deep.ts",
          args: ["6"],
        },
      ],
    };
    writeFileSync(join(workspace, ".vscode", "launch.json"), JSON.stringify(launch, null, 2));
    wb = await Workbench.launch({
      workspace,
      vsix: vsixUnderTest(),
      open: MODEL,
      settings: { "backstep.intelliSense.offerSetup": false },
    });
  });

  after(async function () {
    await wb?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  it("Trace Backprop runs the model with them: the trace is the one `backstep trace deep.ts -- 6` records", async function () {
    const w = wb!;
    const withArgs = cliTrace(join(workspace, MODEL), undefined, ["6"]);
    const plain = cliTrace(join(workspace, MODEL));
    assert.ok(withArgs.ops > plain.ops, `6 layers (${withArgs.ops} ops) against 1 (${plain.ops})`);
    await w.runCommand("Backstep: Trace Backprop");
    const status = w.page.locator(".statusbar-item", { hasText: new RegExp(`${MODEL}: \\d+ steps · \\d+ ops`) });
    await status.first().waitFor({ state: "visible" });
    const text = await status.first().innerText();
    assert.match(text, new RegExp(`${withArgs.steps} steps · ${withArgs.ops} ops`), `status bar: ${text}`);
    const line = await loggedLine(w, /trace .*deep\.ts .*the arguments of launch configuration "deep, 6 layers": 6$/);
    assert.ok(line, "the log names the configuration the arguments came from");
  });
});
