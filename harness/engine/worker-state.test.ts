import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHistogram, encodeHistogram } from '../../result/histogram.ts';
import type { SelfSample } from '../metrics/self-sampler.ts';
import { ConnectPhase, WorkerState, type ConnState } from './worker-state.ts';

const MS = 1e6;
const SELF: SelfSample = { cpuPercent: 1, rssBytes: 2, eventLoopLagMaxMs: 0, eventLoopLagP90Ms: 0 };

/** A worker state on a clock the test moves. */
function fixture(): { ws: WorkerState; at: (ms: number) => void } {
  let now = 1_000 * MS;
  return { ws: new WorkerState(() => now), at: (ms) => (now = 1_000 * MS + ms * MS) };
}

/** Event `seq` sent (t0 = t1) at `sentMs`, received `latencyUs` later. */
function deliver(c: ConnState, seq: number, sentMs: number, latencyUs: number): void {
  const t = 1_000 * MS + sentMs * MS;
  c.onEvent({ seq, t0: t, t1: t, recvNs: t + latencyUs * 1000, binBytes: 0 });
}

describe('worker state', () => {
  it('counts a window exactly: received, duplicates, out of order, gaps, both latencies', () => {
    const { ws } = fixture();
    const a = ws.add();
    const b = ws.add();
    a.onOpen(false);
    b.onOpen(false);
    deliver(a, 1, 0, 999); // before the window: tracked, not counted
    ws.beginWindow(2, 6);
    for (const seq of [2, 3, 4, 5, 6]) deliver(a, seq, seq, 100 * seq);
    deliver(a, 4, 4, 100); // duplicate
    for (const seq of [2, 4, 3, 6]) deliver(b, seq, seq, 50); // 3 out of order, 5 never comes
    deliver(b, 7, 7, 50); // after the window
    const r = ws.endWindow(1234, SELF)!;
    assert.deepEqual(
      { ...r, latencyFromT0: '', latencyFromT1: '', firstEventFromT0: '' },
      { connected: 2, received: 9, receivedSinceBegin: 10, duplicates: 1, outOfOrder: 1, gaps: 1, lostWithProcess: 0, wireBytes: 1234, latencyFromT0: '', latencyFromT1: '', firstEventFromT0: '', payloadBytes: 0, payloadErrors: 0, self: SELF },
    );
    // The window's first seq (2) reached both connections: a at 200 µs, b at 50 µs.
    const first = decodeHistogram(r.firstEventFromT0);
    assert.equal(first.totalCount, 2);
    assert.ok(Math.abs(first.getValueAtPercentile(100) - 200) <= 1 && Math.abs(first.getValueAtPercentile(0) - 50) <= 1);
    const t0 = decodeHistogram(r.latencyFromT0);
    assert.equal(t0.totalCount, 9);
    assert.equal(t0.getValueAtPercentile(100), decodeHistogram(r.latencyFromT1).getValueAtPercentile(100));
    assert.ok(Math.abs(t0.getValueAtPercentile(100) - 600) <= 1, `max ${t0.getValueAtPercentile(100)} µs`);
    assert.equal(ws.endWindow(0, SELF), null, 'a window ends once');
  });

  it('records connect times, holds and failures while the ramp is on', () => {
    const { ws, at } = fixture();
    const phase = new ConnectPhase(3);
    ws.connecting = phase;
    const [a, b, c] = [ws.add(), ws.add(), ws.add()];
    for (const x of [a, b, c]) x.dialNs = 1_000 * MS;
    at(2);
    a.onOpen(false);
    b.onError('refused', true);
    at(7);
    b.onOpen(false);
    c.onError('refused', false);
    assert.equal(phase.held, 2);
    assert.equal(phase.settled, 3);
    assert.deepEqual(phase.failures, { refused: 2 });
    const h = decodeHistogram(encodeHistogram(phase.connectUs));
    assert.equal(h.totalCount, 2);
    assert.ok(Math.abs(h.getValueAtPercentile(0) - 2000) <= 2 && Math.abs(h.getValueAtPercentile(100) - 7000) <= 7);
    assert.equal(ws.liveCount(), 2);
  });

  it('after a disruption mark: reconnect times, attempts, causes, replayed events, timeline', () => {
    const { ws, at } = fixture();
    const a = ws.add();
    const b = ws.add();
    a.onOpen(false);
    b.onOpen(false);
    for (const seq of [1, 2, 3]) {
      deliver(a, seq, seq, 100);
      deliver(b, seq, seq, 100);
    }
    at(10);
    ws.mark(1_010 * MS);
    at(30);
    a.onClose('server-closed', true);
    at(60);
    a.onError('refused', true);
    at(260);
    a.onOpen(true);
    // Seqs 4 and 5 were sent while a was away: replayed from the ring; 6 is live.
    deliver(a, 4, 40, 220_000);
    deliver(a, 5, 200, 60_000);
    deliver(a, 6, 350, 100);
    deliver(b, 4, 40, 100);
    const r = ws.reconnectReport(1_000 * MS + 410 * MS);
    assert.equal(r.disrupted, 1);
    assert.equal(r.reconnected, 1);
    assert.equal(r.attempts, 2, 'one failed dial and one open');
    assert.deepEqual(r.errorsByCause, { refused: 1 });
    assert.equal(r.replayed, 2);
    const replay = decodeHistogram(r.replayLatency);
    assert.equal(replay.totalCount, 2);
    const reconnect = decodeHistogram(r.reconnectHistogram);
    assert.equal(reconnect.totalCount, 1);
    assert.ok(Math.abs(reconnect.getValueAtPercentile(100) - 250_000) <= 250, `${reconnect.getValueAtPercentile(100)} µs from the mark`);
    const downtime = decodeHistogram(r.downtimeHistogram);
    assert.ok(Math.abs(downtime.getValueAtPercentile(100) - 230_000) <= 230, `${downtime.getValueAtPercentile(100)} µs from its close`);
    // Since the mark: a away from 20 to 250 ms; events at 30 (b's 4), 250 (a's 4 and 5), 340 (a's 6).
    assert.deepEqual(r.timeline, [
      { connected: 1, events: 1 },
      { connected: 1, events: 0 },
      { connected: 2, events: 2 },
      { connected: 2, events: 1 },
    ]);
  });

  it('restart: seqs that died with the old process are lost, not gaps', () => {
    const { ws } = fixture();
    const a = ws.add();
    a.onOpen(false);
    ws.beginWindow(1, 12);
    for (const seq of [1, 2, 3, 4, 5]) deliver(a, seq, seq, 10);
    ws.mark(1_000 * MS);
    a.onClose('reset', true);
    assert.equal(ws.setLostBelow(9), 3);
    a.onOpen(true);
    for (const seq of [9, 11, 12]) deliver(a, seq, seq, 10);
    const r = ws.endWindow(0, SELF)!;
    assert.equal(r.lostWithProcess, 3, 'seqs 6, 7, 8');
    assert.equal(r.gaps, 1, 'seq 10 was the new process’s to send');
    assert.equal(r.received, 8);
  });

  it('knows which connections are behind a seq and the highest seq seen', () => {
    const { ws } = fixture();
    const a = ws.add();
    const b = ws.add();
    deliver(a, 7, 0, 1);
    deliver(b, 5, 0, 1);
    assert.equal(ws.maxSeq(), 7);
    assert.equal(ws.behind(6), 1);
    b.onError('timeout', false); // gave up: no longer expected to reach anything
    assert.equal(ws.behind(6), 0);
  });
});
