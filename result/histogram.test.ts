import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { fixtureArgs } from '../harness/lifecycle/fixtures/launch.ts';
import { latencyValues } from './fixtures/latency-values.ts';
import {
  HIGHEST,
  bucketMean,
  createHistogram,
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeInto,
  outOfRange,
  percentileSpectrum,
  record,
  summarize,
  summarizeAs,
} from './histogram.ts';

const CHILD = fileURLToPath(new URL('./fixtures/record-histogram.ts', import.meta.url));

/** Records seed's values in a separate Node process and returns its encoded histogram. */
function recordInChild(seed: number, n: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // The fixture's bundle, or the source with tsx's loader in execArgv.
    const args = fixtureArgs(CHILD);
    const p = fork(args.at(-1)!, [], { execArgv: args.slice(0, -1), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let encoded: string | null = null;
    p.once('message', (m) => (encoded = m as string));
    p.once('error', reject);
    // Resolve on exit so no child outlives the test.
    p.once('exit', (code) => (encoded !== null ? resolve(encoded) : reject(new Error(`child exited ${code} without a histogram`))));
    p.send({ seed, n });
  });
}

it('a histogram merged from four processes equals one recorded in a single process', async () => {
  const n = 20_000;
  const encoded = await Promise.all([1, 2, 3, 4].map((seed) => recordInChild(seed, n)));
  const merged = createLatencyHistogram();
  for (const e of encoded) mergeInto(merged, e);
  const single = createLatencyHistogram();
  for (const seed of [1, 2, 3, 4]) for (const v of latencyValues(seed, n)) record(single, v);

  assert.equal(merged.totalCount, 4 * n);
  const a = summarize(merged, 'us');
  const b = summarize(single, 'us');
  assert.deepEqual({ ...a, encoded: '' }, { ...b, encoded: '' });
  assert.equal(a.count, 80_000);
  // The outliers (every 997th value is ≥ 250 ms) are in the max bucket of both.
  assert.ok(a.max >= 250_050 && a.max <= 255_050 * 1.001, `max ${a.max}`);
  for (const p of [0, 1, 25, 50, 90, 99, 99.9, 99.99, 100]) assert.equal(merged.getValueAtPercentile(p), single.getValueAtPercentile(p), `p${p}`);
  // And the merged histogram re-encodes to what a single process would send.
  assert.equal(encodeHistogram(decodeHistogram(a.encoded)), encodeHistogram(decodeHistogram(b.encoded)));
});

it('summarizes exactly where 3 significant digits are exact (values below 2048)', () => {
  const h = createLatencyHistogram();
  for (let v = 1; v <= 1000; v++) record(h, v);
  const s = summarize(h, 'us');
  assert.deepEqual({ ...s, encoded: '' }, { unit: 'us', count: 1000, min: 1, mean: 500.5, p50: 500, p90: 900, p99: 990, p999: 999, max: 1000, encoded: '' });
  const back = decodeHistogram(s.encoded);
  assert.deepEqual(summarize(back, 'us'), s);
});

it("the mean is HDR's own mean to the last bit, for recorded, decoded and merged histograms of both units", () => {
  for (const unit of ['us', 'ms'] as const) {
    const h = createHistogram(unit);
    for (const v of latencyValues(unit === 'us' ? 3 : 4, 5000)) record(h, unit === 'us' ? v : v / 7);
    const decoded = decodeHistogram(encodeHistogram(h));
    const merged = createHistogram(unit);
    mergeInto(merged, encodeHistogram(h));
    mergeInto(merged, encodeHistogram(decoded));
    for (const x of [h, decoded, merged]) {
      assert.ok(x.totalCount >= 5000);
      assert.equal(bucketMean(x), x.mean);
    }
  }
  assert.equal(bucketMean(createHistogram('us')), 0);
});

it('summarizes µs as ms when asked, keeping the µs encoding', () => {
  const h = createLatencyHistogram();
  for (const v of [500, 1500, 1500, 2000]) record(h, v);
  const ms = summarizeAs(h, 'ms');
  assert.equal(ms.unit, 'ms');
  assert.equal(ms.count, 4);
  assert.equal(ms.min, 0.5);
  assert.equal(ms.p50, 1.5);
  assert.equal(ms.max, 2);
  assert.equal(ms.mean, 1.375);
  assert.equal(ms.encoded, summarize(h, 'us').encoded);
});

it('an empty histogram encodes to "" and summarizes to zeros', () => {
  const empty = createLatencyHistogram();
  assert.equal(encodeHistogram(empty), '');
  assert.equal(decodeHistogram('').totalCount, 0);
  assert.deepEqual(summarize(empty, 'us'), { unit: 'us', count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, encoded: '' });
  const target = createLatencyHistogram();
  mergeInto(target, '');
  assert.equal(target.totalCount, 0);
  assert.deepEqual(percentileSpectrum(''), []);
});

it('clamps out-of-range values, counts them, and never throws', () => {
  const h = createLatencyHistogram();
  record(h, -5);
  record(h, HIGHEST.us * 10);
  record(h, Number.POSITIVE_INFINITY);
  record(h, Number.NaN);
  record(h, 0);
  record(h, 12.6);
  assert.equal(h.totalCount, 5, 'NaN is not recorded; the others are');
  assert.deepEqual(outOfRange(h), { below: 1, above: 2, notANumber: 1 });
  assert.equal(h.getValueAtPercentile(0), 0);
  assert.equal(h.getValueAtPercentile(50), 13, 'rounded to an integer');
  // Clamped to the top of the range, so it stays mergeable with any other µs histogram.
  assert.ok(h.getValueAtPercentile(100) >= HIGHEST.us && h.getValueAtPercentile(100) <= HIGHEST.us * 1.001);
  const target = createLatencyHistogram();
  mergeInto(target, encodeHistogram(h));
  assert.equal(target.totalCount, 5);
  assert.deepEqual(outOfRange(createLatencyHistogram()), { below: 0, above: 0, notANumber: 0 });

  const ms = createHistogram('ms');
  record(ms, 4_000_000);
  assert.deepEqual(outOfRange(ms), { below: 0, above: 1, notANumber: 0 });
  assert.ok(ms.getValueAtPercentile(100) <= HIGHEST.ms * 1.001);
});

it('rejects a string that is not an encoded histogram with a clear message', () => {
  assert.throws(() => decodeHistogram('not a histogram'), /^Error: not an encoded HDR histogram/);
  assert.throws(() => mergeInto(createLatencyHistogram(), 'AAAA'), /not an encoded HDR histogram/);
});

it('gives the HdrHistogram percentile distribution: 5 ticks per half distance, ending at 100 % = max', () => {
  const h = createLatencyHistogram();
  for (let v = 1; v <= 1000; v++) record(h, v);
  const spectrum = percentileSpectrum(encodeHistogram(h));
  const levels = spectrum.map((p) => p.percentile);
  // The levels outputPercentileDistribution prints for ticksPerHalfDistance = 5.
  assert.deepEqual(levels.slice(0, 14), [0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 77.5, 80, 82.5]);
  assert.deepEqual(spectrum[5], { percentile: 50, value: 500, totalCount: 500 });
  assert.deepEqual(spectrum.at(-1), { percentile: 100, value: 1000, totalCount: 1000 });
  for (let i = 1; i < spectrum.length; i++) {
    assert.ok(spectrum[i]!.percentile > spectrum[i - 1]!.percentile, 'levels rise');
    assert.ok(spectrum[i]!.value >= spectrum[i - 1]!.value, 'values never fall');
  }
  // 1,000 values resolve the tail to 99.9 %: the last level before 100 is past 99.9.
  assert.ok(levels.at(-2)! > 99.9 && levels.at(-2)! < 100, `last level ${levels.at(-2)}`);
  // Fewer ticks, fewer points; still ending at the max.
  const coarse = percentileSpectrum(encodeHistogram(h), 1);
  assert.deepEqual(coarse.slice(0, 4).map((p) => p.percentile), [0, 50, 75, 87.5]);
  assert.equal(coarse.at(-1)!.value, 1000);
});
