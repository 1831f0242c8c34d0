// The benches' extension-host profiles (extension/hostProfile.ts): written only when asked, and readable CPU profiles.
import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { profileFromActivation, withHostProfile } from "../../extension/hostProfile";

interface CpuProfile {
  nodes: { callFrame: { functionName: string } }[];
  samples: number[];
  startTime: number;
  endTime: number;
}

function busyHost(ms: number): number {
  let x = 0;
  for (const end = Date.now() + ms; Date.now() < end;) x += Math.sqrt(x + 1);
  return x;
}
const until = async (f: () => boolean, ms = 10_000): Promise<void> => {
  for (const end = Date.now() + ms; !f() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
};

describe("extension host profiles (extension/hostProfile.ts)", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "backstep-prof-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("from activation: profiles the host for the time asked and writes one activation-*.cpuprofile", async () => {
    profileFromActivation(300, dir);
    // Busy in slices until the profile is written, not for a fixed 150 ms: the profiler starts asynchronously, and
    // under load (two mocha workers, other processes) it started after a fixed burst had ended: no busyHost sample.
    await until(() => {
      busyHost(20);
      return readdirSync(dir).length > 0;
    });
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^activation-\d+\.cpuprofile$/);
    const p = JSON.parse(readFileSync(join(dir, files[0]!), "utf8")) as CpuProfile;
    assert.ok(p.samples.length > 0 && p.endTime - p.startTime >= 250_000, "≥ 0.25 s of samples (µs)");
    assert.ok(
      p.nodes.some((n) => n.callFrame.functionName === "busyHost"),
      "the host's work is in it",
    );
  });

  it("a trace's own profile is not started while the profile from activation runs (it covers the trace)", async () => {
    profileFromActivation(300, dir);
    const meter = withHostProfile(() => ({ stop: () => 7 }), dir);
    assert.equal(meter().stop(), 7);
    await until(() => readdirSync(dir).length > 0);
    await new Promise((r) => setTimeout(r, 200)); // a trace profile's file would be written by now
    assert.deepEqual(
      readdirSync(dir).map((f) => f.replace(/\d+/, "N")),
      ["activation-N.cpuprofile"],
    );
  });

  it("writes nothing without a folder (BACKSTEP_HOST_PROFILE unset)", async () => {
    profileFromActivation(50, undefined);
    const meter = withHostProfile(() => ({ stop: () => 7 }), undefined);
    assert.equal(meter().stop(), 7);
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(readdirSync(dir), []);
  });
});
