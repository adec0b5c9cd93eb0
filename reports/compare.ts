// `pushbench compare`: the CI gate. Per group and headline metric, the current median against the
// baseline median, with the metric's direction. Noise-robust by construction:
// - medians over repetitions, and a change must exceed both its threshold and the spread
//   (min..max) either run showed;
// - each figure is divided by the tcp-floor measured in the same run with the same parameters,
//   when there is one, so a machine that is uniformly slower (CI) is not a regression;
// - counts that must be zero (gaps, duplicates, loss) regress on any increase.
// Groups are matched by their key (scenario, server, parameters); a group only one run has is
// listed as not comparable, never silently dropped.
import { HEADLINE_METRICS } from '../harness/headline.ts';
import type { GroupSummary, RunResult, Stat } from '../harness/result.ts';
import { escMd } from './escape.ts';
import { fmtMetric, fmtNumber } from './format.ts';
import { describeParams } from './params-text.ts';

/** Exit codes of `pushbench compare`: 0 no regression, 1 at least one regression, 2 usage error. */
export const COMPARE_EXIT = { ok: 0, regression: 1, usage: 2 } as const;

/**
 * Relative change that counts, per metric (a fraction: 0.25 = 25 %), overridden per metric by a
 * config file's "thresholds". Chosen from the noise of single-repetition quick runs on a 2-core
 * machine: memory per connection 15-25 %, latency p50/p99 25 % and p99.9 50 % (tails move most),
 * delivered/s 15 %, CPU per 1k events 25 %, reconnect times 50 % (jittered by design).
 * A metric missing here uses DEFAULT_THRESHOLD.
 */
export const DEFAULT_THRESHOLD = 0.2;
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

export type Verdict = 'regression' | 'improvement' | 'ok' | 'within noise' | 'not comparable' | 'reference';

export interface ComparisonRow {
  group: string;
  server: string;
  metric: string;
  label: string;
  unit: string;
  baseline: number | null;
  current: number | null;
  kind: GroupSummary['kind'];
  /** The group's parameters as a reader says them. */
  params: string;
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
  const stepRow = (g: GroupSummary, verdict: Verdict, note: string): ComparisonRow => ({
    group: g.group,
    server: g.server,
    kind: g.kind,
    params: describeParams(g.kind, g.params).text,
    metric: '(step)',
    label: 'step outcome',
    unit: '',
    baseline: null,
    current: null,
    worseBy: null,
    normalized: false,
    verdict,
    note,
  });
  for (const cur of current.groups) {
    const base = baseline.groups.find((b) => b.group === cur.group);
    if (!base) {
      rows.push(stepRow(cur, 'not comparable', 'not in the baseline'));
      continue;
    }
    if (cur.validRepetitions === 0) {
      if (base.validRepetitions === 0) {
        rows.push(stepRow(cur, 'not comparable', 'no valid repetition in either run'));
        continue;
      }
      const failed = current.steps.some((s) => s.group === cur.group && s.outcome.state === 'failed');
      // A server that now fails is a regression; an invalid measurement is not evidence either way.
      rows.push(stepRow(cur, failed ? 'regression' : 'not comparable', failed ? 'failed in the current run, completed in the baseline' : 'no valid repetition in the current run'));
      continue;
    }
    if (base.validRepetitions === 0) {
      rows.push(stepRow(cur, 'not comparable', 'no valid repetition in the baseline'));
      continue;
    }
    const specs = HEADLINE_METRICS[cur.kind];
    for (const [metric, spec] of Object.entries(specs)) {
      const b = base.metrics[metric];
      const c = cur.metrics[metric];
      if (!b || !c) continue;
      const row: ComparisonRow = {
        group: cur.group,
        server: cur.server,
        kind: cur.kind,
        params: describeParams(cur.kind, cur.params).text,
        metric,
        label: spec.label,
        unit: spec.unit,
        baseline: b.median,
        current: c.median,
        worseBy: null,
        normalized: false,
        verdict: 'ok',
        note: '',
      };
      rows.push(row);
      if (MUST_NOT_INCREASE.has(metric)) {
        if (c.median > b.median) {
          row.verdict = 'regression';
          row.note = `must not increase: ${fmtNumber(b.median)} → ${fmtNumber(c.median)}`;
        } else if (c.median < b.median) row.verdict = 'improvement';
        continue;
      }
      if (cur.protocol === 'tcp') {
        // The floor is the yardstick the other servers are divided by: a slower machine moves it,
        // and that is exactly what must not fail the gate. Its change is shown for context.
        row.verdict = 'reference';
        if (b.median > 0) row.worseBy = ((c.median - b.median) / b.median) * (spec.direction === 'lower' ? 1 : -1);
        row.note = 'the floor is the reference, not gated';
        continue;
      }
      const nb = normalize(baseline, base, metric, b);
      const nc = normalize(current, cur, metric, c);
      const normalized = nb.normalized && nc.normalized;
      const bv = normalized ? nb.value : b;
      const cv = normalized ? nc.value : c;
      row.normalized = normalized;
      if (bv.median <= 0 && cv.median <= 0) continue; // both zero: nothing changed
      if (bv.median <= 0) {
        row.verdict = 'not comparable';
        row.note = 'baseline is zero';
        continue;
      }
      const change = (cv.median - bv.median) / bv.median;
      const worseBy = spec.direction === 'lower' ? change : -change;
      row.worseBy = worseBy;
      const threshold = limits[metric] ?? DEFAULT_THRESHOLD;
      const noise = Math.max(relativeSpread(bv), relativeSpread(cv));
      if (Math.abs(worseBy) <= threshold) row.verdict = 'ok';
      else if (Math.abs(worseBy) <= noise) row.verdict = 'within noise';
      else row.verdict = worseBy > 0 ? 'regression' : 'improvement';
      row.note = `${normalized ? 'ratio to tcp-floor, ' : 'absolute (no floor in both runs), '}threshold ${Math.round(threshold * 100)} %${noise > 0 ? `, spread ${Math.round(noise * 100)} %` : ''}`;
    }
  }
  for (const base of baseline.groups) {
    if (!current.groups.some((c) => c.group === base.group)) rows.push(stepRow(base, 'not comparable', 'not in the current run'));
  }
  const regressions = rows.filter((r) => r.verdict === 'regression');
  return { rows, regressions, exitCode: regressions.length > 0 ? COMPARE_EXIT.regression : COMPARE_EXIT.ok };
}

function pct(worseBy: number | null): string {
  if (worseBy === null) return '–';
  const p = Math.round(Math.abs(worseBy) * 100);
  return p === 0 ? 'unchanged' : worseBy > 0 ? `${p} % worse` : `${p} % better`;
}

/**
 * The changes as Markdown: a headline, the machine-speed context (how much the floor itself
 * moved) and a table of everything that is not plainly ok, regressions first.
 */
export function compareMarkdown(outcome: CompareOutcome): string {
  const ORDER: Verdict[] = ['regression', 'not comparable', 'within noise', 'improvement'];
  const shown = outcome.rows.filter((r) => ORDER.includes(r.verdict)).sort((a, b) => ORDER.indexOf(a.verdict) - ORDER.indexOf(b.verdict));
  const gated = outcome.rows.filter((r) => r.verdict !== 'reference' && r.metric !== '(step)').length;
  const head = outcome.regressions.length > 0 ? `**${outcome.regressions.length} regression(s)** in ${gated} figures compared.` : `No regression in ${gated} figures compared.`;
  const floor = outcome.rows.filter((r) => r.verdict === 'reference' && r.worseBy !== null).map((r) => r.worseBy!);
  const lines = [head];
  if (floor.length > 0) {
    const sorted = [...floor].sort((a, b) => a - b);
    const mid = sorted[Math.floor(sorted.length / 2)]!;
    lines.push('', `The tcp-floor itself moved by a median of ${pct(mid)} over its ${floor.length} figures (how much faster or slower this machine is); the servers are compared as ratios to it.`);
  }
  if (shown.length === 0) return `${lines.join('\n')}\n`;
  const cell = (v: number | null, unit: string) => (v === null ? '–' : fmtMetric(v, unit));
  lines.push(
    '',
    '| verdict | server | metric | for | baseline | current | change | how |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...shown.map(
      (r) =>
        `| ${r.verdict === 'regression' ? '**regression**' : r.verdict} | ${escMd(r.server)} | ${escMd(r.label)} | ${escMd(`${r.kind}: ${r.params}`)} | ${cell(r.baseline, r.unit)} | ${cell(r.current, r.unit)} | ${pct(r.worseBy)} | ${escMd(r.note)} |`,
    ),
  );
  return `${lines.join('\n')}\n`;
}
