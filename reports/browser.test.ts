// The report in Debian's headless Chromium, one browser for both checks (a launch costs seconds of
// CPU). Skipped with the product's one-line reason when Chromium is absent or hidden.
// - report.html renders offline: every chart is an SVG, nothing is fetched, no console error,
//   nothing wider than a phone, and the data tables open. Screenshots (phone and desktop) stay in
//   a temp folder, printed on stderr, for a look.
// - A hostile results.json (markup, script and javascript: links in every free-text field) goes
//   through `pushbench report`: no dialog may open, and every link is http(s), file-relative or an
//   anchor. A control page with one unescaped payload shows that the dialog counter would see one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { chromiumUnavailableReason, launch, type Session } from '../harness/browser/chromium.ts';
import { writeReportFiles } from '../harness/result-store.ts';
import { fixtureResult } from './fixtures/fixture.ts';
import { hostileResult } from './fixtures/hostile.ts';
import { renderReports } from './index.ts';

const BIN = fileURLToPath(new URL('../bin/pushbench.js', import.meta.url));
const CHARTS = ['chart-memory', 'chart-latency', 'chart-spectrum', 'chart-delivered', 'chart-cpu', 'chart-timeline'];

describe('the report in Chromium', { skip: chromiumUnavailableReason() ?? false }, () => {
  let session: Session | undefined;
  let work = '';
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'pb-hostile-'));
    session = await launch(false);
  });
  after(async () => {
    await session?.close();
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('report.html renders offline: every chart, no console error, fits a phone', async () => {
    // The report and its screenshots stay for a look.
    const dir = mkdtempSync(join(tmpdir(), 'pb-browser-'));
    const { html } = writeReportFiles(dir, await renderReports([fixtureResult()]));
    const page = await session!.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    const errors: string[] = [];
    const requests: string[] = [];
    // Offline: anything but the file itself is refused, and recorded.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${html}`);

    const charts = await page.$$eval('figure', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return { id: f.id, svgs: f.querySelectorAll('svg').length, width: box?.width ?? 0, height: box?.height ?? 0, marks: svg?.querySelectorAll('path, line, rect').length ?? 0 };
      }),
    );
    assert.deepEqual(
      charts.map((c) => c.id),
      CHARTS,
    );
    // Each chart is drawn (has marks) and shown at a visible size.
    for (const c of charts) assert.ok(c.svgs === 1 && c.width > 200 && c.height > 100 && c.marks > 10, JSON.stringify(c));

    // Phone width: the page itself must not scroll sideways (wide tables scroll in their own box).
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than a phone screen`);

    // A chart's data table is behind a toggle: hidden, then shown on a tap.
    const table = page.locator('#chart-memory details table');
    assert.equal(await table.isVisible(), false);
    await page.locator('#chart-memory details summary').click();
    assert.equal(await table.isVisible(), true);
    assert.equal(await table.locator('tbody tr').count(), 6);

    const phone = join(dir, 'report-phone.png');
    await page.screenshot({ path: phone, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    const desktop = join(dir, 'report-desktop.png');
    await page.screenshot({ path: desktop, fullPage: true });
    process.stderr.write(`report screenshots: ${phone} ${desktop}\n`);
    await page.close();

    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
  });

  /** Opens `file`, waits for late handlers (images failing, SVG onload), returns the dialogs seen and every link. */
  async function open(context: BrowserContext, file: string): Promise<{ dialogs: string[]; links: { protocol: string; href: string }[] }> {
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    // Hover everything once: a handler that slipped through as markup (onmouseover) would fire too.
    await page.evaluate(() => {
      for (const el of Array.from(document.querySelectorAll('*'))) el.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
    });
    await page.waitForTimeout(500);
    const links = await page.$$eval('a[href]', (as) => as.map((a) => ({ protocol: (a as HTMLAnchorElement).protocol, href: a.getAttribute('href') ?? '' })));
    await page.close();
    return { dialogs, links };
  }

  it('a hostile results.json renders through `pushbench report` with zero dialogs', { timeout: 120_000 }, async () => {
    const resultPath = join(work, 'results.json');
    writeFileSync(resultPath, JSON.stringify(hostileResult()));
    const report = spawnSync(process.execPath, [BIN, 'report', resultPath, '--out', work], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(report.status, 0, report.stderr);
    const control = join(work, 'control.html');
    writeFileSync(control, '<!doctype html><p>unescaped:</p><img src=x onerror=alert(1)>');

    const seen = await open(session!.context, control);
    assert.deepEqual(seen.dialogs, ['alert: 1'], 'the control page proves a payload would be seen');
    const { dialogs, links } = await open(session!.context, join(work, 'report.html'));
    assert.deepEqual(dialogs, []);
    assert.ok(links.length > 5, `${links.length} links`);
    for (const l of links) assert.ok(['http:', 'https:', 'file:'].includes(l.protocol), `${l.protocol} ${l.href}`);
  });
});
