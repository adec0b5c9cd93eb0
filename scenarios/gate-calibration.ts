// `pushbench calibrate --gate`: measures the CI gate itself. It runs the quick suite several times
// on this commit (clean runs) and with faults injected into the servers under test (never into
// tcp-floor, the yardstick), keeps every run folder, and then judges with `compare` exactly as CI
// does: every pair of clean runs (a regression there is a false alarm) and every clean run against
// every faulty run of each fault (the fault's figures must be flagged). The judging part is pure
// (reports/gate-calibration.ts), so `--from <folder>` re-judges stored runs without re-running.
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { writeJsonAtomic } from '../harness/result-store.ts';
import type { ProgressSink } from '../harness/progress.ts';
import type { RunResult } from '../result/result.ts';
import { FLOOR_SERVER, gateFault, workUsFor, type GateFaultName, type GateManifest, type GateRun } from '../result/gate.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import { runPlan } from './run.ts';
import type { Plan } from './schema.ts';

export interface GateCalibrationOptions {
  /** Clean runs (every pair is compared: K runs give K(K−1)/2 comparisons). */
  clean: number;
  /** Faulty runs per fault (each is compared with every clean run). */
  perFault: number;
  faults: GateFaultName[];
  /** Sizes other than the default per fault (bytes, ms, fraction of CPU). */
  sizes: Partial<Record<GateFaultName, number>>;
  /** The calibration folder: every run folder and gate.json go here. */
  dir: string;
  command: string;
  progress: ProgressSink;
  /** The plan of one run (`run --suite quick` with this label, into `dir`): the CLI builds it from its flags. */
  planFor: (label: string) => Plan;
}

/** The order of the runs: clean and faulty alternate, so drift over the calibration hits all alike. */
export function runOrder(clean: number, perFault: number, faults: GateFaultName[]): ('clean' | GateFaultName)[] {
  const order: ('clean' | GateFaultName)[] = [];
  for (let i = 0; i < Math.max(clean, perFault); i++) {
    if (i < clean) order.push('clean');
    if (i < perFault) order.push(...faults);
  }
  // A clean run comes first whenever there is one: the work= fault is sized from it.
  return order;
}

function withFault(fault: Record<string, string>): (spec: ServerSpec) => ServerSpec {
  return (spec) => {
    const value = fault[spec.name];
    if (value === undefined || spec.name === FLOOR_SERVER) return spec;
    return { ...spec, launch: { ...spec.launch, env: { ...spec.launch.env, PUSHBENCH_FAULT: value } } };
  };
}

export async function runGateCalibration(opts: GateCalibrationOptions): Promise<GateManifest> {
  const manifest: GateManifest = { schema: 'pushbench/gate-calibration@1', command: opts.command, startedAt: new Date().toISOString(), runs: [], workUs: {}, sizes: opts.sizes };
  const save = () => writeJsonAtomic(join(opts.dir, 'gate.json'), manifest);
  const order = runOrder(opts.clean, opts.perFault, opts.faults);
  const cleanRuns: RunResult[] = [];
  for (const [i, role] of order.entries()) {
    let fault: Record<string, string> = {};
    if (role !== 'clean') {
      const spec = gateFault(role, opts.sizes[role]);
      if (spec.kind === 'fixed') fault = Object.fromEntries(spec.servers.map((s) => [s, spec.fault]));
      else {
        if (cleanRuns.length === 0) throw new Error('the cpu fault is sized from a clean run: run at least one');
        manifest.workUs = workUsFor(cleanRuns, spec.servers, spec.fraction);
        manifest.workUsPerRun = { ...manifest.workUsPerRun, [String(i + 1)]: manifest.workUs };
        fault = Object.fromEntries(Object.entries(manifest.workUs).map(([s, us]) => [s, `work=${us}`]));
      }
    }
    const label = `${String(i + 1).padStart(2, '0')}-${role}`;
    opts.progress({ type: 'notice', text: `gate calibration: run ${i + 1} of ${order.length} (${role}${Object.keys(fault).length > 0 ? `: ${Object.entries(fault).map(([s, f]) => `${s} ${f}`).join(', ')}` : ''})` });
    const plan = opts.planFor(label);
    const startedAt = Date.now();
    const out = await runPlan(plan, { command: `${opts.command} (run ${i + 1}: ${role})`, progress: opts.progress, adjustServer: withFault(fault) });
    if (role === 'clean') cleanRuns.push(out.result);
    const run: GateRun = { role, fault, result: relative(opts.dir, out.resultPath), seconds: Math.round((Date.now() - startedAt) / 1000), loadAverage: loadAverage() };
    manifest.runs.push(run);
    save();
  }
  return manifest;
}

/** The 1, 5 and 15 minute load averages when the run ended: every figure is reported beside them. */
function loadAverage(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}
