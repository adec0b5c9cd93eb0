// `pushbench doctor`: the machine facts that bound a run, and which optional parts are present.
import { existsSync, readFileSync } from 'node:fs';
import { CHROMIUM_PATH, chromiumUnavailableReason } from '../../harness/browser/chromium.ts';
import { networkUnavailableReason } from '../../harness/network/availability.ts';
import { opensslUnavailableReason } from '../../harness/openssl.ts';
import { hiddenParts, WITHOUT_ENV } from '../../harness/optional-parts.ts';
import { nginxUnavailableReason } from '../../harness/proxy/nginx.ts';
import { locateSystemTool } from '../../harness/system-tool.ts';
import { listServers } from '../../harness/servers/registry.ts';
import { unavailableReason } from '../../harness/servers/spec.ts';
import { EXIT } from '../../harness/errors.ts';
import { formatTable } from '../../reports/terminal.ts';
import { hiddenNote } from './hidden-note.ts';

export function doctorCommand(): number {
  const rows: string[][] = [];
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const nofile = /Max open files\s+(\d+)\s+(\d+|unlimited)/.exec(limits);
  const soft = nofile ? Number(nofile[1]) : NaN;
  rows.push(['open files per process', String(soft), soft >= 20000 ? 'ok' : 'low: raise with `ulimit -n` (one server process holds at most this many connections)']);
  const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const ports = (range[1] ?? 0) - (range[0] ?? 0) + 1;
  rows.push(['ephemeral ports per source address', String(ports), `past ${Math.max(0, Math.floor(ports / 2) - 1000)} clients the engine spreads them over 127.0.0.x`]);
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
  rows.push(['net.core.somaxconn', String(somaxconn), somaxconn >= 4096 ? 'ok' : 'low: listen backlogs are capped here; reconnect storms will wait on SYN retransmits']);
  rows.push(['node', process.version, 'ok']);
  // The optional system parts, each with what needs it. The value column says where each is
  // installed even when PUSHBENCH_WITHOUT hides it; the status column says what the probes answer.
  const hidden = [...hiddenParts()];
  rows.push([WITHOUT_ENV, hidden.length === 0 ? '-' : hidden.join(','), hidden.length === 0 ? 'nothing hidden' : 'these parts are treated as not installed']);
  rows.push(['nginx (path --via nginx)', locateSystemTool('nginx') ?? '-', nginxUnavailableReason() ?? 'ok']);
  rows.push(['root, ip, nft, tc (path --net)', process.getuid?.() === 0 ? 'root' : 'not root', networkUnavailableReason() ?? 'ok']);
  rows.push(['chromium (scenario browser)', existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : '-', chromiumUnavailableReason() ?? 'ok']);
  rows.push(['openssl (browser: node-sse-h2 over TLS)', locateSystemTool('openssl') ?? '-', opensslUnavailableReason() ?? 'ok']);
  for (const s of listServers()) {
    const reason = unavailableReason(s);
    rows.push([`server ${s.name}`, s.protocol, reason ?? 'available']);
  }
  process.stdout.write(formatTable(['check', 'value', 'status'], rows));
  const note = hiddenNote();
  if (note !== null) process.stdout.write(`\n${note}\n`);
  return EXIT.ok;
}
