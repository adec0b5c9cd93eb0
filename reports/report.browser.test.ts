// Opens report.html in Debian's headless Chromium, offline: every chart is an SVG, nothing is
// fetched, no console error. Skipped with a one-line reason when chromium is absent.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { chromium } from 'playwright-core';
import { fixtureResult } from './fixtures/fixture.ts';
import { writeReports } from './index.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

it('report.html renders offline in Chromium with every chart and no console error', { skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (npm run setup:system installs it)` }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-browser-'));
  const profile = mkdtempSync(join(tmpdir(), 'pb-chromium-'));
  const { html } = await writeReports(dir, [fixtureResult()]);
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 390, height: 844 } });
  try {
    const errors: string[] = [];
    const requests: string[] = [];
    // Offline: anything but the file itself is refused (and recorded).
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
    const charts = await page.$$eval('figure', (figs) => figs.map((f) => ({ id: f.id, svgs: f.querySelectorAll('svg').length })));
    assert.deepEqual(
      charts.map((c) => c.id),
      ['chart-memory', 'chart-latency', 'chart-spectrum', 'chart-delivered', 'chart-cpu', 'chart-timeline'],
    );
    assert.ok(
      charts.every((c) => c.svgs >= 1),
      JSON.stringify(charts),
    );
    // Phone width: the page itself must not scroll sideways (wide tables scroll in their box).
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than a phone screen`);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    process.stderr.write(`report screenshot: ${shot}\n`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
