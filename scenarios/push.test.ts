import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PushMetrics, StepResult } from '../harness/result.ts';
import { getServer } from '../servers/registry.ts';
import { testContext, withEnv } from './fixtures/context.ts';
import { runPush } from './push.ts';
import { pushSchema } from './schema.ts';

const scenario = (o: Record<string, unknown>) =>
  pushSchema.parse({ kind: 'push', servers: ['x'], clients: [50], rates: [200], bytes: [64], durationMs: 500, warmupMs: 100, ...o });

function metrics(step: StepResult | undefined): PushMetrics {
  assert.ok(step && step.kind === 'push', 'a push step');
  assert.notEqual(step.outcome.state, 'failed', step.outcome.state === 'failed' ? step.outcome.reason : '');
  if (step.outcome.state === 'failed') throw new Error('unreachable');
  return step.outcome.metrics;
}

// The two CPU-bound cases (client saturation, the knee) are in push-cpu.test.ts: they run alone.
describe('push scenario', () => {
  it('delivers exactly rate × duration events to every client, SSE, WS and the floor', async () => {
    const specs = ['node-sse', 'node-ws', 'tcp-floor'].map(getServer);
    const out = await runPush(scenario({}), testContext(specs));
    assert.equal(out.steps.length, 3);
    for (const s of out.steps) {
      const m = metrics(s);
      assert.equal(s.outcome.state, 'completed', `${s.server}: ${s.outcome.state === 'invalid' ? s.outcome.reasons.join('; ') : ''}`);
      assert.equal(m.expected, 100 * 50, `${s.server} expected`);
      assert.equal(m.received, 100 * 50, `${s.server} received`);
      assert.deepEqual([m.gaps, m.duplicates, m.outOfOrder], [0, 0, 0]);
      assert.equal(m.latencyFromT0.count, 5000);
      assert.ok(m.latencyFromT0.p50 >= m.latencyFromT1.p50, 'latency from t0 includes the schedule lateness');
      assert.ok(m.wireBytesPerEvent >= 64);
    }
  });

  it('--coalesce: every server of a pair writes due events in one write, still exactly once and in order', async () => {
    const out = await runPush(scenario({ coalesce: true, rates: [1000], clients: [20], durationMs: 300, warmupMs: 0 }), testContext(['node-sse', 'node-ws'].map(getServer)));
    for (const s of out.steps) {
      const m = metrics(s);
      assert.equal(s.kind === 'push' && s.params.coalesce, true);
      assert.deepEqual([m.expected, m.received, m.gaps, m.duplicates, m.outOfOrder], [6000, 6000, 0, 0, 0]);
    }
  });

  it('detects a skipped seq as a gap and a repeated one as a duplicate, exactly', async () => {
    // Every 10th event is not written (drop) / written twice (dup) to every client.
    const drop = withEnv('node-ws', { PUSHBENCH_FAULT: 'drop=10' });
    const dup = withEnv('node-sse', { PUSHBENCH_FAULT: 'dup=10' });
    const out = await runPush(scenario({ clients: [20], rates: [200], durationMs: 500, warmupMs: 0 }), testContext([drop, dup]));
    const [d, u] = out.steps.map(metrics) as [PushMetrics, PushMetrics];
    // 100 measured events: 10 dropped per client. The window ends at a multiple of 10, so the
    // last dropped seq is never followed by another: 9 are gaps and 1 is undelivered.
    assert.equal(d.expected, 2000);
    assert.equal(d.received, 1800);
    assert.equal(d.gaps, 20 * 9);
    assert.equal(out.steps[0]!.outcome.state, 'invalid');
    assert.equal(u.received, 2000);
    assert.equal(u.duplicates, 20 * 10);
    assert.equal(u.gaps, 0);
  });
});
