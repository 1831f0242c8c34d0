// Installs the pinned code-server into its cache (a no-op once cached); `npm test` runs it beside the unit tests.
import { ensureCodeServer } from "./codeServer";

const t0 = Date.now();
ensureCodeServer((s) => console.log(s));
console.log(`code-server ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
