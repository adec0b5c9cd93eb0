// `pushbench compare`: the CI gate. Per group (scenario, server, parameters) and headline metric,
// the current median against the baseline median, with the metric's direction.
//
// Noise-robust by construction. A change is a regression only when it exceeds all of:
// - its relative threshold (per metric, from config);
// - the spread (max-min relative to the median) either run showed over its repetitions;
// - an absolute minimum change (a 0.1 ms move of a 0.4 ms p99 is 25 % and still nothing; memory
//   per connection within about a megabyte of the whole process, divided by the connections).
//
// Machine speed. Speed-dependent figures (latency, CPU per event, rates, connect times) are also
// judged against the tcp-floor measured in the same run with the same kind and parameters: the
// floor's slow-down factor is the median, over its speed-dependent figures, of current/baseline
// (a median over several figures, because any single floor figure - its p99 above all - is as
// noisy as the server's own: measured here, the floor's p99 moved 2x between identical quick
// runs). A server's change counts only as far as it shows both in its own figures and after
// dividing by that factor, whichever is nearer to "unchanged": a uniformly slower CI machine is
// not a regression, and a floor that merely happened to run fast is not one either. The price:
// on a machine faster than the baseline's, a regression smaller than the speed-up is not flagged.
// Memory figures are never divided: bytes per connection do not depend on CPU speed.
//
// Counts that must stay zero (gaps, duplicates, loss) regress on any increase. Groups only one
// run has are listed as not comparable, never silently dropped; two runs with no group in common
// are a usage error (wrong baseline), not a pass.
import { HEADLINE_METRICS } from '../harness/headline.ts';
import type { GroupSummary, RunResult, Stat } from '../harness/result.ts';
import { escMd } from './escape.ts';
import { fmtCount, fmtMetric } from './format.ts';
import { DEFAULT_MIN_CHANGE, DEFAULT_THRESHOLD, DEFAULT_THRESHOLDS, MEMORY_NOISE_BYTES } from './noise.ts';
import { describeParams } from './params-text.ts';

export { DEFAULT_MIN_CHANGE, DEFAULT_THRESHOLD, DEFAULT_THRESHOLDS, MEMORY_NOISE_BYTES };

/** Exit codes of `pushbench compare`: 0 no regression, 1 at least one regression, 2 usage error. */
export const COMPARE_EXIT = { ok: 0, regression: 1, usage: 2 } as const;

/** Metrics that must stay at zero: any increase is a regression, whatever the threshold. */
const MUST_NOT_INCREASE = new Set(['gaps', 'duplicates', 'lossRatio']);

/** Figures that scale with machine speed, so they are compared as ratios to the floor. */
function speedDependent(unit: string): boolean {
  return unit !== 'B' && unit !== '';
}

export type Verdict = 'regression' | 'improvement' | 'ok' | 'within noise' | 'not comparable' | 'reference';

export interface ComparisonRow {
  group: string;
  server: string;
  kind: GroupSummary['kind'];
  /** The group's parameters as a reader says them. */
  params: string;
  /** Headline metric name, or '(step)' for a row about the whole group. */
  metric: string;
  label: string;
  unit: string;
  baseline: number | null;
  current: number | null;
  /** The change that was judged, relative; positive = worse (see `raw` and `vsFloor`). */
  worseBy: number | null;
  /** The server's own relative change, positive = worse. */
  raw: number | null;
  /** The change after dividing by the floor's slow-down factor, when there was a floor. */
  vsFloor: number | null;
  /** Whether a floor factor was available for this group. */
  normalized: boolean;
  verdict: Verdict;
  note: string;
}

export interface FloorFactor {
  kind: GroupSummary['kind'];
  params: string;
  /** current/baseline slowness of the floor (1.2 = 20 % slower), median over `figures`. */
  factor: number;
  figures: number;
}

export interface CompareOutcome {
  rows: ComparisonRow[];
  /** The floor's slow-down factor per kind and parameters, for context. */
  floors: FloorFactor[];
  regressions: ComparisonRow[];
  /** Groups present, with a valid repetition, in both runs. */
  comparedGroups: number;
  exitCode: number;
}

export interface CompareOptions {
  /** Overrides the smallest change that counts (DEFAULT_MIN_CHANGE, MEMORY_NOISE_BYTES) per metric, in its unit. */
  minChange?: Record<string, number>;
}

/** current/baseline as a slow-down: > 1 is worse whatever the metric's direction. */
function slowness(direction: 'lower' | 'higher', b: number, c: number): number {
  return direction === 'lower' ? c / b : b / c;
}

function medianOf(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function floorFor(run: RunResult, g: GroupSummary): GroupSummary | undefined {
  const key = JSON.stringify(g.params);
  return run.groups.find((f) => f.protocol === 'tcp' && f.kind === g.kind && JSON.stringify(f.params) === key && f.validRepetitions > 0);
}

/** How much slower the floor ran now than in the baseline for this kind and parameters, or null. */
function floorFactor(baseline: RunResult, current: RunResult, g: GroupSummary): FloorFactor | null {
  const fb = floorFor(baseline, g);
  const fc = floorFor(current, g);
  if (!fb || !fc) return null;
  const ratios: number[] = [];
  for (const [metric, spec] of Object.entries(HEADLINE_METRICS[g.kind])) {
    if (!speedDependent(spec.unit) || MUST_NOT_INCREASE.has(metric)) continue;
    const b = fb.metrics[metric]?.median;
    const c = fc.metrics[metric]?.median;
    if (b === undefined || c === undefined || !(b > 0) || !(c > 0)) continue;
    ratios.push(slowness(spec.direction, b, c));
  }
  if (ratios.length === 0) return null;
  return { kind: g.kind, params: describeParams(g.kind, g.params).text, factor: medianOf(ratios), figures: ratios.length };
}

function relativeSpread(s: Stat): number {
  return s.n > 1 && s.median !== 0 ? Math.abs(s.max - s.min) / Math.abs(s.median) : 0;
}

export function compareResults(baseline: RunResult, current: RunResult, thresholds: Record<string, number> = {}, opts: CompareOptions = {}): CompareOutcome {
  const limits = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const rows: ComparisonRow[] = [];
  const floors: FloorFactor[] = [];
  let comparedGroups = 0;
  const groupRow = (g: GroupSummary, verdict: Verdict, note: string): ComparisonRow => ({
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
    raw: null,
    vsFloor: null,
    normalized: false,
    verdict,
    note,
  });
  for (const cur of current.groups) {
    const base = baseline.groups.find((b) => b.group === cur.group);
    if (!base) {
      rows.push(groupRow(cur, 'not comparable', 'not in the baseline'));
      continue;
    }
    if (cur.validRepetitions === 0) {
      if (base.validRepetitions === 0) {
        rows.push(groupRow(cur, 'not comparable', 'no valid repetition in either run'));
        continue;
      }
      const failed = current.steps.some((s) => s.group === cur.group && s.outcome.state === 'failed');
      // A server that now fails is a regression; an invalid measurement is not evidence either way.
      rows.push(groupRow(cur, failed ? 'regression' : 'not comparable', failed ? 'failed in the current run, completed in the baseline' : 'no valid repetition in the current run'));
      continue;
    }
    if (base.validRepetitions === 0) {
      rows.push(groupRow(cur, 'not comparable', 'no valid repetition in the baseline'));
      continue;
    }
    comparedGroups++;
    const floor = cur.protocol === 'tcp' ? null : floorFactor(baseline, current, cur);
    if (floor && !floors.some((f) => f.kind === floor.kind && f.params === floor.params)) floors.push(floor);
    for (const [metric, spec] of Object.entries(HEADLINE_METRICS[cur.kind])) {
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
        raw: null,
        vsFloor: null,
        normalized: false,
        verdict: 'ok',
        note: '',
      };
      rows.push(row);
      if (MUST_NOT_INCREASE.has(metric)) {
        if (c.median > b.median) {
          row.verdict = 'regression';
          row.note = `must not increase: ${fmtCount(b.median)} → ${fmtCount(c.median)}`;
        } else if (c.median < b.median) row.verdict = 'improvement';
        continue;
      }
      if (b.median <= 0 && c.median <= 0) continue; // both zero: nothing changed
      if (b.median <= 0 || c.median <= 0) {
        row.verdict = 'not comparable';
        row.note = `${b.median <= 0 ? 'baseline' : 'current'} is zero`;
        continue;
      }
      const raw = slowness(spec.direction, b.median, c.median) - 1;
      row.raw = raw;
      if (cur.protocol === 'tcp') {
        // The floor is the yardstick: a slower machine moves it, and that is exactly what must not
        // fail the gate. Its change is shown for context.
        row.verdict = 'reference';
        row.worseBy = raw;
        row.note = 'the floor is the reference, not gated';
        continue;
      }
      const divided = speedDependent(spec.unit) && floor ? (raw + 1) / floor.factor - 1 : null;
      row.vsFloor = divided;
      row.normalized = divided !== null;
      // Judged: the change that shows both in the server's own figure and against the floor; when
      // the two disagree on the direction, nothing changed that the floor cannot explain.
      const judged = divided === null ? raw : Math.sign(raw) !== Math.sign(divided) ? 0 : Math.abs(raw) < Math.abs(divided) ? raw : divided;
      row.worseBy = judged;
      const threshold = limits[metric] ?? DEFAULT_THRESHOLD;
      const noise = Math.max(relativeSpread(b), relativeSpread(c));
      const clients = (cur.params as { clients?: number }).clients ?? 0;
      const memoryNoise = MEMORY_NOISE_BYTES[metric];
      const minAbs = opts.minChange?.[metric] ?? (memoryNoise !== undefined && clients > 0 ? memoryNoise / clients : (DEFAULT_MIN_CHANGE[metric] ?? 0));
      const pctOf = (v: number) => `${v >= 0 ? '+' : '−'}${Math.round(Math.abs(v) * 100)} %`;
      const how = divided === null ? (speedDependent(spec.unit) ? 'own figures (no floor in both runs)' : 'own figures') : `own ${pctOf(raw)}, vs floor ${pctOf(divided)}`;
      row.note = `${how}; threshold ${Math.round(threshold * 100)} %${noise > 0 ? `, spread ${Math.round(noise * 100)} %` : ''}`;
      if (Math.abs(judged) <= threshold) row.verdict = 'ok';
      else if (Math.abs(judged) <= noise) row.verdict = 'within noise';
      else if (Math.abs(c.median - b.median) < minAbs) {
        row.verdict = 'within noise';
        row.note += `; moved less than ${fmtMetric(minAbs, spec.unit)}`;
      } else row.verdict = judged > 0 ? 'regression' : 'improvement';
    }
  }
  for (const base of baseline.groups) {
    if (!current.groups.some((c) => c.group === base.group)) rows.push(groupRow(base, 'not comparable', 'not in the current run'));
  }
  const regressions = rows.filter((r) => r.verdict === 'regression');
  const exitCode = comparedGroups === 0 && regressions.length === 0 ? COMPARE_EXIT.usage : regressions.length > 0 ? COMPARE_EXIT.regression : COMPARE_EXIT.ok;
  return { rows, floors, regressions, comparedGroups, exitCode };
}

function pct(worseBy: number | null): string {
  if (worseBy === null) return '–';
  const p = Math.round(Math.abs(worseBy) * 100);
  return p === 0 ? 'unchanged' : worseBy > 0 ? `${p} % worse` : `${p} % better`;
}

/**
 * The outcome as Markdown: a headline, how much the floor itself moved (the machine-speed
 * context), a table of every figure that is not plainly ok (regressions first), and the groups
 * that could not be compared, grouped by why.
 */
export function compareMarkdown(outcome: CompareOutcome): string {
  const figures = outcome.rows.filter((r) => r.metric !== '(step)' && r.verdict !== 'reference').length;
  const lines: string[] = [];
  if (outcome.exitCode === COMPARE_EXIT.usage) {
    lines.push('**Nothing to compare**: the two runs have no scenario/server/parameter group with a valid repetition in common (is the baseline from the same suite?).');
  } else {
    lines.push(
      outcome.regressions.length > 0
        ? `**${outcome.regressions.length} regression(s)** in ${figures} figures of ${outcome.comparedGroups} groups compared.`
        : `No regression in ${figures} figures of ${outcome.comparedGroups} groups compared.`,
    );
  }
  if (outcome.floors.length > 0) {
    const factors = outcome.floors.map((f) => f.factor);
    const lo = Math.min(...factors);
    const hi = Math.max(...factors);
    const say = (f: number) => (Math.abs(f - 1) < 0.005 ? 'the same speed' : f > 1 ? `${Math.round((f - 1) * 100)} % slower` : `${Math.round((1 - f) * 100)} % faster`);
    const ran = say(lo) === say(hi) ? (say(lo) === 'the same speed' ? 'at the same speed as' : `${say(lo)} than`) : `from ${say(lo)} to ${say(hi)} than`;
    lines.push(
      '',
      `The tcp-floor ran ${ran} in the baseline (median of its speed figures, per scenario and parameters); a server's change counts only as far as it shows both in its own figures and against the floor.`,
    );
  }
  const ORDER: Verdict[] = ['regression', 'within noise', 'improvement'];
  const shown = outcome.rows.filter((r) => ORDER.includes(r.verdict)).sort((a, b) => ORDER.indexOf(a.verdict) - ORDER.indexOf(b.verdict));
  if (shown.length > 0) {
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
  }
  const notComparable = new Map<string, string[]>();
  for (const r of outcome.rows.filter((x) => x.verdict === 'not comparable')) {
    const what = r.metric === '(step)' ? `${r.server} ${r.kind} ${r.params}` : `${r.server} ${r.label} (${r.kind} ${r.params})`;
    const list = notComparable.get(r.note);
    if (list) list.push(what);
    else notComparable.set(r.note, [what]);
  }
  if (notComparable.size > 0) {
    lines.push('', 'Not compared:');
    for (const [why, list] of notComparable) lines.push(`- ${escMd(why)} (${list.length}): ${escMd(list.join('; '))}`);
  }
  return `${lines.join('\n')}\n`;
}
