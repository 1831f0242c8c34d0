// Installs a pinned code-server (real VS Code in a browser) into a cache outside the repo, starts it on loopback in
// isolated folders, and stops it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const CODE_SERVER_VERSION = "4.100.3";

/**
 * Native modules (argon2, kerberos…) are built by node-gyp, which downloads Node's headers unless told where they are:
 * offline that fails. Point it at the running Node's own headers when they are installed (Debian's nodejs ships them).
 */
function localNodeHeaders(): NodeJS.ProcessEnv {
  if (process.env.npm_config_nodedir) return {};
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? { npm_config_nodedir: prefix } : {};
}

/** Where the install lives: $BACKSTEP_CODE_SERVER_DIR, else ~/.cache/backstep/code-server-<version>. */
export function codeServerDir(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return process.env.BACKSTEP_CODE_SERVER_DIR || join(cache, "backstep", `code-server-${CODE_SERVER_VERSION}`);
}

function entryOf(dir: string): string {
  return join(dir, "node_modules", "code-server", "out", "node", "entry.js");
}

const MARKER = ".backstep-installed";

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, log: (s: string) => void): void {
  log(`$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ""}\n${r.stderr ?? ""}`.split("\n").slice(-40).join("\n");
    throw new Error(`code-server install: \`${cmd} ${args.join(" ")}\` failed (exit ${r.status}):\n${tail}`);
  }
}

/** Every @vscode/ripgrep version code-server's nested installs will resolve, read from its shrinkwraps. */
function ripgrepVersions(pkgDir: string): string[] {
  const versions = new Set<string>();
  const wraps = [
    join(pkgDir, "npm-shrinkwrap.json"),
    join(pkgDir, "lib/vscode/npm-shrinkwrap.json"),
    join(pkgDir, "lib/vscode/extensions/npm-shrinkwrap.json"),
  ];
  for (const file of wraps.filter(existsSync)) {
    const lock = JSON.parse(readFileSync(file, "utf8")) as { packages?: Record<string, { version?: string }> };
    for (const [path, entry] of Object.entries(lock.packages ?? {})) {
      if (path.endsWith("node_modules/@vscode/ripgrep") && entry.version) versions.add(entry.version);
    }
  }
  return [...versions];
}

function ripgrepTarget(): string {
  if (process.platform !== "linux")
    throw new Error(`code-server install: offline ripgrep seeding supports Linux only (got ${process.platform})`);
  if (process.arch === "x64") return "x86_64-unknown-linux-musl";
  if (process.arch === "arm64") return "aarch64-unknown-linux-musl";
  throw new Error(`code-server install: no ripgrep target for ${process.arch}`);
}

function systemRg(): string {
  const r = spawnSync("sh", ["-c", "command -v rg"], { encoding: "utf8" });
  const rg = r.stdout.trim();
  if (!rg) throw new Error("code-server install: ripgrep (`rg`) is missing; install it (apt-get install ripgrep)");
  return rg;
}

/**
 * @vscode/ripgrep downloads rg from GitHub in its postinstall; offline it first looks for
 * $TMPDIR/vscode-ripgrep-cache-<pkg version>/ripgrep-<rg version>-<target>.tar.gz.
 * We seed that archive with the system's rg for each resolved package version.
 */
function seedRipgrep(pkgDir: string, tmp: string, log: (s: string) => void): void {
  const rg = systemRg();
  for (const version of ripgrepVersions(pkgDir)) {
    const packDir = mkdtempSync(join(tmp, "rgpack-"));
    run("npm", ["pack", `@vscode/ripgrep@${version}`, "--silent"], packDir, process.env, log);
    const tgz = readdirSync(packDir).find((f) => f.endsWith(".tgz"));
    if (!tgz) throw new Error(`code-server install: npm pack @vscode/ripgrep@${version} produced no tarball`);
    run("tar", ["xzf", tgz], packDir, process.env, log);
    const postinstall = readFileSync(join(packDir, "package", "lib", "postinstall.js"), "utf8");
    const rgVersion = /const VERSION = '([^']+)'/.exec(postinstall)?.[1];
    if (!rgVersion) throw new Error(`code-server install: cannot read the rg version from @vscode/ripgrep@${version}`);
    const cache = join(tmp, `vscode-ripgrep-cache-${version}`);
    mkdirSync(cache, { recursive: true });
    const archive = join(cache, `ripgrep-${rgVersion}-${ripgrepTarget()}.tar.gz`);
    run("tar", ["czf", archive, "-C", dirname(rg), "rg"], cache, process.env, log);
    log(`seeded ${archive} from ${rg}`);
  }
}

export function isCodeServerInstalled(): boolean {
  const dir = codeServerDir();
  return existsSync(join(dir, MARKER)) && existsSync(entryOf(dir));
}

/** Installs code-server once (about a minute); later calls return at once. Returns the path of its entry script. */
export function ensureCodeServer(log: (s: string) => void = () => {}): string {
  const dir = codeServerDir();
  if (isCodeServerInstalled()) return entryOf(dir);
  // Build beside the final folder and rename at the end, so an interrupted or concurrent install never leaves a half
  // folder in place.
  mkdirSync(dirname(dir), { recursive: true });
  const work = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const tmp = join(work, ".tmp");
  mkdirSync(tmp);
  writeFileSync(join(work, "package.json"), JSON.stringify({ name: "backstep-code-server", private: true }, null, 2));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_unsafe_perm: "true", // its postinstall refuses to run as root otherwise
    npm_config_yes: "true", // a native build calls `npx node-gyp`, which would stop at a prompt
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    ...localNodeHeaders(),
    TMPDIR: tmp,
  };
  try {
    // Fetch without scripts first, so the ripgrep versions can be read from the shrinkwraps and seeded, then run the
    // scripts.
    run("npm", ["install", "--ignore-scripts", `code-server@${CODE_SERVER_VERSION}`], work, env, log);
    seedRipgrep(join(work, "node_modules", "code-server"), tmp, log);
    run("npm", ["rebuild", "--foreground-scripts"], work, env, log);
    run(process.execPath, [entryOf(work), "--version"], work, env, log);
    rmSync(tmp, { recursive: true, force: true });
    writeFileSync(join(work, MARKER), `${CODE_SERVER_VERSION}\n`);
    if (existsSync(join(dir, MARKER)))
      rmSync(work, { recursive: true, force: true }); // another process won the race
    else {
      rmSync(dir, { recursive: true, force: true });
      renameSync(work, dir);
    }
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
  return entryOf(dir);
}

/** A free TCP port on loopback, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Isolated profile: user data, extensions and settings that never touch the user's own VS Code. */
export interface Profile {
  root: string;
  userDataDir: string;
  extensionsDir: string;
}

export function createProfile(
  settings: Record<string, unknown>,
  root = mkdtempSync(join(tmpdir(), "backstep-vscode-")),
): Profile {
  const userDataDir = join(root, "user-data");
  const extensionsDir = join(root, "extensions");
  mkdirSync(join(userDataDir, "User"), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, "User", "settings.json"), JSON.stringify(settings, null, 2));
  return { root, userDataDir, extensionsDir };
}

/** Settings that keep tests and the demo free of dialogs, tours and update checks. */
export const quietSettings: Record<string, unknown> = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "security.workspace.trust.enabled": false,
  "window.commandCenter": false,
  "chat.commandCenter.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "git.openRepositoryInParentFolders": "never",
  "git.autoRepositoryDetection": false,
};

/** Installs a packaged .vsix into the profile (code-server's own CLI, like `code --install-extension`). */
export function installVsix(vsix: string, profile: Profile, log: (s: string) => void = () => {}): void {
  const entry = ensureCodeServer(log);
  run(
    process.execPath,
    [
      entry,
      "--user-data-dir",
      profile.userDataDir,
      "--extensions-dir",
      profile.extensionsDir,
      "--install-extension",
      vsix,
      "--force",
    ],
    profile.root,
    process.env,
    log,
  );
}

/** Process groups of running servers: killed if this process ends without stopping them (Ctrl-C, a crash). */
const live = new Set<number>();
let exitHooked = false;
function killLive(): void {
  for (const group of live) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  live.clear();
}
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once("exit", killLive);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killLive();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

export interface RunningServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything code-server printed, for error reports. */
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts code-server on 127.0.0.1 (a random free port unless given) opening `workspace`, and waits until it answers.
 */
export async function startCodeServer(opts: {
  workspace: string;
  profile: Profile;
  port?: number;
  log?: (s: string) => void;
  timeoutMs?: number;
}): Promise<RunningServer> {
  const entry = ensureCodeServer(opts.log);
  const port = opts.port ?? (await freePort());
  const args = [
    entry,
    "--auth",
    "none",
    "--bind-addr",
    `127.0.0.1:${port}`,
    "--user-data-dir",
    opts.profile.userDataDir,
    "--extensions-dir",
    opts.profile.extensionsDir,
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-getting-started-override",
    "--ignore-last-opened",
    opts.workspace,
  ];
  // Its own process group, so stop() ends code-server with its extension host and helpers, and nothing else.
  const child = spawn(process.execPath, args, {
    cwd: opts.profile.root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, VSCODE_PROXY_URI: "" },
  });
  if (child.pid !== undefined) live.add(child.pid);
  hookExit();
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped || child.pid === undefined) return;
    stopped = true;
    live.delete(child.pid);
    const group = -child.pid;
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(group, "SIGTERM");
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(group, "SIGKILL");
        } catch {
          /* already gone */
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    // The extension host and other helpers share the group: make sure none outlives the server.
    try {
      process.kill(group, "SIGKILL");
    } catch {
      /* group already empty */
    }
  };
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`code-server exited (code ${child.exitCode}) before it was ready:\n${out}`);
    }
    try {
      const res = await fetch(`${url}healthz`);
      if (res.ok) return { url, port, process: child, output: () => out, stop };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`code-server did not answer on ${url} within ${opts.timeoutMs ?? 60_000} ms:\n${out}`);
}

// CLI: `node --import tsx scripts/codeServer.ts install` prepares the cache (CI can run it ahead of the tests).
if (process.argv[1] && /codeServer\.ts$/.test(process.argv[1])) {
  const cmd = process.argv[2] ?? "install";
  if (cmd === "install") {
    const t0 = Date.now();
    const entry = ensureCodeServer((s) => console.log(s));
    console.log(`code-server ${CODE_SERVER_VERSION} ready at ${entry} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } else {
    console.error(`usage: codeServer.ts install`);
    process.exit(2);
  }
}
