// HDR histograms (hdr-histogram-js, JS backend: nothing to destroy, nothing to initialise).
// Workers record, serialize compressed base64 over IPC, and the coordinator merges: never arrays
// of samples. Summaries read only bucket values, so a merged histogram summarizes exactly like one
// recorded in a single process.
import type * as hdr from 'hdr-histogram-js';
// The three parts used, not the package's index: the index also loads its log reader and writer,
// whose module-level Intl.NumberFormat alone cost ~30 ms of every process start (client workers,
// commands, test files); bundled (bin/bundle-cache.mjs) the parts load in ~40 ms less than the index.
import { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js/dist/encoding.js';
import { JsHistogram } from 'hdr-histogram-js/dist/JsHistogram.js';
import type { HistogramSummary } from './result.ts';

export type Histogram = hdr.Histogram;
export type HistogramUnit = 'us' | 'ms';

/**
 * Highest trackable value per unit: latencies in µs up to 60 s; connect and reconnect times in
 * ms up to an hour. The lowest is 1 in both; 0 is still recordable (a sub-resolution value).
 */
export const HIGHEST: Readonly<Record<HistogramUnit, number>> = { us: 60_000_000, ms: 3_600_000 };

export function createHistogram(unit: HistogramUnit = 'us'): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST[unit],
    numberOfSignificantValueDigits: 3,
    // Fixed range: out-of-range values are clamped and counted by record(), never resized, so
    // every histogram of a unit has the same shape and merges without surprises.
    autoResize: false,
    useWebAssembly: false,
  });
}

/** A latency histogram: µs, 1 µs .. 60 s, 3 significant digits. */
export function createLatencyHistogram(): Histogram {
  return createHistogram('us');
}

/** Values record() had to clamp (or could not record at all), per histogram. */
export interface OutOfRange {
  /** Negative values, recorded as 0. */
  below: number;
  /** Values above the highest trackable value, recorded as that value. */
  above: number;
  /** NaN: not recorded. */
  notANumber: number;
}

// Kept beside the histogram rather than inside it: the HDR encoding has no field for it, and
// the hot path (in-range values) never touches this map.
const outOfRangeCounts = new WeakMap<Histogram, OutOfRange>();

function outOfRangeOf(h: Histogram): OutOfRange {
  let o = outOfRangeCounts.get(h);
  if (!o) {
    o = { below: 0, above: 0, notANumber: 0 };
    outOfRangeCounts.set(h, o);
  }
  return o;
}

/**
 * Records one value (rounded to an integer). Never throws for a bad value: a negative value is
 * recorded as 0, one above the range as the highest trackable value, NaN is skipped; each is
 * counted in outOfRange(h) so a caller can report it.
 */
export function record(h: Histogram, value: number): void {
  if (value >= 0 && value <= h.highestTrackableValue) {
    h.recordValue(Math.round(value));
  } else if (value < 0) {
    outOfRangeOf(h).below++;
    h.recordValue(0);
  } else if (value > h.highestTrackableValue) {
    outOfRangeOf(h).above++;
    h.recordValue(h.highestTrackableValue);
  } else {
    outOfRangeOf(h).notANumber++;
  }
}

/** What record() clamped or skipped on this histogram (this process only: not carried by the encoding). */
export function outOfRange(h: Histogram): OutOfRange {
  return { ...(outOfRangeCounts.get(h) ?? { below: 0, above: 0, notANumber: 0 }) };
}

/** Compressed base64 (HdrHistogram V2 compressed encoding); '' for an empty histogram. */
export function encodeHistogram(h: Histogram): string {
  return h.totalCount > 0 ? encodeIntoCompressedBase64(h) : '';
}

/** The histogram an encodeHistogram() string came from; '' is an empty µs histogram. */
export function decodeHistogram(encoded: string): Histogram {
  if (encoded === '') return createHistogram('us');
  try {
    return decodeFromCompressedBase64(encoded, 32, false);
  } catch (err) {
    throw new Error(`not an encoded HDR histogram (${(err as Error).message}): ${JSON.stringify(encoded.slice(0, 40))}`);
  }
}

/** Adds an encoded histogram (from a worker) into `target`. */
export function mergeInto(target: Histogram, encoded: string): void {
  if (encoded === '') return;
  const part = decodeHistogram(encoded);
  try {
    target.add(part);
  } catch (err) {
    throw new Error(`cannot merge a histogram with max ${part.maxValue} into one that tracks up to ${target.highestTrackableValue} (were the units mixed?): ${(err as Error).message}`);
  }
}

/**
 * The mean exactly as HDR's own `mean` sums it (each non-empty bucket's median equivalent value
 * times its count, in bucket order, over the total count), in one pass over the counts array: HDR's
 * getter walks a value iterator that allocates per bucket, which measured most of a summary's time
 * (reports' fixtures and the compare tests spent ~1 s of CPU in it).
 */
export function bucketMean(h: Histogram): number {
  if (!(h instanceof JsHistogram) || h.totalCount === 0) return h.mean;
  let total = 0;
  for (let i = 0; i < h.countsArrayLength; i++) {
    const c = h.getCountAtIndex(i);
    if (c > 0) total += h.medianEquivalentValue(h.valueFromIndex(i)) * c;
  }
  return total / h.totalCount;
}

/** Summary in the unit the histogram was recorded in. Every field is read from buckets (see top). */
export function summarize(h: Histogram, unit: HistogramUnit): HistogramSummary {
  const n = h.totalCount;
  if (n === 0) return { unit, count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, encoded: '' };
  return {
    unit,
    count: n,
    // The lowest value of the first non-empty bucket (percentile 0 is special-cased by HDR).
    min: h.getValueAtPercentile(0),
    mean: bucketMean(h),
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    // The bucket's highest value, not maxValue (the exact value recorded here, which decoding
    // cannot know): identical whether recorded here or decoded and merged.
    max: h.getValueAtPercentile(100),
    encoded: encodeHistogram(h),
  };
}

/**
 * A µs-recorded histogram summarized in ms (fractions kept): connect and reconnect times are
 * recorded in µs because most loopback connects take well under a millisecond. `encoded` stays
 * the µs histogram.
 */
export function summarizeAs(h: Histogram, unit: 'ms'): HistogramSummary {
  const us = summarize(h, 'us');
  const f = 1000;
  return { ...us, unit, min: us.min / f, mean: us.mean / f, p50: us.p50 / f, p90: us.p90 / f, p99: us.p99 / f, p999: us.p999 / f, max: us.max / f };
}

export interface SpectrumPoint {
  /** Percentile level, 0..100. */
  percentile: number;
  /** Value at that level, in the histogram's unit (the bucket's highest equivalent value). */
  value: number;
  /** Recorded values ≤ value. */
  totalCount: number;
}

/**
 * HdrHistogram's percentile distribution (outputPercentileDistribution's rows): levels 0, 10,
 * 20 … 50, 55 … 75, 77.5 … — `ticksPerHalfDistance` steps in each half of the distance left to
 * 100 %, so the tail is sampled as densely as the data allows — ending with 100 % at the max.
 */
export function percentileSpectrum(encoded: string, ticksPerHalfDistance = 5): SpectrumPoint[] {
  const h = decodeHistogram(encoded);
  if (h.totalCount === 0) return [];
  if (!(h instanceof JsHistogram)) throw new Error('percentileSpectrum needs a JS-backend histogram');
  const it = h.percentileIterator;
  it.reset(ticksPerHalfDistance);
  const out: SpectrumPoint[] = [];
  while (it.hasNext()) {
    const v = it.next();
    out.push({ percentile: v.percentileLevelIteratedTo, value: v.valueIteratedTo, totalCount: v.totalCountToThisValue });
  }
  return out;
}
