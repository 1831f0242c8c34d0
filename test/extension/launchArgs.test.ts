// Trace Backprop and Debug Backprop give a model the arguments of the `backstep` launch configuration that runs it.
import { strict as assert } from "node:assert";
import { launchArgsFor } from "../../extension/commands/launchArgs";
import { debugLaunch } from "../../extension/commands/debugConfig";

const folder = "/ws";
const file = "/ws/models/train.py";
const config = (program: string, args: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: "backstep",
  request: "launch",
  name: `run ${program}`,
  program,
  args,
  ...extra,
});

describe("extension: a model's arguments from its launch configuration", () => {
  it("finds the configuration whose program is the file, by ${workspaceFolder}, relative or absolute", () => {
    for (const program of ["${workspaceFolder}/models/train.py", "models/train.py", "/ws/models/../models/train.py"]) {
      const got = launchArgsFor(file, [config(program, ["--batch_size=8"])], folder);
      assert.deepEqual(got, { name: `run ${program}`, args: ["--batch_size=8"] }, program);
    }
    assert.deepEqual(launchArgsFor(file, [config("/${workspaceFolderBasename}/models/train.py", ["a"])], "/ws")?.args, [
      "a",
    ]);
  });

  it("prefers a configuration naming the file to one for ${file}, and the first of each", () => {
    const list = [
      config("${file}", ["generic"]),
      config("${workspaceFolder}/models/train.py", ["own"]),
      config("${workspaceFolder}/models/train.py", ["second"]),
    ];
    assert.deepEqual(launchArgsFor(file, list, folder)?.args, ["own"]);
    assert.deepEqual(launchArgsFor("/ws/other.ts", list, folder)?.args, ["generic"]);
  });

  it("ignores other debuggers, attach requests, other files, empty or malformed args, unknown variables", () => {
    const none = [
      { ...config("${workspaceFolder}/models/train.py", ["x"]), type: "python" },
      config("${workspaceFolder}/models/train.py", ["x"], { request: "attach" }),
      config("${workspaceFolder}/models/other.py", ["x"]),
      config("${workspaceFolder}/models/train.py", []),
      config("${workspaceFolder}/models/train.py", "--batch_size=8"),
      config("${workspaceFolder}/models/train.py", [8]),
      config("${env:HOME}/models/train.py", ["x"]),
      null,
      "nonsense",
    ];
    assert.equal(launchArgsFor(file, none, folder), undefined);
    assert.equal(launchArgsFor(file, undefined, folder), undefined);
    assert.equal(launchArgsFor(file, { configurations: [] }, folder), undefined);
    // without a workspace folder only an absolute program can name the file
    assert.equal(launchArgsFor(file, [config("models/train.py", ["x"])], undefined), undefined);
    assert.deepEqual(launchArgsFor(file, [config(file, ["x"])], undefined)?.args, ["x"]);
  });

  it("Debug Backprop's configuration carries them to the debugger's run", () => {
    const launch = debugLaunch(file, false, { args: ["--batch_size=8"] });
    assert.deepEqual(launch.args, ["--batch_size=8"]);
  });
});
