// nginx + nchan as a broker target: one worker process (like the path scenario's nginx and the
// single-process servers), one channel, EventSource and WebSocket subscribers on the contract's own
// paths, publishing by HTTP POST, subscribers counted by nchan_stub_status. The config is written
// into the step's folder in the run folder; everything listens on 127.0.0.1 only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS, PATHS, type Protocol } from '../../servers/contract.ts';
import { BROKER_CHANNEL } from '../../servers/contract.ts';
import { NCHAN_MODULE } from '../servers/brokers.ts';
import type { ServerSpec } from '../servers/spec.ts';
import { freePort } from '../lifecycle/ports.ts';
import { startServer } from '../lifecycle/server-process.ts';
import { findNginx, NGINX_MISSING, nginxLaunch, nginxUnavailableReason } from '../proxy/nginx.ts';
import { getOnce } from './http-check.ts';
import { messageFor, postOrThrow } from './publisher.ts';
import type { RunningBroker } from './running.ts';

export const NCHAN_PUBLISH_PATH = '/pub';
export const NCHAN_STATUS_PATH = '/nchan_status';

export function nchanConfig(o: { dir: string; port: number }): string {
  return `# Written by pushbench for one broker step. Run: nginx -p ${o.dir} -c nginx.conf -g 'daemon off;'
load_module ${NCHAN_MODULE};
worker_processes 1;
worker_rlimit_nofile 20000;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 19000; }
http {
  access_log off;
  client_body_temp_path tmp/client_body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  server {
    listen ${DEFAULTS.host}:${o.port} backlog=${DEFAULTS.backlog};
    # A subscriber starts with the next message published, as a contract server's does: a new
    # connection is not replayed the channel's buffer.
    nchan_subscriber_first_message newest;
    nchan_message_buffer_length 64;
    nchan_message_timeout 5m;
    # nchan's default subscriber timeout would end quiet streams during the idle scenario's hold.
    nchan_subscriber_timeout 0;
    location = ${PATHS.sse} { nchan_subscriber eventsource; nchan_channel_id ${BROKER_CHANNEL}; }
    location = ${PATHS.ws} { nchan_subscriber websocket; nchan_channel_id ${BROKER_CHANNEL}; }
    location = ${NCHAN_PUBLISH_PATH} { nchan_publisher http; nchan_channel_id ${BROKER_CHANNEL}; }
    location = ${NCHAN_STATUS_PATH} { nchan_stub_status; }
  }
}
`;
}

/** `subscribers: N` of nchan_stub_status: every subscriber of every channel of this nginx. */
export function parseNchanSubscribers(body: string): number {
  const m = /^subscribers: (\d+)$/m.exec(body);
  if (!m) throw new Error(`nchan_stub_status has no "subscribers:" line: ${body.slice(0, 120)}`);
  return Number(m[1]);
}

export async function startNchan(spec: ServerSpec, dir: string): Promise<RunningBroker> {
  const nginx = findNginx();
  if (nginx === null) throw new Error(nginxUnavailableReason() ?? NGINX_MISSING);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const port = await freePort(DEFAULTS.host);
  writeFileSync(join(dir, 'nginx.conf'), nchanConfig({ dir, port }));
  const launch = { ...spec.launch, ...nginxLaunch(nginx, dir) };
  const status = (baseUrl: string) => `${baseUrl}${NCHAN_STATUS_PATH}`;
  const server = await startServer(
    { ...spec, launch },
    { host: DEFAULTS.host, port, ready: async (baseUrl) => (await getOnce(status(baseUrl), 500)).status === 200 },
  );
  const protocol: Protocol = spec.protocol;
  const publishUrl = `${server.baseUrl}${NCHAN_PUBLISH_PATH}`;
  return {
    server,
    subscribePath: protocol === 'ws' ? PATHS.ws : PATHS.sse,
    publisher: {
      maxBatch: 1,
      send: async ([e]) => {
        if (e) await postOrThrow(publishUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: messageFor(protocol, e) });
      },
    },
    connections: async () => {
      const res = await getOnce(status(server.baseUrl), 5000);
      if (res.status !== 200) throw new Error(`${status(server.baseUrl)} answered ${res.status}`);
      return parseNchanSubscribers(res.body);
    },
    countedBy: 'nchan_stub_status',
    stop: () => server.stop(),
  };
}
