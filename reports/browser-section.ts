// The "Browser checks" section of report.html, when a result carries `extras.browser`
// (scenarios/browser.ts): pass/fail per server and check, with the measured values.
import type { BrowserCheck, BrowserExtra } from '../result/extras.ts';
import { esc } from './escape.ts';
import { fmtNumber } from './format.ts';

export function browserSection(b: BrowserExtra): string {
  const head = '<h2>Browser checks</h2>';
  if (b.skipped) return `${head}<p>Not run: ${esc(b.skipped)}.</p>`;
  if (b.error) return `${head}<p><span class="badge failed">fail</span> ${esc(b.error)}</p>`;
  const checks = b.servers.flatMap((s) => s.checks);
  const passed = checks.filter((c) => c.pass).length;
  const intro = `<p>${passed} of ${checks.length} checks pass. Real <code>EventSource</code> and <code>WebSocket</code> in headless Chromium${b.browser ? ` (<span class="small">${esc(b.browser)}</span>)` : ''}, on a page of the server's own origin: ${esc(b.settings.clientsPerPage)} clients per server, ${esc(b.settings.events)} events at ${esc(b.settings.rate)}/s, servers started with a ${esc(b.settings.retryMs)} ms retry hint. In-page latency is from the event's t0 to the page's receive time; its precision is that of <code>performance.now()</code>, which Chromium coarsens${b.clockStepUs === null ? '' : ` (steps of ${esc(fmtNumber(b.clockStepUs))} µs here)`}.</p>`;
  const rows = b.servers
    .map((s) => {
      const name = `<b>${esc(s.server)}</b> <span class="muted small">${esc(s.protocol)}</span>`;
      if (s.skipped) return `<tr><td>${name}</td><td colspan="5" class="muted">skipped: ${esc(s.skipped)}</td></tr>`;
      return s.checks.map((c, i) => `<tr>${i === 0 ? `<td rowspan="${s.checks.length}">${name}</td>` : ''}${checkCells(c)}</tr>`).join('\n');
    })
    .join('\n');
  return `${head}${intro}<div class="scroll"><table><thead><tr><th>server</th><th>check</th><th>result</th><th>measured</th><th>pass when</th><th>detail</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

function checkCells(c: BrowserCheck): string {
  // Counts stay whole numbers; fmtNumber would print 6 as 6.00.
  const measured = c.measured === null ? 'not measured' : `${Number.isInteger(c.measured) ? c.measured.toLocaleString('en-US') : fmtNumber(c.measured)} ${c.unit}`;
  return `<td>${esc(c.name)}</td><td><span class="badge ${c.pass ? 'completed' : 'failed'}">${c.pass ? 'pass' : 'fail'}</span></td><td class="num">${esc(measured)}</td><td class="small">${esc(c.expected)}</td><td class="small">${esc(c.detail)}</td>`;
}

/** One line for summary.md and the terminal, or null when the result has no browser checks. */
export function browserSummaryLine(b: BrowserExtra | undefined): string | null {
  if (b === undefined) return null;
  if (b.skipped) return `Browser checks not run: ${b.skipped}.`;
  if (b.error) return `Browser checks failed to run: ${b.error}.`;
  const checks = b.servers.flatMap((s) => s.checks.map((c) => ({ server: s.server, c })));
  const failed = checks.filter((x) => !x.c.pass).map((x) => `${x.server} ${x.c.name}`);
  return `Browser checks (headless Chromium): ${checks.length - failed.length} of ${checks.length} pass${failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''}.`;
}
