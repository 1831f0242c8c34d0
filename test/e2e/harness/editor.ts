// Reads and drives the text editor and the debugger views of a Workbench: inline hints, go to line, gutter breakpoints,
// debug state.
import * as assert from "node:assert/strict";
import type { Locator, Page } from "playwright-core";

const activeEditor = ".editor-group-container.active .monaco-editor";

/**
 * End-of-line hints per 1-based line. Decorations' `after.contentText` is drawn by CSS `::after`
 * rules on generated classes, so it is read from the computed style, as the user sees it.
 */
export async function inlineHints(page: Page): Promise<Map<number, string>> {
  const rows = await page.evaluate((editorSel) => {
    const editor = document.querySelector(editorSel);
    if (!editor) return [] as [number, string][];
    const lineAt = new Map<string, number>();
    editor.querySelectorAll<HTMLElement>(".margin-view-overlays > div").forEach((d) => {
      const n = Number(d.querySelector(".line-numbers")?.textContent?.trim());
      if (n) lineAt.set(d.style.top, n);
    });
    const out: [number, string][] = [];
    editor.querySelectorAll<HTMLElement>(".view-lines .view-line").forEach((line) => {
      const n = lineAt.get(line.style.top);
      if (!n) return;
      const texts: string[] = [];
      line.querySelectorAll("span").forEach((s) => {
        const c = getComputedStyle(s, "::after").content;
        if (c && c !== "none" && c !== "normal") texts.push(c.replace(/^"|"$/g, ""));
      });
      if (texts.length) out.push([n, texts.join(" ")]);
    });
    return out;
  }, activeEditor);
  return new Map(rows);
}

/**
 * Where each line's inline hint ends, against the right edge of the editor's text area (left of the minimap and
 * the scrollbar), in CSS pixels: a hint whose `right` exceeds `visibleRight` is cut off.
 */
export async function hintExtents(
  page: Page,
): Promise<{ visibleRight: number; lines: Map<number, { codeRight: number; right: number }> }> {
  const { visibleRight, rows } = await page.evaluate((editorSel) => {
    const editor = document.querySelector(editorSel);
    const scrollable = editor?.querySelector<HTMLElement>(".editor-scrollable");
    const rows: [number, { codeRight: number; right: number }][] = [];
    if (!editor || !scrollable) return { visibleRight: 0, rows };
    const lineAt = new Map<string, number>();
    editor.querySelectorAll<HTMLElement>(".margin-view-overlays > div").forEach((d) => {
      const n = Number(d.querySelector(".line-numbers")?.textContent?.trim());
      if (n) lineAt.set(d.style.top, n);
    });
    editor.querySelectorAll<HTMLElement>(".view-lines .view-line").forEach((line) => {
      const n = lineAt.get(line.style.top);
      if (!n) return;
      let codeRight = 0;
      let right = 0;
      line.querySelectorAll<HTMLElement>(":scope > span > span").forEach((s) => {
        const c = getComputedStyle(s, "::after").content;
        const box = s.getBoundingClientRect();
        if (c && c !== "none" && c !== "normal") right = Math.max(right, box.right);
        else codeRight = Math.max(codeRight, box.right);
      });
      if (right) rows.push([n, { codeRight, right }]);
    });
    const bar = scrollable.querySelector<HTMLElement>(".scrollbar.vertical");
    const minimap = editor.querySelector<HTMLElement>(".minimap");
    const edges = [scrollable.getBoundingClientRect().right];
    if (bar) edges.push(bar.getBoundingClientRect().left);
    if (minimap && minimap.offsetWidth) edges.push(minimap.getBoundingClientRect().left);
    return { visibleRight: Math.min(...edges), rows };
  }, activeEditor);
  return { visibleRight, lines: new Map(rows) };
}

/** Moves the cursor to a line with Go to Line (Ctrl+G). */
export async function gotoLine(page: Page, line: number): Promise<void> {
  await page.locator(`${activeEditor} .view-lines`).first().click();
  await page.keyboard.press("Control+G");
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await input.waitFor({ state: "visible" });
  await input.fill(`:${line}`);
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget").waitFor({ state: "hidden" });
}

/**
 * The inline hint at `line` once it matches `pattern`, read again every 250 ms up to `timeoutMs` (the last read at the
 * timeout): the editor draws a trace's hints a moment after the Problems that come with it, later on a loaded machine
 * (a CI run read the PyTorch exercise's hint as empty right after its check was in Problems).
 */
export async function hintAt(page: Page, line: number, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await gotoLine(page, line);
    const hint = (await inlineHints(page)).get(line) ?? "";
    if (pattern.test(hint) || Date.now() > until) return hint;
    await page.waitForTimeout(250);
  }
}

/** Sets a breakpoint by clicking the gutter left of the line number, as a user does; waits for the red dot. */
export async function clickGutterBreakpoint(page: Page, line: number): Promise<void> {
  await gotoLine(page, line); // scrolls it into view
  const num = page.locator(`${activeEditor} .margin-view-overlays .line-numbers`, {
    hasText: new RegExp(`^\\s*${line}\\s*$`),
  });
  const box = await num.boundingBox();
  const margin = await page.locator(`${activeEditor} .margin`).first().boundingBox();
  assert.ok(box && margin, `line ${line} is not visible`);
  await page.mouse.move(margin.x + 8, box.y + box.height / 2);
  await page.mouse.click(margin.x + 8, box.y + box.height / 2);
  await waitForBreakpointGlyph(page, line);
}

/** Waits until the gutter of `line` shows a breakpoint dot (any variant: verified, unverified, stopped here). */
export async function waitForBreakpointGlyph(page: Page, line: number): Promise<void> {
  await page.waitForFunction(
    ([editorSel, n]) => {
      const editor = document.querySelector(editorSel);
      if (!editor) return false;
      let top: string | undefined;
      editor.querySelectorAll<HTMLElement>(".margin-view-overlays > div").forEach((d) => {
        if (Number(d.querySelector(".line-numbers")?.textContent?.trim()) === n) top = d.style.top;
      });
      if (top === undefined) return false;
      return [...editor.querySelectorAll<HTMLElement>(".glyph-margin-widgets .codicon")].some(
        (g) => g.style.top === top && /debug-(breakpoint|stackframe)/.test(g.className),
      );
    },
    [activeEditor, line] as const,
  );
}

/** The line the debugger is stopped on in the active editor (the top-stack-frame highlight), or undefined. */
export async function stoppedLine(page: Page): Promise<number | undefined> {
  return page.evaluate((editorSel) => {
    const editor = document.querySelector(editorSel);
    const hl = editor?.querySelector<HTMLElement>(
      ".view-overlays .debug-top-stack-frame-line, .view-overlays .debug-focused-stack-frame-line",
    );
    if (!editor || !hl) return undefined;
    const top = hl.parentElement?.style.top;
    for (const d of editor.querySelectorAll<HTMLElement>(".margin-view-overlays > div")) {
      if (d.style.top === top) return Number(d.querySelector(".line-numbers")?.textContent?.trim()) || undefined;
    }
    return undefined;
  }, activeEditor);
}

/** The top frame's name in the Call Stack view (e.g. `backward · tanh  (h = tanh(z))`). */
export function topFrame(page: Page): Locator {
  return page.locator(".debug-call-stack .monaco-list-row .stack-frame").first();
}

/** Rows of the Variables view (name: value), as shown. */
export async function variableRows(page: Page): Promise<string[]> {
  return page.locator(".debug-variables .monaco-list-row").allInnerTexts();
}

/** Expands a scope or variable row in the Variables view by its label. */
export async function expandVariable(page: Page, label: string | RegExp): Promise<void> {
  const row = page.locator(".debug-variables .monaco-list-row").filter({ hasText: label }).first();
  await row.waitFor({ state: "visible" });
  if ((await row.getAttribute("aria-expanded")) === "false") await row.click();
  await page
    .locator(".debug-variables .monaco-list-row[aria-expanded='true']")
    .filter({ hasText: label })
    .first()
    .waitFor({ state: "visible" });
}
