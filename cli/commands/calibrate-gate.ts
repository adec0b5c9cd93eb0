// `pushbench calibrate --gate`: the gate's false-alarm and detection rates, measured (README "The
// CI gate"). Runs go into one calibration folder with gate.json (what ran, with which fault) and
// gate.md (the verdict); `--from <folder>` judges such a folder again without running anything.
// Exit 0 when no clean pair was flagged and every fault's target figure was flagged in at least 9
// of 10 comparisons, 1 otherwise, 2 for bad input.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { EXIT, UserError } from '../../harness/errors.ts';
import { stderrProgress } from '../../harness/progress-tracker.ts';
import { createRunFolder, readResult } from '../../harness/result-store.ts';
import { gateText, judgeGate } from '../../reports/gate-calibration.ts';
import { GATE_FAULT_NAMES, type GateFaultName, type GateManifest } from '../../result/gate.ts';
import { runGateCalibration } from '../../scenarios/gate-calibration.ts';
import { resolvePlan } from '../../scenarios/schema.ts';
import { buildPlanInput } from '../run-options.ts';

interface Flags {
  out: string;
  clean: string;
  perFault: string;
  faults: string;
  from?: string;
}

function count(flag: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > 50) throw new UserError(`${flag} must be a whole number from ${min} to 50, got "${raw}"`);
  return n;
}

/** `memory,latency=2,cpu=0.15`: the faults, each at its default size or the one given. */
export function parseFaults(raw: string): { faults: GateFaultName[]; sizes: Partial<Record<GateFaultName, number>> } {
  const faults: GateFaultName[] = [];
  const sizes: Partial<Record<GateFaultName, number>> = {};
  for (const entry of raw.split(',').map((f) => f.trim()).filter(Boolean)) {
    const [name, size] = entry.split('=') as [string, string | undefined];
    if (!GATE_FAULT_NAMES.includes(name as GateFaultName)) throw new UserError(`unknown fault "${name}"; faults: ${GATE_FAULT_NAMES.join(', ')} (each optionally =size: memory=BYTES, latency=MS, cpu=FRACTION)`);
    const fault = name as GateFaultName;
    if (size !== undefined) {
      const n = Number(size);
      const max = fault === 'memory' ? 1 << 20 : fault === 'latency' ? 1000 : 10;
      if (!(n > 0) || n > max || (fault === 'memory' && !Number.isInteger(n))) throw new UserError(`--faults ${entry}: the size must be a number above 0 and at most ${max} (${fault === 'memory' ? 'bytes' : fault === 'latency' ? 'ms' : 'a fraction of the CPU per event'})`);
      sizes[fault] = n;
    }
    if (!faults.includes(fault)) faults.push(fault);
  }
  if (faults.length === 0 && raw.trim() !== '') throw new UserError('--faults: name at least one of memory, latency, cpu');
  return { faults, sizes };
}

function readManifest(folder: string): GateManifest {
  const path = join(folder, 'gate.json');
  if (!existsSync(path)) throw new UserError(`${folder} has no gate.json: give the folder \`pushbench calibrate --gate\` printed`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`${path} is not JSON (${(err as Error).message})`);
  }
  const m = value as Partial<GateManifest>;
  if (m?.schema !== 'pushbench/gate-calibration@1' || !Array.isArray(m.runs)) throw new UserError(`${path} is not a gate calibration (schema pushbench/gate-calibration@1)`);
  for (const r of m.runs) {
    const role = (r as { role?: unknown }).role;
    if (role !== 'clean' && !GATE_FAULT_NAMES.includes(role as GateFaultName)) throw new UserError(`${path}: a run has the unknown role ${JSON.stringify(role)}`);
    if (typeof r.result !== 'string' || !resolve(folder, r.result).startsWith(resolve(folder) + sep)) throw new UserError(`${path}: a run's result must be a path inside the folder`);
  }
  return m as GateManifest;
}

export async function gateCalibrateCommand(flags: Flags, argv: string[]): Promise<number> {
  let folder: string;
  let manifest: GateManifest;
  if (flags.from !== undefined) {
    folder = flags.from;
    manifest = readManifest(folder);
  } else {
    const clean = count('--clean', flags.clean, 2);
    const perFault = count('--per-fault', flags.perFault, 0);
    const { faults, sizes } = parseFaults(flags.faults);
    folder = createRunFolder(flags.out, 'gate-calibration').dir;
    const planFor = (label: string) => resolvePlan(buildPlanInput({ suite: 'quick', label, out: folder }, null), 'plan (gate calibration)');
    manifest = await runGateCalibration({ clean, perFault, faults, sizes, dir: folder, command: `pushbench ${argv.join(' ')}`, progress: stderrProgress(), planFor });
  }
  const runs = manifest.runs.map((r) => ({ role: r.role, result: readResult(join(folder, r.result)) }));
  const verdict = judgeGate(runs, undefined, manifest.sizes ?? {});
  const text = gateText(manifest, verdict);
  writeFileSync(join(folder, 'gate.md'), text);
  writeFileSync(join(folder, 'verdict.json'), `${JSON.stringify(verdict, null, 2)}\n`);
  process.stdout.write(text);
  process.stdout.write(`${folder}\n`);
  const detected = verdict.detections.every((d) => !d.target || d.flagged * 10 >= d.comparisons * 9);
  return verdict.falseAlarms === 0 && verdict.unusable === 0 && detected ? EXIT.ok : EXIT.failure;
}
