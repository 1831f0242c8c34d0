// The report's entry: the standalone host first (it defines acquireVsCodeApi), then the graph panel as VS Code shows
// it, then the charts of a long run beside it.
import "./theme.css";
import "./standaloneHost";
import "../graph/katexBundle";
import "../graph/main";
import "./charts";
