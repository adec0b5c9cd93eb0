// The terminal summary of a run: one row per group with its headline figures (medians over valid
// repetitions), or the reason there are none.
import { formatTable } from '../cli/table.ts';
import { HEADLINE_METRICS } from '../harness/headline.ts';
import type { RunResult } from '../harness/result.ts';
import { browserSummaryLine } from './browser-result.ts';
import { rampLimitText } from './ramp-limit.ts';

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
        return s ? formatNumber(s.median) : g.validRepetitions === 0 ? 'invalid' : '-';
      });
      return [g.server, params, valid, ...cells];
    });
    out.push(`\n${kind}\n`);
    out.push(formatTable(['server', 'params', 'valid', ...names.map((n) => `${specs[n]!.label}${specs[n]!.unit ? ` (${specs[n]!.unit})` : ''}`)], rows));
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
        out.push(`ramp ${s.server} clients=${s.params.clients}: ${formatNumber(s.outcome.metrics.connectRatePerSecond)}/s of ${s.params.rampPerSecond}/s offered, ${rampLimitText(r.limitedBy)} (server ${r.serverCpuPercent.toFixed(0)} % CPU, busiest client worker ${r.clientCpuPercentMax.toFixed(0)} %)\n`);
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

function formatNumber(n: number): string {
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 1) return n.toFixed(1);
  return n.toPrecision(2);
}
