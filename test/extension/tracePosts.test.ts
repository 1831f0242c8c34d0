// What waits for a trace's posts to its webviews (the editor's hints): it runs once they have gone, and not before.
import { strict as assert } from "node:assert";
import { emptyTrace } from "../../src/trace/assembler";
import { afterPosts, TracePosts } from "../../extension/tracePosts";

/** Whether `p` settled within a few turns of the event loop. */
async function settles(p: Promise<unknown>, ms = 20): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setTimeout(r, ms));
  return done;
}

describe("trace posts (work that waits for a trace's messages to have gone)", () => {
  it("waits for every post of the trace, then goes", async () => {
    const posts = new TracePosts();
    const trace = emptyTrace("m.ts");
    let sendA!: () => void;
    let sendB!: () => void;
    posts.posting(trace, new Promise<void>((r) => (sendA = r)));
    posts.posting(trace, new Promise<void>((r) => (sendB = r)));
    const after = posts.posted(trace);
    assert.equal(await settles(after), false);
    sendA();
    assert.equal(await settles(after), false);
    sendB();
    assert.equal(await settles(after), true);
  });

  it("goes at once for a trace nobody posted, and after a post that failed", async () => {
    const posts = new TracePosts();
    const other = emptyTrace("m.ts");
    posts.posting(other, new Promise(() => {}));
    assert.equal(await settles(posts.posted(emptyTrace("m.ts"))), true);
    const failed = emptyTrace("m.ts");
    posts.posting(failed, Promise.reject(new Error("webview disposed")));
    assert.equal(await settles(posts.posted(failed)), true);
  });

  it("goes after the cap when a post never settles", async () => {
    const posts = new TracePosts();
    const trace = emptyTrace("m.ts");
    posts.posting(trace, new Promise(() => {}));
    assert.equal(await settles(posts.posted(trace, 200)), false);
    assert.equal(await settles(posts.posted(trace, 5), 40), true);
  });

  it("runs what waits (the side panel's model) after the posts made in the same turn, and not once cancelled", async () => {
    const posts = new TracePosts();
    const trace = emptyTrace("m.ts");
    const ran: string[] = [];
    const posted = (t: typeof trace): Promise<void> => posts.posted(t);
    // the side panel's listener runs before the graph's, which posts in the same turn
    afterPosts(posted, trace, () => ran.push("side"));
    let send!: () => void;
    posts.posting(trace, new Promise<void>((r) => (send = r)));
    const cancel = afterPosts(posted, trace, () => ran.push("cancelled"));
    cancel();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(ran, [], "nothing before the graph's message has gone");
    send();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(ran, ["side"]);
  });

  it("waits for a graph page's paint of a trace as well as its posts, when a page was sent it to draw", async () => {
    const posts = new TracePosts();
    const trace = emptyTrace("m.ts");
    assert.equal(await settles(posts.painted(trace)), true, "no post and no page: at once");
    let send!: () => void;
    posts.posting(trace, new Promise<void>((r) => (send = r)));
    posts.drawing(trace);
    const painted = posts.painted(trace);
    send();
    assert.equal(await settles(painted), false, "the message has gone, the page has not painted it");
    posts.drawn(emptyTrace("m.ts"));
    assert.equal(await settles(painted), false, "another trace's paint");
    posts.drawn(trace);
    assert.equal(await settles(painted), true);
    const never = emptyTrace("m.ts");
    posts.drawing(never);
    assert.equal(await settles(posts.painted(never, 5), 40), true, "a page that never paints holds it to the cap");
  });
});
