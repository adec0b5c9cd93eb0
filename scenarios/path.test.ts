import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { networkUnavailableReason } from '../harness/network/availability.ts';
import { nginxUnavailableReason } from '../harness/proxy/nginx.ts';
import type { PathMetrics, StepResult } from '../result/result.ts';
import { getServer } from '../harness/servers/registry.ts';
import { assertMeasured, testContext } from './fixtures/context.ts';
import { runPath, skipReason } from './path.ts';
import { parsePath } from './path-spec.ts';
import { pathSchema } from './schema.ts';

// 20/s for 2 s: 40 events of ~230 B on the wire, more than one nginx proxy buffer (4 KB), so the
// buffered path delivers its first flush within the window and holds the tail.
const scenario = (paths: string[]) => pathSchema.parse({ kind: 'path', servers: ['x'], clients: [10], rate: 20, durationMs: 2000, drainMs: 1000, paths });

function metricsOf(steps: StepResult[], path: string): PathMetrics {
  const s = steps.find((x) => x.kind === 'path' && x.params.path === path);
  assert.ok(s, `a step for ${path}`);
  assertMeasured(s, path);
  if (s.kind !== 'path' || s.outcome.state === 'failed') throw new Error('unreachable');
  return s.outcome.metrics;
}

describe('path scenario', () => {
  it('says why a path cannot carry a server', () => {
    assert.equal(skipReason(getServer('tcp-floor'), parsePath('nginx')), 'nginx proxies HTTP; the raw-TCP floor has no path through it');
    assert.equal(skipReason(getServer('node-ws'), parsePath('nginx-noheader')), 'the header and buffering modes concern SSE; a WebSocket is not buffered once upgraded');
    // Otherwise the path can carry the server exactly when nginx is installed.
    assert.equal(skipReason(getServer('fastapi-sse'), parsePath('nginx-noheader')), nginxUnavailableReason());
    assert.equal(skipReason(getServer('node-sse'), parsePath('direct')), null);
    assert.throws(() => parsePath('nginx-fast'), /^UserError: unknown path "nginx-fast"; paths: direct, nginx, nginx-noheader, nginx-nobuffer, nginx-stock, net:<conditions>/);
  });

  it('nginx without X-Accel-Buffering holds SSE events back; the header and proxy_buffering off do not', { skip: nginxUnavailableReason() ?? false }, async () => {
    const out = await runPath(scenario(['direct', 'nginx', 'nginx-noheader', 'nginx-nobuffer']), testContext([getServer('node-sse')]));
    assert.equal(out.steps.length, 4);
    const direct = metricsOf(out.steps, 'direct');
    const header = metricsOf(out.steps, 'nginx');
    const noHeader = metricsOf(out.steps, 'nginx-noheader');
    const noBuffer = metricsOf(out.steps, 'nginx-nobuffer');
    for (const m of [direct, header, noBuffer]) {
      assert.equal(m.received, 400, 'every event of 10 clients x 40 events arrived');
      assert.equal(m.firstEventMs.count, 10);
    }
    assert.equal(noHeader.firstEventMs.count, 10, 'the first flush reached every client');
    // The buffered path's first event waits for a proxy buffer to fill (measured: 1.25 s of events
    // here); the others pass it on at once. A floor that load cannot break: 10 events (0.5 s at
    // 20/s) are ~2.3 KB, short of nginx's 4 KB buffer, so nothing can be flushed before 0.5 s; a
    // busy machine only makes the flush later. The unbuffered paths must then beat half that floor
    // (measured 8-9 ms quiet, 136 ms on a loaded CI run), which a buffering path cannot.
    assert.ok(noHeader.firstEventMs.min >= 500, `buffered path's first event at ${noHeader.firstEventMs.min} ms, before a buffer could fill`);
    assert.ok(Math.max(header.firstEventMs.p50, noBuffer.firstEventMs.p50) < noHeader.firstEventMs.min / 2, `buffered ${noHeader.firstEventMs.min} ms vs ${header.firstEventMs.p50} / ${noBuffer.firstEventMs.p50} ms`);
    assert.ok(noHeader.received < 400, 'nginx still holds the tail of the stream after the drain');
    assert.deepEqual(out.extras, { paths: { skips: [] } });
  });

  it("nginx's stock config (proxy_pass only): SSE streams through it, the WebSocket upgrade is refused, as a finding", { skip: nginxUnavailableReason() ?? false }, async () => {
    assert.equal(skipReason(getServer('node-ws'), parsePath('nginx-stock')), null, 'a WS server goes through the stock config too');
    const out = await runPath(scenario(['direct', 'nginx-stock']), testContext([getServer('node-sse'), getServer('node-ws')]));
    const stepOf = (server: string, path: string) => out.steps.find((x) => x.kind === 'path' && x.server === server && x.params.path === path);
    const sse = metricsOf(out.steps.filter((x) => x.server === 'node-sse'), 'nginx-stock');
    assert.equal(sse.received, 400, 'every event through plain proxy_pass (the server sends X-Accel-Buffering: no)');
    assert.deepEqual(sse.handshake, { opened: 10, statuses: [{ status: 200, count: 10 }] });
    const wsDirect = metricsOf(out.steps.filter((x) => x.server === 'node-ws'), 'direct');
    assert.deepEqual(wsDirect.handshake, { opened: 10, statuses: [{ status: 101, count: 10 }] });
    const refused = stepOf('node-ws', 'nginx-stock');
    assert.ok(refused && refused.kind === 'path' && refused.outcome.state === 'completed', 'a refused handshake completes the step: it is what the path does');
    const m = refused.outcome.metrics;
    // nginx passes no Upgrade header on: node-ws sees a plain GET /ws and answers 404.
    assert.deepEqual(m.handshake, { opened: 0, statuses: [{ status: 404, count: 10 }] });
    assert.deepEqual([m.clientsConnected, m.expected, m.received], [0, 0, 0]);
    assert.deepEqual(refused.outcome.checks.map((c) => c.detail), ['refused, a finding of this path: the WebSocket upgrade of all 10 clients was answered HTTP 404 through nginx-stock, no stream opened']);
  });

  it('a network namespace with added delay: every event arrives, later by at least the delay', { skip: networkUnavailableReason() ?? false }, async () => {
    const out = await runPath(scenario(['direct', 'net:delay=60ms']), testContext([getServer('node-ws')]));
    const direct = metricsOf(out.steps, 'direct');
    const net = metricsOf(out.steps, 'net:delay=60ms');
    assert.equal(net.received, 400);
    assert.equal(net.gaps, 0);
    assert.equal(net.pathDescription, 'network namespace: +60 ms');
    assert.ok(net.latencyFromT0.min >= 60_000, `one way through the proxy takes at least 60 ms (min ${net.latencyFromT0.min} µs)`);
    assert.ok(direct.latencyFromT0.min < 60_000);
    assert.deepEqual(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`pb${process.pid}n`)), [], 'the namespace is gone');
  });
});
