// The engine benchmark (`npm run bench:engine`, not a test): what the instrument costs beside what
// it measures, per protocol, in the same run.
//  - push: N clients, a broadcast at R ev/s of B bytes for S seconds; client CPU µs per delivered
//    event (every client worker) beside the server's, over the same window and the same events.
//  - idle: client RSS per held connection (and the server's) at each idle client count.
// Ratios survive a busy machine far better than absolute figures: repeat, and read the ratio.
//   npm run bench:engine -- [--servers node-sse,node-ws,tcp-floor] [--clients 1000] [--rate 50]
//     [--bytes 128] [--seconds 5] [--idle 1000,10000] [--repeat 1] [--idle-only] [--json]
import { parseArgs } from 'node:util';
import { getHealth, postBroadcast } from '../control.ts';
import { startServer, type RunningServer } from '../lifecycle/server-process.ts';
import { endWithNpm } from '../lifecycle/npm-parent.ts';
import { ProcessTreeSampler } from '../metrics/proc-sampler.ts';
import { getServer } from '../servers/registry.ts';
import type { ReconnectPolicy } from '../clients/types.ts';
import { ClientPool } from './pool.ts';

const NO_RECONNECT: ReconnectPolicy = { enabled: false, defaultRetryMs: 1000, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 1000, maxAttempts: 1 };
const RAMP_PER_SECOND = 2000;
const DRAIN_MS = 5000;

interface PushFigures {
  kind: 'push';
  server: string;
  clients: number;
  rate: number;
  bytes: number;
  delivered: number;
  expected: number;
  clientCpuUsPerEvent: number;
  serverCpuUsPerEvent: number;
  /** Client ÷ server CPU per delivered event. */
  ratio: number;
  clientCpuPercentMax: number;
  serverCpuPercent: number;
  workers: number;
}

interface IdleFigures {
  kind: 'idle';
  server: string;
  clients: number;
  held: number;
  clientBytesPerConnection: number;
  serverBytesPerConnection: number;
  workers: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const progress = (text: string): void => void process.stderr.write(`${text}\n`);

async function withServer<T>(name: string, run: (server: RunningServer, sampler: ProcessTreeSampler) => Promise<T>): Promise<T> {
  const server = await startServer(getServer(name));
  const sampler = new ProcessTreeSampler(server.pid, 100);
  sampler.start();
  try {
    return await run(server, sampler);
  } finally {
    sampler.stop();
    await server.stop();
  }
}

async function startClients(server: RunningServer, clients: number): Promise<ClientPool> {
  const pool = await ClientPool.start({
    target: { protocol: server.spec.protocol, host: server.host, port: server.port },
    clients,
    rampPerSecond: RAMP_PER_SECOND,
    maxPerWorker: 15_000,
    connectTimeoutMs: 30_000,
    workers: 0,
    serverProcesses: server.spec.processes,
    policy: NO_RECONNECT,
  });
  const c = await pool.connectAll();
  if (c.held < clients) {
    await pool.close();
    throw new Error(`${server.spec.name}: only ${c.held} of ${clients} clients connected (${JSON.stringify(c.failuresByCause)})`);
  }
  return pool;
}

async function pushRun(name: string, clients: number, rate: number, bytes: number, seconds: number): Promise<PushFigures> {
  return withServer(name, async (server, sampler) => {
    const pool = await startClients(server, clients);
    try {
      await sleep(1000); // the ramp's garbage and handshakes settle
      const before = (await getHealth(server.baseUrl)).lastSeq ?? 0;
      const count = Math.round(rate * seconds);
      // Every event of the broadcast is in the window: CPU on both sides is divided by the same events.
      await pool.beginWindow({ fromSeq: before + 1, toSeq: before + count });
      const from = Date.now();
      await postBroadcast(server.baseUrl, { rate, count, bytes, event: 'tick' });
      await sleep((count * 1000) / rate);
      await pool.waitUntilAllReached(before + count, DRAIN_MS);
      const window = await pool.endWindow();
      const to = Date.now();
      const serverSample = sampler.window(from, to);
      const elapsedUs = (to - from) * 1000;
      const clientCpuUs = window.workers.reduce((s, w) => s + (w.cpuPercent / 100) * elapsedUs, 0);
      const serverCpuUs = (serverSample.cpuPercent / 100) * elapsedUs;
      const delivered = Math.max(1, window.received);
      return {
        kind: 'push',
        server: name,
        clients,
        rate,
        bytes,
        delivered: window.received,
        expected: count * window.connected,
        clientCpuUsPerEvent: clientCpuUs / delivered,
        serverCpuUsPerEvent: serverCpuUs / delivered,
        ratio: serverCpuUs > 0 ? clientCpuUs / serverCpuUs : Number.NaN,
        clientCpuPercentMax: Math.max(...window.workers.map((w) => w.cpuPercent)),
        serverCpuPercent: serverSample.cpuPercent,
        workers: window.workers.length,
      };
    } finally {
      await pool.close();
    }
  });
}

async function idleRun(name: string, clients: number): Promise<IdleFigures> {
  return withServer(name, async (server, sampler) => {
    await sleep(500);
    const baseline = sampler.snapshot();
    const pool = await ClientPool.start({
      target: { protocol: server.spec.protocol, host: server.host, port: server.port },
      clients,
      rampPerSecond: RAMP_PER_SECOND,
      maxPerWorker: 15_000,
      connectTimeoutMs: 30_000,
      workers: 0,
      serverProcesses: server.spec.processes,
      policy: NO_RECONNECT,
    });
    try {
      const c = await pool.connectAll();
      // As the idle scenario does: RSS at the end of a hold, once the ramp's young generation is gone.
      await sleep(2000);
      await pool.beginWindow({ fromSeq: 0, toSeq: 0 });
      await sleep(1000);
      const window = await pool.endWindow();
      const hold = sampler.snapshot();
      const held = Math.max(1, window.connected);
      return {
        kind: 'idle',
        server: name,
        clients,
        held: window.connected,
        clientBytesPerConnection: (window.workers.reduce((s, w) => s + w.rssBytes, 0) - c.clientRssBeforeBytes) / held,
        serverBytesPerConnection: (hold.rssBytes - baseline.rssBytes) / held,
        workers: window.workers.length,
      };
    } finally {
      await pool.close();
    }
  });
}

function list(v: string | undefined, fallback: string): string[] {
  return (v ?? fallback).split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function positive(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`bench:engine: --${what} must be a positive number, got "${v}"\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  // `npm run bench:engine`: npm does not pass SIGTERM on; end with it (and end the servers and workers).
  endWithNpm();
  const { values } = parseArgs({
    options: {
      servers: { type: 'string' },
      clients: { type: 'string' },
      rate: { type: 'string' },
      bytes: { type: 'string' },
      seconds: { type: 'string' },
      idle: { type: 'string' },
      repeat: { type: 'string' },
      json: { type: 'boolean' },
      'idle-only': { type: 'boolean' },
    },
  });
  const servers = list(values.servers, 'node-sse,node-ws,tcp-floor');
  for (const s of servers) getServer(s); // unknown names fail here, with the registry's message
  const clients = positive(values.clients ?? '1000', 'clients');
  const rate = positive(values.rate ?? '50', 'rate');
  const bytes = positive(values.bytes ?? '128', 'bytes');
  const seconds = positive(values.seconds ?? '5', 'seconds');
  const idle = values.idle === '' ? [] : list(values.idle, '1000,10000').map((v) => positive(v, 'idle'));
  const repeat = positive(values.repeat ?? '1', 'repeat');
  const out: (PushFigures | IdleFigures)[] = [];
  for (let r = 1; r <= (values['idle-only'] ? 0 : repeat); r++) {
    for (const s of servers) {
      progress(`push ${s}: ${clients} clients × ${rate} ev/s × ${bytes} B for ${seconds} s (run ${r}/${repeat})`);
      out.push(await pushRun(s, clients, rate, bytes, seconds));
    }
  }
  for (const n of idle) {
    for (const s of servers) {
      progress(`idle ${s}: ${n} clients`);
      out.push(await idleRun(s, n));
    }
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const f1 = (v: number): string => v.toFixed(1);
  for (const f of out) {
    if (f.kind === 'push') {
      process.stdout.write(
        `push ${f.server.padEnd(10)} ${f.clients} clients × ${f.rate}/s × ${f.bytes} B: client ${f1(f.clientCpuUsPerEvent)} µs/event, server ${f1(f.serverCpuUsPerEvent)} µs/event, client ÷ server ${f.ratio.toFixed(2)}× (delivered ${f.delivered}/${f.expected}; busiest client worker ${f.clientCpuPercentMax.toFixed(0)} %, server ${f.serverCpuPercent.toFixed(0)} %, ${f.workers} workers)\n`,
      );
    } else {
      process.stdout.write(`idle ${f.server.padEnd(10)} ${f.clients} clients: client ${(f.clientBytesPerConnection / 1024).toFixed(2)} KB/conn, server ${(f.serverBytesPerConnection / 1024).toFixed(2)} KB/conn (held ${f.held}, ${f.workers} workers)\n`);
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:engine: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
