// Models the DAP tests write: a source as lines, and where a text is in it.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes models into folders `tmp` makes; `line(text)` is the 1-based line holding `text`. */
export function modelWriter(
  tmp: () => string,
): (name: string, source: string[]) => { file: string; line: (text: string) => number } {
  return (name, source) => {
    const file = join(tmp(), name);
    writeFileSync(file, source.join("\n") + "\n");
    return {
      file,
      line: (text) => {
        const k = source.findIndex((l) => l.includes(text));
        assert.ok(k >= 0, `no line with ${text}`);
        return k + 1;
      },
    };
  };
}
