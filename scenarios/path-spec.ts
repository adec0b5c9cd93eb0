// How clients reach the server in the path scenario, parsed once at the edge from its label:
//   direct                 clients connect to the server on loopback
//   nginx                  nginx in front with its defaults; the server sends X-Accel-Buffering: no
//   nginx-noheader         nginx defaults; the server omits the header (what buffering does to SSE)
//   nginx-nobuffer         the server omits the header; nginx has proxy_buffering off (the config fix)
//   nginx-stock            nginx's stock reverse-proxy config, `proxy_pass` only: no Upgrade/Connection
//                          headers for WebSockets (what a proxy set up for plain HTTP does to each protocol)
//   net:<conditions>       the server in a network namespace behind loss/bandwidth/delay (--net)
import { UserError } from '../harness/errors.ts';
import { describeNetConditions, parseNetConditions, type NetConditions } from '../harness/network/conditions.ts';

export type PathSpec =
  | { kind: 'direct'; label: string }
  | { kind: 'nginx'; label: string; serverHeader: boolean; buffering: boolean; stock: boolean }
  | { kind: 'net'; label: string; conditions: NetConditions };

const NGINX: Record<string, { serverHeader: boolean; buffering: boolean; stock: boolean }> = {
  nginx: { serverHeader: true, buffering: true, stock: false },
  'nginx-noheader': { serverHeader: false, buffering: true, stock: false },
  'nginx-nobuffer': { serverHeader: false, buffering: false, stock: false },
  // The server as it is (it sends X-Accel-Buffering: no, as the write-up's pattern does).
  'nginx-stock': { serverHeader: true, buffering: true, stock: true },
};

export const NGINX_PATHS = Object.keys(NGINX);
/** The path scenario's default: direct and the three nginx modes, measured in one run. */
export const DEFAULT_PATHS = ['direct', ...NGINX_PATHS];
const FORMS = `direct, ${NGINX_PATHS.join(', ')}, net:<conditions> (e.g. net:loss=1%,delay=20ms)`;

export function parsePath(raw: string): PathSpec {
  const label = raw.trim();
  if (label === 'direct') return { kind: 'direct', label };
  const nginx = NGINX[label];
  if (nginx) return { kind: 'nginx', label, ...nginx };
  if (label.startsWith('net:')) return { kind: 'net', label, conditions: parseNetConditions(label.slice(4)) };
  throw new UserError(`unknown path "${raw}"; paths: ${FORMS}`);
}

export function describePath(p: PathSpec): string {
  switch (p.kind) {
    case 'direct':
      return 'direct on loopback';
    case 'nginx':
      if (p.stock) return 'nginx stock reverse-proxy config (proxy_pass only: HTTP/1.0 upstream, buffering on, no Upgrade/Connection headers), server sends X-Accel-Buffering: no';
      return `nginx, ${p.serverHeader ? 'server sends X-Accel-Buffering: no' : 'server omits X-Accel-Buffering'}, proxy_buffering ${p.buffering ? 'on (default)' : 'off'}`;
    case 'net':
      return `network namespace: ${describeNetConditions(p.conditions)}`;
  }
}
