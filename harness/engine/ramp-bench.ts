// Manual benchmark of the engine's ramp (not a test): opens N connections to one server at an
// offered rate and prints one JSON line: rate reached, connect times, client and server CPU during
// the ramp, client RSS per connection.
//   node --import tsx harness/engine/ramp-bench.ts <server> <clients> <rampPerSecond> [workers]
// Leave ~60 s between runs that bind explicit source addresses on the same 127.0.0.x, or TIME_WAIT
// from the last run slows the next (the pool rotates addresses within one process only).
import { getServer } from '../servers/registry.ts';
import { startServer } from '../lifecycle/server-process.ts';
import { decodeHistogram, summarizeAs } from '../../result/histogram.ts';
import { ProcessTreeSampler } from '../metrics/proc-sampler.ts';
import { ClientPool } from './pool.ts';

const [name = 'node-ws', clients = '10000', ramp = '5000', workers = '0'] = process.argv.slice(2);
const spec = getServer(name);
const server = await startServer(spec);
const sampler = new ProcessTreeSampler(server.pid, 100);
let pool: ClientPool | null = null;
try {
  pool = await ClientPool.start({
    target: { protocol: spec.protocol, host: server.host, port: server.port },
    clients: Number(clients),
    rampPerSecond: Number(ramp),
    maxPerWorker: 15_000,
    connectTimeoutMs: 20_000,
    workers: Number(workers),
    policy: { enabled: false, defaultRetryMs: 1000, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 1000, maxAttempts: 1 },
  });
  sampler.start();
  const from = Date.now();
  const c = await pool.connectAll();
  const serverCpu = sampler.window(from, Date.now()).cpuPercent;
  const connect = summarizeAs(decodeHistogram(c.connectHistogram), 'ms');
  const kb = (bytes: number, held: number): number => Math.round((bytes / Math.max(1, held) / 1024) * 100) / 100;
  process.stdout.write(
    `${JSON.stringify({
      server: name,
      clients: Number(clients),
      offeredPerSecond: Number(ramp),
      workers: pool.workerPids().length,
      sourceAddresses: pool.sourceAddresses,
      held: c.held,
      failuresByCause: c.failuresByCause,
      capHit: c.capHit,
      ratePerSecond: Math.round(c.ratePerSecond),
      connectMs: { p50: connect.p50, p99: connect.p99, max: connect.max },
      serverCpuPercent: Math.round(serverCpu),
      clientCpuPercentMax: Math.round(c.clientCpuPercentMax),
      clientKBPerConnection: kb(c.clientRssAfterBytes - c.clientRssBeforeBytes, c.held),
    })}\n`,
  );
} finally {
  sampler.stop();
  await pool?.close();
  await server.stop();
}
