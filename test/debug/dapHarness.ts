// Test harness: runs BackstepSession in-process behind a socket and drives it with @vscode/debugadapter-testsupport's
// DebugClient.
import * as assert from "node:assert/strict";
import { DebugClient } from "@vscode/debugadapter-testsupport";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { writeFileSync } from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import { BackstepSession, type SessionOptions } from "../../extension/debug/session";
import { writeTraceFile } from "../../src/trace/json";
import type { Trace } from "../../src/trace/types";

export interface Harness {
  dc: DebugClient;
  close(): Promise<void>;
}

/** Starts a server that gives every connection its own session, and a client connected to it. */
export async function startAdapter(options: SessionOptions = {}): Promise<Harness> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    // The session writes a response and then events: without this, Nagle's algorithm delays each stop by ~40 ms.
    socket.setNoDelay(true);
    const session = new BackstepSession(options);
    session.setRunAsServer(true);
    session.start(socket, socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const dc = new DebugClient("node", "unused", "backstep");
  await dc.start(port);
  return {
    dc,
    async close() {
      await dc.stop().catch(() => undefined);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Writes the model source and its recorded trace as JSON (what `backstep trace --json` writes) into `dir`, a temporary
 * folder of the caller's (test/support/tempDirs.ts) that its suite removes.
 */
export function writeModel(
  dir: string,
  name: string,
  source: string,
  makeTrace: (file: string) => Trace,
): { file: string; tracePath: string; rewrite(t: Trace): void } {
  const file = join(dir, name);
  writeFileSync(file, source);
  const tracePath = join(dir, name.replace(/\.ts$/, ".trace.json"));
  // as the CLI writes it: NaN and ±Infinity survive
  const rewrite = (t: Trace): void => writeTraceFile(tracePath, t);
  rewrite(makeTrace(file));
  return { file, tracePath, rewrite };
}

/**
 * Each breakpoint as the adapter last described it. Breakpoints come while the run is recorded (the adapter is ready
 * for them at initialize) and are resolved against it when it is: a 'breakpoint' event then says how each resolved.
 * `resolved` gives a response's breakpoints so (read it after the first stop: the events come before it).
 */
export function trackBreakpoints(dc: DebugClient): {
  resolved: (bps: DebugProtocol.Breakpoint[]) => DebugProtocol.Breakpoint[];
} {
  const latest = new Map<number, DebugProtocol.Breakpoint>();
  dc.on("breakpoint", (e: DebugProtocol.BreakpointEvent) => {
    const b = e.body.breakpoint;
    if (b.id !== undefined) latest.set(b.id, b);
  });
  return { resolved: (bps) => bps.map((b) => (b.id === undefined ? b : (latest.get(b.id) ?? b))) };
}

/** initialize → launch → (breakpoints) → configurationDone, resolving with the first stop. */
export async function launch(
  dc: DebugClient,
  args: Record<string, unknown>,
  configure: () => Promise<unknown> = async () => undefined,
): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent("stopped") as Promise<DebugProtocol.StoppedEvent>;
  await Promise.all([
    dc
      .waitForEvent("initialized")
      .then(configure)
      .then(() => dc.configurationDoneRequest()),
    dc.launch(args),
  ]);
  return stopped;
}

export interface Where {
  reason: string;
  name: string;
  line: number;
  path?: string;
  description?: string;
}

/** Where the session stands: the stop's reason and the top frame. */
export async function where(dc: DebugClient, stop: DebugProtocol.StoppedEvent): Promise<Where> {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  const top = st.body.stackFrames[0];
  return {
    reason: stop.body.reason,
    name: top.name,
    line: top.line,
    path: top.source?.path,
    description: stop.body.description,
  };
}

type StepRequest = "next" | "stepIn" | "stepOut" | "stepBack" | "continue" | "reverseContinue";

/** Sends a stepping request and resolves with where it stopped. */
export async function step(dc: DebugClient, request: StepRequest): Promise<Where> {
  const stopped = dc.waitForEvent("stopped") as Promise<DebugProtocol.StoppedEvent>;
  const args = { threadId: 1 };
  switch (request) {
    case "next":
      await dc.nextRequest(args);
      break;
    case "stepIn":
      await dc.stepInRequest(args);
      break;
    case "stepOut":
      await dc.stepOutRequest(args);
      break;
    case "stepBack":
      await dc.stepBackRequest(args);
      break;
    case "continue":
      await dc.continueRequest(args);
      break;
    case "reverseContinue":
      await dc.reverseContinueRequest(args);
      break;
  }
  return where(dc, await stopped);
}

/** The variables of a named scope at the top frame. */
export async function scopeVars(dc: DebugClient, scope: string): Promise<DebugProtocol.Variable[]> {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
  const s = scopes.body.scopes.find((x) => x.name === scope);
  assert.ok(s, `no scope ${scope} among ${scopes.body.scopes.map((x) => x.name).join(", ")}`);
  return (await dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables;
}

/** The numbers at the end of a tensor's one-line summary (`Tensor[3] float32  μ=… [2, 4, 6]`). */
export function numbers(text: string): number[] {
  const m = /\[([-\d.e, ]+)\]\s*$/.exec(text);
  assert.ok(m, `no values in ${text}`);
  return m[1].split(",").map(Number);
}

/** Equal to the 5 significant digits the debugger shows. */
export function close(a: number[], b: number[], what: string): void {
  assert.equal(a.length, b.length, `${what}: [${a.join(", ")}] vs [${b.join(", ")}]`);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-4 * Math.max(1, Math.abs(b[i])), `${what}: ${x} vs ${b[i]}`));
}
