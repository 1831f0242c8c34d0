// What a standalone report page embeds for its host shim (webview/report): the trace and its model file's name.
import type { Trace } from "../trace/types";

export interface ReportData {
  file: string;
  /** The trace with its values: the shim answers the views' value requests from it. */
  trace: Trace;
}

/** The id of the report page's `<script type="application/json">` holding the ReportData (in the wire encoding). */
export const REPORT_DATA_ID = "backstep-report-data";
