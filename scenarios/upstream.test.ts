// The upstream scenario at small N against the real node-sse and node-ws: every message sent once,
// every delivery by seq, exact counts per mode and transport (echo: one per message, a room of 5:
// five), requests and connections per message as each transport makes them; a v1 server is
// refused with its reason; nothing left running.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { alive } from '../harness/lifecycle/fixtures/processes.ts';
import type { StepResult, UpstreamMetrics } from '../result/result.ts';
import { getServer } from '../harness/servers/registry.ts';
import { assertMeasured, testContext } from './fixtures/context.ts';
import { upstreamSchema } from './schema.ts';
import { breakerSpec } from '../harness/servers/fixtures/breaker-config.ts';
import { runUpstream, upstreamSkipReason, windowRange } from './upstream.ts';

const CLIENTS = 10;
// 20 msg/s for 100 ms of warm-up and 300 ms measured: 2 + 6 messages per client.
const scenario = (o: Record<string, unknown> = {}) =>
  upstreamSchema.parse({ kind: 'upstream', servers: ['x'], clients: [CLIENTS], rates: [20], bytes: [100], roomSize: 5, durationMs: 300, warmupMs: 100, drainMs: 3000, ...o });

function completed(s: StepResult): UpstreamMetrics {
  assert.equal(s.kind, 'upstream');
  if (s.kind !== 'upstream') throw new Error('unreachable');
  assertMeasured(s, `${s.server} ${s.params.mode} ${s.params.transport}`);
  if (s.outcome.state === 'failed') throw new Error('unreachable');
  return s.outcome.metrics;
}

describe('upstream scenario', () => {
  it('the window in each receiver\'s seq space: its own seqs (echo), the room\'s (room)', () => {
    assert.deepEqual(windowRange('echo', 1, 8, 2), { fromSeq: 3, toSeq: 8, perClient: 6 });
    assert.deepEqual(windowRange('room', 5, 8, 2), { fromSeq: 11, toSeq: 40, perClient: 30 });
    assert.match(upstreamSkipReason(getServer('tcp-floor')) ?? '', /^tcp clients have no message path here/);
    assert.equal(upstreamSkipReason(getServer('node-sse')), null);
    assert.throws(() => upstreamSchema.parse({ kind: 'upstream', servers: ['x'], clients: [12], roomSize: 5 }), /every client count must be a multiple of it/);
  });

  it('node-sse (keep-alive and per-request POSTs) and node-ws, echo and rooms: every message sent once and delivered exactly', async () => {
    const out = await runUpstream(scenario(), testContext(['node-sse', 'node-ws'].map(getServer)));
    const steps = out.steps.filter((s): s is Extract<StepResult, { kind: 'upstream' }> => s.kind === 'upstream');
    assert.deepEqual(
      steps.map((s) => `${s.server} ${s.params.mode} ${s.params.transport}`),
      ['node-sse echo keepalive', 'node-sse echo per-request', 'node-sse room keepalive', 'node-sse room per-request', 'node-ws echo socket', 'node-ws room socket'],
    );
    for (const s of steps) {
      const m = completed(s);
      const what = `${s.server} ${s.params.mode} ${s.params.transport}`;
      const fanOut = s.params.mode === 'room' ? 5 : 1;
      assert.deepEqual([m.messagesScheduled, m.messagesSent, m.messagesFailed, m.serverMessagesIn], [CLIENTS * 8, CLIENTS * 8, 0, CLIENTS * 8], `${what}: messages`);
      assert.deepEqual([m.expected, m.received, m.gaps, m.duplicates], [CLIENTS * 6 * fanOut, CLIENTS * 6 * fanOut, 0, 0], `${what}: deliveries`);
      assert.equal(m.latencyFromT0.count, CLIENTS * 6 * fanOut, `${what}: one send-to-receive sample per delivery`);
      assert.ok(m.latencyFromT0.min > 0 && m.latencyFromT0.p50 >= m.latencyFromT1.p50, `${what}: from the send, later than from the relay`);
      const ws = s.protocol === 'ws';
      assert.equal(m.requestsPerMessage, ws ? 0 : 1, `${what}: requests per message`);
      assert.equal(m.connectionsPerMessage, s.params.transport === 'per-request' ? 1 : s.params.transport === 'keepalive' ? 1 / 8 : 0, `${what}: connections per message`);
      assert.equal(m.bytesAckPerMessage > 0, !ws, `${what}: only a POST is answered`);
      assert.ok(m.bytesUpPerMessage >= 100, `${what}: at least the message's bytes went up`);
      assert.ok(m.bytesDownPerDelivery >= 100, `${what}: at least the message's bytes came down`);
      assert.ok(m.serverCpuUsPerMessage > 0 && m.clientCpuUsPerMessage > 0, `${what}: CPU per message measured on both sides`);
      assert.deepEqual(m.httpStatuses, [{ status: ws ? 101 : 200, count: CLIENTS }], `${what}: the streams' handshakes`);
    }
  });

  it('a server without the messages addition is never sent a message: its steps fail with the reason', async () => {
    const out = await runUpstream(scenario({ modes: ['echo'], posts: ['keepalive'] }), testContext([breakerSpec('v1', 'v1-sse')]));
    assert.equal(out.steps.length, 1);
    const s = out.steps[0]!;
    assert.equal(s.outcome.state, 'failed');
    assert.equal(s.outcome.state === 'failed' && s.outcome.reason, 'v1-sse does not advertise the messages addition (v1) in /healthz: a contract v1 server relays no client messages');
  });

  it('leaves no server or client worker running', async () => {
    const before = new Set(children());
    await runUpstream(scenario({ modes: ['echo'], posts: ['per-request'] }), testContext([getServer('node-sse')]));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(children().filter((p) => !before.has(p) && alive(p)), []);
  });
});

/** Pids of this process's children, from every thread's /proc children list. */
function children(): number[] {
  return readdirSync('/proc/self/task').flatMap((t) => readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}
