// A hostile results.json (markup, script and javascript: links in every free-text field) goes
// through `pushbench report` and is opened in Debian's headless Chromium: no dialog may open, and
// every link is http(s), file-relative or an anchor. A control page with one unescaped payload
// shows that the dialog counter would see one. Skipped with the product's reason without Chromium.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, it } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { chromiumUnavailableReason, launch } from '../harness/browser/chromium.ts';
import { hostileResult } from './fixtures/hostile.ts';

const BIN = fileURLToPath(new URL('../bin/pushbench.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pb-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

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

it('a hostile results.json renders through `pushbench report` with zero dialogs in Chromium', { timeout: 120_000 }, async (t) => {
  const unavailable = chromiumUnavailableReason();
  if (unavailable !== null) {
    t.skip(unavailable);
    return;
  }
  const resultPath = join(dir, 'results.json');
  writeFileSync(resultPath, JSON.stringify(hostileResult()));
  const report = spawnSync(process.execPath, [BIN, 'report', resultPath, '--out', dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(report.status, 0, report.stderr);
  const control = join(dir, 'control.html');
  writeFileSync(control, '<!doctype html><p>unescaped:</p><img src=x onerror=alert(1)>');

  const session = await launch(false);
  try {
    const seen = await open(session.context, control);
    assert.deepEqual(seen.dialogs, ['alert: 1'], 'the control page proves a payload would be seen');
    const { dialogs, links } = await open(session.context, join(dir, 'report.html'));
    assert.deepEqual(dialogs, []);
    assert.ok(links.length > 5, `${links.length} links`);
    for (const l of links) assert.ok(['http:', 'https:', 'file:'].includes(l.protocol), `${l.protocol} ${l.href}`);
  } finally {
    await session.close();
  }
});
