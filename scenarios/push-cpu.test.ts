// The push scenario's knee search against a server slowed to 100 events/s, in a file of its own so
// `npm test` runs it with nothing beside it (scripts/test.mjs, SERIAL): a busy neighbour would move
// the knee. A saturated client worker (the other CPU-bound verdict) is calibrate.test.ts's slow reader.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testContext, withEnv } from './fixtures/context.ts';
import { runPush } from './push.ts';
import { pushSchema } from './schema.ts';

const scenario = (o: Record<string, unknown>) =>
  pushSchema.parse({ kind: 'push', servers: ['x'], clients: [50], rates: [200], bytes: [64], durationMs: 500, warmupMs: 100, ...o });

describe('push scenario under CPU limits', () => {
  it('the knee search stops at the first rate a slowed server cannot hold', async () => {
    // 40 clients × 250 µs of work per client write = 10 ms per event: 100 events/s at most. Rates and
    // threshold keep both sides far from the line: 40/s keeps the server 40 % busy, 160/s asks 160 %.
    // (With 60/s, 60 % busy, p99 was 17-21 ms on a core of its own but reached 50 ms with the rest of
    // npm test busy on the other core; at 180/s it was 770 ms and more.)
    const slow = withEnv('node-ws', { PUSHBENCH_FAULT: 'work=250' });
    const out = await runPush(
      scenario({ clients: [40], rates: [10], durationMs: 600, warmupMs: 100, findKnee: { thresholdMs: 100, factor: 4, maxRate: 1000 } }),
      testContext([slow]),
    );
    assert.equal(out.knees.length, 1);
    const k = out.knees[0]!;
    // Rates 10, 40 (40 % busy), 160 (beyond capacity): the search stops at 160.
    assert.equal(k.lastGoodRate, 40, k.reason);
    assert.equal(k.firstBadRate, 160);
    assert.match(k.reason, /at 160\/s$/);
  });
});
