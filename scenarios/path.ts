// The path scenario: the same push measured over the paths real traffic takes — direct on
// loopback, through nginx (with and without the server's X-Accel-Buffering header, and with
// proxy_buffering off), and from a network namespace behind loss, a bandwidth cap and delay —
// all in one run, so every path is compared with direct measured minutes apart on one machine.
//
// The window starts at the stream's first event, because what a buffering proxy costs shows first
// as the time to the first event. Over a path that is not direct, delivery is a finding, not a
// validity check: a proxy that holds the tail of a stream is the result, not a broken measurement.
// So is a handshake the path refused (a WebSocket upgrade through nginx's stock config): the step
// completes with no stream open and the status every client got, and the report says so.
import type { PathSkip } from '../result/extras.ts';
import { join } from 'node:path';
import { getHealth, postBroadcast } from '../harness/control.ts';
import { startServer, type RunningServer } from '../harness/lifecycle/server-process.ts';
import { ProcessTreeSampler } from '../harness/metrics/proc-sampler.ts';
import { createHistogram, decodeHistogram, summarize, summarizeAs } from '../result/histogram.ts';
import type { ClientPool, MergedConnect } from '../harness/engine/pool.ts';
import { networkUnavailableReason } from '../harness/network/availability.ts';
import { startDelayProxy, type DelayProxy } from '../harness/network/delay-proxy.ts';
import { createNetworkPath, type NetworkPath } from '../harness/network/namespace.ts';
import { nginxUnavailableReason, startNginx } from '../harness/proxy/nginx.ts';
import type { PathMetrics, PathParams, StepOutcome, StepResult, ValidityCheck } from '../result/result.ts';
import { safeLabel } from '../harness/result-store.ts';
import { ENV } from '../servers/contract.ts';
import type { ServerSpec } from '../harness/servers/spec.ts';
import { runStep, type Executor, type ExecutorContext } from './executor.ts';
import { describePath, type PathSpec } from './path-spec.ts';
import type { PathScenario } from './schema.ts';
import { agentClockChecks, clientCpuCheck, clientLagCheck, clientSideFrom, NO_RECONNECT, outcomeFrom, serverCores, sleep, startPool, unlessServerExited, deliveryCounts } from './step-common.ts';

export const runPath: Executor<PathScenario> = async (scenario, ctx) => {
  const steps: StepResult[] = [];
  const skips: PathSkip[] = [];
  for (const spec of ctx.servers) {
    for (const path of scenario.paths) {
      const reason = skipReason(spec, path);
      if (reason !== null) {
        skips.push({ server: spec.name, path: path.label, reason });
        ctx.progress({ type: 'notice', text: `path ${path.label} skipped for ${spec.name}: ${reason}` });
        continue;
      }
      for (const clients of scenario.clients) {
        for (let rep = 1; rep <= scenario.repetitions; rep++) {
          if (ctx.cancelled()) return { steps, knees: [], extras: { paths: { skips } } };
          steps.push(await pathStep(spec, path, clients, rep, scenario, ctx));
        }
      }
    }
  }
  return { steps, knees: [], extras: { paths: { skips } } };
};

export function skipReason(spec: ServerSpec, path: PathSpec): string | null {
  switch (path.kind) {
    case 'direct':
      return null;
    case 'nginx':
      if (spec.protocol === 'tcp') return 'nginx proxies HTTP; the raw-TCP floor has no path through it';
      if (spec.protocol === 'sse-h2') return 'HTTP/2 to nginx (h2c) is not set up; nginx would speak HTTP/1.x to the server anyway';
      if (path.label !== 'nginx' && !path.stock && spec.protocol !== 'sse') return 'the header and buffering modes concern SSE; a WebSocket is not buffered once upgraded';
      if (!path.serverHeader && spec.language === 'custom') return 'a user-defined server may not honour PUSHBENCH_ACCEL_HEADER=0 (leave out X-Accel-Buffering)';
      return nginxUnavailableReason();
    case 'net':
      return networkUnavailableReason();
  }
}

/** Where clients connect, and everything to take down afterwards (in reverse order). */
interface Rig {
  server: RunningServer;
  target: { host: string; port: number };
  teardown: (() => Promise<void>)[];
}

async function buildRig(spec: ServerSpec, path: PathSpec, index: number, ctx: ExecutorContext): Promise<Rig> {
  const teardown: (() => Promise<void>)[] = [];
  try {
    switch (path.kind) {
      case 'direct': {
        const server = await startServer(spec, { host: ctx.engine.serverHost });
        teardown.push(() => server.stop());
        return { server, target: { host: server.host, port: server.port }, teardown };
      }
      case 'nginx': {
        const server = await startServer(spec, { host: ctx.engine.serverHost, env: { [ENV.accelHeader]: path.serverHeader ? '1' : '0' } });
        teardown.push(() => server.stop());
        const dir = join(ctx.workDir, 'nginx', `${index}-${safeLabel(spec.name)}-${path.label}`);
        const nginx = await startNginx({ dir, upstreamHost: server.host, upstreamPort: server.port, buffering: path.buffering, stock: path.stock }, spec.protocol);
        teardown.push(() => nginx.stop());
        return { server, target: { host: nginx.host, port: nginx.port }, teardown };
      }
      case 'net': {
        const net: NetworkPath = await createNetworkPath(path.conditions);
        teardown.push(() => net.remove());
        const launch = net.wrapLaunch(spec.launch.command, spec.launch.args);
        const server = await startServer({ ...spec, launch: { ...spec.launch, ...launch } }, { host: net.serverHost, inNamespace: true });
        teardown.push(() => server.stop());
        // No netem here: delay comes from a user-space proxy on loopback in front of the veth.
        if (path.conditions.delayMs === 0) return { server, target: { host: server.host, port: server.port }, teardown };
        const proxy: DelayProxy = await startDelayProxy({ targetHost: server.host, targetPort: server.port, delayMs: path.conditions.delayMs });
        teardown.push(() => proxy.close());
        return { server, target: { host: proxy.host, port: proxy.port }, teardown };
      }
    }
  } catch (err) {
    await runTeardown(teardown);
    throw err;
  }
}

async function runTeardown(teardown: (() => Promise<void>)[]): Promise<void> {
  for (const stop of [...teardown].reverse()) await stop().catch(() => undefined);
}

async function pathStep(spec: ServerSpec, path: PathSpec, clients: number, rep: number, scenario: PathScenario, ctx: ExecutorContext): Promise<StepResult> {
  const params: PathParams = { clients, rate: scenario.rate, bytes: scenario.bytes, durationMs: scenario.durationMs, path: path.label };
  const title = `path ${spec.name} via ${path.label} clients=${clients} rate=${scenario.rate}/s rep ${rep}/${scenario.repetitions}`;
  return runStep(ctx, title, spec, { kind: 'path', repetition: rep, params }, (index) => measure(spec, path, params, scenario, index, ctx));
}

async function measure(spec: ServerSpec, path: PathSpec, params: PathParams, scenario: PathScenario, index: number, ctx: ExecutorContext): Promise<StepOutcome<PathMetrics>> {
  ctx.progress({ type: 'phase', text: `${spec.name}: setting up ${describePath(path)}` });
  const rig = await buildRig(spec, path, index, ctx);
  const sampler = new ProcessTreeSampler(rig.server.pid, 200);
  sampler.start();
  try {
    return await unlessServerExited(
      () => rig.server,
      async (): Promise<StepOutcome<PathMetrics>> => {
        const pool = await startPool({ spec, host: rig.target.host, port: rig.target.port }, ctx, { clients: params.clients, rampPerSecond: scenario.rampPerSecond, policy: NO_RECONNECT });
        try {
          const before = await getHealth(rig.server.baseUrl);
          const count = Math.max(1, Math.round((params.rate * params.durationMs) / 1000));
          const fromSeq = before.lastSeq! + 1;
          const toSeq = before.lastSeq! + count;
          await pool.beginWindow({ fromSeq, toSeq });
          // A stream is ready once the server has subscribed it. Through a buffering proxy the client
          // may not even see its response head before the first flush: that wait is part of the time
          // to the first event, so the clients' own "open" is not awaited before the broadcast.
          let settled: MergedConnect | null = null;
          const connecting = pool.connectAll().then((c) => (settled = c));
          const subscribed = await waitForSubscribers(rig.server.baseUrl, params.clients, ctx.engine.connectTimeoutMs, () => settled !== null && settled.held < params.clients);
          if (!subscribed.ok) {
            const connect = await connecting;
            // Every client refused at its handshake by a path that is not direct: what the path does.
            if (path.kind !== 'direct' && connect.held === 0 && refusedAtHandshake(connect)) return refused(spec, path, params, connect, sampler, pool);
            throw new Error(`the server subscribed ${subscribed.connections} of ${params.clients} streams via ${path.label} (clients: ${connect.held} open, failures ${JSON.stringify(connect.failuresByCause)}${statusText(connect)})`);
          }
          ctx.progress({ type: 'phase', text: `${spec.name} via ${path.label}: ${params.rate}/s for ${params.durationMs} ms` });
          const windowStart = Date.now();
          await postBroadcast(rig.server.baseUrl, { rate: params.rate, count, bytes: params.bytes, event: 'tick' });
          await sleep((count * 1000) / params.rate);
          const health = await getHealth(rig.server.baseUrl);
          const connect = await connecting;
          if (connect.held < params.clients) throw new Error(`only ${connect.held} of ${params.clients} clients saw their stream open via ${path.label} (${JSON.stringify(connect.failuresByCause)})`);
          const drainStart = Date.now();
          await pool.waitUntilAllReached(toSeq, scenario.drainMs);
          const drainedMs = Date.now() - drainStart;
          const window = await pool.endWindow();
          const server = sampler.window(windowStart, Date.now());
          const firstEvent = decodeHistogram(window.firstEventFromT0);
          const firstEventCount = firstEvent.totalCount;
          const expected = count * window.connected;
          const tcp = health.tcpConnections;
          const metrics: PathMetrics = {
            pathDescription: describePath(path),
            ...deliveryCounts(window, expected),
            // In ms: the delays a proxy adds are seconds, not microseconds.
            firstEventMs: summarizeAs(firstEvent, 'ms'),
            latencyFromT0: summarize(decodeHistogram(window.latencyFromT0), 'us'),
            drainedMs,
            streamsPerTcpConnection: tcp !== undefined && tcp > 0 ? health.connections / tcp : null,
            handshake: { opened: connect.held, statuses: connect.httpStatuses },
            server,
            client: clientSideFrom(window.workers, pool.sourceAddresses),
          };
          const checks: ValidityCheck[] = [
            { name: 'clients connected', ok: window.connected === params.clients, detail: `${window.connected} of ${params.clients} connected through the window` },
            {
              name: 'first event measured',
              ok: firstEventCount === window.connected,
              detail: `the first event reached ${firstEventCount} of ${window.connected} clients within the schedule and ${scenario.drainMs} ms after it`,
            },
            clientCpuCheck(metrics.client),
            clientLagCheck(metrics.client),
            ...agentClockChecks(pool),
          ];
          // Direct is the reference every other path is read against: it must deliver everything.
          if (path.kind === 'direct') {
            checks.push({ name: 'direct delivery complete', ok: window.received === expected && window.gaps === 0, detail: `${window.received} of ${expected} events, ${window.gaps} gaps` });
          }
          return outcomeFrom(metrics, checks, { clientCpuPercentMax: metrics.client.cpuPercentMax, clientLagP90Ms: metrics.client.eventLoopLagP90Ms, serverCpuPercent: server.cpuPercent, serverCores: serverCores(spec.processes) });
        } finally {
          await pool.close();
        }
      },
    );
  } finally {
    sampler.stop();
    await runTeardown(rig.teardown);
  }
}

/** Polls /healthz until the server counts `clients` streams, the timeout passes, or `hopeless` says the clients gave up. */
async function waitForSubscribers(baseUrl: string, clients: number, timeoutMs: number, hopeless: () => boolean): Promise<{ ok: boolean; connections: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { connections } = await getHealth(baseUrl);
    if (connections >= clients) return { ok: true, connections };
    if (Date.now() > deadline || hopeless()) return { ok: false, connections };
    await sleep(50);
  }
}

/** Every failure was an HTTP answer other than the stream's (the head arrived: no network error). */
function refusedAtHandshake(c: MergedConnect): boolean {
  const causes = Object.keys(c.failuresByCause);
  return causes.length === 1 && causes[0] === 'http-status' && c.httpStatuses.length > 0;
}

function statusText(c: MergedConnect): string {
  return c.httpStatuses.length === 0 ? '' : `; answered ${c.httpStatuses.map((s) => `HTTP ${s.status} × ${s.count}`).join(', ')}`;
}

/**
 * The step of a path that refused every client's handshake: completed (the path was measured: this
 * is what it does), no stream, the statuses the clients got. The check states the finding.
 */
function refused(spec: ServerSpec, path: PathSpec, params: PathParams, connect: MergedConnect, sampler: ProcessTreeSampler, pool: ClientPool): StepOutcome<PathMetrics> {
  const now = Date.now();
  const empty = createHistogram('us');
  const metrics: PathMetrics = {
    pathDescription: describePath(path),
    clientsConnected: 0,
    expected: 0,
    received: 0,
    gaps: 0,
    duplicates: 0,
    outOfOrder: 0,
    firstEventMs: summarizeAs(empty, 'ms'),
    latencyFromT0: summarize(empty, 'us'),
    drainedMs: 0,
    streamsPerTcpConnection: null,
    handshake: { opened: 0, statuses: connect.httpStatuses },
    server: sampler.window(now - 1000, now),
    client: clientSideFrom([], pool.sourceAddresses),
  };
  const what = spec.protocol === 'ws' ? 'the WebSocket upgrade' : 'the stream request';
  return {
    state: 'completed',
    metrics,
    checks: [{ name: 'handshake through the path', ok: true, detail: `refused, a finding of this path: ${what} of all ${params.clients} clients was answered ${connect.httpStatuses.map((s) => `HTTP ${s.status}${s.count < params.clients ? ` × ${s.count}` : ''}`).join(', ')} through ${path.label}, no stream opened` }],
  };
}
