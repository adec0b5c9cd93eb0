// nginx in front of a server under test, on loopback, from a config the harness writes into the
// run folder. It is started like a server (its own process group, ready when /healthz answers
// through it), so stop() and the signal handlers end it exactly as they end servers.
//
// The SSE location keeps nginx's defaults on purpose: HTTP/1.0 to the upstream and
// `proxy_buffering on` are what hold SSE events back in production; `X-Accel-Buffering: no` from
// the server, or `proxy_buffering off` here, are the two fixes the path scenario measures.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULTS, PATHS } from '../../servers/contract.ts';
import { CONTRACT_STOP_GRACE_MS, type ServerSpec } from '../servers/spec.ts';
import { freePort } from '../lifecycle/ports.ts';
import { startServer, type RunningServer } from '../lifecycle/server-process.ts';
import { withHidden } from '../optional-parts.ts';
import { findSystemTool, locateSystemTool } from '../system-tool.ts';

/** nginx's path (often in an sbin folder missing from npm's PATH); null when missing or hidden. */
export function findNginx(): string | null {
  return findSystemTool('nginx');
}

export const NGINX_MISSING = 'nginx is not installed: run npm run setup:system (as root)';

/** Null when nginx can run here, else why not (missing, or hidden by PUSHBENCH_WITHOUT). */
export function nginxUnavailableReason(): string | null {
  return withHidden('nginx', locateSystemTool('nginx') === null ? NGINX_MISSING : null);
}

export interface NginxOptions {
  /** Folder for the config, logs and temp files (created). */
  dir: string;
  upstreamHost: string;
  upstreamPort: number;
  /** false writes `proxy_buffering off;` into the SSE location. */
  buffering: boolean;
  /**
   * nginx's stock reverse-proxy config: one `location / { proxy_pass … }` and nothing else — no
   * WebSocket location with Upgrade/Connection headers, nginx's own timeouts (60 s: longer than a step).
   */
  stock?: boolean;
}

/** The whole config, as written to `<dir>/nginx.conf`. */
export function nginxConfig(o: NginxOptions & { listenPort: number }): string {
  const upstream = `http://${o.upstreamHost}:${o.upstreamPort}`;
  const locations = o.stock
    ? `    # Stock: proxy_pass only. Upgrade and Connection are hop-by-hop headers: without
    # proxy_set_header nginx does not pass them on, and speaks HTTP/1.0 to the upstream.
    location / {
      proxy_pass ${upstream};
    }`
    : `    # The default 60 s would cut an idle stream; the scenario measures buffering, not timeouts.
    proxy_read_timeout 1h;
    proxy_send_timeout 1h;
    location ${PATHS.ws} {
      proxy_pass ${upstream};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
    }
    location / {
      proxy_pass ${upstream};
      # nginx's defaults otherwise: HTTP/1.0 upstream, buffering ${o.buffering ? 'on' : 'off'}.
${o.buffering ? '' : '      proxy_buffering off;\n'}    }`;
  return `# Written by pushbench for one path step. Run: nginx -p ${o.dir} -c nginx.conf -g 'daemon off;'
worker_processes 1;
# One worker holds two sockets per client (client side and upstream side).
worker_rlimit_nofile 19000;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 9000; }
http {
  access_log off;
  client_body_temp_path tmp/client_body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  server {
    listen ${DEFAULTS.host}:${o.listenPort} backlog=${DEFAULTS.backlog};
${locations}
  }
}
`;
}

/**
 * nginx in the foreground on a folder's `nginx.conf`. The prefix is absolute: nginx starts in that
 * folder, so a relative one (`npm run bench` writes under `results/`) would be looked up inside
 * itself, and nginx exits 1 before it logs anything.
 */
export function nginxLaunch(nginx: string, dir: string): { command: string; args: string[]; cwd: string } {
  const prefix = resolve(dir);
  return { command: nginx, args: ['-p', prefix, '-c', 'nginx.conf', '-g', 'daemon off;'], cwd: prefix };
}

/** Writes the config and starts nginx in front of the upstream; ready once /healthz answers through it. */
export async function startNginx(o: NginxOptions, protocol: ServerSpec['protocol']): Promise<RunningServer> {
  const nginx = findNginx();
  if (nginx === null) throw new Error(nginxUnavailableReason()!);
  mkdirSync(join(o.dir, 'logs'), { recursive: true });
  mkdirSync(join(o.dir, 'tmp'), { recursive: true });
  const listenPort = await freePort(DEFAULTS.host);
  writeFileSync(join(o.dir, 'nginx.conf'), nginxConfig({ ...o, listenPort }));
  const spec: ServerSpec = {
    name: `nginx${o.stock ? ' (stock config)' : o.buffering ? '' : ' (proxy_buffering off)'}`,
    protocol,
    language: 'custom',
    pair: null,
    description: 'nginx reverse proxy in front of the server under test',
    reportsHeap: false,
    processes: 1,
    launch: { ...nginxLaunch(nginx, o.dir), env: {}, stopGraceMs: CONTRACT_STOP_GRACE_MS },
    requires: [],
  };
  return startServer(spec, { host: DEFAULTS.host, port: listenPort });
}
