// The write-up's comparison table as claim rows: with every row answered (upstream, nginx-stock,
// binary push, the browser's reconnect checks) each has its verdict and its caveat named; a run
// without them names the run that measures each; each rule's other branches, one by one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupSummaries } from '../result/aggregate.ts';
import type { RunResult, StepResult } from '../result/result.ts';
import { verdictText, type ClaimRow } from './claims.ts';
import { fixtureResult } from './fixtures/fixture.ts';
import { browserExtra, pathStep, tableRowsPresent, upstreamStep } from './fixtures/table-rows.ts';
import { MEASURED_BY, tableClaimRows } from './table-claims.ts';

const rowOf = (r: RunResult, start: string): ClaimRow => {
  const row = tableClaimRows(r).find((c) => c.claim.startsWith(start));
  assert.ok(row, start);
  return row;
};

/** The table rows with some steps replaced. */
function withSteps(replace: (s: StepResult) => boolean, add: StepResult[]): RunResult {
  const r = tableRowsPresent();
  r.steps = [...r.steps.filter((s) => !replace(s)), ...add];
  r.groups = groupSummaries(r.steps);
  return r;
}

describe("the write-up's comparison table, row by row", () => {
  it('every row answered: a verdict each, every caveat named, the measurement behind it', () => {
    const rows = tableClaimRows(tableRowsPresent());
    assert.deepEqual(
      rows.map((c) => c.claim.split(':')[0]),
      ['Direction', 'Protocol', 'Auto-reconnect', 'Binary data', 'Proxy compatibility', 'Browser support', 'Choose SSE when the server pushes and the client only listens. Choose WebSockets when the client also sends data frequently.'],
    );
    assert.deepEqual(rows.map(verdictText), [
      'holds',
      'holds',
      'holds',
      "holds with a caveat: node-sse carries 512 B as base64: 772 B per event on the wire vs node-ws's 545 B (1.4×), client CPU 1.2× per event, server CPU 1.4×",
      "holds with a caveat: node-sse's stream passed the stock proxy only thanks to its X-Accel-Buffering: no header: without it nginx held the first event 2,517 ms (direct 8.40 ms)",
      'not measured: one browser engine only (pushbench drives headless Chromium, not Firefox or WebKit)',
      'holds',
    ]);
    const r = tableRowsPresent();
    assert.equal(
      rowOf(r, 'Direction').measured,
      'node-ws (on the WebSocket): 0 HTTP requests and 0 connections opened per message, 136 B up; node-sse (by POST on a keep-alive connection): 1.00 HTTP requests and 0.000600 connections opened per message, 242 B up + 166 B answer; node-sse (by POST, a connection per message): 1.00 HTTP requests and 1.00 connections opened per message, 261 B up + 138 B answer',
    );
    assert.equal(rowOf(r, 'Protocol').measured, 'node-ws (ws): HTTP 101 × 220; node-sse (sse): HTTP 200 × 420; node-sse through nginx-stock: HTTP 200 × 20; node-ws through nginx-stock: HTTP 404 × 20 (refused)');
    assert.equal(
      rowOf(r, 'Auto-reconnect').measured,
      'HeadlessChrome/156.0.0.0: node-sse: EventSource back after 3,014 ms with no retry: field; node-sse: 515 ms with retry: 500; node-sse: 5,042 ms with retry: 5000; node-ws: WebSocket still CLOSED 5,000 ms after the drop',
    );
    assert.match(rowOf(r, 'Proxy').measured, /node-ws: through nginx-stock the upgrade was refused \(HTTP 404 × 20\); through nginx with Upgrade\/Connection set it streamed/);
    assert.equal(rowOf(r, 'Browser support').measured, 'HeadlessChrome/156.0.0.0: EventSource servers passed 4 of 4 checks, WebSocket servers 2 of 2');
    // The advice shows by how much, at which rate, both transports of SSE against WS.
    assert.match(rowOf(r, 'Choose SSE').measured, /^echo at 5 msg\/s from each of 200 clients, server CPU per message: node-ws 60\.0 µs .* vs node-sse by POST on a keep-alive connection 140 µs \(2\.3×\), .*node-sse by POST, a connection per message 260 µs \(4\.3×\)/);
  });

  it('a run without those scenarios: each row names the run that measures it', () => {
    const rows = tableClaimRows(fixtureResult());
    assert.ok(rows.every((c) => c.verdict === 'not measured'));
    assert.deepEqual(rowOf(fixtureResult(), 'Direction').missingRuns, [MEASURED_BY.upstream]);
    assert.deepEqual(rowOf(fixtureResult(), 'Auto-reconnect').missingRuns, [MEASURED_BY.browser]);
    assert.deepEqual(rowOf(fixtureResult(), 'Binary').missingRuns, [MEASURED_BY.binary]);
    assert.deepEqual(rowOf(fixtureResult(), 'Proxy').missingRuns, [MEASURED_BY.stock]);
    assert.equal(verdictText(rowOf(fixtureResult(), 'Choose SSE')), 'not measured: not in this run (npx pushbench run --scenario upstream)');
    // No Chromium: the part to install, not a run to add.
    const r = fixtureResult();
    r.extras = { browser: { ...browserExtra(null, [], true), browser: null, skipped: 'headless Chromium not installed: run npm run setup:system', servers: [] } };
    assert.deepEqual(rowOf(r, 'Auto-reconnect').missingParts, ['chromium']);
    assert.equal(verdictText(rowOf(r, 'Auto-reconnect')), 'not measured: the browser scenario did not run: headless Chromium not installed: run npm run setup:system');
  });

  it('auto-reconnect: a default delay off the write-up\'s 3 s is the caveat; a WebSocket that came back, or an EventSource that did not, does not hold', () => {
    const r = tableRowsPresent();
    r.extras.browser = browserExtra(1000, [[500, 2100]], true);
    assert.equal(
      verdictText(rowOf(r, 'Auto-reconnect')),
      "holds with a caveat: node-sse: with no retry: field the EventSource waited 1,000 ms, not the write-up's 3 s; node-sse: retry: 500 was not honoured (2,100 ms)",
    );
    r.extras.browser = browserExtra(3000, [], false);
    assert.equal(rowOf(r, 'Auto-reconnect').verdict, 'does not hold');
    r.extras.browser = browserExtra(null, [], true);
    assert.equal(rowOf(r, 'Auto-reconnect').verdict, 'does not hold');
  });

  it('proxy compatibility: a WebSocket upgrade through the stock config, or an SSE stream it could not carry, does not hold', () => {
    const passed = withSteps((s) => s.server === 'node-ws' && s.kind === 'path' && s.params.path === 'nginx-stock', [pathStep('node-ws', 'ws', 'nginx-stock', 12, [{ status: 101, count: 20 }])]);
    assert.equal(rowOf(passed, 'Proxy').verdict, 'does not hold');
    const slow = withSteps((s) => s.server === 'node-sse' && s.kind === 'path' && s.params.path === 'nginx-stock', [pathStep('node-sse', 'sse', 'nginx-stock', 900, [{ status: 200, count: 20 }])]);
    assert.equal(rowOf(slow, 'Proxy').verdict, 'does not hold');
    // Without the no-header step there is nothing to name: it holds.
    const plain = withSteps((s) => s.kind === 'path' && s.params.path === 'nginx-noheader', []);
    assert.equal(verdictText(rowOf(plain, 'Proxy')), 'holds');
  });

  it('direction and protocol: an SSE client that sent without a request, or a stream opened another way, does not hold', () => {
    const r = tableRowsPresent();
    const ws = r.steps.find((s) => s.kind === 'upstream' && s.protocol === 'ws')!;
    assert.ok(ws.kind === 'upstream' && ws.outcome.state === 'completed');
    ws.outcome.metrics.httpStatuses = [{ status: 200, count: 200 }];
    assert.equal(rowOf(r, 'Protocol').verdict, 'does not hold');
    const sse = r.steps.find((s) => s.kind === 'upstream' && s.protocol === 'sse')!;
    assert.ok(sse.kind === 'upstream' && sse.outcome.state === 'completed');
    sse.outcome.metrics.requestsPerMessage = 0.5;
    assert.equal(rowOf(r, 'Direction').verdict, 'does not hold');
  });

  it('the advice: SSE by keep-alive POST within the noise band of WS is a caveat; cheaper than WS, it does not hold', () => {
    const near = withSteps((s) => s.kind === 'upstream' && s.params.transport === 'keepalive', [upstreamStep('node-sse', 'sse', 'keepalive', 70)]);
    assert.equal(verdictText(rowOf(near, 'Choose SSE')), 'holds with a caveat: at some rate SSE with keep-alive POSTs cost within 33 % of WS per message: no clear difference there');
    const cheaper = withSteps((s) => s.kind === 'upstream' && s.params.transport === 'keepalive', [upstreamStep('node-sse', 'sse', 'keepalive', 30)]);
    assert.equal(rowOf(cheaper, 'Choose SSE').verdict, 'does not hold');
    // Only the upstream half: the listening half is named as missing.
    const noPush = withSteps((s) => s.kind === 'push' && s.params.payload === undefined, []);
    assert.equal(verdictText(rowOf(noPush, 'Choose SSE')), 'holds with a caveat: the listening half (push, SSE vs WS of one pair) was not in this run');
  });
});
