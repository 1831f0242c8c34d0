// package.json contributions: every command has a handler, menus reference real commands under sound `when` clauses,
// Marketplace fields are set.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { Commands, ContextKeys } from "../../extension/commandIds";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
interface MenuItem {
  command?: string;
  submenu?: string;
  when?: string;
  group?: string;
}
interface Manifest {
  engines: { vscode: string };
  icon: string;
  categories: string[];
  activationEvents: string[];
  repository: { url: string };
  capabilities: { untrustedWorkspaces: { supported: boolean | "limited"; description?: string } };
  devDependencies: Record<string, string>;
  contributes: {
    commands: { command: string; title: string; category?: string; icon?: string }[];
    menus: Record<string, MenuItem[]>;
    walkthroughs: { steps: { description: string; media: { markdown?: string; image?: string } }[] }[];
  };
}
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as Manifest;
const contributed = new Set(pkg.contributes.commands.map((c) => c.command));

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sources(full) : e.name.endsWith(".ts") ? [fs.readFileSync(full, "utf8")] : [];
  });
}
const extensionCode = sources(path.join(ROOT, "extension")).join("\n");

/** Command ids passed to registerCommand in extension/** (string literals or the Commands table). */
function registeredCommands(): Set<string> {
  const ids = new Set<string>();
  const table = Commands as Record<string, string>;
  for (const m of extensionCode.matchAll(
    /register(?:TextEditor)?Command\(\s*(?:"([^"]+)"|'([^']+)'|Commands\.(\w+)|(\w+))/g,
  )) {
    if (m[1] ?? m[2]) ids.add((m[1] ?? m[2])!);
    else if (m[3] && table[m[3]]) ids.add(table[m[3]]);
    else if (m[4]) {
      // A constant: `const SHOW = "backstep.showGraph"` next to its use.
      const decl = extensionCode.match(new RegExp(`\\b${m[4]}\\s*=\\s*["']([^"']+)["']`));
      if (decl) ids.add(decl[1]);
    }
  }
  return ids;
}

/** Context keys every `when` may use: VS Code's built-ins used here, and the ones this extension sets. */
const BUILTIN_KEYS = new Set([
  "resourceLangId",
  "resourceExtname",
  "resourceFilename",
  "resourceScheme",
  "explorerResourceIsFolder",
  "editorLangId",
  "isWorkspaceTrusted",
  "inDebugMode",
  "debugType",
  "debugState",
  "view",
  "viewItem",
  "webviewId",
  "activeWebviewPanelId",
  "editorTextFocus",
  "activeEditor",
  "resourcePath",
  "focusedView",
  "config.backstep.inlineHints.enabled",
]);

function checkWhen(when: string): string[] {
  const errors: string[] = [];
  let depth = 0;
  for (const c of when) {
    depth += c === "(" ? 1 : c === ")" ? -1 : 0;
    if (depth < 0) errors.push("unbalanced )");
  }
  if (depth !== 0) errors.push("unbalanced (");
  const ours = new Set<string>(Object.values(ContextKeys));
  const setByCode = new Set([...extensionCode.matchAll(/setContext",\s*"([^"]+)"/g)].map((m) => m[1]));
  for (const clause of when.replace(/[()]/g, " ").split(/&&|\|\|/)) {
    const m = clause.trim().match(/^(!?)([\w.]+)(?:\s*(==|!=|=~|<=|>=|<|>|in|not in)\s*(.+))?$/);
    if (!m) {
      errors.push(`cannot parse "${clause.trim()}"`);
      continue;
    }
    const key = m[2];
    if (!BUILTIN_KEYS.has(key) && !ours.has(key) && !setByCode.has(key)) errors.push(`unknown context key ${key}`);
    if (m[3] === "==" && /^["']/.test(m[4] ?? "")) errors.push(`quoted value in "${clause.trim()}"`);
  }
  return errors;
}

describe("extension: package.json contributions", () => {
  it("contributes every command of the Commands table, with a Backstep category and a title", () => {
    for (const id of Object.values(Commands)) {
      const c = pkg.contributes.commands.find((x) => x.command === id);
      assert.ok(c, `${id} not contributed`);
      assert.equal(c.category, "Backstep");
      assert.ok(c.title.length > 3);
    }
  });

  it("registers a handler in extension/ for every contributed command", () => {
    const registered = registeredCommands();
    const missing = [...contributed].filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but never registered: ${missing.join(", ")}`);
  });

  it("references only contributed commands in menus, with valid `when` clauses", () => {
    for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
      for (const item of items) {
        if (item.command) assert.ok(contributed.has(item.command), `${menu}: ${item.command} is not contributed`);
        if (item.when) assert.deepEqual(checkWhen(item.when), [], `${menu} ${item.command}: ${item.when}`);
      }
    }
  });

  it("offers Trace and Debug Backprop on TypeScript files in the Explorer, editor, title bar and palette", () => {
    const where = (menu: string, id: string) => pkg.contributes.menus[menu]?.find((i) => i.command === id);
    for (const id of [Commands.trace, Commands.debug]) {
      for (const menu of ["explorer/context", "editor/context", "editor/title/run"]) {
        const item = where(menu, id);
        assert.ok(item, `${id} missing from ${menu}`);
        assert.match(item.when ?? "", /resourceLangId == typescript/);
      }
      assert.match(where("explorer/context", id)!.when!, /!explorerResourceIsFolder/);
      assert.match(where("commandPalette", id)?.when ?? "", /editorLangId == typescript/);
      assert.ok(pkg.contributes.commands.find((c) => c.command === id)!.icon, `${id} needs an icon for the title bar`);
    }
    assert.equal(where("editor/title", Commands.trace)?.group?.split("@")[0], "navigation");
  });

  it("has a walkthrough whose media exist and whose command links are contributed", () => {
    const steps = pkg.contributes.walkthroughs.flatMap((w) => w.steps);
    assert.ok(steps.length >= 3);
    for (const step of steps) {
      const media = step.media.markdown ?? step.media.image;
      assert.ok(media && fs.existsSync(path.join(ROOT, media)), `missing ${media}`);
      for (const m of step.description.matchAll(/\(command:([\w.]+)\)/g)) assert.ok(contributed.has(m[1]), m[1]);
    }
  });

  it("is ready for the Marketplace: engine, icon, categories, repository, trust, activation", () => {
    assert.equal(pkg.engines.vscode, "^1.100.0");
    assert.equal(pkg.devDependencies["@types/vscode"].replace(/^\^/, "").split(".").slice(0, 2).join("."), "1.100");
    const icon = fs.readFileSync(path.join(ROOT, pkg.icon));
    assert.equal(icon.subarray(1, 4).toString(), "PNG");
    // IHDR width and height, big-endian at bytes 16 and 20: the Marketplace wants at least 128×128.
    assert.ok(icon.readUInt32BE(16) >= 128 && icon.readUInt32BE(16) === icon.readUInt32BE(20));
    assert.deepEqual([...pkg.categories].sort(), ["Debuggers", "Machine Learning", "Visualization"]);
    assert.match(pkg.repository.url, /^https:\/\//);
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, "limited");
    assert.ok((pkg.capabilities.untrustedWorkspaces.description ?? "").includes("trusted"));
    assert.ok(!pkg.activationEvents.includes("*"), "no eager activation");
    // CodeLens, hovers and the IntelliSense offer need the extension before any command runs.
    assert.ok(pkg.activationEvents.includes("onLanguage:typescript"));
    for (const f of ["README.md", "LICENSE", "CHANGELOG.md"]) assert.ok(fs.existsSync(path.join(ROOT, f)), f);
  });

  it("shows only screenshots that exist, as PNG files (SVG is refused by the Marketplace)", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)]
      .map((m) => m[1])
      .filter((src) => !/^https?:/.test(src));
    assert.ok(images.length >= 2, "the Marketplace page needs screenshots");
    for (const src of images) {
      assert.ok(src.endsWith(".png"), src);
      assert.ok(fs.existsSync(path.join(ROOT, src)), `README shows ${src}, which does not exist`);
    }
  });

  it("accepts the `when` syntax it is meant to and rejects typos", () => {
    assert.deepEqual(checkWhen("resourceLangId == typescript && !explorerResourceIsFolder"), []);
    assert.notDeepEqual(checkWhen("resourceLangID == typescript"), []);
    assert.notDeepEqual(checkWhen("(resourceLangId == typescript"), []);
  });
});
