// A broker the user describes in the config file: launched with their command (its own process
// group, ended like any server), ready once its subscribe port accepts connections (and its status
// endpoint answers, when it has one), published to with their request template.
import { connect } from 'node:net';
import type { ServerSpec } from '../servers/spec.ts';
import { startServer } from '../lifecycle/server-process.ts';
import { establishedOn } from './established.ts';
import { getOnce } from './http-check.ts';
import { templatePublisher } from './publisher.ts';
import type { RunningBroker } from './running.ts';

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(500);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(false));
  });
}

/** The subscriber count in a status body: the first group of the user's pattern. */
export function countFromStatus(body: string, pattern: string): number {
  const m = new RegExp(pattern, 'm').exec(body);
  const n = m?.[1] === undefined ? NaN : Number(m[1]);
  if (!Number.isInteger(n)) throw new Error(`the status body does not match ${pattern} with a count in its first group: ${body.slice(0, 120)}`);
  return n;
}

export async function startCustomBroker(spec: ServerSpec): Promise<RunningBroker> {
  const b = spec.broker;
  if (b?.kind !== 'custom') throw new Error(`${spec.name} is not a user-defined broker`);
  const status = b.status;
  const server = await startServer(spec, {
    host: b.host,
    port: b.port,
    ready: async () => (await accepts(b.host, b.port)) && (status === null || (await getOnce(status.url, 500)).status === 200),
  });
  return {
    server,
    subscribePath: b.subscribePath,
    publisher: templatePublisher(b.publish),
    connections: async () => {
      if (status === null) return establishedOn(b.host, b.port);
      const res = await getOnce(status.url, 5000);
      if (res.status !== 200) throw new Error(`${status.url} answered ${res.status}`);
      return countFromStatus(res.body, status.connections);
    },
    countedBy: status === null ? `established connections to port ${b.port} in /proc/net/tcp` : status.url,
    stop: () => server.stop(),
  };
}
