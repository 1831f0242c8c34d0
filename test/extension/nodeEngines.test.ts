// Every locked dependency runs on the Node the product runs on (VS Code 1.100's extension host and the README's Node
// 20).
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** VS Code 1.100 (code-server 4.100.3) runs extensions on Node 20; mocha and eslint's parts need 20.19. */
const NODE = "20.19.0";

type Version = [number, number, number];

function parse(v: string): { v: Version; parts: number } | undefined {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+].*)?$/.exec(v.trim());
  if (!m) return undefined;
  const nums = [m[1], m[2], m[3]].map((p) => (p === undefined || /[xX*]/.test(p) ? undefined : Number(p)));
  const parts = nums.findIndex((p) => p === undefined);
  return { v: [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0], parts: parts < 0 ? 3 : parts };
}

const cmp = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** Whether `version` satisfies one comparator (">=18", "^20.19.0", "~4.1", "20", "*"). */
function comparator(c: string, version: Version): boolean {
  const m = /^(>=|<=|>|<|=|\^|~)?\s*(.*)$/.exec(c) as RegExpExecArray;
  const op = m[1] ?? "";
  if (m[2] === "" || m[2] === "*" || /^[xX]$/.test(m[2])) return true;
  const p = parse(m[2]);
  if (!p) throw new Error(`engines comparator not understood: "${c}"`);
  const { v, parts } = p;
  const d = cmp(version, v);
  // The first version past a partial (20 → 21.0.0, 20.1 → 20.2.0) or a caret/tilde range.
  const upper = (level: number): Version =>
    level === 0 ? [v[0] + 1, 0, 0] : level === 1 ? [v[0], v[1] + 1, 0] : [v[0], v[1], v[2] + 1];
  switch (op) {
    case ">=":
      return d >= 0;
    case ">":
      return parts < 3 ? cmp(version, upper(parts - 1)) >= 0 : d > 0;
    case "<":
      return d < 0;
    case "<=":
      return parts < 3 ? cmp(version, upper(parts - 1)) < 0 : d <= 0;
    case "^":
      return d >= 0 && cmp(version, upper(v[0] > 0 || parts === 1 ? 0 : v[1] > 0 || parts === 2 ? 1 : 2)) < 0;
    case "~":
      return d >= 0 && cmp(version, upper(parts === 1 ? 0 : 1)) < 0;
    default:
      return parts === 3 ? d === 0 : d >= 0 && cmp(version, upper(parts - 1)) < 0;
  }
}

/** Whether `version` satisfies an npm engines range ("^20.19.0 || >=22.12.0", ">= 0.8", "1 - 3"). */
export function satisfies(version: string, range: string): boolean {
  const v = (parse(version) as { v: Version }).v;
  return range.split("||").some((alt) => {
    const hy = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(alt);
    if (hy) return comparator(`>=${hy[1]}`, v) && comparator(`<=${hy[2]}`, v);
    const cs = alt
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1")
      .split(/\s+/)
      .filter(Boolean);
    return cs.length === 0 || cs.every((c) => comparator(c, v));
  });
}

describe("dependencies match the Node the product runs on", () => {
  it("the range check reads npm's range forms", () => {
    assert.ok(
      satisfies(NODE, ">=20") && satisfies(NODE, "^20.19.0 || >=22.12.0") && satisfies(NODE, "18 || 20 || >=22"),
    );
    assert.ok(
      satisfies(NODE, ">= 0.8.0") &&
        satisfies(NODE, "*") &&
        satisfies(NODE, "") &&
        satisfies(NODE, "20.x") &&
        satisfies(NODE, "16 - 20"),
    );
    assert.ok(
      !satisfies(NODE, ">=22.12.0") &&
        !satisfies(NODE, "^20.19.1 || >=22") &&
        !satisfies(NODE, "18 || >=22") &&
        !satisfies(NODE, "~20.18.0"),
    );
    assert.ok(
      !satisfies(NODE, "<20") && satisfies(NODE, "<=20") && !satisfies(NODE, "^18.0.0") && satisfies(NODE, "~20"),
    );
  });

  it(`every package in package-lock.json accepts Node ${NODE} (npm ci gives no EBADENGINE)`, () => {
    const lock = JSON.parse(readFileSync(join(__dirname, "..", "..", "package-lock.json"), "utf8")) as {
      packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
    };
    const bad: string[] = [];
    let checked = 0;
    for (const [path, pkg] of Object.entries(lock.packages)) {
      const node = pkg.engines && !Array.isArray(pkg.engines) ? pkg.engines.node : undefined;
      if (node === undefined) continue;
      checked++;
      if (!satisfies(NODE, node)) bad.push(`${path || "backstep"}@${pkg.version ?? "?"} needs node ${node}`);
    }
    assert.ok(checked > 50, `only ${checked} packages declare engines.node: is this the lock file?`);
    assert.deepEqual(bad, []);
  });

  it("the README and package.json name Node 20", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as {
      engines: { node: string };
    };
    assert.ok(satisfies(NODE, pkg.engines.node), pkg.engines.node);
    assert.match(readFileSync(join(__dirname, "..", "..", "README.md"), "utf8"), /Node 20/);
  });
});
