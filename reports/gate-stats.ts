// The gate's statistics: how much worse a figure got between two runs, with a confidence interval
// from their repetitions, and the rule that calls a regression.
//
// Why a bootstrap of the ratio of medians (written here, no library): the repetitions are few
// (3-5 per run), not normal (latency and memory are skewed, with rare stalls), and what a reader
// wants is "how many times worse, give or take": the median is robust to one stalled repetition,
// a ratio is unit-free, and resampling each run's repetitions says how far that ratio could move
// by chance. The resampling is seeded, so the same two files always give the same interval and
// the same verdict. (Mann–Whitney on 5 vs 5 repetitions would test the same separation, but gives
// no interval to print or to set against an effect size.)
import { median } from '../result/aggregate.ts';

/** mulberry32: a small, well-mixed 32-bit PRNG; the seed fixes every resample. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The median of one resample with replacement. Repetitions are few (3-11), so an insertion sort
 * into a reused typed array: Array#sort with a comparator, called 16,000 times per figure, was
 * most of `compare`'s time. The draws and the result are the same as sorting a copy.
 */
function resampledMedian(values: readonly number[], random: () => number, scratch: Float64Array): number {
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[Math.floor(random() * n)]!;
    let j = i;
    for (; j > 0 && scratch[j - 1]! > v; j--) scratch[j] = scratch[j - 1]!;
    scratch[j] = v;
  }
  const m = Math.floor(n / 2);
  return n % 2 === 1 ? scratch[m]! : (scratch[m - 1]! + scratch[m]!) / 2;
}

export interface Interval {
  /** The point estimate: the ratio of the medians themselves. */
  estimate: number;
  low: number;
  high: number;
}

export const RESAMPLES = 4000;
export const CONFIDENCE = 0.95;

/** One side of a comparison: a figure's repetitions in the baseline and in the current run. */
export interface Sample {
  baseline: readonly number[];
  current: readonly number[];
}

/**
 * "How many times worse": median(current)/median(baseline) for a lower-is-better figure (its
 * inverse for higher-is-better), divided by the same ratio of `floor` when given (the yardstick
 * measured in the same runs: a machine that ran 20 % slower moves the floor too). Interval: the
 * central CONFIDENCE of the ratio over RESAMPLES resamples, each run's repetitions (and the
 * floor's) drawn with replacement independently. All values must be > 0.
 */
export function worseFactor(sample: Sample, direction: 'lower' | 'higher', floor: Sample | null = null, seed = 1): Interval {
  const ratio = (b: number, c: number): number => (direction === 'lower' ? c / b : b / c);
  const point = ratio(median(sample.baseline), median(sample.current)) / (floor ? ratio(median(floor.baseline), median(floor.current)) : 1);
  const random = seededRandom(seed);
  const scratch = new Float64Array(Math.max(sample.baseline.length, sample.current.length, floor?.baseline.length ?? 0, floor?.current.length ?? 0));
  const draws = new Float64Array(RESAMPLES);
  for (let i = 0; i < RESAMPLES; i++) {
    const own = ratio(resampledMedian(sample.baseline, random, scratch), resampledMedian(sample.current, random, scratch));
    draws[i] = floor ? own / ratio(resampledMedian(floor.baseline, random, scratch), resampledMedian(floor.current, random, scratch)) : own;
  }
  draws.sort();
  const tail = (1 - CONFIDENCE) / 2;
  return { estimate: point, low: draws[Math.floor(tail * (RESAMPLES - 1))]!, high: draws[Math.ceil((1 - tail) * (RESAMPLES - 1))]! };
}

export type Call = 'regression' | 'improvement' | 'ok';

export interface Decision {
  call: Call;
  /** Why, in words: which condition held or failed. */
  why: string;
}

/**
 * The rule. `effect` is the smallest factor that counts (1.25 = 25 % worse). A regression needs
 * both: the estimate beyond the effect size (the change is large enough to matter, and larger
 * than what identical runs showed), and the whole interval above 1 (the repetitions agree: it is
 * not one stalled repetition). An improvement is the mirror image. Everything else is ok, and the
 * reason says which condition was missing.
 */
export function decide(i: Interval, effect: number): Decision {
  const pct = (f: number) => `${f >= 1 ? '+' : '−'}${Math.round(Math.abs(f - 1) * 100)} %`;
  if (i.estimate > effect) {
    if (i.low > 1) return { call: 'regression', why: `${pct(i.estimate)} is past the effect size ${pct(effect)} and the interval excludes no change` };
    return { call: 'ok', why: `${pct(i.estimate)} is past the effect size ${pct(effect)} but not significant: the interval reaches ${pct(i.low)}` };
  }
  if (i.estimate < 1 / effect) {
    if (i.high < 1) return { call: 'improvement', why: `${pct(i.estimate)} is past the effect size and the interval excludes no change` };
    return { call: 'ok', why: `better by more than the effect size but not significant: the interval reaches ${pct(i.high)}` };
  }
  return { call: 'ok', why: `${pct(i.estimate)} is within the effect size ±${Math.round((effect - 1) * 100)} %` };
}

/**
 * The rule for a speed-dependent figure that the floor also measured in both runs; `vsFloor` is the
 * factor of the server's figure divided, repetition by repetition, by the floor's from the same
 * round. A regression needs all three:
 * - significant: the server's own interval or the floor-divided one excludes no change (CPU per
 *   event drifts with the machine's load, so its floor-divided repetitions agree far better than
 *   its own; latency under contention the other way round: the floor's own stalls widen it);
 * - past the effect size against the floor: the machine's drift between the two runs cancelled;
 * - and past half the effect size on its own, the same way: a floor that merely ran fast cannot
 *   make an unchanged server a regression.
 * Chosen on two calibrations of 11 quick-suite runs each on the shared 2-core machine (README "The
 * CI gate"): requiring the server's own change past the whole effect size missed a +30 % CPU per
 * event in 2 of 10 comparisons when the machine ran faster during the faulty run.
 */
export function decideWithFloor(own: Interval, vsFloor: Interval, effect: number): Decision {
  const pct = (f: number) => `${f >= 1 ? '+' : '−'}${Math.round(Math.abs(f - 1) * 100)} %`;
  const half = 1 + (effect - 1) / 2;
  for (const dir of ['regression', 'improvement'] as const) {
    const worse = dir === 'regression';
    const pastFloor = worse ? vsFloor.estimate > effect : vsFloor.estimate < 1 / effect;
    if (!pastFloor) continue;
    const pastHalf = worse ? own.estimate > half : own.estimate < 1 / half;
    const significant = worse ? own.low > 1 || vsFloor.low > 1 : own.high < 1 || vsFloor.high < 1;
    if (!pastHalf) return { call: 'ok', why: `${pct(vsFloor.estimate)} against the floor is past the effect size ${pct(worse ? effect : 1 / effect)}, but on its own ${pct(own.estimate)} is within half of it: the floor moved, not the server` };
    if (!significant) return { call: 'ok', why: `${pct(vsFloor.estimate)} against the floor is past the effect size ${pct(worse ? effect : 1 / effect)} but not significant: both intervals reach no change` };
    return { call: dir, why: `${pct(vsFloor.estimate)} against the floor is past the effect size ${pct(worse ? effect : 1 / effect)}, ${pct(own.estimate)} on its own is past half of it, and ${(worse ? own.low > 1 : own.high < 1) ? 'its own' : 'the floor-divided'} interval excludes no change` };
  }
  return { call: 'ok', why: `${pct(vsFloor.estimate)} against the floor is within the effect size ±${Math.round((effect - 1) * 100)} % (${pct(own.estimate)} on its own)` };
}
