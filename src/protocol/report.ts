// What a standalone report page embeds for its host shim (webview/report): the trace and its model file's name.
import type { Trace } from "../trace/types";

export interface ReportData {
  file: string;
  /** The trace with its values: the shim answers the views' value requests from it. */
  trace: Trace;
}

/**
 * The report page's data: `<script type="application/octet-stream">` elements with ids REPORT_DATA_ID-0, -1, …, in
 * order, each a piece of the base64 of the gzipped payload (reportPayload.ts). Pieces keep each element's text (one
 * JavaScript string on the page) well below what a string holds, whatever the trace's size.
 */
export const REPORT_DATA_ID = "backstep-report-data";

/** Bytes of the gzipped payload per element: a multiple of 3, so that each piece is base64 on its own. */
export const REPORT_PIECE_BYTES = 3 * 2 ** 24;
