// The CLI's `file:line:col: severity: message` lines say the place once: a message's own "(at file:line:col)" of the
// same place goes, at its end or before a sentence the runner added (a Python timeout printed it twice).
import * as assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/cli/summary";
import type { TraceDiagnostic } from "../../src/trace/types";

const at = (message: string, line = 6, column = 5): TraceDiagnostic => ({
  severity: "error",
  code: "timeout",
  message,
  loc: { file: "/w/loop.py", line, column },
});

describe("backstep trace: a diagnostic's line", () => {
  it("drops the message's own place, at its end or mid-message, and keeps another place", () => {
    assert.equal(
      formatDiagnostic(at("The model ran longer than 5 s and was stopped. (at loop.py:6:5)"), "/w"),
      "loop.py:6:5: error: The model ran longer than 5 s and was stopped.",
    );
    assert.equal(
      formatDiagnostic(
        at("The model ran longer than 5 s and was stopped. (at loop.py:6:5) What it recorded is kept."),
        "/w",
      ),
      "loop.py:6:5: error: The model ran longer than 5 s and was stopped. What it recorded is kept.",
    );
    assert.equal(
      formatDiagnostic(at("ValueError: bad (at data.py:3:1)"), "/w"),
      "loop.py:6:5: error: ValueError: bad (at data.py:3:1)",
    );
    assert.equal(
      formatDiagnostic({ severity: "info", code: "truncated", message: "Trace truncated (at x.py:1:1)" }, "/w"),
      "info: Trace truncated (at x.py:1:1)",
    );
  });
});
