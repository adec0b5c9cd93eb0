// Broker targets in the reports: which servers they were (from `extras.brokers`, checked here: a
// result file is untrusted input) and the "Broker targets" section of report.html.
import type { RunResult } from '../harness/result.ts';
import { esc } from './escape.ts';

interface BrokerRow {
  server: string;
  broker: string;
  connectionsFrom: string;
  skipped: string[];
}

function rowsOf(value: unknown): BrokerRow[] {
  const servers = (value as { servers?: unknown } | null)?.servers;
  if (!Array.isArray(servers)) return [];
  return servers.flatMap((s: unknown) => {
    const o = s as Record<string, unknown> | null;
    if (typeof o?.server !== 'string' || typeof o.broker !== 'string') return [];
    const skipped = Array.isArray(o.skipped) ? o.skipped.filter((x): x is string => typeof x === 'string') : [];
    return [{ server: o.server, broker: o.broker, connectionsFrom: typeof o.connectionsFrom === 'string' ? o.connectionsFrom : 'not recorded', skipped }];
  });
}

/** Names of the servers of this result that were broker targets. */
export function brokerServerNames(result: RunResult): Set<string> {
  return new Set(rowsOf(result.extras?.brokers).map((r) => r.server));
}

export function brokersSection(value: unknown, _result: RunResult): string {
  const rows = rowsOf(value);
  return `<h2>Broker targets</h2>
<p>These servers were driven through their own publish API, not the contract: the harness ran the fixed-rate schedule and published each event with its intended send time t0, so their latency from t0 is <b>publish-to-receive</b> (the publish request, the broker's fan-out and the delivery), coordinated-omission safe. Latency from t1 starts when the harness began the publish request. Their CPU and memory are the broker's process tree only (not the harness publishing to it, nor Pushpin's GRIP origin).</p>
<div class="scroll"><table><thead><tr><th>server</th><th>broker</th><th>connections counted by</th><th>skipped</th></tr></thead>
<tbody>${rows.map((r) => `<tr><td>${esc(r.server)}</td><td>${esc(r.broker)}</td><td>${esc(r.connectionsFrom)}</td><td>${r.skipped.length === 0 ? '-' : r.skipped.map(esc).join('<br>')}</td></tr>`).join('\n')}</tbody></table></div>`;
}
