// Standalone entry of the debug adapter (dist/debugAdapter.js): speaks DAP over stdio, or over a socket with
// --server=PORT.
import { DebugSession } from "@vscode/debugadapter";
import { runModel } from "../../src/runner/index";
import { BackstepSession } from "./session";

/**
 * The session as a standalone adapter builds it: the runner finds its worker beside this bundle
 * (dist/runnerWorker.js); there is no in-process listener, so traces travel in `backstep/trace` events.
 */
class StandaloneSession extends BackstepSession {
  constructor() {
    super({ runModel });
  }
}

DebugSession.run(StandaloneSession);
