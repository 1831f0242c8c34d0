// Imported first by a page's entry (webview/graph/main.ts): its side effect runs before every other module's.
import { markBootStart } from "./bootMarks";

markBootStart();
