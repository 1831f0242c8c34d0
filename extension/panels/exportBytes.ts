// The bytes of a graph export message (pure, so tests check them): SVG text as UTF-8, a PNG decoded from its data URL.
import type { ExportFormat } from "../../src/protocol/messages";

export function exportBytes(format: ExportFormat, data: string): Uint8Array {
  if (format === "svg") return Buffer.from(data, "utf8");
  const m = /^data:image\/png;base64,(.*)$/s.exec(data);
  if (!m) throw new Error("the panel's PNG is not a PNG data URL");
  return Buffer.from(m[1], "base64");
}
