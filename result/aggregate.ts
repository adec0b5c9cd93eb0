// Median and spread over repetitions, per group, from completed steps only: invalid and failed
// steps are counted (totalRepetitions) but never averaged in. A metric a step did not measure
// (headlineOf leaves it out) is left out of that metric's n rather than counted as zero.
import { headlineOf } from './metrics.ts';
import type { GroupSummary, Stat, StepResult } from './result.ts';

export function groupSummaries(steps: StepResult[]): GroupSummary[] {
  const groups = new Map<string, StepResult[]>();
  for (const s of steps) {
    const list = groups.get(s.group);
    if (list) list.push(s);
    else groups.set(s.group, [s]);
  }
  return [...groups.values()].map((list) => {
    const first = list[0]!;
    const valid = list.filter((s) => s.outcome.state === 'completed');
    const values = new Map<string, number[]>();
    for (const s of valid) {
      for (const [k, v] of Object.entries(headlineOf(s))) {
        const arr = values.get(k);
        if (arr) arr.push(v);
        else values.set(k, [v]);
      }
    }
    // kind and params come from the same step, so they agree as GroupSummary's union asks.
    return {
      group: first.group,
      kind: first.kind,
      server: first.server,
      protocol: first.protocol,
      pair: first.pair,
      params: first.params,
      validRepetitions: valid.length,
      totalRepetitions: list.length,
      metrics: Object.fromEntries([...values].map(([k, v]) => [k, stat(v)])),
    } as GroupSummary;
  });
}

/** Median (mean of the middle two for an even count), min, max and n of at least one value. */
export function stat(values: number[]): Stat {
  if (values.length === 0) throw new Error('stat() of no values'); // a metric nobody measured has no entry
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** The median of at least one value: the mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median() of no values');
  const s = [...values].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
