import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getServer } from '../harness/servers/registry.ts';
import { assertMeasured, testContext } from './fixtures/context.ts';
import { runIdle } from './idle.ts';
import { idleSchema } from './schema.ts';

// 1000 connections: enough RSS growth to stand above the allocator's noise (the step checks it).
const scenario = (o: Record<string, unknown>) => idleSchema.parse({ kind: 'idle', servers: ['x'], clients: [1000], settleMs: 200, holdMs: 600, ...o });

describe('idle scenario', () => {
  it('holds every connection and measures memory per connection on both sides', async () => {
    const out = await runIdle(scenario({}), testContext(['node-sse', 'node-ws'].map(getServer)));
    assert.equal(out.steps.length, 2);
    for (const s of out.steps) {
      assertMeasured(s);
      if (s.kind !== 'idle' || s.outcome.state === 'failed') continue;
      const m = s.outcome.metrics;
      assert.equal(m.clientsHeld, 1000);
      assert.equal(m.connectMs.count, 1000);
      assert.deepEqual(m.failuresByCause, {});
      assert.ok(m.serverHold.rssBytes > 0 && m.serverBaseline.rssBytes > 0);
      assert.ok(m.serverHeapBytesPerConnection !== null, 'Node servers report heap');
      assert.equal(m.client.workers, 1);
    }
  });

  it('a worker at its cap makes the step invalid, saying so', async () => {
    const out = await runIdle(scenario({ clients: [150] }), testContext([getServer('tcp-floor')], { maxPerWorker: 100, workers: 1 }));
    const s = out.steps[0]!;
    assert.equal(s.outcome.state, 'invalid');
    if (s.outcome.state !== 'invalid') return;
    // Exactly these two; a third (memory growth at this small N) may join them.
    assert.deepEqual(s.outcome.reasons.slice(0, 2), ['all connections held: 100 of 150 held during the hold', 'no worker hit its cap: a client worker reached its connection cap']);
  });
});
