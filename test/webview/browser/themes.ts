// The VS Code theme variables the webviews use, as VS Code sets them on <html> for Dark+, Light+ and High Contrast.
export type ThemeName = "dark" | "light" | "highContrast";

const common = { "--vscode-font-family": "system-ui, sans-serif", "--vscode-font-size": "13px", "--vscode-editor-font-family": "monospace" };

export const THEMES: Record<ThemeName, { kind: string; vars: Record<string, string> }> = {
  dark: { kind: "vscode-dark", vars: { ...common,
    "--vscode-foreground": "#cccccc", "--vscode-editor-foreground": "#d4d4d4", "--vscode-editor-background": "#1e1e1e",
    "--vscode-descriptionForeground": "#9d9d9d", "--vscode-focusBorder": "#007fd4", "--vscode-panel-border": "#80808059",
    "--vscode-sideBar-background": "#252526", "--vscode-editorWidget-background": "#252526", "--vscode-editorWidget-border": "#454545",
    "--vscode-charts-blue": "#3794ff", "--vscode-charts-orange": "#d18616", "--vscode-charts-red": "#f14c4c", "--vscode-charts-green": "#89d185",
    "--vscode-charts-yellow": "#cca700", "--vscode-charts-purple": "#b180d7", "--vscode-badge-background": "#4d4d4d", "--vscode-badge-foreground": "#ffffff",
    "--vscode-editorWarning-foreground": "#cca700", "--vscode-editorError-foreground": "#f14c4c", "--vscode-button-background": "#0e639c",
    "--vscode-button-foreground": "#ffffff", "--vscode-input-background": "#3c3c3c", "--vscode-input-foreground": "#cccccc" } },
  light: { kind: "vscode-light", vars: { ...common,
    "--vscode-foreground": "#616161", "--vscode-editor-foreground": "#000000", "--vscode-editor-background": "#ffffff",
    "--vscode-descriptionForeground": "#717171", "--vscode-focusBorder": "#0090f1", "--vscode-panel-border": "#80808059",
    "--vscode-sideBar-background": "#f3f3f3", "--vscode-editorWidget-background": "#f3f3f3", "--vscode-editorWidget-border": "#c8c8c8",
    "--vscode-charts-blue": "#1a85ff", "--vscode-charts-orange": "#d18616", "--vscode-charts-red": "#e51400", "--vscode-charts-green": "#388a34",
    "--vscode-charts-yellow": "#bf8803", "--vscode-charts-purple": "#652d90", "--vscode-badge-background": "#c4c4c4", "--vscode-badge-foreground": "#333333",
    "--vscode-editorWarning-foreground": "#bf8803", "--vscode-editorError-foreground": "#e51400", "--vscode-button-background": "#007acc",
    "--vscode-button-foreground": "#ffffff", "--vscode-input-background": "#ffffff", "--vscode-input-foreground": "#616161" } },
  highContrast: { kind: "vscode-high-contrast", vars: { ...common,
    "--vscode-foreground": "#ffffff", "--vscode-editor-foreground": "#ffffff", "--vscode-editor-background": "#000000",
    "--vscode-descriptionForeground": "#ffffff", "--vscode-focusBorder": "#f38518", "--vscode-contrastBorder": "#6fc3df",
    "--vscode-editorWidget-background": "#0c141f", "--vscode-editorWidget-border": "#6fc3df",
    "--vscode-charts-blue": "#3794ff", "--vscode-charts-orange": "#d18616", "--vscode-charts-red": "#f48771", "--vscode-charts-green": "#89d185",
    "--vscode-charts-yellow": "#ffd700", "--vscode-charts-purple": "#b180d7", "--vscode-badge-background": "#000000", "--vscode-badge-foreground": "#ffffff",
    "--vscode-editorWarning-foreground": "#ffd700", "--vscode-editorError-foreground": "#f48771", "--vscode-button-background": "#000000",
    "--vscode-button-foreground": "#ffffff", "--vscode-input-background": "#000000", "--vscode-input-foreground": "#ffffff" } },
};
