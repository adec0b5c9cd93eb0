// Judging a gate calibration (scenarios/gate-calibration.ts runs it): from stored quick-suite runs
// of one commit, clean and with injected faults, the false-alarm rate over every pair of clean
// runs and the detection rate per fault, server and figure, each judged by `compare` as CI does.
import { median } from '../result/aggregate.ts';
import { HEADLINE_METRICS } from '../result/metrics.ts';
import { GATE_FAULT_NAMES, gateFault, type GateFaultName, type GateManifest, type GateRun } from '../result/gate.ts';
import type { RunResult } from '../result/result.ts';
import { compareResults, COMPARE_EXIT, type CompareOutcome } from './compare.ts';
import { fmtMetric } from './format.ts';

const medianOrNull = (values: number[]): number | null => (values.length === 0 ? null : median(values));

export interface PairOutcome {
  baseline: number;
  current: number;
  exitCode: number;
  /** "server metric (kind)" of every regression the comparison called. */
  regressions: string[];
}

export interface Detection {
  fault: GateFaultName;
  server: string;
  kind: 'idle' | 'push';
  metric: string;
  label: string;
  /** The figure this fault must be caught in (the others are reported beside it). */
  target: boolean;
  flagged: number;
  comparisons: number;
  /** Median over the comparisons of the figure's change (current/baseline − 1, in its direction). */
  medianChange: number | null;
  /** Median absolute change, in the figure's unit. */
  medianShift: number | null;
  unit: string;
}

export interface GateVerdict {
  cleanPairs: PairOutcome[];
  falseAlarms: number;
  /** Clean pairs `compare` refused (exit 2): neither a pass nor a false alarm. */
  unusable: number;
  detections: Detection[];
  faultPairs: (PairOutcome & { fault: GateFaultName })[];
  /** Every figure flagged in any clean pair, with how often: what the false alarms were. */
  falseAlarmFigures: { figure: string; count: number }[];
}

function describe(outcome: CompareOutcome): string[] {
  return outcome.regressions.map((r) => `${r.server} ${r.metric} (${r.kind})`);
}

/** Judges stored runs: `runs[i].role` and the result it read. */
export function judgeGate(
  runs: { role: GateRun['role']; result: RunResult }[],
  compare: (b: RunResult, c: RunResult) => CompareOutcome = (b, c) => compareResults(b, c),
  sizes: Partial<Record<GateFaultName, number>> = {},
): GateVerdict {
  const clean = runs.map((r, i) => ({ ...r, i })).filter((r) => r.role === 'clean');
  const cleanPairs: PairOutcome[] = [];
  const counts = new Map<string, number>();
  for (let a = 0; a < clean.length; a++) {
    for (let b = a + 1; b < clean.length; b++) {
      const out = compare(clean[a]!.result, clean[b]!.result);
      const regressions = describe(out);
      for (const f of regressions) counts.set(f, (counts.get(f) ?? 0) + 1);
      cleanPairs.push({ baseline: clean[a]!.i, current: clean[b]!.i, exitCode: out.exitCode, regressions });
    }
  }
  const detections: Detection[] = [];
  const faultPairs: GateVerdict['faultPairs'] = [];
  for (const fault of GATE_FAULT_NAMES) {
    const faulty = runs.map((r, i) => ({ ...r, i })).filter((r) => r.role === fault);
    if (faulty.length === 0) continue;
    const spec = gateFault(fault, sizes[fault]);
    const tally = new Map<string, { flagged: number; n: number; changes: number[]; shifts: number[] }>();
    for (const f of faulty) {
      for (const c of clean) {
        const out = compare(c.result, f.result);
        faultPairs.push({ fault, baseline: c.i, current: f.i, exitCode: out.exitCode, regressions: describe(out) });
        for (const server of spec.servers) {
          for (const fig of spec.figures) {
            const key = `${server}\u0000${fig.kind}\u0000${fig.metric}`;
            const t = tally.get(key) ?? { flagged: 0, n: 0, changes: [], shifts: [] };
            const row = out.rows.find((r) => r.server === server && r.kind === fig.kind && r.metric === fig.metric);
            t.n++;
            if (row?.verdict === 'regression') t.flagged++;
            if (row?.raw !== null && row?.raw !== undefined) t.changes.push(row.raw);
            if (row && row.baseline !== null && row.current !== null) t.shifts.push(row.current - row.baseline);
            tally.set(key, t);
          }
        }
      }
    }
    for (const server of spec.servers) {
      for (const fig of spec.figures) {
        const t = tally.get(`${server}\u0000${fig.kind}\u0000${fig.metric}`)!;
        const m = HEADLINE_METRICS[fig.kind][fig.metric]!;
        detections.push({ fault, server, kind: fig.kind, metric: fig.metric, label: m.label, target: fig.target, flagged: t.flagged, comparisons: t.n, medianChange: medianOrNull(t.changes), medianShift: medianOrNull(t.shifts), unit: m.unit });
      }
    }
  }
  return {
    cleanPairs,
    falseAlarms: cleanPairs.filter((p) => p.exitCode === COMPARE_EXIT.regression).length,
    unusable: cleanPairs.filter((p) => p.exitCode === COMPARE_EXIT.usage).length,
    detections,
    faultPairs,
    falseAlarmFigures: [...counts].map(([figure, count]) => ({ figure, count })).sort((a, b) => b.count - a.count),
  };
}

/** The verdict as text for the terminal and gate.md: the two rates first, then what lies behind them. */
export function gateText(manifest: GateManifest, verdict: GateVerdict): string {
  const lines: string[] = [];
  const n = verdict.cleanPairs.length;
  lines.push(`False alarms: ${verdict.falseAlarms} of ${n} comparisons of clean runs of this commit${verdict.unusable > 0 ? ` (${verdict.unusable} more refused with exit 2)` : ''}.`);
  for (const f of verdict.falseAlarmFigures) lines.push(`  flagged in clean pairs: ${f.figure} ${f.count}×`);
  lines.push('', 'Detection (each faulty run against each clean run):');
  lines.push(`${'fault'.padEnd(8)} ${'injected'.padEnd(28)} ${'server'.padEnd(9)} ${'figure'.padEnd(36)} ${'flagged'.padEnd(8)} median change`);
  for (const d of verdict.detections) {
    const spec = gateFault(d.fault, manifest.sizes?.[d.fault]);
    const works = Object.values(manifest.workUsPerRun ?? {}).map((w) => w[d.server]).filter((w): w is number => w !== undefined);
    const work = works.length > 1 ? `${Math.min(...works)}–${Math.max(...works)}` : String(manifest.workUs[d.server] ?? '?');
    const injected = spec.kind === 'fixed' ? spec.fault : `work=${work} µs (+${Math.round(spec.fraction * 100)} %)`;
    const change = d.medianChange === null ? 'not measured' : `${d.medianChange >= 0 ? '+' : '−'}${Math.round(Math.abs(d.medianChange) * 100)} % (${d.medianShift !== null && d.medianShift >= 0 ? '+' : '−'}${fmtMetric(Math.abs(d.medianShift ?? 0), d.unit)})`;
    lines.push(`${d.fault.padEnd(8)} ${injected.padEnd(28)} ${d.server.padEnd(9)} ${`${d.label} (${d.kind})${d.target ? '' : ' *'}`.padEnd(36)} ${`${d.flagged}/${d.comparisons}`.padEnd(8)} ${change}`);
  }
  if (verdict.detections.some((d) => !d.target)) lines.push('* reported beside the fault\'s target figure, not part of its detection target');
  const loads = manifest.runs.map((r) => r.loadAverage[0] ?? NaN).filter(Number.isFinite);
  const secs = manifest.runs.map((r) => r.seconds);
  if (loads.length > 0) {
    lines.push('', `${manifest.runs.length} quick-suite runs, ${Math.min(...secs)}–${Math.max(...secs)} s each; 1-minute load average at their ends ${Math.min(...loads)}–${Math.max(...loads)}.`);
  }
  return `${lines.join('\n')}\n`;
}
