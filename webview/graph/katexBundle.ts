// KaTeX as its own bundle (dist/webview/katex.js and katex.css): the graph page holds it as inert text and runs it the
// first time the inspector typesets a formula (webview/graph/tex.ts); the report imports it with the page.
import katex from "katex";
import "katex/dist/katex.min.css";
import { katexSlot } from "./tex";

katexSlot.backstepKatex = katex;
