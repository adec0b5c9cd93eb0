// `pushbench compare`: the CI gate. Per group (scenario, server, parameters) and headline figure,
// the current run's repetitions against the baseline's, decided with statistics (gate-stats.ts):
//
// - The change is a factor: median(current)/median(baseline) in the figure's bad direction, with
//   a 95 % bootstrap interval from both runs' repetitions (read from the steps, valid ones only).
// - A regression is both larger than the figure's effect size (EFFECT_SIZES in noise.ts: above
//   what identical runs showed here, and at least an absolute minimum change) and significant
//   (the whole interval above 1); speed figures as below. One stalled repetition moves neither a median nor the interval's
//   far end much; a real change moves all repetitions.
// - Speed-dependent figures (latency, CPU per event, rates, connect times) are judged a second time
//   against the tcp-floor measured in the same run with the same kind and parameters: each
//   repetition divided by the floor's same figure in the same round (the run interleaves them).
//   The factor of those ratios must pass the effect size, the server's own factor half of it, and
//   one of the two intervals must exclude no change (gate-stats.ts decideWithFloor): a uniformly
//   slower machine is not a regression, and a floor that merely happened to run fast is not one
//   either. Memory is never divided: bytes per connection do not depend on CPU speed.
// - Counts that must stay zero (gaps, duplicates, loss) regress when any repetition has more than
//   the baseline's worst. A group that completed in the baseline and now fails is a regression.
//
// Exit codes: 0 no regression; 1 at least one; 2 the two runs cannot be judged: no group in common
// with enough valid repetitions (e.g. an old single-repetition baseline), or a figure or group
// one run measured and the other did not. Never "no regression" for a figure nobody could judge.
import { median } from '../result/aggregate.ts';
import { HEADLINE_METRICS, headlineOf, type MetricSpec } from '../result/metrics.ts';
import type { GroupSummary, RunResult, StepResult } from '../result/result.ts';
import { escMd } from './escape.ts';
import { fmtCount, fmtMetric } from './format.ts';
import { decide, decideWithFloor, worseFactor, type Interval, type Sample } from './gate-stats.ts';
import { DEFAULT_EFFECT, EFFECT_SIZES, MIN_CHANGE, MEMORY_NOISE_BYTES } from './noise.ts';
import { describeParams } from './params-text.ts';

export { DEFAULT_EFFECT, EFFECT_SIZES, MIN_CHANGE, MEMORY_NOISE_BYTES };

/** Exit codes of `pushbench compare`: 0 no regression, 1 at least one regression, 2 usage error. */
export const COMPARE_EXIT = { ok: 0, regression: 1, usage: 2 } as const;

/** The fewest valid repetitions per run for a figure to be judged: below it there is no interval. */
export const MIN_REPETITIONS = 3;

/** Metrics that must stay at zero: any increase is a regression, whatever the effect size. */
const MUST_NOT_INCREASE = new Set(['gaps', 'duplicates', 'lossRatio']);

/** Figures that scale with machine speed, so they are also judged against the floor. */
function speedDependent(unit: string): boolean {
  return unit !== 'B' && unit !== '';
}

export type Verdict = 'regression' | 'improvement' | 'ok' | 'not comparable' | 'reference';

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
  /** Medians over the valid repetitions. */
  baseline: number | null;
  current: number | null;
  /** Valid repetitions that measured this figure, per run. */
  n: { baseline: number; current: number };
  /** The server's own worse factor with its interval (2 = twice as bad, whatever the direction). */
  own: Interval | null;
  /** The same after dividing by the floor's factor for this figure, when the floor measured it in both runs. */
  vsFloor: Interval | null;
  /** The smallest worse factor that counts for this figure here. */
  effect: number | null;
  /** The change that was judged, relative; positive = worse (the nearer to zero of own and vs floor). */
  worseBy: number | null;
  /** The server's own relative change, positive = worse. */
  raw: number | null;
  /** Whether the figure was also judged against the floor. */
  normalized: boolean;
  verdict: Verdict;
  /** Why it was or was not called. */
  note: string;
  /** A figure or group that one run has and the other cannot be judged on: exit 2. */
  unjudged: boolean;
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
  /** Rows that could not be judged although one run measured them (they make the exit code 2). */
  unjudged: ComparisonRow[];
  /** Groups judged: present in both runs with enough valid repetitions. */
  comparedGroups: number;
  /** Set when nothing could be compared at all: the one line that says why. */
  refusal: string | null;
  exitCode: number;
}

export interface CompareOptions {
  /** Overrides the smallest change that counts (MIN_CHANGE, MEMORY_NOISE_BYTES) per metric, in its unit. */
  minChange?: Record<string, number>;
}

/** headlineOf per step, once: it decodes the latency histogram for p1. */
const headlines = new WeakMap<StepResult, Record<string, number>>();
function headlineCached(step: StepResult): Record<string, number> {
  let h = headlines.get(step);
  if (!h) headlines.set(step, (h = headlineOf(step)));
  return h;
}

/** A figure's values over the valid (completed) repetitions of a group, by repetition. */
function valuesByRepetition(run: RunResult, group: string, metric: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of run.steps) {
    if (s.group !== group || s.outcome.state !== 'completed') continue;
    const v = headlineCached(s)[metric];
    if (v !== undefined) out.set(s.repetition, v);
  }
  return out;
}

function repetitionValues(run: RunResult, group: string, metric: string): number[] {
  return [...valuesByRepetition(run, group, metric)].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/**
 * The server's figure divided by the floor's in the same repetition: the run interleaves them, so
 * repetition r of both ran in the same round, seconds apart, under the same machine load. Measured
 * here, CPU per 1k events moved by up to 28 % between identical runs as the machine's load
 * changed, and this ratio by under 10 %. Only repetitions both have, all values positive.
 */
function pairedWithFloor(run: RunResult, group: string, floorGroup: string, metric: string): number[] {
  const own = valuesByRepetition(run, group, metric);
  const floor = valuesByRepetition(run, floorGroup, metric);
  const out: number[] = [];
  for (const [rep, v] of [...own].sort((a, b) => a[0] - b[0])) {
    const f = floor.get(rep);
    if (f !== undefined && f > 0 && v > 0) out.push(v / f);
  }
  return out;
}

function validRepetitions(run: RunResult, group: string): number {
  return run.steps.filter((s) => s.group === group && s.outcome.state === 'completed').length;
}

function floorFor(run: RunResult, g: GroupSummary): GroupSummary | undefined {
  const key = JSON.stringify(g.params);
  return run.groups.find((f) => f.protocol === 'tcp' && f.kind === g.kind && JSON.stringify(f.params) === key);
}

/** A stable seed per figure: the same two files always resample alike. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const pctOf = (f: number): string => `${f >= 1 ? '+' : '−'}${Math.round(Math.abs(f - 1) * 100)} %`;

/** "+12 % [+3 %, +25 %]" */
export function intervalText(i: Interval): string {
  return `${pctOf(i.estimate)} [${pctOf(i.low)}, ${pctOf(i.high)}]`;
}

/** The smallest worse factor that counts: the effect size, and at least the absolute minimum change. */
function effectFor(metric: string, spec: MetricSpec, baselineMedian: number, clients: number, effects: Record<string, number>, opts: CompareOptions): number {
  const relative = 1 + (effects[metric] ?? DEFAULT_EFFECT);
  const memoryNoise = MEMORY_NOISE_BYTES[metric];
  const minAbs = opts.minChange?.[metric] ?? (memoryNoise !== undefined && clients > 0 ? memoryNoise / clients : (MIN_CHANGE[metric] ?? 0));
  if (!(minAbs > 0) || !(baselineMedian > 0)) return relative;
  // Worse by minAbs: up by it for lower-is-better, down by it for higher-is-better.
  const absolute = spec.direction === 'lower' ? (baselineMedian + minAbs) / baselineMedian : baselineMedian > minAbs ? baselineMedian / (baselineMedian - minAbs) : Infinity;
  return Math.max(relative, absolute);
}

/** `effects`: per-metric effect sizes as fractions (0.25 = 25 %), over EFFECT_SIZES (a config file's "thresholds"). */
export function compareResults(baseline: RunResult, current: RunResult, effects: Record<string, number> = {}, opts: CompareOptions = {}): CompareOutcome {
  const limits = { ...EFFECT_SIZES, ...effects };
  const rows: ComparisonRow[] = [];
  const floors: FloorFactor[] = [];
  let comparedGroups = 0;
  let groupsInCommon = 0;
  let thinGroups = 0;
  const blank = (g: GroupSummary) => ({
    group: g.group,
    server: g.server,
    kind: g.kind,
    params: describeParams(g.kind, g.params).text,
    baseline: null,
    current: null,
    n: { baseline: 0, current: 0 },
    own: null,
    vsFloor: null,
    effect: null,
    worseBy: null,
    raw: null,
    normalized: false,
  });
  const groupRow = (g: GroupSummary, verdict: Verdict, note: string, unjudged: boolean): ComparisonRow => ({ ...blank(g), metric: '(step)', label: 'step outcome', unit: '', verdict, note, unjudged });

  for (const cur of current.groups) {
    const base = baseline.groups.find((b) => b.group === cur.group);
    if (!base) {
      rows.push(groupRow(cur, 'not comparable', 'not in the baseline', false));
      continue;
    }
    groupsInCommon++;
    const nb = validRepetitions(baseline, cur.group);
    const nc = validRepetitions(current, cur.group);
    if (nc === 0 && nb > 0 && current.steps.some((s) => s.group === cur.group && s.outcome.state === 'failed')) {
      rows.push(groupRow(cur, 'regression', 'failed in the current run, completed in the baseline', false));
      continue;
    }
    if (nb < MIN_REPETITIONS || nc < MIN_REPETITIONS) {
      thinGroups++;
      const which = nb < MIN_REPETITIONS && nc < MIN_REPETITIONS ? `the baseline has ${nb}, the current run ${nc}` : nb < MIN_REPETITIONS ? `the baseline has ${nb}` : `the current run has ${nc}`;
      // The floor is not gated: without it the servers are judged on their own figures.
      const floor = cur.protocol === 'tcp';
      rows.push(groupRow(cur, 'not comparable', `too few valid repetitions to judge (${which}; the gate needs ${MIN_REPETITIONS})${floor ? ': the servers are judged without the floor' : ''}`, !floor));
      continue;
    }
    comparedGroups++;
    const floorBase = cur.protocol === 'tcp' ? undefined : floorFor(baseline, cur);
    const floorCur = cur.protocol === 'tcp' ? undefined : floorFor(current, cur);
    const floorRatios: number[] = [];
    const clients = (cur.params as { clients?: number }).clients ?? 0;
    for (const [metric, spec] of Object.entries(HEADLINE_METRICS[cur.kind])) {
      const b = repetitionValues(baseline, cur.group, metric);
      const c = repetitionValues(current, cur.group, metric);
      if (b.length === 0 && c.length === 0) continue; // this server does not measure it
      const row: ComparisonRow = {
        ...blank(cur),
        metric,
        label: spec.label,
        unit: spec.unit,
        baseline: b.length > 0 ? median(b) : null,
        current: c.length > 0 ? median(c) : null,
        n: { baseline: b.length, current: c.length },
        verdict: 'ok',
        note: '',
        unjudged: false,
      };
      rows.push(row);
      if (b.length === 0 || c.length === 0) {
        row.verdict = 'not comparable';
        row.unjudged = true;
        row.note = `measured only in the ${b.length === 0 ? 'current run' : 'baseline'}`;
        continue;
      }
      if (cur.protocol === 'tcp') {
        // The floor is the yardstick: a slower machine moves it, and that must not fail the gate.
        row.verdict = 'reference';
        const positive = [...b, ...c].every((v) => v > 0) && !MUST_NOT_INCREASE.has(metric);
        if (positive && b.length >= MIN_REPETITIONS && c.length >= MIN_REPETITIONS) {
          row.own = worseFactor({ baseline: b, current: c }, spec.direction, null, seedOf(`${cur.group}\u0000${metric}`));
          row.raw = row.own.estimate - 1;
          row.worseBy = row.raw;
          if (speedDependent(spec.unit)) floorRatios.push(row.own.estimate);
        }
        row.note = `the floor is the reference, not gated${row.own ? `: ${intervalText(row.own)}` : ''}`;
        continue;
      }
      if (MUST_NOT_INCREASE.has(metric)) {
        const worstB = Math.max(...b);
        const worstC = Math.max(...c);
        if (worstC > worstB) {
          row.verdict = 'regression';
          row.note = `must not increase: worst repetition ${fmtCount(worstB)} → ${fmtCount(worstC)}`;
        } else if (worstC < worstB) {
          row.verdict = 'improvement';
          row.note = `worst repetition ${fmtCount(worstB)} → ${fmtCount(worstC)}`;
        } else row.note = `worst repetition ${fmtCount(worstC)} in both`;
        continue;
      }
      if (b.length < MIN_REPETITIONS || c.length < MIN_REPETITIONS) {
        row.verdict = 'not comparable';
        row.unjudged = true;
        row.note = `measured in too few repetitions (${b.length} and ${c.length}; the gate needs ${MIN_REPETITIONS})`;
        continue;
      }
      if (b.every((v) => v <= 0) && c.every((v) => v <= 0)) {
        row.note = 'zero in every repetition of both runs';
        continue;
      }
      if (b.some((v) => v <= 0) || c.some((v) => v <= 0)) {
        // A ratio needs positive values; a figure that is sometimes zero (idle CPU) is judged on
        // its absolute change against the minimum instead.
        const minAbs = opts.minChange?.[metric] ?? MIN_CHANGE[metric] ?? 0;
        const shift = spec.direction === 'lower' ? row.current! - row.baseline! : row.baseline! - row.current!;
        const separated = spec.direction === 'lower' ? Math.min(...c) > Math.max(...b) : Math.max(...c) < Math.min(...b);
        row.worseBy = null;
        if (minAbs > 0 && shift > minAbs && separated) {
          row.verdict = 'regression';
          row.note = `zero in some repetitions: judged by its median's change ${fmtMetric(shift, spec.unit)} against the minimum ${fmtMetric(minAbs, spec.unit)}, every current repetition worse than every baseline one`;
        } else row.note = `zero in some repetitions: its median moved ${fmtMetric(Math.abs(shift), spec.unit)}${minAbs > 0 ? `, the minimum that counts is ${fmtMetric(minAbs, spec.unit)}` : ''} (and it must move in every repetition)`;
        continue;
      }
      const seed = seedOf(`${cur.group}\u0000${metric}`);
      const own = worseFactor({ baseline: b, current: c }, spec.direction, null, seed);
      row.own = own;
      row.raw = own.estimate - 1;
      const effect = effectFor(metric, spec, row.baseline!, clients, limits, opts);
      row.effect = effect;
      let paired: Sample | null = null;
      if (speedDependent(spec.unit) && floorBase && floorCur) {
        const pb = pairedWithFloor(baseline, cur.group, floorBase.group, metric);
        const pc = pairedWithFloor(current, cur.group, floorCur.group, metric);
        if (pb.length >= MIN_REPETITIONS && pc.length >= MIN_REPETITIONS) paired = { baseline: pb, current: pc };
      }
      if (!paired) {
        const ownCall = decide(own, effect);
        row.worseBy = row.raw;
        row.verdict = ownCall.call;
        row.note = `${intervalText(own)}: ${ownCall.why}${speedDependent(spec.unit) ? ' (no floor in both runs to judge against)' : ''}`;
        continue;
      }
      const vsFloor = worseFactor(paired, spec.direction, null, seed ^ 0x9e3779b9);
      row.vsFloor = vsFloor;
      row.normalized = true;
      const call = decideWithFloor(own, vsFloor, effect);
      // The change that shows both ways: when the two disagree on the direction, the floor explains it.
      const rawChange = own.estimate - 1;
      const divChange = vsFloor.estimate - 1;
      row.worseBy = Math.sign(rawChange) !== Math.sign(divChange) ? 0 : Math.abs(rawChange) < Math.abs(divChange) ? rawChange : divChange;
      row.verdict = call.call;
      row.note = `own ${intervalText(own)}, vs floor ${intervalText(vsFloor)}: ${call.why}`;
    }
    if (floorRatios.length > 0 && !floors.some((f) => f.kind === cur.kind && f.params === describeParams(cur.kind, cur.params).text)) {
      floors.push({ kind: cur.kind, params: describeParams(cur.kind, cur.params).text, factor: median(floorRatios), figures: floorRatios.length });
    }
  }
  for (const base of baseline.groups) {
    if (!current.groups.some((c) => c.group === base.group)) rows.push(groupRow(base, 'not comparable', 'not in the current run', false));
  }
  const regressions = rows.filter((r) => r.verdict === 'regression');
  const unjudged = rows.filter((r) => r.unjudged);
  let refusal: string | null = null;
  if (comparedGroups === 0 && regressions.length === 0) {
    refusal =
      groupsInCommon === 0
        ? 'the two runs have no scenario/server/parameter group in common (is the baseline from the same suite?)'
        : `no group in common has ${MIN_REPETITIONS} valid repetitions in both runs (${thinGroups} too few): the gate judges repetitions; make the baseline with the current quick suite (npx pushbench run --suite quick, then copy its results.json)`;
  }
  const exitCode = regressions.length > 0 ? COMPARE_EXIT.regression : refusal !== null || unjudged.length > 0 ? COMPARE_EXIT.usage : COMPARE_EXIT.ok;
  return { rows, floors, regressions, unjudged, comparedGroups, refusal, exitCode };
}

function pct(worseBy: number | null): string {
  if (worseBy === null) return '–';
  const p = Math.round(Math.abs(worseBy) * 100);
  return p === 0 ? 'unchanged' : worseBy > 0 ? `${p} % worse` : `${p} % better`;
}

/**
 * The outcome as Markdown: a headline, how much the floor itself moved (the machine-speed
 * context), a table of every judged figure with its interval and why it was or was not called
 * (regressions first), and the groups that could not be compared, grouped by why.
 */
export function compareMarkdown(outcome: CompareOutcome): string {
  const judged = outcome.rows.filter((r) => r.metric !== '(step)' && (r.verdict === 'regression' || r.verdict === 'improvement' || r.verdict === 'ok'));
  const lines: string[] = [];
  if (outcome.refusal !== null) {
    lines.push(`**Nothing to compare**: ${escMd(outcome.refusal)}.`);
  } else {
    const head =
      outcome.regressions.length > 0
        ? `**${outcome.regressions.length} regression(s)** in ${judged.length} figures of ${outcome.comparedGroups} groups compared.`
        : `No regression in ${judged.length} figures of ${outcome.comparedGroups} groups compared.`;
    lines.push(head);
    if (outcome.unjudged.length > 0) lines.push('', `**${outcome.unjudged.length} figure(s) or group(s) could not be judged** (exit 2; see "Not compared" below): a gate that cannot see a figure does not pass it.`);
  }
  if (outcome.floors.length > 0) {
    const factors = outcome.floors.map((f) => f.factor);
    const lo = Math.min(...factors);
    const hi = Math.max(...factors);
    const say = (f: number) => (Math.abs(f - 1) < 0.005 ? 'the same speed' : f > 1 ? `${Math.round((f - 1) * 100)} % slower` : `${Math.round((1 - f) * 100)} % faster`);
    const ran = say(lo) === say(hi) ? (say(lo) === 'the same speed' ? 'at the same speed as' : `${say(lo)} than`) : `from ${say(lo)} to ${say(hi)} than`;
    lines.push(
      '',
      `The tcp-floor ran ${ran} in the baseline (median of its speed figures, per scenario and parameters); a speed figure is a regression only if it is one both on its own and against the floor.`,
    );
  }
  if (judged.length > 0) {
    const ORDER: Verdict[] = ['regression', 'improvement', 'ok'];
    const shown = [...judged].sort((a, b) => ORDER.indexOf(a.verdict) - ORDER.indexOf(b.verdict));
    const cell = (v: number | null, unit: string, n: number) => (v === null ? '–' : `${fmtMetric(v, unit)} (${n})`);
    lines.push(
      '',
      'Each figure: the median of the valid repetitions (how many), the change as a factor with its 95 % bootstrap interval, on its own and against the tcp-floor of the same run, and the effect size a regression must pass.',
      '',
      '| verdict | server | figure | for | baseline | current | change | vs floor | effect size | why |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...shown.map(
        (r) =>
          `| ${r.verdict === 'regression' ? '**regression**' : r.verdict} | ${escMd(r.server)} | ${escMd(r.label)} | ${escMd(`${r.kind}: ${r.params}`)} | ${cell(r.baseline, r.unit, r.n.baseline)} | ${cell(r.current, r.unit, r.n.current)} | ${r.own ? intervalText(r.own) : pct(r.worseBy)} | ${r.vsFloor ? intervalText(r.vsFloor) : '–'} | ${r.effect === null ? '–' : r.effect === Infinity ? 'n/a' : `+${Math.round((r.effect - 1) * 100)} %`} | ${escMd(whyOnly(r.note))} |`,
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

/** The note without the intervals the table already shows in their own columns. */
function whyOnly(note: string): string {
  const colon = note.indexOf(': ');
  return note.startsWith('own ') || note.startsWith('+') || note.startsWith('−') ? note.slice(colon + 2) : note;
}
