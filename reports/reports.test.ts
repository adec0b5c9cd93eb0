import assert from 'node:assert/strict';
import { checkResult } from '../result/read.ts';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { groupSummaries } from '../result/aggregate.ts';
import type { RunResult } from '../result/result.ts';
import { allCharts } from './charts.ts';
import { compareResults } from './compare.ts';
import { gateFixture } from './fixtures/gate-fixture.ts';
import { fixtureResult } from './fixtures/fixture.ts';
import { renderHtml } from './html.ts';
import { renderReports } from './index.ts';
import { writeReportFiles } from '../harness/result-store.ts';
import { summaryMarkdown } from './summary-md.ts';
import { verdictRows } from './verdict.ts';

const CHART_IDS = ['memory', 'latency', 'spectrum', 'delivered', 'cpu', 'timeline'];
const tmp: string[] = [];
after(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

describe('report.html', () => {
  it('renders every chart as inline SVG with its data table, the environment, badges with reasons, skipped servers and the command', async () => {
    const html = await renderHtml([fixtureResult()]);
    for (const id of CHART_IDS) {
      assert.match(html, new RegExp(`<figure id="chart-${id}"><svg[^>]*>[\\s\\S]*?</svg>\\s*<figcaption>[\\s\\S]*?<details><summary>data table \\(\\d+ rows\\)</summary>`), `chart ${id}`);
    }
    assert.equal(html.match(/<figure /g)?.length, CHART_IDS.length);
    // Environment.
    assert.match(html, /<th>CPU<\/th><td>Fixture CPU, 2 cores<\/td>/);
    assert.match(html, /<th>kernel<\/th><td>linux 6\.1\.0-fixture<\/td>/);
    assert.match(html, /<th>Node<\/th><td>v20\.20\.2<\/td>/);
    assert.match(html, /<th>packages<\/th><td>ws 8\.23\.0, express 5\.3\.0, hdr-histogram-js 3\.0\.1, vega 6\.4\.0, vega-lite 6\.4\.3<\/td>/);
    assert.match(html, /<th>git commit<\/th><td>0f731b2<\/td>/);
    assert.match(html, /<th>open files per process<\/th><td>20,000<\/td>/);
    assert.match(html, /<th>date<\/th><td>2026-11-24T09:02:47\.000Z<\/td>/);
    // Validity: the invalid and the failed step, each with its reason.
    assert.match(html, /<span class="badge invalid">invalid<\/span><\/td><td data-label="step">idle · node-ws · rep 2<\/td>.*<li>all connections held: 4987 of 5000 held through the hold \(13 connect timeouts\)<\/li>/);
    assert.match(html, /<span class="badge failed">failed<\/span><\/td><td data-label="step">reconnect · node-ws · rep 1<\/td>.*<li>node-ws did not answer \/healthz within 20000 ms after the restart<\/li>/);
    assert.match(html, /<p>32 of 34 steps completed, 1 invalid, 1 failed\. /);
    assert.match(html, /<section id="skipped"><h2>Skipped servers<\/h2>\n<ul><li><b>fastapi-sse<\/b>: missing python3-fastapi \(npm run setup:system\)<\/li><\/ul>/);
    assert.match(html, /Command: <code>pushbench run --suite default --find-knee<\/code>/);
    // The verdict is in the page, generated.
    assert.match(html, /node-ws holds an idle connection in 5\.99 KB, node-sse in 11\.4 KB \(1\.9× more\)/);
    // Self-contained: no script, no stylesheet or font link, nothing fetched (the SVG namespace is not a fetch).
    assert.doesNotMatch(html, /<script|<link|@import|url\((?!#)/i);
    assert.deepEqual([...new Set(html.match(/https?:\/\/[^\s"')<]+/g) ?? [])], ['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']);
  });

  it('shows markup in a server name, label, reason or environment field as text', async () => {
    const evil = fixtureResult({ label: '<img src=x onerror=alert(2)>', serverName: (s) => (s === 'node-sse' ? '<script>alert(1)</script>' : s) });
    evil.environment.cpuModel = '<b>cpu</b>';
    evil.skipped.push({ server: 'x"><script>alert(3)</script>', reason: '<i>why</i>' });
    const html = await renderHtml([evil]);
    assert.doesNotMatch(html, /<script>alert|<img src=x|<b>cpu<\/b>|<i>why<\/i>/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /<title>pushbench: &lt;img src=x onerror=alert\(2\)&gt;<\/title>/);
    assert.match(html, /<th>CPU<\/th><td>&lt;b&gt;cpu&lt;\/b&gt;, 2 cores<\/td>/);
    // The name also appears inside the charts' SVG text (legends, maybe shortened), escaped there by vega.
    assert.match(html, /<text[^>]*>&lt;script&gt;alert/);
    const summary = summaryMarkdown([evil]);
    assert.doesNotMatch(summary, /<script>|<img|<i>/);
    assert.match(summary, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('renders two result files side by side, each labelled', async () => {
    const html = await renderHtml([fixtureResult({ label: 'machine-a' }), fixtureResult({ label: 'machine-b' })]);
    assert.match(html, /<title>pushbench: machine-a vs machine-b<\/title>/);
    assert.match(html, /<div class="run"><h3>machine-a<\/h3>[\s\S]*<div class="run"><h3>machine-b<\/h3>/);
    assert.match(html, /<section id="verdict">[\s\S]*<h3>machine-a<\/h3>[\s\S]*<h3>machine-b<\/h3>[\s\S]*<section id="claims">/);
    // One chart per kind holds both runs' series, named by run.
    assert.equal(html.match(/<figure /g)?.length, CHART_IDS.length);
    assert.match(html, /<thead><tr><th>run<\/th><th>server<\/th><th>protocol<\/th><th>clients<\/th>/);
    assert.match(html, /<tr><td>machine-a<\/td><td>node-ws<\/td>/);
    assert.match(html, /<tr><td>machine-b<\/td><td>node-ws<\/td>/);
  });

  it('renders the extras that have a renderer, skips the others, and contains a renderer that throws', async () => {
    // An extra of a later version is read, kept as it came, and not shown.
    const read = checkResult(JSON.parse(JSON.stringify({ ...fixtureResult(), extras: { unknownThing: { x: 1 }, calibration: [], paths: { skips: [] }, agents: [] } })));
    if (!read.ok) throw new Error(read.problem);
    const r = read.result;
    const html = await renderHtml([r], {
      extraRenderers: {
        calibration: (v) => `<h2>Calibration</h2><p>${v.length} checks</p>`,
        paths: () => {
          throw new Error('bad <value>');
        },
      },
    });
    assert.match(html, /<section id="extra-calibration"><h2>Calibration<\/h2><p>0 checks<\/p><\/section>/);
    assert.doesNotMatch(html, /unknownThing|extra-agents/);
    assert.match(html, /<section id="extra-paths"><h2>paths<\/h2><p>This section could not be rendered: bad &lt;value&gt;<\/p><\/section>/);
  });

  it('writes report.html and summary.md into the run folder, leaving no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-report-'));
    tmp.push(dir);
    const w = writeReportFiles(dir, await renderReports([fixtureResult()]));
    assert.equal(w.html, join(dir, 'report.html'));
    assert.equal(w.summary, join(dir, 'summary.md'));
    assert.match(readFileSync(w.html, 'utf8'), /^<!doctype html>/);
    assert.match(readFileSync(w.summary, 'utf8'), /^## pushbench: fixture\n/);
    assert.deepEqual(readdirSync(dir).sort(), ['report.html', 'summary.md']);
  });
});

describe('charts', () => {
  it('plot aggregates, not samples: one memory point per server and N, medians of valid repetitions only', () => {
    const charts = new Map(allCharts([fixtureResult()]).map((c) => [c.id, c]));
    assert.deepEqual([...charts.keys()], CHART_IDS);
    const memory = charts.get('memory')!;
    assert.equal(memory.rows.length, 6);
    // node-ws at 5000: rep 2 is invalid, so the median is rep 1's 4.9 KB with no spread.
    assert.deepEqual(
      memory.rows.find((r) => r['server'] === 'node-ws' && r['clients'] === 5000),
      { server: 'node-ws', protocol: 'ws', clients: 5000, kbPerConnection: 4.9, minKb: 4.9, maxKb: 4.9, valid: '1/2' },
    );
    // The spectrum comes from the decoded, merged histograms at the top rate all servers ran.
    const spectrum = charts.get('spectrum')!;
    assert.deepEqual([...new Set(spectrum.rows.map((r) => `${r['server']}@${r['rate']}`))], ['node-sse@1000', 'node-ws@1000', 'tcp-floor@1000']);
    assert.ok(spectrum.rows.every((r) => (r['percentile'] as number) < 100));
    assert.ok(spectrum.rows.length < 300, `${spectrum.rows.length} spectrum rows`);
    // The timeline has no row for the failed restart step.
    const timeline = charts.get('timeline')!;
    assert.deepEqual([...new Set(timeline.rows.map((r) => `${r['server']} ${r['mode']}`))], ['node-sse drop', 'node-sse restart', 'node-ws drop']);
  });
});

describe('verdict table', () => {
  const rows = verdictRows(fixtureResult());
  const row = (q: string) => {
    const r = rows.find((x) => x.question === q);
    assert.ok(r, `no row "${q}" in: ${rows.map((x) => x.question).join(' / ')}`);
    return r;
  };

  it('is generated from medians over valid repetitions, with the floor beside them', () => {
    const idle = row('Server memory per idle connection (1000 clients)');
    assert.equal(idle.sse, 'node-sse: 11.4 KB (11.2 KB–11.5 KB)');
    assert.equal(idle.ws, 'node-ws: 5.99 KB (5.90 KB–6.08 KB)');
    assert.equal(idle.floor, '4.16 KB (4.10 KB–4.22 KB)');
    assert.equal(idle.conclusion, 'node-ws holds an idle connection in 5.99 KB, node-sse in 11.4 KB (1.9× more)');
    // node-ws at 5000 has one invalid repetition: the median comes from the valid one, and says so.
    assert.equal(row('Server memory per idle connection (5000 clients)').ws, 'node-ws: 4.90 KB, 1 of 2 repetitions valid');
    const p99 = row('p99 latency from the intended send time (1000/s to 100 clients, 128 B)');
    assert.match(p99.conclusion, /^node-ws delivers 99 % of events within [\d.]+ ms, node-sse within [\d.]+ ms \(1\.\d× longer\)$/);
    assert.equal(row('Events lost (100/s to 100 clients, 128 B)').conclusion, 'both delivered every event in their valid steps');
    assert.equal(row('Time until 99 % reconnected (drop, 1000 clients)').conclusion, 'node-sse had 99 % of clients back in 267 ms, node-ws in 355 ms (1.3× longer)');
    assert.equal(row('Server CPU per 1,000 delivered events (1000/s to 100 clients, 128 B)').conclusion, 'about the same: node-sse 4.69 ms, node-ws 4.49 ms (within 5 %)');
  });

  it('never shows a number for a failed or unmeasured side', () => {
    const restart = row('Time until 99 % reconnected (restart (500 ms down), 1000 clients)');
    assert.equal(restart.sse, 'node-sse: 944 ms');
    assert.equal(restart.ws, 'node-ws: failed: node-ws did not answer /healthz within 20000 ms after the restart');
    assert.equal(restart.floor, 'not measured');
    assert.equal(restart.conclusion, 'not compared: node-ws failed');
  });

  it('compares the knees of a pair', () => {
    const knee = row('Knee: the highest rate that still meets the bound (100 clients, 128 B, p99 ≤ 100 ms and every event delivered)');
    assert.equal(knee.sse, 'node-sse: 1,000/s (not at 1,250/s: p99 131.0 ms > 100 ms at 1250/s)');
    assert.equal(knee.floor, '1,600/s (not at 2,000/s: delivery 91.3 % at 2000/s)');
    assert.equal(knee.conclusion, 'node-ws keeps up to 1,250/s, node-sse to 1,000/s (1.3× lower)');
  });

  it('calls a single-repetition difference within run-to-run noise no clear difference', () => {
    const r = fixtureResult();
    r.steps = r.steps.filter((s) => !(s.kind === 'push' && s.params.rate === 10 && s.repetition === 2));
    r.groups = groupSummaries(r.steps);
    const p99 = verdictRows(r).find((x) => x.question === 'p99 latency from the intended send time (10/s to 100 clients, 128 B)')!;
    assert.match(p99.conclusion, /^no clear difference: node-sse 1\.\d+ ms, node-ws 1\.\d+ ms, within the 17 % that single runs moved by$/);
  });

  it('calls a difference inside the overlap of the repetitions no clear difference', () => {
    const r = fixtureResult();
    const step = r.steps.find((s) => s.kind === 'idle' && s.server === 'node-sse' && s.params.clients === 1000 && s.repetition === 2)!;
    if (step.kind === 'idle' && step.outcome.state === 'completed') step.outcome.metrics.serverBytesPerConnection = 5.0 * 1024;
    r.groups = groupSummaries(r.steps);
    const idle = verdictRows(r).find((x) => x.question === 'Server memory per idle connection (1000 clients)')!;
    assert.equal(idle.conclusion, 'no clear difference: the repetitions overlap (node-sse 5.00 KB–11.2 KB, node-ws 5.90 KB–6.08 KB)');
  });
});

// compare's tests live beside it (compare.test.ts), on synthetic repetitions.

describe('summary.md', () => {
  it('has the verdict table, the steps that did not complete, skipped servers, and the regressions when compared', () => {
    const cur: RunResult = fixtureResult({ latencyScale: { 'node-sse': 1.3 } });
    const text = summaryMarkdown([cur], compareResults(gateFixture({ seed: 1 }), gateFixture({ seed: 2, shift: { 'node-ws': { serverBytesPerConnection: 3 } } })));
    assert.match(text, /^## pushbench: fixture\n\nOn this machine \(Fixture CPU, 2 cores\), idle memory: [^\n]+\n\n34 steps, 32 completed, 2 invalid or failed\. Fixture CPU, 2 cores, Node v20\.20\.2, commit `0f731b2`\. Reproduce: `pushbench run --suite default --find-knee`\n/);
    assert.match(text, /\n\| question \| SSE \| WebSocket \| tcp-floor \| verdict \|\n\| --- \| --- \| --- \| --- \| --- \|\n\| Server memory per idle connection \(1000 clients\) \| node-sse: 11\.4 KB/);
    assert.match(text, /\n- \*\*invalid\*\* idle node-ws rep 2: all connections held: 4987 of 5000 held through the hold \(13 connect timeouts\)\n/);
    assert.match(text, /\n- skipped fastapi-sse: missing python3-fastapi \(npm run setup:system\)\n/);
    assert.match(text, /### Compared with the baseline\n\n\*\*\d+ regression\(s\)\*\*/);
  });
});
