// The reconnect scenario's timing case, in a file of its own so `npm test` runs it with nothing
// beside it (scripts/test.mjs, SERIAL): whether jittered reconnects spread over time is read from
// when they happen, and a process descheduled for a moment on a busy machine bunches them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReconnectMetrics, StepResult } from '../result/result.ts';
import { getServer } from '../harness/servers/registry.ts';
import { testContext } from './fixtures/context.ts';
import { runReconnect } from './reconnect.ts';
import { reconnectSchema } from './schema.ts';

const scenario = (o: Record<string, unknown>) =>
  reconnectSchema.parse({ kind: 'reconnect', servers: ['x'], clients: [100], modes: ['drop'], rate: 100, beforeMs: 300, afterMs: 1200, retryMs: 100, ...o });

function metrics(step: StepResult): ReconnectMetrics {
  assert.equal(step.kind, 'reconnect');
  if (step.kind !== 'reconnect' || step.outcome.state === 'failed') throw new Error(step.outcome.state === 'failed' ? step.outcome.reason : 'not reconnect');
  return step.outcome.metrics;
}

describe('reconnect scenario timing', () => {
  it('jitter spreads reconnects over time instead of one spike', async () => {
    const out = await runReconnect(scenario({ clients: [200], retryMs: 800, jitter: true, afterMs: 1500 }), testContext([getServer('node-ws')]));
    const m = metrics(out.steps[0]!);
    const rises = m.timeline.map((t, i) => t.connected - (i === 0 ? 0 : m.timeline[i - 1]!.connected)).filter((d) => d > 0);
    assert.ok(rises.length >= 4, `reconnects spread over ${rises.length} buckets of 100 ms`);
    assert.ok(Math.max(...rises) < 200 * 0.5, `no bucket holds half the reconnects (max ${Math.max(...rises)})`);
  });

});
