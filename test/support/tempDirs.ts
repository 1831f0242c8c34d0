// Temporary folders for tests, removed when the suite that asked for them ends, passed or failed: a test run leaves
// nothing in the OS temp dir.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Call it where a suite is defined (a describe() body, or a file's top level for its root suite): it registers an
 * `after` hook on that suite, and returns a function that makes a new folder in the OS temp dir (`prefix` and six
 * random characters) each time a test or hook calls it. The hook removes every folder made. Folders are made only when
 * asked for, so a suite left out (--grep) makes none that its hook, which then does not run, would have to remove.
 */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  after(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
