// Performance marks of a webview page's boot, read by the e2e bench (bench/e2ePage.ts) from the page's frame: when
// the bundle's first module ran, when the page posted "ready" and its window's load event. The frame's timeline is VS
// Code's placeholder page's (in code-server, its navigation waits for the webview service worker; the bench reads that
// from the same frame), so these marks place the bundle's own share within it.

export const BOOT_START_MARK = "backstep:bootStart";
export const BOOT_READY_MARK = "backstep:ready";
/** The page's window "load" event: VS Code's webview host delivers the messages queued for the page then. */
export const BOOT_LOAD_MARK = "backstep:load";

/** Marks the bundle's start: imported first by a page's entry, so it runs before the other modules (ES order). */
export function markBootStart(): void {
  performance.mark(BOOT_START_MARK);
  window.addEventListener("load", () => performance.mark(BOOT_LOAD_MARK), { once: true });
}
