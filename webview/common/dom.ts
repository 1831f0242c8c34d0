// DOM helpers shared by the webviews: elements with text (never innerHTML) and VS Code-styled buttons.

/** Create an element with a class and optional text (no innerHTML anywhere: the trace is user data). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A VS Code-styled button (@vscode-elements' <vscode-button>), with an accessible name. */
export function vsButton(label: string, ariaLabel: string, onClick: () => void, secondary = true): HTMLElement {
  const b = document.createElement("vscode-button");
  b.textContent = label;
  b.setAttribute("aria-label", ariaLabel);
  if (secondary) b.setAttribute("secondary", "");
  b.addEventListener("click", onClick);
  return b;
}
