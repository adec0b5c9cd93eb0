// `pushbench compare`: the CI gate. Per group and headline metric, the current median against the
// baseline median, with the metric's direction. Noise-robust by construction:
// - medians over repetitions, and a change must exceed both its threshold and the spread
//   (min..max) either run showed;
// - each figure is divided by the tcp-floor measured in the same run with the same parameters,
//   when there is one, so a machine that is uniformly slower (CI) is not a regression;
// - counts that must be zero (gaps, duplicates, loss) regress on any increase.
import { HEADLINE_METRICS } from '../harness/headline.ts';
import type { GroupSummary, RunResult, Stat } from '../harness/result.ts';
import { fmtMetric, fmtNumber } from './format.ts';

export const COMPARE_EXIT = { ok: 0, regression: 1, usage: 2 } as const;

/** Relative change that counts, per metric (fraction). Overridden by a config file's "thresholds". */
export const DEFAULT_THRESHOLDS: Record<string, number> = {
  serverBytesPerConnection: 0.15,
  serverHeapBytesPerConnection: 0.2,
  kernelSocketBytesPerConnection: 0.25,
  clientBytesPerConnection: 0.2,
  connectRatePerSecond: 0.3,
  connectP99Ms: 0.5,
  serverCpuHoldPercent: 1,
  p50FromT0Us: 0.25,
  p99FromT0Us: 0.25,
  p999FromT0Us: 0.5,
  p99FromT1Us: 0.25,
  deliveredPerSecond: 0.15,
  serverCpuMsPer1kEvents: 0.25,
  timeTo99Ms: 0.5,
  timeTo100Ms: 0.5,
  reconnectRatePerSecond: 0.5,
  catchUpMs: 0.5,
};

/** Metrics that must stay at zero: any increase is a regression, whatever the threshold. */
const MUST_NOT_INCREASE = new Set(['gaps', 'duplicates', 'lossRatio']);

export type Verdict = 'regression' | 'improvement' | 'ok' | 'within noise' | 'not comparable';

export interface ComparisonRow {
  group: string;
  server: string;
  metric: string;
  label: string;
  unit: string;
  baseline: number | null;
  current: number | null;
  /** Relative change of the (floor-normalized when possible) figure; positive = worse. */
  worseBy: number | null;
  normalized: boolean;
  verdict: Verdict;
  note: string;
}

export interface CompareOutcome {
  rows: ComparisonRow[];
  regressions: ComparisonRow[];
  exitCode: number;
}

function floorFor(run: RunResult, g: GroupSummary): GroupSummary | undefined {
  const key = JSON.stringify(g.params);
  return run.groups.find((f) => f.protocol === 'tcp' && f.kind === g.kind && JSON.stringify(f.params) === key && f.validRepetitions > 0);
}

/** The figure to compare: divided by the same run's floor when both are positive. */
function normalize(run: RunResult, g: GroupSummary, metric: string, s: Stat): { value: Stat; normalized: boolean } {
  const floor = g.protocol === 'tcp' ? undefined : floorFor(run, g)?.metrics[metric];
  if (!floor || floor.median <= 0 || MUST_NOT_INCREASE.has(metric)) return { value: s, normalized: false };
  return { value: { median: s.median / floor.median, min: s.min / floor.median, max: s.max / floor.median, n: s.n }, normalized: true };
}

function relativeSpread(s: Stat): number {
  return s.n > 1 && s.median !== 0 ? Math.abs(s.max - s.min) / Math.abs(s.median) : 0;
}

export function compareResults(baseline: RunResult, current: RunResult, thresholds: Record<string, number> = {}): CompareOutcome {
  const limits = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const rows: ComparisonRow[] = [];
  for (const cur of current.groups) {
    const base = baseline.groups.find((b) => b.group === cur.group);
    if (!base) continue;
    const specs = HEADLINE_METRICS[cur.kind];
    if (base.validRepetitions > 0 && cur.validRepetitions === 0) {
      const failed = current.steps.some((s) => s.group === cur.group && s.outcome.state === 'failed');
      rows.push({
        group: cur.group,
        server: cur.server,
        metric: '(step)',
        label: 'step outcome',
        unit: '',
        baseline: null,
        current: null,
        worseBy: null,
        normalized: false,
        // A server that now fails is a regression; an invalid measurement is not evidence either way.
        verdict: failed ? 'regression' : 'not comparable',
        note: failed ? 'failed in the current run, completed in the baseline' : 'no valid repetition in the current run',
      });
      continue;
    }
    if (cur.protocol === 'tcp') {
      // The floor is the yardstick the other servers are divided by: a slower machine moves it,
      // and that is exactly what must not fail the gate.
      rows.push({ group: cur.group, server: cur.server, metric: '(floor)', label: 'reference', unit: '', baseline: null, current: null, worseBy: null, normalized: false, verdict: 'ok', note: 'the floor is the reference, not gated' });
      continue;
    }
    for (const [metric, spec] of Object.entries(specs)) {
      const b = base.metrics[metric];
      const c = cur.metrics[metric];
      if (!b || !c) continue;
      const row: ComparisonRow = { group: cur.group, server: cur.server, metric, label: spec.label, unit: spec.unit, baseline: b.median, current: c.median, worseBy: null, normalized: false, verdict: 'ok', note: '' };
      if (MUST_NOT_INCREASE.has(metric)) {
        if (c.median > b.median) {
          row.verdict = 'regression';
          row.note = `must not increase: ${fmtNumber(b.median)} → ${fmtNumber(c.median)}`;
        } else if (c.median < b.median) row.verdict = 'improvement';
        rows.push(row);
        continue;
      }
      const nb = normalize(baseline, base, metric, b);
      const nc = normalize(current, cur, metric, c);
      const normalized = nb.normalized && nc.normalized;
      const bv = normalized ? nb.value : b;
      const cv = normalized ? nc.value : c;
      row.normalized = normalized;
      if (bv.median <= 0 && cv.median <= 0) {
        rows.push(row); // both zero: nothing changed
        continue;
      }
      if (bv.median <= 0) {
        row.verdict = 'not comparable';
        row.note = 'baseline is zero';
        rows.push(row);
        continue;
      }
      const change = (cv.median - bv.median) / bv.median;
      const worseBy = spec.direction === 'lower' ? change : -change;
      row.worseBy = worseBy;
      const threshold = limits[metric] ?? 0.2;
      const noise = Math.max(relativeSpread(bv), relativeSpread(cv));
      if (Math.abs(worseBy) <= threshold) row.verdict = 'ok';
      else if (Math.abs(worseBy) <= noise) row.verdict = 'within noise';
      else row.verdict = worseBy > 0 ? 'regression' : 'improvement';
      row.note = `${normalized ? 'ratio to tcp-floor, ' : ''}threshold ${Math.round(threshold * 100)} %${noise > 0 ? `, spread ${Math.round(noise * 100)} %` : ''}`;
      rows.push(row);
    }
  }
  const regressions = rows.filter((r) => r.verdict === 'regression');
  return { rows, regressions, exitCode: regressions.length > 0 ? COMPARE_EXIT.regression : COMPARE_EXIT.ok };
}

/** The changes as a Markdown table (everything that is not plainly ok). */
export function compareMarkdown(outcome: CompareOutcome): string {
  const shown = outcome.rows.filter((r) => r.verdict !== 'ok');
  const head = outcome.regressions.length > 0 ? `**${outcome.regressions.length} regression(s)**` : 'No regression.';
  if (shown.length === 0) return `${head} ${outcome.rows.length} figures compared, all within their thresholds.\n`;
  const cell = (v: number | null, unit: string) => (v === null ? '–' : fmtMetric(v, unit));
  const lines = [
    head,
    '',
    '| verdict | server | metric | baseline | current | change | how |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...shown.map(
      (r) =>
        `| ${r.verdict} | ${md(r.server)} | ${md(r.label)} (${md(r.group.split('/').slice(2).join(' '))}) | ${cell(r.baseline, r.unit)} | ${cell(r.current, r.unit)} | ${r.worseBy === null ? '–' : r.worseBy > 0 ? `${Math.round(r.worseBy * 100)} % worse` : `${Math.round(-r.worseBy * 100)} % better`} | ${md(r.note)} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function md(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/</g, '&lt;');
}
