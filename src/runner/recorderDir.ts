// Where the Python recorder (python/backstep_torch) sits: beside the bundle (dist/../python) or in the repository.
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The folder holding the `backstep_torch` package, to put on PYTHONPATH. */
export function recorderDir(): string {
  const candidates = [join(__dirname, "..", "python"), join(__dirname, "..", "..", "python")];
  const found = candidates.find((d) => existsSync(join(d, "backstep_torch", "__main__.py")));
  if (!found)
    throw new Error(`Backstep's Python recorder is missing (looked in ${candidates.join(", ")}); reinstall Backstep.`);
  return found;
}
