// PushCore's clustered broadcast (pauseBroadcast + broadcastAt): two cores standing for two
// workers run one schedule; the one that paused behind catches up to the other's seq, so both
// emit (and keep in their rings) the same seqs with the same t0 before the next broadcast starts.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { readCoreConfig } from './config.ts';
import { PushCore, type Subscriber } from './core.ts';
import { sseFramer } from './framers.ts';

/** seq and t0 of every event a subscriber got (t1 is each worker's own send time). */
function recorder(): { sub: Subscriber; events: [number, string][] } {
  const events: [number, string][] = [];
  const take = (b: Buffer): void => {
    const m = /^id: (\d+)\n[^]*"t0":"(\d+)"/.exec(b.toString());
    if (m) events.push([Number(m[1]), m[2]!]);
  };
  return { events, sub: { write: take, writeMany: (cs) => cs.forEach(take), ping: () => undefined, close: () => undefined } };
}

it('a worker that paused behind catches up to the furthest one, then both start the next broadcast at the same seq and t0', async () => {
  const config = readCoreConfig('sse', { PUSHBENCH_HEARTBEAT_MS: '60000' });
  const ahead = new PushCore(config, sseFramer);
  const behind = new PushCore(config, sseFramer);
  const a = recorder();
  const b = recorder();
  ahead.subscribe(a.sub, 0);
  behind.subscribe(b.sub, 0);
  const req = { rate: 1000, count: 1000, bytes: 64, event: 'e' };
  // Started 10 ms ago: about 11 events are due at once.
  const start = process.hrtime.bigint() - 10_000_000n;
  behind.broadcastAt(req, start, 1);
  const behindNext = behind.pauseBroadcast();
  await new Promise((r) => setTimeout(r, 20));
  ahead.broadcastAt(req, start, 1);
  const aheadNext = ahead.pauseBroadcast();
  assert.ok(aheadNext > behindNext + 10, `ahead at ${aheadNext}, behind at ${behindNext}`);

  const next = { rate: 1000, count: 2, bytes: 64, event: 'f' };
  const nextStart = process.hrtime.bigint() - 5_000_000n;
  for (const core of [ahead, behind]) core.broadcastAt(next, nextStart, aheadNext);
  const seqs = Array.from({ length: aheadNext + 1 }, (_, i) => i + 1);
  assert.deepEqual(
    a.events.map(([seq]) => seq),
    seqs,
  );
  assert.deepEqual(b.events, a.events, 'the same seqs with the same t0 in both');
  assert.equal(a.events.at(-2)![1], String(nextStart));
  assert.equal(ahead.health(undefined).lastSeq, aheadNext + 1);
  assert.equal(behind.health(undefined).lastSeq, aheadNext + 1);
  // A late subscriber of either worker is replayed the same events from its ring.
  const late = recorder();
  behind.subscribe(late.sub, aheadNext - 3);
  assert.deepEqual(late.events, a.events.slice(-4));
  ahead.close();
  behind.close();
});

it('refuses to start at a seq this worker cannot reach rather than serve another seq space', () => {
  const core = new PushCore(readCoreConfig('sse', { PUSHBENCH_HEARTBEAT_MS: '60000' }), sseFramer);
  assert.throws(() => core.broadcastAt({ rate: 10, count: 1, bytes: 0, event: 'e' }, process.hrtime.bigint(), 5), {
    message: 'cluster: this worker is at seq 1, the broadcast starts at 5',
  });
  core.close();
});
