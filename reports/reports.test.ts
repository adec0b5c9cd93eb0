import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { groupSummaries } from '../harness/aggregate.ts';
import { compareMarkdown, compareResults, COMPARE_EXIT } from './compare.ts';
import { fixtureResult } from './fixtures/fixture.ts';
import { renderHtml } from './html.ts';
import { writeReports } from './index.ts';
import { summaryMarkdown } from './summary-md.ts';
import { verdictRows } from './verdict.ts';

describe('report.html', () => {
  it('renders every chart as inline SVG, the environment, and validity badges with reasons', async () => {
    const html = await renderHtml([fixtureResult()]);
    for (const id of ['memory', 'latency', 'spectrum', 'delivered', 'cpu', 'timeline']) {
      assert.match(html, new RegExp(`<figure id="chart-${id}"><div class="scroll"><svg`), `chart ${id}`);
    }
    assert.match(html, /<th>CPU<\/th><td>Fixture CPU × 2<\/td>/);
    assert.match(html, /<th>open files per process<\/th><td>20000<\/td>/);
    assert.match(html, /<span class="badge invalid">invalid<\/span>.*all connections held: 4990 of 5000 held during the hold/);
    assert.match(html, /<span class="badge failed">failed<\/span>/);
    assert.match(html, /Skipped: <b>fastapi-sse<\/b> \(missing python3-fastapi \(npm run setup:system\)\)/);
    assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/, 'no script, no external resource');
  });

  it('shows a server name containing <script> as text', async () => {
    const evil = fixtureResult({ serverName: (s) => (s === 'node-sse' ? '<script>alert(1)</script>' : s) });
    const html = await renderHtml([evil]);
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(summaryMarkdown([evil]), /<script>/);
  });

  it('renders two result files side by side, each labelled', async () => {
    const html = await renderHtml([fixtureResult({ label: 'machine-a' }), fixtureResult({ label: 'machine-b' })]);
    assert.match(html, /<title>pushbench: machine-a vs machine-b<\/title>/);
    assert.match(html, /machine-a: node-ws/);
    assert.match(html, /machine-b: node-ws/);
  });

  it('writes report.html and summary.md into the run folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-report-'));
    const w = await writeReports(dir, [fixtureResult()]);
    assert.match(readFileSync(w.html, 'utf8'), /^<!doctype html>/);
    assert.match(readFileSync(w.summary, 'utf8'), /^## pushbench: fixture/);
  });
});

describe('verdict table', () => {
  it('is generated from medians over valid repetitions and never invents a number', () => {
    const rows = verdictRows(fixtureResult());
    const idle = rows.find((r) => r.question === 'Idle server memory per connection (clients=1000)')!;
    assert.equal(idle.sse, 'node-sse: 10.0 KB (9.90 KB–10.1 KB)');
    assert.equal(idle.ws, 'node-ws: 4.75 KB (4.70 KB–4.79 KB)');
    assert.equal(idle.floor, '3.23 KB (3.20 KB–3.26 KB)');
    assert.equal(idle.conclusion, 'WS is better: 2.1× lower server RSS per connection');
    // node-ws at 5000 has one invalid repetition: its median comes from the valid one only.
    const five = rows.find((r) => r.question === 'Idle server memory per connection (clients=5000)')!;
    assert.equal(five.ws, 'node-ws: 4.70 KB');
    const restart = rows.find((r) => r.question === 'Time to 99 % reconnected (clients=1000 mode=restart)')!;
    assert.match(restart.sse, /^node-sse: failed: server node-x did not answer/);
    assert.equal(restart.conclusion, 'no comparison: one side has no valid measurement');
  });
});

describe('compare', () => {
  it('flags a 30 % p99 regression of one server', () => {
    const base = fixtureResult();
    const worse = fixtureResult({ latencyScale: { 'node-sse': 1.3 } });
    const out = compareResults(base, worse);
    assert.equal(out.exitCode, COMPARE_EXIT.regression);
    const flagged = out.regressions.map((r) => `${r.server} ${r.metric}`);
    assert.ok(flagged.includes('node-sse p99FromT0Us'), flagged.join(', '));
    assert.ok(flagged.every((f) => f.startsWith('node-sse ')), `only node-sse regressed: ${flagged.join(', ')}`);
    assert.match(compareMarkdown(out), /^\*\*\d+ regression\(s\)\*\*\n\n\| verdict \| server \|/);
  });

  it('ignores a uniform 20 % slow-down of every server and the floor alike', () => {
    const base = fixtureResult();
    const slowMachine = fixtureResult({ latencyScale: { 'node-sse': 1.2, 'node-ws': 1.2, 'tcp-floor': 1.2 } });
    const out = compareResults(base, slowMachine);
    assert.deepEqual(
      out.regressions.map((r) => `${r.server} ${r.metric}`),
      [],
    );
    assert.equal(out.exitCode, COMPARE_EXIT.ok);
    assert.ok(out.rows.filter((r) => r.metric === 'p99FromT0Us' && r.server !== 'tcp-floor').every((r) => r.normalized));
  });

  it('more gaps are always a regression', () => {
    const base = fixtureResult();
    const cur = fixtureResult();
    const step = cur.steps.find((s) => s.kind === 'reconnect' && s.server === 'node-ws' && s.params.mode === 'drop')!;
    if (step.kind === 'reconnect' && step.outcome.state === 'completed') step.outcome.metrics.gaps = 3;
    cur.groups = groupSummaries(cur.steps);
    const out = compareResults(base, cur);
    assert.ok(out.regressions.some((r) => r.server === 'node-ws' && r.metric === 'gaps'));
  });
});

describe("the write-up's claims", () => {
  it('are judged from the run: idle cost vs the floor holds with its numbers; unmeasured claims say so', async () => {
    const { claimRows } = await import('./claims.ts');
    const rows = claimRows(fixtureResult());
    const idle = rows[0]!;
    assert.equal(idle.verdict, 'holds with a caveat');
    assert.match(idle.measured, /^node-sse 10\.0 KB vs floor 3\.23 KB at 1000 \(3\.1×\)/);
    assert.equal(rows[1]!.verdict, 'not measured');
    assert.equal(rows[1]!.measured, 'no async Python SSE server ran the idle scenario at ≥ 1,000 clients');
    assert.ok(rows.every((r) => r.verdict !== 'not measured' || r.measured.length > 0));
    assert.match(await renderHtml([fixtureResult()]), /<h2>The write-up's claims, tested<\/h2>/);
  });
});
