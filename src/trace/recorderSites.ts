// The recorder's call sites: the stream's frame ids of where an op was called and of the user's stack there, worked
// out once per site object (the ops of one user call share it: ShadowStack.locate) and reused by its next ops.
import type { OpSite } from "./assembler";
import type { TraceWriter } from "./stream";

export class SiteFrames {
  /** The last site seen, its location's frame id (-1: none), and its stack's frame ids: `count` of `frames`. */
  private last: OpSite | undefined;
  loc = -1;
  count = 0;
  frames = new Int32Array(64);

  constructor(private readonly out: TraceWriter) {}

  /** Makes `site` the current one: loc, frames and count are its frame ids. */
  use(site: OpSite): void {
    if (site === this.last) return;
    this.last = site;
    const w = this.out;
    this.loc = site.loc ? w.frame(site.loc) : -1;
    const n = site.stack.length;
    if (n > this.frames.length) this.frames = new Int32Array(2 * n);
    for (let k = 0; k < n; k++) this.frames[k] = w.frame(site.stack[k]);
    this.count = n;
  }
}
