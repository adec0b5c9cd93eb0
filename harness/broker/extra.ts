// `RunResult.extras.brokers`: which servers of the run were broker targets, so the reports can
// name their latency "publish-to-receive" (t0 is the harness's intended publish time, so the publish
// request and the broker's fan-out are both inside it) and say how their connections were counted.
import type { BrokerRecord, BrokersExtra } from '../../result/extras.ts';
import type { ServerSpec } from '../servers/spec.ts';

function connectionsFrom(spec: ServerSpec): string {
  const b = spec.broker!;
  if (b.kind === 'nchan') return 'nchan_stub_status (subscribers)';
  if (b.kind === 'pushpin') return "established connections to Pushpin's port in /proc/net/tcp (it has no HTTP status endpoint)";
  return b.status ? `${b.status.url} (${b.status.connections})` : `established connections to port ${b.port} in /proc/net/tcp`;
}

/** The extra for the brokers among `specs`, or null when there are none. */
export function brokersExtra(specs: ServerSpec[], skips: Map<string, string>): BrokersExtra | null {
  const seen = new Map<string, BrokerRecord>();
  for (const s of specs) {
    if (!s.broker || seen.has(s.name)) continue;
    const skipped = skips.get(s.name);
    seen.set(s.name, { server: s.name, protocol: s.protocol, pair: s.pair, broker: s.broker.kind, connectionsFrom: connectionsFrom(s), skipped: skipped ? skipped.split('; ') : [] });
  }
  return seen.size === 0 ? null : { latency: 'publish-to-receive', servers: [...seen.values()] };
}
