// The reconnect scenario's timing case, in a file of its own so `npm test` runs it with nothing
// beside it (scripts/test.mjs, SERIAL): whether jittered reconnects spread over time is read from
// when they happen, and a process descheduled for a moment on a busy machine bunches them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getServer } from '../harness/servers/registry.ts';
import { testContext } from './fixtures/context.ts';
import { reconnectMetrics, reconnectScenario } from './fixtures/reconnect.ts';
import { runReconnect } from './reconnect.ts';

const scenario = reconnectScenario;
const metrics = reconnectMetrics;

describe('reconnect scenario timing', () => {
  it('jitter spreads reconnects over time instead of one spike', async () => {
    // Spread over 2 s, ~10 reconnects per 100 ms: a process held up for most of a second (seen with
    // the rest of npm test busy on the other core) still leaves no bucket with half of them.
    const out = await runReconnect(scenario({ clients: [200], retryMs: 2000, jitter: true, afterMs: 2700 }), testContext([getServer('node-ws')]));
    const m = metrics(out.steps[0]!);
    const rises = m.timeline.map((t, i) => t.connected - (i === 0 ? 0 : m.timeline[i - 1]!.connected)).filter((d) => d > 0);
    assert.ok(rises.length >= 4, `reconnects spread over ${rises.length} buckets of 100 ms`);
    assert.ok(Math.max(...rises) < 200 * 0.5, `no bucket holds half the reconnects (max ${Math.max(...rises)}; per 100 ms: ${rises.join(", ")})`);
  });

});
