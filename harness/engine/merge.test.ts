import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeHistogram, summarize } from '../../result/histogram.ts';
import type { SelfSample } from '../metrics/self-sampler.ts';
import { mergeConnects, mergeReconnects, mergeWindows } from './merge.ts';
import type { ConnectReport } from './protocol.ts';
import { WorkerState } from './worker-state.ts';

const SELF: SelfSample = { cpuPercent: 10, rssBytes: 1000, eventLoopLagMaxMs: 1, eventLoopLagP90Ms: 0 };

/** Deterministic latencies in µs with a long tail. */
function latencyUs(conn: number, seq: number): number {
  const x = (conn * 7919 + seq * 104729) % 10007;
  return 80 + x + (x % 97 === 0 ? 400_000 : 0);
}

/** Connections [from, to) of 5, each getting seqs 1..2000 (conn 4 skips seq 77). */
function worker(from: number, to: number): WorkerState {
  const ws = new WorkerState(() => 0);
  ws.beginWindow(1, 2000);
  for (let k = from; k < to; k++) {
    const c = ws.add();
    c.onOpen(false);
    for (let seq = 1; seq <= 2000; seq++) {
      if (k === 4 && seq === 77) continue;
      const t0 = seq * 1e6;
      c.onEvent({ seq, t0, t1: t0 + 5000, recvNs: t0 + latencyUs(k, seq) * 1000, binBytes: 0 });
    }
  }
  return ws;
}

it('two workers merged report what one worker holding every connection reports', () => {
  const merged = mergeWindows([worker(0, 3).endWindow(100, SELF)!, worker(3, 5).endWindow(50, SELF)!]);
  const single = mergeWindows([worker(0, 5).endWindow(150, SELF)!]);
  assert.deepEqual(
    { ...merged, latencyFromT0: '', latencyFromT1: '', firstEventFromT0: '', workers: [] },
    { connected: 5, received: 9999, receivedSinceBegin: 9999, duplicates: 0, outOfOrder: 0, gaps: 1, lostWithProcess: 0, wireBytes: 150, latencyFromT0: '', latencyFromT1: '', firstEventFromT0: '', payloadBytes: 0, payloadErrors: 0, workers: [] },
  );
  assert.equal(merged.received, single.received);
  assert.equal(merged.workers.length, 2);
  for (const k of ['latencyFromT0', 'latencyFromT1', 'firstEventFromT0'] as const) {
    const a = summarize(decodeHistogram(merged[k]), 'us');
    const b = summarize(decodeHistogram(single[k]), 'us');
    assert.equal(a.count, k === 'firstEventFromT0' ? 5 : 9999);
    assert.deepEqual({ ...a, encoded: '' }, { ...b, encoded: '' });
  }
  assert.ok(summarize(decodeHistogram(merged.latencyFromT0), 'us').max >= 400_000, 'the tail survives the merge');
});

it('connect reports: sums, the slowest worker sets the rate, a cap hit anywhere counts', () => {
  const report = (held: number, durationMs: number, capHit: boolean): ConnectReport => ({
    held,
    failuresByCause: { refused: 1 },
    connectHistogram: '',
    durationMs,
    capHit,
    rssBeforeBytes: 1000,
    rssAfterBytes: 1000 + held * 10,
    cpuPercent: held / 10,
    httpStatuses: capHit ? [{ status: 404, count: 1 }, { status: 200, count: held - 1 }] : [{ status: 200, count: held }],
  });
  const m = mergeConnects([report(150, 500, false), report(150, 1000, true)], 1010);
  assert.deepEqual(m.httpStatuses, [
    { status: 200, count: 299 },
    { status: 404, count: 1 },
  ]);
  assert.equal(m.held, 300);
  assert.equal(m.ratePerSecond, 300);
  assert.equal(m.capHit, true);
  assert.deepEqual(m.failuresByCause, { refused: 2 });
  assert.equal(m.clientRssAfterBytes - m.clientRssBeforeBytes, 3000);
  assert.equal(m.clientCpuPercentMax, 15);
  assert.deepEqual(m.perWorker, [
    { held: 150, rssBeforeBytes: 1000, rssAfterBytes: 2500 },
    { held: 150, rssBeforeBytes: 1000, rssAfterBytes: 2500 },
  ]);
});

it('reconnect reports: counters and causes summed, timelines added bucket by bucket', () => {
  const a = new WorkerState(() => 0);
  const b = new WorkerState(() => 0);
  for (const ws of [a, b]) {
    const c = ws.add();
    c.onOpen(false);
    ws.mark(0);
    c.onClose('server-closed', true);
    c.onError('refused', true);
  }
  const m = mergeReconnects([a.reconnectReport(250e6), b.reconnectReport(250e6)]);
  assert.equal(m.disrupted, 2);
  assert.equal(m.reconnected, 0);
  assert.equal(m.attempts, 2);
  assert.deepEqual(m.errorsByCause, { refused: 2 });
  assert.deepEqual(m.timeline, [
    { tMs: 100, connected: 0, eventsPerSecond: 0 },
    { tMs: 200, connected: 0, eventsPerSecond: 0 },
  ]);
});
