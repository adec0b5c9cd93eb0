// The answer reports open with: 3–6 sentences generated from the verdicts, before any table, in
// both worlds (parts installed / not), a missing comparison saying why in its own sentence.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixtureResult } from './fixtures/fixture.ts';
import { writeUpAbsent, writeUpPresent } from './fixtures/write-up.ts';
import { renderHtml } from './html.ts';
import { openingSentences } from './opening.ts';
import { summaryMarkdown } from './summary-md.ts';
import { esc, escMd } from './escape.ts';

describe('the opening sentences', () => {
  it('say which protocol did better where and by how much, on the machine of the run', () => {
    const s = openingSentences(fixtureResult());
    assert.equal(s.length, 6, 'four topics (no upstream step in the fixture: no sentence for it), the claims, the table');
    assert.equal(s[0], 'On this machine (Fixture CPU, 2 cores), idle memory: WebSocket needed less server memory per idle connection in 2 of 2 comparisons (by 1.9× to 2.1×, e.g. node-ws 4.90 KB vs node-sse 10.3 KB for 5000 clients).');
    assert.match(s[1]!, /^Push latency: WebSocket had the lower p99 from the intended send time in 3 of 3 comparisons \(by 1\.\d× to 1\.\d×, e.g\. node-ws [\d.]+ ms vs node-sse [\d.]+ ms for 1000\/s to 100 clients, 128 B\)\.$/);
    assert.equal(s[2], 'Delivery: both protocols delivered every event in all 3 comparisons.');
    // The failed restart step: the comparison it left out says why, in the reconnect sentence.
    assert.equal(
      s[3],
      'Reconnect: SSE had 99 % of its clients back sooner in 1 of 2 comparisons (by 1.3×, e.g. node-sse 267 ms vs node-ws 355 ms for drop, 1000 clients); no gaps and no duplicates on either side after recovery; not compared for restart (500 ms down), 1000 clients because node-ws failed: node-ws did not answer /healthz within 20000 ms after the restart.',
    );
  });

  it('with the parts installed, the claims sentence counts six verdicts', () => {
    const s = openingSentences(writeUpPresent());
    assert.equal(s[4], "Of the write-up's 6 claims, 3 hold, 2 hold with a caveat and 1 does not hold.");
    // The default suite has no upstream, browser, binary or stock-nginx step: the table sentence names the runs that measure them, once.
    assert.equal(
      s[5],
      "Of its comparison table's 6 rows and its advice, 7 were not measured: not in this run: npx pushbench run --scenario upstream, npx pushbench run --via nginx-stock,nginx-noheader --servers node-sse,node-ws, npx pushbench run --scenario browser, npx pushbench run --scenario push --payload binary; one browser engine only (pushbench drives headless Chromium, not Firefox or WebKit).",
    );
  });

  it('without them, the claims sentence names every part to install, once', () => {
    const s = openingSentences(writeUpAbsent());
    assert.equal(s[4], "Of the write-up's 6 claims, 1 holds, 2 hold with a caveat and 3 were not measured: python3-fastapi, python3-aiohttp, python3-flask and nginx are not installed (npm run setup:system).");
  });

  it('a scenario the run did not have, or whose servers were all skipped, says so', () => {
    const r = fixtureResult();
    r.steps = r.steps.filter((s) => s.kind === 'idle');
    r.groups = r.groups.filter((g) => g.kind === 'idle');
    r.plan = { scenarios: [{ kind: 'idle', servers: ['node-sse'] }, { kind: 'reconnect', servers: ['fastapi-sse', 'fastapi-ws'] }] };
    r.skipped = [
      { server: 'fastapi-sse', reason: 'missing python3-fastapi (npm run setup:system)' },
      { server: 'fastapi-ws', reason: 'missing python3-fastapi (npm run setup:system)' },
    ];
    const s = openingSentences(r);
    assert.ok(s.length >= 3 && s.length <= 7);
    assert.equal(s[1], 'Push latency was not compared: this run had no push step.');
    assert.equal(s[3], 'Reconnect was not compared: its servers were skipped: python3-fastapi is not installed (npm run setup:system).');
  });

  it('open summary.md and report.html, before the tables', async () => {
    for (const r of [writeUpPresent(), writeUpAbsent()]) {
      const answer = openingSentences(r).join(' ');
      const md = summaryMarkdown([r]);
      assert.ok(md.startsWith(`## pushbench: ${r.label}\n\n${escMd(answer)}\n\n`), r.label);
      const html = await renderHtml([r]);
      const at = html.indexOf(`<p class="answer">${esc(answer)}</p>`);
      assert.ok(at > 0, r.label);
      assert.ok(at < html.indexOf('<table'), 'before the first table');
    }
  });
});
