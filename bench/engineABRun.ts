// The measurement engineAB.ts bundles: two versions' untraced steps of one model, alternating step by step (the
// order of the versions alternating too), each pair's B ÷ A by wall clock and by the process's CPU time. Types
// only from this tree: each version brings its own code.
import { median, quantile } from "./traceOverhead";

type Step = () => void;

/** What a version of src/ provides: its engine and its runner session. */
export interface EngineVersion {
  engine: object;
  Session: new (engine: object, options: object) => { modules: { load(file: string): unknown } };
}

const WARMUP = 3;

function timed(step: Step): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  step();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

const q = (xs: number[]): string =>
  `${median(xs).toFixed(3)} [quartiles ${quantile(xs, 0.25).toFixed(3)}–${quantile(xs, 0.75).toFixed(3)}]`;

export function compareSteps(a: EngineVersion, b: EngineVersion, model: string, rounds: number): string[] {
  const load = (v: EngineVersion): Step =>
    (new v.Session(v.engine, { untraced: true }).modules.load(model) as { default: Step }).default;
  const steps = [load(a), load(b)];
  for (let i = 0; i < WARMUP; i++) for (const s of steps) s();
  const ms: number[][] = [[], []];
  const wall: number[] = [],
    cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    const t: { wall: number; cpu: number }[] = [];
    for (const k of order) t[k] = timed(steps[k]);
    for (const k of [0, 1]) ms[k].push(t[k].cpu);
    wall.push(t[1].wall / t[0].wall);
    cpu.push(t[1].cpu / t[0].cpu);
  }
  return [
    `${model}: ${rounds} rounds; CPU ms a step, A ${median(ms[0]).toFixed(1)}, B ${median(ms[1]).toFixed(1)}`,
    `B ÷ A by CPU time ${q(cpu)}`,
    `B ÷ A by wall time ${q(wall)}`,
  ];
}
