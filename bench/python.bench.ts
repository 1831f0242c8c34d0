// The Python recorder's overhead: seconds per training step of a PyTorch model traced ÷ plain PyTorch, measured in
// one Python process (bench/pythonOverhead.py), on the MLP example and on a wider MNIST-sized MLP.
import { execFileSync } from "node:child_process";
import { join } from "node:path";

const PYTHON = process.env.BACKSTEP_TEST_PYTHON ?? "/usr/bin/python3";

export default async function pythonBench(): Promise<Record<string, unknown>> {
  const models = [join(__dirname, "..", "examples", "python", "mlp.py"), join(__dirname, "models", "mlp_wide.py")];
  const out = execFileSync(PYTHON, [join(__dirname, "pythonOverhead.py"), ...models], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 20,
  });
  const results = JSON.parse(out) as { results: { model: string; overhead: number; overheadWithJson: number }[] };
  for (const r of results.results)
    console.log(`${r.model}: traced ÷ plain = ${r.overhead}× (${r.overheadWithJson}× with writing the JSON)`);
  return results;
}
