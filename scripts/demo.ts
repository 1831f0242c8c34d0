// `npm run demo`: packages the extension, installs it into a local code-server, opens examples/ and prints the address;
// runs until Ctrl-C.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  codeServerDir,
  createProfile,
  ensureCodeServer,
  installVsix,
  isCodeServerInstalled,
  quietSettings,
  startCodeServer,
} from "./codeServer";

const root = resolve(__dirname, "..");
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

if (args.includes("--help")) {
  console.log(`usage: npm run demo [-- --port N] [-- --no-package] [-- --workspace DIR]
  Builds and packages backstep.vsix, installs it into code-server ${"(cached in " + codeServerDir() + ")"},
  opens the examples/ workspace and prints the address to open in a browser. Ctrl-C stops it.`);
  process.exit(0);
}

function say(s: string): void {
  console.log(`demo: ${s}`);
}

async function main(): Promise<void> {
  const vsix = join(root, "backstep.vsix");
  if (!args.includes("--no-package") || !existsSync(vsix)) {
    say("building and packaging the extension (npm run package)…");
    const r = spawnSync("npm", ["run", "package", "--silent"], { cwd: root, stdio: "inherit" });
    if (r.status !== 0) throw new Error("`npm run package` failed (see above)");
  }
  if (!isCodeServerInstalled()) say(`installing code-server (first run only, about a minute) into ${codeServerDir()}…`);
  ensureCodeServer();
  // A fresh profile per run: the demo always shows the extension just packaged, with no leftovers.
  const profileRoot = join(dirname(codeServerDir()), `demo-profile-${process.pid}`);
  mkdirSync(profileRoot, { recursive: true });
  const profile = createProfile(quietSettings, profileRoot);
  installVsix(vsix, profile);
  const workspace = resolve(flag("--workspace") ?? join(root, "examples"));
  const port = flag("--port") ? Number(flag("--port")) : undefined;
  // A server that does not start (a port in use, say) leaves no profile behind.
  const server = await startCodeServer({ workspace, profile, port }).catch((err: unknown) => {
    rmSync(profileRoot, { recursive: true, force: true });
    throw err;
  });
  const url = `${server.url}?folder=${encodeURIComponent(workspace)}`;
  console.log(
    `\n  Backstep is running in VS Code at:\n\n    ${url}\n\n  Open it in a browser, right-click a model in examples/ and choose "Trace Backprop".\n  Press Ctrl-C to stop.\n`,
  );
  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say("stopping code-server…");
    await server.stop();
    rmSync(profileRoot, { recursive: true, force: true });
    process.exit(0);
  };
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  process.once("SIGINT", () => void shutdown());
  process.once("SIGTERM", () => void shutdown());
  server.process.once("exit", (code) => {
    if (stopping) return;
    console.error(`demo: code-server exited (code ${code}):\n${server.output().split("\n").slice(-20).join("\n")}`);
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
