// The inspector's way between an op's two events: from its forward to its backward, and back.
import { strict as assert } from "node:assert";
import type { Trace } from "../../../src/trace/types";
import { mlpTrace } from "../fixtures/mlp";
import { eventWhere } from "../helpers";
import { openView, useHarness } from "./harness";

describe("inspector: go to an op's other event", function () {
  this.timeout(60000);
  const h = useHarness();
  const trace: Trace = mlpTrace();

  it("offers its backward at the forward event and its forward at the backward event", async () => {
    const tanh = trace.ops.find((o) => o.op === "tanh" && o.trainingStep === 0)?.id as number;
    const fwd = eventWhere(trace, (e) => e.kind === "forward" && e.op === tanh);
    const bwd = eventWhere(trace, (e) => e.kind === "backward" && e.op === tanh);
    const v = await openView(h, "graph", trace, { cursor: fwd });
    const label = v.page.locator(".event-label");
    await v.page.waitForFunction(
      (n) => document.querySelector(".event-label")?.textContent?.startsWith(n),
      `event ${fwd + 1} `,
    );
    await v.page.getByRole("button", { name: "Go to the backward event of tanh" }).click();
    await v.page.waitForFunction(
      (n) => document.querySelector(".event-label")?.textContent?.startsWith(n),
      `event ${bwd + 1} `,
    );
    assert.match(await label.innerText(), /backward · tanh/);
    await v.page.locator(".chain-rule").waitFor();
    // at the backward event, the button that led here would go nowhere: it leads back to the forward
    assert.equal(await v.page.getByRole("button", { name: "Go to the backward event of tanh" }).count(), 0);
    await v.page.getByRole("button", { name: "Go to the forward event of tanh" }).click();
    await v.page.waitForFunction(
      (n) => document.querySelector(".event-label")?.textContent?.startsWith(n),
      `event ${fwd + 1} `,
    );
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("lists a fan-out's parts each with a button to the backward event that made it, without a bullet as well", async () => {
    const at = eventWhere(trace, (e) => e.kind === "accumulate");
    const v = await openView(h, "graph", trace, { cursor: at });
    const parts = v.page.locator(".fan-out .parts li");
    await parts.first().waitFor();
    const n = await parts.count();
    assert.ok(n >= 2);
    assert.equal(await parts.first().evaluate((li) => getComputedStyle(li).listStyleType), "none");
    const button = parts.nth(n - 1).locator("vscode-button");
    const text = (await button.innerText()).trim();
    const m = /^event (\d+)$/.exec(text);
    assert.ok(m, text);
    const to = Number(m[1]) - 1;
    assert.equal(trace.events[to].kind, "backward");
    await button.click();
    await v.page.waitForFunction(
      (t) => document.querySelector(".event-label")?.textContent?.startsWith(t),
      `event ${to + 1} `,
    );
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
