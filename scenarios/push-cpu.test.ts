// The push scenario's two CPU-bound cases, in a file of their own so `npm test` runs them with
// nothing beside them (scripts/test.mjs, SERIAL): a client worker burning CPU until it saturates,
// and the knee of a server slowed to 100 events/s. A busy neighbour would move both.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getServer } from '../harness/servers/registry.ts';
import { testContext, withEnv } from './fixtures/context.ts';
import { runPush } from './push.ts';
import { pushSchema } from './schema.ts';

const scenario = (o: Record<string, unknown>) =>
  pushSchema.parse({ kind: 'push', servers: ['x'], clients: [50], rates: [200], bytes: [64], durationMs: 500, warmupMs: 100, ...o });

describe('push scenario under CPU limits', () => {
  it('marks a step invalid, naming the client, when a client worker is saturated', async () => {
    const out = await runPush(scenario({ clients: [50], rates: [200], durationMs: 600 }), testContext([getServer('node-ws')], { clientBurnUsPerEvent: 400 }));
    const s = out.steps[0]!;
    assert.equal(s.outcome.state, 'invalid');
    if (s.outcome.state !== 'invalid') return;
    // Below 90 % of a core on a busy machine (a worker then gets less than one), the saturation
    // note still names the client from its event loop's delay.
    assert.ok(
      s.outcome.reasons.some((r) => r.startsWith('saturated: the client (busiest client worker')),
      s.outcome.reasons.join('; '),
    );
  });

  it('the knee search stops at the first rate a slowed server cannot hold', async () => {
    // 40 clients × 250 µs of work per client write = 10 ms per event: 100 events/s at most.
    const slow = withEnv('node-ws', { PUSHBENCH_FAULT: 'work=250' });
    const out = await runPush(
      scenario({ clients: [40], rates: [20], durationMs: 1000, warmupMs: 100, findKnee: { thresholdMs: 50, factor: 3, maxRate: 1000 } }),
      testContext([slow]),
    );
    assert.equal(out.knees.length, 1);
    const k = out.knees[0]!;
    // Rates 20, 60 (60 % busy), 180 (beyond capacity): the search stops at 180.
    assert.equal(k.lastGoodRate, 60);
    assert.equal(k.firstBadRate, 180);
    assert.match(k.reason, /at 180\/s$/);
  });
});
