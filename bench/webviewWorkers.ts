// The webview service worker's lifecycle in code-server, from Chromium's DevTools protocol (ServiceWorker domain), for
// the e2e bench's breakdown of a graph panel that must open.
//
// In code-server every webview's host page is served from one path, so all webviews share one service-worker scope;
// each new webview registers its own script URL (VS Code's pre/index.html puts the webview's id in it), so its worker
// replaces the last webview's. Chromium then waits 1 s before it activates the new worker when the old one was running
// (service_worker_registration.cc: OnNoWork → ActivateWaitingVersion(delay = true), "the browser could be shutting
// down"), and our page's first navigation waits for that activation. Measured with this file, 2026-12-03, load ~1:
// activating → activated 1,000–1,002 ms in each of 4 reopened panels; with the registration removed from the
// workbench page before each trace (an experiment, not something an extension can do safely: other webviews' next
// navigations would lose their worker), Enter → painted went from 1.49–1.81 s to 0.91–1.21 s.
import type { CDPSession, Page } from "playwright-core";

type Phase = "swRegistered" | "swActivating" | "swActive";
interface VersionEvent {
  at: number;
  versionId: string;
  status: string;
}

export class WebviewWorkers {
  private readonly events: VersionEvent[] = [];

  private constructor(session: CDPSession) {
    session.on("ServiceWorker.workerVersionUpdated", (e) => {
      for (const v of e.versions) {
        // code-server's own worker (its PWA) has a scope of its own; the webviews' script is pre/service-worker.js
        if (v.scriptURL.includes("/webview/browser/pre/service-worker.js"))
          this.events.push({ at: Date.now(), versionId: v.versionId, status: v.status });
      }
    });
  }

  static async watch(page: Page): Promise<WebviewWorkers> {
    const session = await page.context().newCDPSession(page);
    const watcher = new WebviewWorkers(session);
    await session.send("ServiceWorker.enable");
    return watcher;
  }

  /**
   * For the first webview worker version seen after `since` (ms since the epoch): when it was registered (first seen),
   * began activating and was activated, ms after `since`. Empty when no new version came (the panel was open).
   */
  phasesSince(since: number): Partial<Record<Phase, number>> {
    const before = new Set(this.events.filter((e) => e.at < since).map((e) => e.versionId));
    const after = this.events.filter((e) => e.at >= since);
    // a brand-new registration's first version may be reported first as "activating" (seen on the cold runs)
    const first = after.find((e) => !before.has(e.versionId));
    if (!first) return {};
    const mine = after.filter((e) => e.versionId === first.versionId);
    const at = (status: string): number | undefined => mine.find((e) => e.status === status)?.at;
    const out: Partial<Record<Phase, number>> = { swRegistered: first.at - since };
    const activating = at("activating");
    const active = at("activated");
    if (activating !== undefined) out.swActivating = activating - since;
    if (active !== undefined) out.swActive = active - since;
    return out;
  }
}
