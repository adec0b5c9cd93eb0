import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PushMetrics, StepResult } from '../result/result.ts';
import { getServer } from '../harness/servers/registry.ts';
import { assertMeasured, testContext, withEnv } from './fixtures/context.ts';
import { runPush } from './push.ts';
import { pushSchema } from './schema.ts';
import { breakerSpec } from '../harness/servers/fixtures/breaker-config.ts';

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
      assertMeasured(s);
      assert.equal(m.expected, 100 * 50, `${s.server} expected`);
      assert.equal(m.received, 100 * 50, `${s.server} received`);
      assert.deepEqual([m.gaps, m.duplicates, m.outOfOrder], [0, 0, 0]);
      assert.equal(m.latencyFromT0.count, 5000);
      assert.ok(m.latencyFromT0.p50 >= m.latencyFromT1.p50, 'latency from t0 includes the schedule lateness');
      assert.ok(m.wireBytesPerEvent >= 64);
    }
  });

  it('interleaves repetitions across servers (ABBA), each on a fresh server, every window exact', async () => {
    const specs = ['node-sse', 'node-ws'].map(getServer);
    const out = await runPush(scenario({ clients: [20], repetitions: 2 }), testContext(specs));
    assert.deepEqual(
      out.steps.map((s) => `${s.server} ${s.repetition}`),
      ['node-sse 1', 'node-ws 1', 'node-ws 2', 'node-sse 2'],
    );
    for (const s of out.steps) {
      const m = metrics(s);
      assert.equal(m.received, 100 * 20, `${s.server} rep ${s.repetition} received`);
      assert.deepEqual([m.gaps, m.duplicates, m.outOfOrder], [0, 0, 0]);
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

  it('--payload binary: random bytes per event, WS binary frames and SSE/TCP base64, every event decoded to its bytes', async () => {
    const out = await runPush(scenario({ payload: 'binary', bytes: [300], clients: [20], durationMs: 300, warmupMs: 0 }), testContext(['node-sse', 'node-ws', 'tcp-floor'].map(getServer)));
    const by = new Map(out.steps.map((s) => [s.server, metrics(s)]));
    for (const s of out.steps) {
      const m = metrics(s);
      assertMeasured(s);
      assert.equal(s.kind === 'push' && s.params.payload, 'binary');
      assert.deepEqual([m.expected, m.received, m.gaps], [1200, 1200, 0]);
      assert.equal(m.payloadBytesPerEvent, 300, `${s.server}: each event decoded to its 300 random bytes`);
      assert.ok((m.clientCpuMsPer1kEvents ?? 0) > 0, `${s.server}: client CPU per event measured`);
    }
    // A WS binary frame carries the bytes as they are; SSE and TCP carry 4/3 as many, base64.
    const [sse, ws] = [by.get('node-sse')!.wireBytesPerEvent, by.get('node-ws')!.wireBytesPerEvent];
    assert.ok(ws >= 300 + 25 && ws < 400, `WS ${ws} B per event`);
    assert.ok(sse >= 400 + 60 && sse > ws, `SSE ${sse} B per event`);
  });

  it('--payload binary on a server without the binary addition fails with the reason, never sends text as binary', async () => {
    const out = await runPush(scenario({ payload: 'binary', clients: [5], durationMs: 200, warmupMs: 0 }), testContext([breakerSpec('v1', 'v1-sse')]));
    assert.equal(out.steps.length, 1);
    const o = out.steps[0]!.outcome;
    assert.equal(o.state === 'failed' && o.reason, 'v1-sse does not advertise the binary addition (v1) in /healthz: a contract v1 server sends text only');
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
