// HDR histograms (hdr-histogram-js, JS backend: nothing to destroy). Workers record, serialize
// compressed base64 over IPC, and the coordinator merges: never arrays of samples.
import * as hdr from 'hdr-histogram-js';
import type { HistogramSummary } from '../result.ts';

export type Histogram = hdr.Histogram;

/** Latencies in µs up to 60 s; connect and reconnect times in ms up to an hour. */
const HIGHEST = { us: 60_000_000, ms: 3_600_000 } as const;

export function createHistogram(unit: 'us' | 'ms' = 'us'): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST[unit],
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    useWebAssembly: false,
  });
}

/** Records one value, clamped to ≥ 0 (a value below the clock's resolution is 0, not an error). */
export function record(h: Histogram, value: number): void {
  h.recordValue(value > 0 ? Math.round(value) : 0);
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  if (encoded === '') return createHistogram();
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/** Adds an encoded histogram (from a worker) into `target`. */
export function mergeInto(target: Histogram, encoded: string): void {
  if (encoded === '') return;
  target.add(decodeHistogram(encoded));
}

export function summarize(h: Histogram, unit: 'us' | 'ms'): HistogramSummary {
  const n = h.totalCount;
  return {
    unit,
    count: n,
    min: n > 0 ? h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : Math.min(h.minNonZeroValue, h.getValueAtPercentile(0)) : 0,
    mean: n > 0 ? h.mean : 0,
    p50: n > 0 ? h.getValueAtPercentile(50) : 0,
    p90: n > 0 ? h.getValueAtPercentile(90) : 0,
    p99: n > 0 ? h.getValueAtPercentile(99) : 0,
    p999: n > 0 ? h.getValueAtPercentile(99.9) : 0,
    // The bucket's value, not maxValue: identical whether recorded here or decoded and merged.
    max: n > 0 ? h.getValueAtPercentile(100) : 0,
    encoded: n > 0 ? encodeHistogram(h) : '',
  };
}

/**
 * A µs-recorded histogram summarized in ms (fractions kept): connect and reconnect times are
 * recorded in µs because most loopback connects take well under a millisecond.
 */
export function summarizeAs(h: Histogram, unit: 'ms'): HistogramSummary {
  const us = summarize(h, 'us');
  const f = 1000;
  return { ...us, unit, min: us.min / f, mean: us.mean / f, p50: us.p50 / f, p90: us.p90 / f, p99: us.p99 / f, p999: us.p999 / f, max: us.max / f };
}

/** HdrHistogram-style percentile distribution: value at each percentile on a 1/(1−p) scale. */
export function percentileSpectrum(encoded: string): { percentile: number; value: number }[] {
  const h = decodeHistogram(encoded);
  if (h.totalCount === 0) return [];
  const out: { percentile: number; value: number }[] = [];
  for (const p of [0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100]) {
    out.push({ percentile: p, value: h.getValueAtPercentile(p) });
  }
  return out;
}
