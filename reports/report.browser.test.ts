// Opens report.html in Debian's headless Chromium, offline: every chart is an SVG, nothing is
// fetched, no console error, nothing wider than a phone, and the data tables open. Saves
// screenshots (phone and desktop) to a temp folder and prints where. Skipped with a one-line
// reason when chromium is absent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumUnavailableReason } from '../harness/browser/chromium.ts';
import { fixtureResult } from './fixtures/fixture.ts';
import { renderReports } from './index.ts';
import { writeReportFiles } from '../harness/result-store.ts';

const CHARTS = ['chart-memory', 'chart-latency', 'chart-spectrum', 'chart-delivered', 'chart-cpu', 'chart-timeline'];

it('report.html renders offline in Chromium: every chart, no console error, fits a phone', async (t) => {
  const unavailable = chromiumUnavailableReason();
  if (unavailable !== null) {
    t.skip(unavailable);
    return;
  }
  // The report and its screenshots stay for a look; the browser profile goes.
  const dir = mkdtempSync(join(tmpdir(), 'pb-browser-'));
  const profile = mkdtempSync(join(tmpdir(), 'pb-chromium-'));
  const { html } = writeReportFiles(dir, await renderReports([fixtureResult()]));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, viewport: { width: 390, height: 844 } });
  try {
    const errors: string[] = [];
    const requests: string[] = [];
    // Offline: anything but the file itself is refused, and recorded.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
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

    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
