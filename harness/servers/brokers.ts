// The built-in broker targets: one nginx + nchan and one Pushpin, each measured with SSE and with
// WebSocket subscribers, so each pair compares the two protocols inside the same broker.
import { existsSync } from 'node:fs';
import type { OptionalPart } from '../optional-parts.ts';
import { locateSystemTool } from '../system-tool.ts';
import { CONTRACT_STOP_GRACE_MS, type Requirement, type ServerSpec } from './spec.ts';
import type { Protocol } from '../../servers/contract.ts';
import type { BrokerDescription } from '../broker/types.ts';

/** Where Debian's libnginx-mod-nchan puts the module. */
export const NCHAN_MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so';

function tool(name: string, pkg: string, part: OptionalPart): Requirement {
  return { name, part, check: () => (locateSystemTool(name) === null ? `${name} is not installed (${pkg}): run npm run setup:system (as root)` : null) };
}

const nchanModule: Requirement = {
  name: 'libnginx-mod-nchan',
  part: 'nchan',
  check: () => (existsSync(NCHAN_MODULE) ? null : `the nchan module is not installed (${NCHAN_MODULE}, libnginx-mod-nchan): run npm run setup:system (as root)`),
};

function broker(name: string, protocol: Protocol, pair: string, description: string, command: string, requires: Requirement[], desc: BrokerDescription, root: string): ServerSpec {
  return {
    name,
    protocol,
    language: 'broker',
    pair,
    description,
    reportsHeap: false,
    processes: 1,
    launch: { command, args: [], env: {}, cwd: root, stopGraceMs: CONTRACT_STOP_GRACE_MS },
    requires,
    broker: desc,
  };
}

/**
 * Pushpin's proxy queues at most ~100 requests to zurl (its origin client); a subscribe burst beyond
 * that fails with 502 "Error while proxying to origin" (measured here: 64 of 1,000 at 2,000/s, none
 * at 1,000/s on a quiet machine; 24–147 of 500 at 500/s at load 6–7). A fixed rate cap does not hold
 * on a loaded machine: at most half that queue is left waiting instead, whatever the load.
 */
const PUSHPIN: BrokerDescription = { kind: 'pushpin', maxPendingConnects: 50 };

export function brokerServers(root: string): ServerSpec[] {
  const nchan = [tool('nginx', 'nginx', 'nginx'), nchanModule];
  const pushpin = [tool('pushpin', 'pushpin', 'pushpin'), tool('condure', 'condure, with pushpin', 'pushpin'), tool('zurl', 'zurl, with pushpin', 'pushpin')];
  return [
    broker('nchan-sse', 'sse', 'nchan', 'nginx + nchan, EventSource subscribers, publishing by HTTP POST', 'nginx', nchan, { kind: 'nchan' }, root),
    broker('nchan-ws', 'ws', 'nchan', 'nginx + nchan, WebSocket subscribers, publishing by HTTP POST', 'nginx', nchan, { kind: 'nchan' }, root),
    broker('pushpin-sse', 'sse', 'pushpin', 'Pushpin holding HTTP streams for a GRIP origin, publishing through its HTTP API', 'pushpin', pushpin, PUSHPIN, root),
    broker('pushpin-ws', 'ws', 'pushpin', 'Pushpin WebSocket-over-HTTP for a GRIP origin, publishing through its HTTP API', 'pushpin', pushpin, PUSHPIN, root),
  ];
}
