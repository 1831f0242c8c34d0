// Work in slices (src/trace/slices.ts), and the page's way to yield between them.
export { inParts, runAll, runBudgeted, runSliced, type Slices } from "../../src/trace/slices";
export { nextTask } from "../common/nextTask";
