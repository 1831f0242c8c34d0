// The report's entry: the standalone host first (it defines acquireVsCodeApi), then the graph panel as VS Code shows
// it.
import "./theme.css";
import "./standaloneHost";
import "../graph/main";
