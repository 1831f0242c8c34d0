// What `vsce` would put in the .vsix (per .vscodeignore): the bundles, declarations, media and docs, and nothing else.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const ALLOWED = [
  /^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
  // (KaTeX's fonts are data URLs inside the webviews' CSS)
  /^dist\/.+\.(js|css|d\.ts)$/,
  /^media\/.+\.(png|md|svg)$/,
  /^examples\/.+\.(ts|json|py|txt)$/,
  // the templates Backstep: New Exercise copies
  /^exercises\/([a-z-]+\.ts|[a-z_]+\.py)$/,
  // the Python recorder, run by the interpreter the user chooses (docs/architecture.md, "PyTorch models")
  /^python\/backstep_torch\/[a-z_]+\.py$/,
];

describe("extension: .vsix contents", function () {
  this.timeout(60_000);

  it("ships only bundles, declarations, media and examples: no sources, tests, maps, node_modules or native binaries", () => {
    const files = execFileSync(path.join(ROOT, "node_modules", ".bin", "vsce"), ["ls", "--no-dependencies"], {
      cwd: ROOT,
      encoding: "utf8",
    })
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const unexpected = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
    assert.deepEqual(unexpected, [], `unexpected files in the .vsix: ${unexpected.join(", ")}`);
    for (const f of [
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "media/icon.png",
      "python/backstep_torch/__main__.py",
      "python/backstep_torch/recorder.py",
    ])
      assert.ok(files.includes(f), `${f} missing`);
    // Whatever the last build produced is shipped (the runner's worker must sit beside the extension bundle).
    for (const f of ["dist/extension.js", "dist/runnerWorker.js", "dist/types/index.d.ts"]) {
      if (fs.existsSync(path.join(ROOT, f))) assert.ok(files.includes(f), `${f} built but not shipped`);
    }
    assert.ok(
      !files.some(
        (f) => f.endsWith(".map") || f.endsWith(".node") || f.startsWith("src/") || f.startsWith("node_modules/"),
      ),
    );
    // Every exercise's template is inside (the command reads it from the extension's folder).
    for (const f of fs.readdirSync(path.join(ROOT, "exercises")))
      assert.ok(files.includes(`exercises/${f}`), `exercises/${f} missing`);
    // The walkthrough's pages and the icon package.json names are inside.
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      icon: string;
      contributes: { walkthroughs: { steps: { media: { markdown?: string } }[] }[] };
    };
    assert.ok(files.includes(pkg.icon));
    for (const step of pkg.contributes.walkthroughs.flatMap((w) => w.steps))
      if (step.media.markdown) assert.ok(files.includes(step.media.markdown), step.media.markdown);
  });
});
