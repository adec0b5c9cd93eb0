// Broker targets in the reports: which servers they were (from `extras.brokers`, checked on read
// like every extra) and the "Broker targets" section of report.html.
import type { BrokersExtra } from '../result/extras.ts';
import type { RunResult } from '../result/result.ts';
import { esc } from './escape.ts';

/** Names of the servers of this result that were broker targets. */
export function brokerServerNames(result: RunResult): Set<string> {
  return new Set((result.extras.brokers?.servers ?? []).map((r) => r.server));
}

export function brokersSection({ servers: rows }: BrokersExtra): string {
  return `<h2>Broker targets</h2>
<p>These servers were driven through their own publish API, not the contract: the harness ran the fixed-rate schedule and published each event with its intended send time t0, so their latency from t0 is <b>publish-to-receive</b> (the publish request, the broker's fan-out and the delivery), coordinated-omission safe. Latency from t1 starts when the harness began the publish request. Their CPU and memory are the broker's process tree only (not the harness publishing to it, nor Pushpin's GRIP origin).</p>
<div class="scroll"><table><thead><tr><th>server</th><th>broker</th><th>connections counted by</th><th>skipped</th></tr></thead>
<tbody>${rows.map((r) => `<tr><td>${esc(r.server)}</td><td>${esc(r.broker)}</td><td>${esc(r.connectionsFrom)}</td><td>${r.skipped.length === 0 ? '-' : r.skipped.map(esc).join('<br>')}</td></tr>`).join('\n')}</tbody></table></div>`;
}
