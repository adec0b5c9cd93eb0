// The browser latency check's rule on exact figures, without a browser: the scenario test runs
// Chromium with bounds a loaded machine cannot miss (it checks the checks), so the bound is here.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { PageClient } from './browser-page.ts';
import { latencyCheck, type Clock } from './browser-checks.ts';
import { browserSchema } from './schema.ts';

const s = browserSchema.parse({ kind: 'browser', servers: ['x'], events: 4 }); // p50 ≤ 20 ms, p99 ≤ 100 ms
const clock: Clock = { stepUs: 100, outsideUs: 0, bracketUs: 50, syncUs: 25 };

/** A client that saw events with these latencies (ms), the server on time (t1 = t0). */
function client(latenciesMs: number[]): PageClient {
  const receive = 10_000_000_000n;
  const events = latenciesMs.map((ms, i): [number, number, string, string, string] => {
    const latencyNs = BigInt(Math.round(ms * 1e6));
    return [i + 1, i + 1, String(latencyNs), String(receive - latencyNs), String(receive)];
  });
  return { events, unnamed: 0, opens: [0], errors: [], openMonoNs: ['0'], readyState: 1, retryMs: null };
}

it('passes every sample within the default bounds, and fails a p50 or a p99 past them', () => {
  assert.equal(latencyCheck([client([5, 10, 12, 18]), client([3, 4, 6, 19])], s, clock).pass, true);
  const slowMedian = latencyCheck([client([25, 30, 35, 40]), client([21, 22, 23, 24])], s, clock);
  assert.equal(slowMedian.pass, false);
  assert.ok(slowMedian.measured !== null && slowMedian.measured > 20, `p50 ${slowMedian.measured} ms`);
  assert.equal(latencyCheck([client([5, 5, 5, 150]), client([5, 5, 5, 5])], s, clock).pass, false, 'one sample past the p99 bound');
});

it('fails a missing sample, a sample below zero, or a page clock outside Node’s bracket', () => {
  assert.equal(latencyCheck([client([5, 5, 5]), client([5, 5, 5, 5])], s, clock).pass, false, '7 of 8 samples');
  const negative = latencyCheck([client([5, 5, 5, -1]), client([5, 5, 5, 5])], s, clock);
  assert.equal(negative.pass, false);
  assert.match(negative.detail, /1 samples below zero$/);
  assert.equal(latencyCheck([client([5, 5, 5, 5]), client([5, 5, 5, 5])], s, { ...clock, outsideUs: 500 }).pass, false);
  // The page clock is mapped through an offset known to ±syncUs: outside the bracket by less than
  // its step plus that is what the stated precision allows (a loaded machine widens the sync).
  assert.equal(latencyCheck([client([5, 5, 5, 5]), client([5, 5, 5, 5])], s, { ...clock, outsideUs: 120 }).pass, true);
  assert.equal(latencyCheck([client([5, 5, 5, 5]), client([5, 5, 5, 5])], s, { ...clock, outsideUs: 130 }).pass, false);
  // Below zero by less than the clock's step plus its synchronisation (100 + 25 µs) is the clock's own blur.
  assert.equal(latencyCheck([client([5, 5, 5, -0.12]), client([5, 5, 5, 5])], s, clock).pass, true, '-120 µs is within ±125 µs');
  assert.equal(latencyCheck([client([5, 5, 5, -0.13]), client([5, 5, 5, 5])], s, clock).pass, false, '-130 µs is not');
});
