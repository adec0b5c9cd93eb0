// Pushpin as a broker target: Pushpin in front of a small GRIP origin (servers/broker/grip-origin.ts)
// that answers every subscribe with hold instructions; events go to Pushpin's HTTP publish API,
// many items per request when several are due. One instance per step, its config in the step's
// folder in the run folder, every TCP port on 127.0.0.1 chosen free, every other socket an ipc
// path in a private temporary folder (Debian's defaults use fixed ports and /var/run).
//
// Pushpin's runner starts condure, zurl, pushpin-proxy and pushpin-handler each in its own process
// group: they are registered for cleanup one by one, so a killed harness still ends them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, PATHS, type Protocol } from '../../servers/contract.ts';
import { BROKER_CHANNEL } from '../../servers/contract.ts';
import { buildServerBundle, bundledServer } from '../servers/bundle.ts';
import { REPO_ROOT } from '../servers/registry.ts';
import { CONTRACT_STOP_GRACE_MS, unavailableReason, type ServerSpec } from '../servers/spec.ts';
import { groupAlive, onShutdown, signalGroup, trackGroup, untrackGroup } from '../lifecycle/cleanup.ts';
import { freePort } from '../lifecycle/ports.ts';
import { startServer, type RunningServer } from '../lifecycle/server-process.ts';
import { processTree } from '../metrics/proc-sampler.ts';
import { findSystemTool } from '../system-tool.ts';
import { establishedOn } from './established.ts';
import { getOnce } from './http-check.ts';
import { postOrThrow, type OutgoingEvent } from './publisher.ts';
import type { RunningBroker } from './running.ts';

/** Items per publish request: many events due at once go out in one request, in order. */
const MAX_ITEMS = 200;

export interface PushpinPorts {
  /** Where subscribers connect (condure). */
  http: number;
  /** Pushpin's HTTP publish API (pushpin-handler). */
  publish: number;
  origin: number;
}

export function pushpinConfig(o: { ipcDir: string; logDir: string; ports: PushpinPorts }): string {
  const ipc = (name: string) => `ipc://{rundir}/{ipc_prefix}${name}`;
  const m2aIn = `${ipc('m2zhttp-out')},${ipc('m2zws-out')}`;
  const m2aInStream = `${ipc('m2zhttp-out-stream')},${ipc('m2zws-out-stream')}`;
  const m2aOut = `${ipc('m2zhttp-in')},${ipc('m2zws-in')}`;
  return `# Written by pushbench for one broker step: Debian's /usr/lib/pushpin/internal.conf with every
# socket moved into a private ipc folder and every TCP port on ${DEFAULTS.host}, chosen free.
[global]
rundir=${o.ipcDir}
ipc_prefix=pb-
port_offset=0
stats_connection_ttl=120

[runner]
services=condure,zurl,pushpin-proxy,pushpin-handler
http_port=${DEFAULTS.host}:${o.ports.http}
logdir=${o.logDir}
# Warnings and errors only: at level 2 every subscribe and publish is a log line the broker pays for.
log_level=1
client_buffer_size=8192
client_maxconn=50000
condure_bin=condure
zurl_bin=zurl
mongrel2_bin=mongrel2
m2sh_bin=m2sh

[proxy]
routesfile=routes
debug=false
auto_cross_origin=false
accept_x_forwarded_protocol=false
set_x_forwarded_protocol=proto-only
accept_pushpin_route=false
log_from=false
log_user_agent=false
sig_iss=pushpin
sig_key=pushbench-not-secret
updates_check=off
condure_in_specs=${ipc('condure-out')}
condure_in_stream_specs=${ipc('condure-out-stream')}
condure_out_specs=${ipc('condure-in')}
m2a_in_specs=${m2aIn}
m2a_in_stream_specs=${m2aInStream}
m2a_out_specs=${m2aOut}
zurl_out_specs=${ipc('zurl-in')}
zurl_out_stream_specs=${ipc('zurl-in-stream')}
zurl_in_specs=${ipc('zurl-out')}
handler_inspect_spec=${ipc('inspect')}
handler_accept_spec=${ipc('accept')}
handler_retry_in_spec=${ipc('retry')}
handler_ws_control_in_spec=${ipc('ws-control-in')}
handler_ws_control_out_spec=${ipc('ws-control-out')}
stats_spec=${ipc('proxy-stats')}
command_spec=${ipc('proxy-command')}
intreq_in_specs=${ipc('intreq-in')}
intreq_in_stream_specs=${ipc('intreq-in-stream')}
intreq_out_specs=${ipc('intreq-out')}

[handler]
push_in_spec=${ipc('push-in')}
push_in_sub_specs=${ipc('push-in-sub')}
push_in_sub_connect=false
push_in_http_addr=${DEFAULTS.host}
push_in_http_port=${o.ports.publish}
push_in_http_max_headers_size=10000
push_in_http_max_body_size=10000000
stats_spec=${ipc('stats')}
command_spec=${ipc('command')}
# Debian's defaults (2,500 messages/s, a queue of 25,000) would cap deliveries below what the
# push scenario offers: out of the way, so the broker's own speed is measured.
message_rate=10000000
message_hwm=10000000
message_wait=5000
id_cache_ttl=60
connection_subscription_max=20
subscription_linger=60
stats_subscription_ttl=60
stats_report_interval=10
stats_format=tnetstring
proxy_inspect_spec=${ipc('inspect')}
proxy_accept_spec=${ipc('accept')}
proxy_retry_out_spec=${ipc('retry')}
proxy_ws_control_in_spec=${ipc('ws-control-out')}
proxy_ws_control_out_spec=${ipc('ws-control-in')}
proxy_stats_spec=${ipc('proxy-stats')}
proxy_command_spec=${ipc('proxy-command')}
condure_in_stream_specs=${ipc('condure-out-stream')}
condure_out_specs=${ipc('condure-in')}
m2a_in_stream_specs=${m2aInStream}
m2a_out_specs=${m2aOut}
proxy_intreq_out_specs=${ipc('intreq-in')}
proxy_intreq_out_stream_specs=${ipc('intreq-in-stream')}
proxy_intreq_in_specs=${ipc('intreq-out')}
`;
}

/** One route: everything to the origin; WebSockets as WebSocket-over-HTTP (the origin then needs no socket). */
export function pushpinRoutes(originPort: number): string {
  return `* ${DEFAULTS.host}:${originPort},over_http\n`;
}

/** Pushpin's publish body: one item per event, in the format this protocol's subscribers get. */
export function pushpinItems(protocol: Protocol, events: OutgoingEvent[]): string {
  const items = events.map((e) =>
    protocol === 'ws'
      ? { channel: BROKER_CHANNEL, formats: { 'ws-message': { content: `{"id":${e.seq},"event":"tick","data":${e.data}}` } } }
      : { channel: BROKER_CHANNEL, formats: { 'http-stream': { content: `id: ${e.seq}\nevent: tick\ndata: ${e.data}\n\n` } } },
  );
  return JSON.stringify({ items });
}

function originSpec(spec: ServerSpec): ServerSpec {
  return {
    ...spec,
    name: `${spec.name} origin`,
    pair: null,
    // Bundled like the Node servers (harness/servers/bundle.ts): a second tsx start per step otherwise.
    launch: { command: process.execPath, args: [bundledServer('grip-origin')], env: {}, cwd: REPO_ROOT, stopGraceMs: CONTRACT_STOP_GRACE_MS, prepare: buildServerBundle },
  };
}

async function answers(url: string): Promise<boolean> {
  return (await getOnce(url, 500)).status === 200;
}

export async function startPushpin(spec: ServerSpec, dir: string): Promise<RunningBroker> {
  const pushpin = findSystemTool('pushpin');
  if (pushpin === null) throw new Error(unavailableReason(spec) ?? 'pushpin is not installed: run npm run setup:system (as root)');
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  // ipc socket paths must stay under 108 bytes: a short private folder, not the run folder.
  const ipcDir = mkdtempSync(join(tmpdir(), 'pbpp-'));
  const started: RunningServer[] = [];
  const children: number[] = [];
  let forget = (): void => undefined;
  const stopAll = async (): Promise<void> => {
    forget();
    for (const s of started.reverse()) await s.stop();
    for (const pid of children) {
      if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
      untrackGroup(pid);
    }
    rmSync(ipcDir, { recursive: true, force: true });
  };
  // Ctrl-C: the process groups are ended by cleanup.ts anyway; this also removes the ipc folder.
  forget = onShutdown(stopAll);
  try {
    const ports: PushpinPorts = { http: await freePort(DEFAULTS.host), publish: await freePort(DEFAULTS.host), origin: await freePort(DEFAULTS.host) };
    const origin = await startServer(originSpec(spec), { host: DEFAULTS.host, port: ports.origin, ready: (base) => answers(`${base}${PATHS.health}`) });
    started.push(origin);
    writeFileSync(join(dir, 'pushpin.conf'), pushpinConfig({ ipcDir, logDir, ports }));
    writeFileSync(join(dir, 'routes'), pushpinRoutes(ports.origin));
    const launch = { ...spec.launch, command: pushpin, args: ['--config', join(dir, 'pushpin.conf'), '--merge-output'], cwd: dir };
    const publishBase = `http://${DEFAULTS.host}:${ports.publish}`;
    const server = await startServer(
      { ...spec, launch },
      {
        host: DEFAULTS.host,
        port: ports.http,
        // Ready when a request reaches the origin through condure, proxy and zurl, and the handler's publish API answers.
        ready: async (base) => (await answers(`${base}${PATHS.health}`)) && (await getOnce(`${publishBase}/publish/`, 500)).status > 0,
      },
    );
    started.push(server);
    for (const pid of processTree(server.pid).slice(1)) {
      children.push(pid);
      trackGroup(pid, `${spec.name} (pushpin service)`);
    }
    const protocol = spec.protocol;
    return {
      server,
      subscribePath: protocol === 'ws' ? PATHS.ws : PATHS.sse,
      publisher: {
        maxBatch: MAX_ITEMS,
        send: (events) => postOrThrow(`${publishBase}/publish/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: pushpinItems(protocol, events) }),
      },
      connections: async () => establishedOn(DEFAULTS.host, ports.http),
      countedBy: `established connections to port ${ports.http} in /proc/net/tcp (Pushpin has no status endpoint over HTTP)`,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
