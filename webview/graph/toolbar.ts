// The graph panel's toolbar: search, colour mode, fit and zoom, expand/collapse, export, and the status and counts.
import { el, vsButton } from "../common/dom";
import type { ExportFormat } from "../../src/protocol/messages";
import type { ColourMode } from "./colour";

/** What the toolbar's controls do; the panel supplies them. */
export interface ToolbarActions {
  fit(): void;
  zoom(factor: number): void;
  /** Expands every group; returns a message when too many boxes would be drawn to do it at once. */
  expandAll(): string | undefined;
  collapseAll(): void;
  exportGraph(format: ExportFormat): void;
  /** Highlights the `nth` match of `query` and returns how many there are. */
  search(query: string, nth: number): number;
  colour(mode: ColourMode): void;
}

type ValueElement = HTMLElement & { value: string };

export class Toolbar {
  readonly root = el("div", "toolbar");
  /** Results and errors of the last action ("3 matches", "Could not export: …"). */
  readonly status = el("span", "status");
  /** The trace's size and how many boxes are drawn: kept current on every relayout (expand, collapse, step). */
  private readonly counts = el("span", "counts");
  private readonly searchField = document.createElement("vscode-textfield") as ValueElement;
  private readonly colourSelect = document.createElement("vscode-single-select") as ValueElement;
  private searchHit = 0;

  /** `extra` controls (the inspector's toggle) go after the expand/collapse buttons. */
  constructor(actions: ToolbarActions, ...extra: HTMLElement[]) {
    const { root, status, searchField: search, colourSelect: colour } = this;
    root.setAttribute("role", "toolbar");
    root.setAttribute("aria-label", "Graph");
    search.setAttribute("placeholder", "Search ops, variables, modules");
    search.setAttribute("aria-label", "Search the graph by name (Enter for the next match)");
    colour.setAttribute("aria-label", "Colour nodes by");
    for (const [value, label] of [
      ["none", "No colour"],
      ["value", "Colour: |value|"],
      ["gradient", "Colour: |gradient|"],
    ]) {
      const o = document.createElement("vscode-option");
      o.setAttribute("value", value);
      o.textContent = label;
      colour.append(o);
    }
    status.setAttribute("aria-live", "polite");
    root.append(
      search,
      colour,
      vsButton("Fit", "Fit the graph to the view", () => actions.fit()),
      vsButton("+", "Zoom in", () => actions.zoom(1.25)),
      vsButton("−", "Zoom out", () => actions.zoom(0.8)),
      vsButton("Expand all", "Expand every module group", () => {
        const why = actions.expandAll();
        if (why) status.textContent = why;
      }),
      vsButton("Collapse all", "Collapse every module group", () => actions.collapseAll()),
      ...extra,
      vsButton("SVG", "Save the graph as SVG", () => actions.exportGraph("svg")),
      vsButton("PNG", "Save the graph as PNG", () => actions.exportGraph("png")),
      status,
      this.counts,
    );
    search.addEventListener("input", () => {
      // The element updates its value after re-dispatching the inner input's event: read it on the next task.
      setTimeout(() => {
        this.searchHit = 0;
        const q = search.value;
        const n = actions.search(q, 0);
        status.textContent = q ? `${n} match${n === 1 ? "" : "es"}` : "";
      }, 0);
    });
    search.addEventListener("keydown", (e) => {
      if (e.key === "Enter") actions.search(search.value, ++this.searchHit);
    });
    colour.addEventListener("change", () => actions.colour((colour.value as ColourMode) || "none"));
  }

  /** A search belongs to the trace it was typed over: a new trace starts without one. */
  clearSearch(): void {
    this.searchField.value = "";
    this.searchHit = 0;
  }

  showColour(mode: ColourMode): void {
    // Set only when it changes: the select redraws its drop-down on each set, reading the page's layout (with a new
    // trace's drawing just in, 44 of 246 samples of the 100,000-op run's last paint task; Chromium trace, load ~14).
    if (this.colourSelect.getAttribute("value") !== mode) this.colourSelect.setAttribute("value", mode);
  }

  showCounts(text: string): void {
    if (this.counts.textContent !== text) this.counts.textContent = text;
  }
}
