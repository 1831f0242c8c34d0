// The host's answers to webview messages that need only the Trace (no vscode). The trace message, the opening event
// and value replies live in src/protocol/hostReplies.ts, shared with the standalone report's host.
export {
  MAX_VALUES,
  openingEvent,
  sideMessage,
  statsReply,
  traceMessage,
  valuesReply,
} from "../../src/protocol/hostReplies";
export { prepareStepsReplies, stepsReply } from "../../src/protocol/traceWindow";
export { paramTarget } from "../../src/protocol/paramTarget";
