// Plain-text tables for the terminal (stdout results, not progress), and the terminal summary of a
// run: one row per group with its headline figures (medians over valid repetitions, in the units
// and digits of report.html and summary.md), or the reason there are none.
import { HEADLINE_METRICS } from '../result/metrics.ts';
import type { RunResult } from '../result/result.ts';
import { browserSummaryLine } from './browser-section.ts';
import { fmtMetric, fmtNumber } from './format.ts';
import { rampLimitText } from './params-text.ts';

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export function summaryTable(result: RunResult): string {
  const out: string[] = [];
  for (const kind of ['idle', 'push', 'reconnect', 'sideload', 'path', 'upstream'] as const) {
    const groups = result.groups.filter((g) => g.kind === kind);
    if (groups.length === 0) continue;
    const specs = HEADLINE_METRICS[kind];
    const names = Object.keys(specs).filter((n) => groups.some((g) => g.metrics[n]));
    const rows = groups.map((g) => {
      const params = Object.entries(g.params)
        .filter(([k]) => ['clients', 'rate', 'bytes', 'payload', 'mode', 'transport', 'roomSize', 'pushRate', 'path'].includes(k))
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');
      const valid = `${g.validRepetitions}/${g.totalRepetitions}`;
      const cells = names.map((n) => {
        const s = g.metrics[n];
        return s ? fmtMetric(s.median, specs[n]!.unit) : g.validRepetitions === 0 ? 'invalid' : '-';
      });
      return [g.server, params, valid, ...cells];
    });
    out.push(`\n${kind}\n`);
    out.push(formatTable(['server', 'params', 'valid', ...names.map((n) => specs[n]!.label)], rows));
    if (kind === 'path') {
      for (const s of result.steps) {
        if (s.kind !== 'path' || s.outcome.state !== 'completed' || s.outcome.metrics.handshake?.opened !== 0) continue;
        out.push(`handshake refused via ${s.params.path} for ${s.server}: ${handshakeText(s.outcome.metrics.handshake.statuses)}, no stream opened (a finding of the path)\n`);
      }
    }
    if (kind === 'idle') {
      for (const s of result.steps) {
        if (s.kind !== 'idle' || s.outcome.state === 'failed') continue;
        const r = s.outcome.metrics.ramp;
        out.push(`ramp ${s.server} clients=${s.params.clients}: ${fmtNumber(s.outcome.metrics.connectRatePerSecond)}/s of ${s.params.rampPerSecond}/s offered, ${rampLimitText(r.limitedBy)} (server ${r.serverCpuPercent.toFixed(0)} % CPU, busiest client worker ${r.clientCpuPercentMax.toFixed(0)} %)\n`);
      }
    }
  }
  for (const k of result.knees) {
    out.push(`knee ${k.server}: last good rate ${k.lastGoodRate ?? 'none'} /s (${k.reason})\n`);
  }
  for (const s of result.skipped) out.push(`skipped ${s.server}: ${s.reason}\n`);
  const browser = browserSummaryLine(result.extras?.browser);
  if (browser !== null) out.push(`${browser}\n`);
  return out.join('');
}

/** "HTTP 404 × 10" for each status the clients got. */
export function handshakeText(statuses: { status: number; count: number }[]): string {
  return statuses.map((s) => `HTTP ${s.status} × ${s.count}`).join(', ');
}
