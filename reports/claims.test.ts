// The claims table in both worlds: the prose's six rows and the comparison table's seven always;
// with the optional parts each prose claim has a verdict and each caveat is named; without them the
// rows that needed a part say which to install, in report.html and in summary.md alike. (The table
// rows' own verdicts: table-claims.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { claimRows, missingPart, notInstalledText, proseClaimRows, verdictText, type ClaimRow } from './claims.ts';
import { fixtureResult } from './fixtures/fixture.ts';
import { idleStep, pushStep, writeUpAbsent, writeUpPresent } from './fixtures/write-up.ts';
import { escMd, esc } from './escape.ts';
import { groupSummaries } from '../result/aggregate.ts';
import { renderHtml } from './html.ts';
import { summaryMarkdown } from './summary-md.ts';

const byStart = (rows: ClaimRow[], start: string) => rows.find((c) => c.claim.startsWith(start))!;

describe("the write-up's claims", () => {
  it('with the parts installed: six rows, a verdict each, every caveat named', () => {
    const rows = proseClaimRows(writeUpPresent());
    assert.equal(rows.length, 6);
    assert.equal(claimRows(writeUpPresent()).length, 13, "and the comparison table's six rows and the advice after them");
    assert.deepEqual(
      rows.map(verdictText),
      [
        'does not hold',
        'holds with a caveat: fastapi-sse needs 4.0× the TCP floor per idle connection (24.0 KB vs 6.07 KB at 2,000 clients)',
        'holds',
        'holds',
        'holds',
        "holds with a caveat: measured with pushbench's spec client, not a browser EventSource",
      ],
    );
    assert.match(byStart(rows, 'An idle SSE').measured, /flask-sse 34\.3 KB vs floor 6\.07 KB at 2000 \(5\.7×\)/);
    assert.equal(byStart(rows, "Flask's").measured, 'flask-sse: 2,002 threads for 2,000 streams (1.00 new threads per stream)');
    assert.match(byStart(rows, 'The cost grows').measured, /fastapi-sse: idle 0 % CPU; push 10\/s → 100\/s: CPU 3\.90 → 21\.4 %/);
    assert.equal(byStart(rows, 'X-Accel').measured, 'fastapi-sse: first event 2.60 ms direct, 4.70 ms via nginx with the header, 359 ms without it');
  });

  it('without them: six rows, those that needed a part say which one to install', () => {
    const rows = proseClaimRows(writeUpAbsent());
    assert.equal(rows.length, 6);
    assert.equal(verdictText(byStart(rows, 'An async Python')), 'not measured: python3-fastapi and python3-aiohttp are not installed (npm run setup:system)');
    assert.equal(verdictText(byStart(rows, "Flask's")), 'not measured: python3-flask is not installed (npm run setup:system)');
    assert.equal(verdictText(byStart(rows, 'X-Accel')), 'not measured: python3-fastapi and nginx are not installed (npm run setup:system)');
    assert.deepEqual(byStart(rows, 'X-Accel').missingParts, ['python3-fastapi', 'nginx']);
    // The Node servers still answer the other three; the caveat of the idle claim is named.
    assert.equal(verdictText(byStart(rows, 'An idle SSE')), 'holds with a caveat: node-sse costs 3.0× the TCP floor per idle connection (10.3 KB vs 3.45 KB at 5,000 clients)');
    assert.equal(byStart(rows, 'The cost grows').verdict, 'holds');
  });

  it('the caveat bands follow each rule', () => {
    const r = fixtureResult();
    r.steps = r.steps.filter((s) => s.kind !== 'idle');
    r.steps.push(idleStep('fastapi-sse', 'sse', 'fastapi', 10, 1), idleStep('aiohttp-sse', 'sse', 'aiohttp', 9, 1), idleStep('tcp-floor', 'tcp', null, 6, 17));
    r.groups = groupSummaries(r.steps);
    let rows = claimRows(r);
    assert.equal(verdictText(byStart(rows, 'An async Python')), 'holds', 'at most 2× the floor');
    assert.equal(verdictText(byStart(rows, 'An idle SSE')), 'holds');
    // No floor beside them: the caveat says so rather than judging "minimal".
    r.steps = r.steps.filter((s) => s.server !== 'tcp-floor');
    r.groups = groupSummaries(r.steps);
    rows = claimRows(r);
    assert.equal(verdictText(byStart(rows, 'An async Python')), 'holds with a caveat: no tcp-floor was measured beside fastapi-sse at 2,000 and aiohttp-sse at 2,000 to judge "minimal" against');
    // An SSE server busy while idle: the push claim's caveat names it.
    r.steps = [...fixtureResult().steps];
    r.steps.push(idleStep('fastapi-sse', 'sse', 'fastapi', 10, 1, 7.5), pushStep('fastapi-sse', 10, 3, 9000), pushStep('fastapi-sse', 100, 20, 9000));
    r.groups = groupSummaries(r.steps);
    assert.equal(verdictText(byStart(claimRows(r), 'The cost grows')), 'holds with a caveat: fastapi-sse used 7.50 % of a core while idle');
  });

  it('a step that failed is the reason, when nothing was installed-missing', () => {
    const r = fixtureResult();
    r.steps = r.steps.filter((s) => s.kind !== 'reconnect' || s.protocol !== 'sse');
    r.steps.push({ ...r.steps.find((s) => s.kind === 'reconnect')!, server: 'node-sse', protocol: 'sse', outcome: { state: 'failed', reason: 'node-sse exited' } });
    assert.equal(verdictText(byStart(claimRows(r), 'SSE reconnects')), 'not measured: node-sse failed: node-sse exited');
  });

  it("reads the part from the probes' reasons, and keeps any other reason as it is", () => {
    assert.equal(missingPart('missing python3-fastapi (npm run setup:system)'), 'python3-fastapi');
    assert.equal(missingPart('missing /usr/bin/python3 (npm run setup:system)'), '/usr/bin/python3');
    assert.equal(missingPart('nginx is not installed: run npm run setup:system (as root)'), 'nginx');
    assert.equal(missingPart('the header modes concern SSE'), null);
  });

  it('names servers skipped for the same reason once, together', () => {
    const hidden = 'python is hidden by PUSHBENCH_WITHOUT=all (installed here: unset PUSHBENCH_WITHOUT to use it)';
    assert.equal(
      notInstalledText([
        { server: 'fastapi-sse', reason: hidden },
        { server: 'aiohttp-sse', reason: hidden },
        { server: 'fastapi-sse', reason: hidden },
        { server: 'flask-sse', reason: 'missing python3-flask (npm run setup:system)' },
        { server: 'other', reason: 'it broke' },
      ]),
      `python3-flask is not installed (npm run setup:system); fastapi-sse and aiohttp-sse: ${hidden}; other: it broke`,
    );
  });

  for (const [world, make] of [['installed', writeUpPresent], ['not installed', writeUpAbsent]] as const) {
    it(`report.html and summary.md carry all thirteen rows with the verdict text (parts ${world})`, async () => {
      const r = make();
      const rows = claimRows(r);
      const md = summaryMarkdown([r]);
      const from = md.indexOf("### The write-up's claims, tested\n\n| claim | measured | verdict |\n| --- | --- | --- |\n");
      assert.ok(from >= 0);
      const table = md.slice(from, md.indexOf('\n\n', from + 40));
      assert.equal(table.split('\n').length, 4 + 13, 'heading, blank line, header, rule and thirteen rows');
      for (const c of rows) assert.ok(table.includes(`| ${escMd(verdictText(c))} |`), `summary.md: ${verdictText(c)}`);
      const html = await renderHtml([r]);
      const section = html.slice(html.indexOf('<section id="claims">'), html.indexOf('<section id="charts">'));
      assert.equal(section.match(/<td class="verdict"/g)?.length, 13);
      for (const c of rows) assert.ok(section.includes(`<b>${c.verdict}</b>${c.note === null ? '' : `: ${esc(c.note)}`}</td>`), `html: ${verdictText(c)}`);
      if (world === 'not installed') assert.match(md, /\n- skipped fastapi-sse via nginx: nginx is not installed: run npm run setup:system \(as root\)\n/);
    });
  }
});
