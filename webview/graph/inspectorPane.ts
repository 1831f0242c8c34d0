// The inspector's pane: a drag (or arrow-key) splitter to resize it and a toggle to collapse it; beside the graph, or
// below it in a narrow panel.
import { el } from "../common/dom";

export interface PaneState {
  size?: number;
  collapsed?: boolean;
}

/** Panels narrower than this stack the inspector under the graph. */
export const STACK_BELOW = 720;
const MIN = 120;

export class InspectorPane {
  readonly splitter = el("div", "splitter");
  readonly toggle = document.createElement("vscode-button");
  private size: number | undefined;
  private collapsed = false;

  constructor(
    private readonly main: HTMLElement,
    private readonly pane: HTMLElement,
    private readonly changed: (s: PaneState) => void,
  ) {
    this.splitter.setAttribute("role", "separator");
    this.splitter.setAttribute("tabindex", "0");
    this.splitter.setAttribute("aria-label", "Resize the inspector (arrow keys)");
    this.splitter.title = "Drag to resize the inspector";
    this.toggle.setAttribute("secondary", "");
    this.toggle.addEventListener("click", () => this.setCollapsed(!this.collapsed));
    this.toggle.setAttribute("aria-controls", "inspector");
    pane.id = "inspector";
    new ResizeObserver(() => this.apply()).observe(main);
    this.splitter.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      this.splitter.setPointerCapture(e.pointerId);
      const move = (m: PointerEvent): void => {
        const r = this.main.getBoundingClientRect();
        this.resize(this.stacked() ? r.bottom - m.clientY : r.right - m.clientX);
      };
      const up = (): void => {
        this.splitter.removeEventListener("pointermove", move);
        this.splitter.removeEventListener("pointerup", up);
        this.changed(this.state());
      };
      this.splitter.addEventListener("pointermove", move);
      this.splitter.addEventListener("pointerup", up);
    });
    this.splitter.addEventListener("keydown", (e) => {
      const grow: Record<string, number> = this.stacked()
        ? { ArrowUp: 24, ArrowDown: -24 }
        : { ArrowLeft: 24, ArrowRight: -24 };
      const d = grow[e.key];
      if (d === undefined) return;
      e.preventDefault();
      e.stopPropagation();
      this.resize(this.current() + d);
      this.changed(this.state());
    });
    this.apply();
  }

  state(): PaneState {
    return { ...(this.size !== undefined ? { size: Math.round(this.size) } : {}), collapsed: this.collapsed };
  }

  restore(s: PaneState | undefined): void {
    this.size = s?.size;
    this.collapsed = s?.collapsed ?? false;
    this.apply();
  }

  setCollapsed(collapsed: boolean): void {
    this.collapsed = collapsed;
    this.apply();
    this.changed(this.state());
  }

  private stacked(): boolean {
    return this.main.clientWidth > 0 && this.main.clientWidth < STACK_BELOW;
  }

  private current(): number {
    const r = this.pane.getBoundingClientRect();
    return this.stacked() ? r.height : r.width;
  }

  private resize(px: number): void {
    const total = this.stacked() ? this.main.clientHeight : this.main.clientWidth;
    this.size = Math.max(MIN, Math.min(total * 0.75, px));
    this.apply();
  }

  /** Lays the pane out for the current size, direction and collapsed state. */
  private apply(): void {
    const stacked = this.stacked();
    this.main.classList.toggle("stacked", stacked);
    this.pane.hidden = this.collapsed;
    this.splitter.hidden = this.collapsed;
    this.splitter.setAttribute("aria-orientation", stacked ? "horizontal" : "vertical");
    // Default: a third of the panel's width beside the graph (at most 360 px), or 40% of its height below it.
    const total = stacked ? this.main.clientHeight : this.main.clientWidth;
    const size = this.size ?? (stacked ? total * 0.4 : Math.min(360, total / 3));
    this.pane.style.flexBasis = `${Math.round(size)}px`;
    this.toggle.textContent = this.collapsed ? "Show inspector" : "Hide inspector";
    this.toggle.setAttribute("aria-expanded", String(!this.collapsed));
    this.toggle.title = this.collapsed ? "Show the inspector" : "Hide the inspector: the graph takes the whole panel";
  }
}
