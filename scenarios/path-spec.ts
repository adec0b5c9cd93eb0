// How clients reach the server in the path scenario, parsed once at the edge from its label:
//   direct                 clients connect to the server on loopback
//   nginx                  nginx in front with its defaults; the server sends X-Accel-Buffering: no
//   nginx-noheader         nginx defaults; the server omits the header (what buffering does to SSE)
//   nginx-nobuffer         the server omits the header; nginx has proxy_buffering off (the config fix)
//   net:<conditions>       the server in a network namespace behind loss/bandwidth/delay (--net)
import { UserError } from '../harness/errors.ts';
import { describeNetConditions, parseNetConditions, type NetConditions } from '../harness/network/conditions.ts';

export type PathSpec =
  | { kind: 'direct'; label: string }
  | { kind: 'nginx'; label: string; serverHeader: boolean; buffering: boolean }
  | { kind: 'net'; label: string; conditions: NetConditions };

const NGINX: Record<string, { serverHeader: boolean; buffering: boolean }> = {
  nginx: { serverHeader: true, buffering: true },
  'nginx-noheader': { serverHeader: false, buffering: true },
  'nginx-nobuffer': { serverHeader: false, buffering: false },
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
      return `nginx, ${p.serverHeader ? 'server sends X-Accel-Buffering: no' : 'server omits X-Accel-Buffering'}, proxy_buffering ${p.buffering ? 'on (default)' : 'off'}`;
    case 'net':
      return `network namespace: ${describeNetConditions(p.conditions)}`;
  }
}
