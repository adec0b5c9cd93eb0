import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { fixtureArgs } from '../lifecycle/fixtures/launch.ts';
import { alive } from '../lifecycle/fixtures/processes.ts';
import { postBroadcast, postDrop, getHealth } from '../control.ts';
import { startServer, type RunningServer } from '../lifecycle/server-process.ts';
import { decodeHistogram } from '../../result/histogram.ts';
import { getServer } from '../servers/registry.ts';
import { ClientPool, type PoolOptions } from './pool.ts';

const NO_RETRY = { enabled: false, defaultRetryMs: 100, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 1000, maxAttempts: 1 };


describe('client pool', { timeout: 30_000 }, () => {
  let server: RunningServer;
  const opts = (o: Partial<PoolOptions>): PoolOptions => ({
    target: { protocol: 'ws', host: server.host, port: server.port },
    clients: 300,
    rampPerSecond: 5000,
    maxPerWorker: 150,
    connectTimeoutMs: 10_000,
    policy: NO_RETRY,
    ...o,
  });

  before(async () => {
    server = await startServer(getServer('node-ws'));
  });
  after(async () => {
    await server.stop();
  });

  it('shards 300 clients over two workers and counts every event exactly once', async () => {
    const pool = await ClientPool.start(opts({}));
    try {
      assert.equal(pool.workerPids().length, 2);
      const c = await pool.connectAll();
      assert.equal(c.held, 300);
      assert.equal(c.capHit, false);
      assert.deepEqual(c.failuresByCause, {});
      assert.equal(decodeHistogram(c.connectHistogram).totalCount, 300);
      const seq0 = (await getHealth(server.baseUrl)).lastSeq ?? 0;
      await pool.beginWindow({ fromSeq: seq0 + 1, toSeq: seq0 + 20 });
      await postBroadcast(server.baseUrl, { rate: 400, count: 20, bytes: 100, event: 'tick' });
      assert.equal(await pool.waitUntilAllReached(seq0 + 20, 10_000), true);
      const w = await pool.endWindow();
      assert.equal(w.connected, 300);
      assert.equal(w.received, 6000);
      assert.equal(w.gaps, 0);
      assert.equal(w.duplicates, 0);
      assert.equal(w.outOfOrder, 0);
      assert.equal(decodeHistogram(w.latencyFromT0).totalCount, 6000);
      assert.equal(decodeHistogram(w.latencyFromT1).totalCount, 6000);
      assert.equal(w.workers.length, 2);
      assert.ok(w.wireBytes >= 6000 * 100, `wire bytes ${w.wireBytes} cover the payloads`);
    } finally {
      await pool.close();
    }
  });

  it('after a drop: every connection back, each exactly once in the reconnect figures, the timeline summed', async () => {
    const policy = { enabled: true, defaultRetryMs: 50, honourServerRetry: false, backoff: false, jitter: false, maxDelayMs: 1000, maxAttempts: 5 };
    const pool = await ClientPool.start(opts({ clients: 60, maxPerWorker: 30, policy }));
    try {
      assert.equal((await pool.connectAll()).held, 60);
      const seq0 = (await getHealth(server.baseUrl)).lastSeq ?? 0;
      await pool.beginWindow({ fromSeq: seq0 + 1, toSeq: seq0 + 40 });
      await postBroadcast(server.baseUrl, { rate: 100, count: 40, bytes: 64, event: 'tick' });
      assert.equal(await pool.waitUntilAllReached(seq0 + 10, 5000), true);
      await pool.markDisruption();
      await postDrop(server.baseUrl);
      assert.equal(await pool.waitUntilReconnected(5000), true);
      assert.equal(await pool.waitUntilAllReached(seq0 + 40, 5000), true);
      await new Promise((r) => setTimeout(r, 250)); // at least two whole timeline buckets
      const w = await pool.endWindow();
      assert.equal(w.received, 60 * 40, 'resumed without loss');
      assert.equal(w.gaps, 0);
      assert.equal(w.duplicates, 0);
      const r = await pool.reconnectReport();
      assert.equal(r.disrupted, 60);
      assert.equal(r.reconnected, 60);
      assert.equal(decodeHistogram(r.reconnectHistogram).totalCount, 60);
      assert.equal(decodeHistogram(r.downtimeHistogram).totalCount, 60);
      assert.ok(r.timeline.length >= 2, `${r.timeline.length} buckets`);
      assert.equal(r.timeline[r.timeline.length - 1]!.connected, 60);
      assert.equal(r.timeline.reduce((n, b) => n + (b.eventsPerSecond * 100) / 1000, 0) > 0, true);
    } finally {
      await pool.close();
    }
  });

  it('a worker told to exceed its cap holds only the cap and reports it', async () => {
    const pool = await ClientPool.start(opts({ clients: 120, maxPerWorker: 50, workers: 1 }));
    try {
      const c = await pool.connectAll();
      assert.equal(c.capHit, true);
      assert.equal(c.held, 50);
    } finally {
      await pool.close();
    }
  });

  it('gives up on connections that never open after connectTimeoutMs, and closes them', async () => {
    // Accepts TCP and never says hello: no stream is ever established.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.resume(); // read, so the client's FIN is seen
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const pool = await ClientPool.start(opts({ target: { protocol: 'tcp', host: '127.0.0.1', port }, clients: 10, connectTimeoutMs: 300, workers: 1 }));
    try {
      const c = await pool.connectAll();
      assert.equal(c.held, 0);
      assert.deepEqual(c.failuresByCause, { timeout: 10 });
      const deadline = Date.now() + 2000;
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(sockets.size, 0, 'the worker closed the connections it gave up on');
      assert.equal((await pool.status()).live, 0);
    } finally {
      await pool.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('holds at most maxPendingConnects handshakes unanswered at once, and connects every client', async () => {
    // An SSE server that answers each subscribe 40 ms after it arrived, counting those waiting.
    let waiting = 0;
    let peak = 0;
    const held: ServerResponse[] = [];
    const slow = createHttpServer((_req, res) => {
      peak = Math.max(peak, ++waiting);
      setTimeout(() => {
        waiting--;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(':ok\n\n');
        held.push(res);
      }, 40);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const port = (slow.address() as { port: number }).port;
    const connectWith = async (maxPendingConnects: number): Promise<number> => {
      peak = 0;
      const pool = await ClientPool.start(opts({ target: { protocol: 'sse', host: '127.0.0.1', port }, clients: 40, workers: 2, maxPendingConnects }));
      try {
        const c = await pool.connectAll();
        assert.equal(c.held, 40);
        assert.deepEqual(c.failuresByCause, {});
      } finally {
        await pool.close();
      }
      return peak;
    };
    try {
      assert.ok((await connectWith(6)) <= 6, `at most 6 waiting at once, saw ${peak}`);
      // The same ramp without the limit: the 5,000/s burst leaves far more waiting.
      assert.ok((await connectWith(0)) > 6, `without the limit more than 6 wait at once, saw ${peak}`);
    } finally {
      for (const res of held) res.destroy();
      slow.closeAllConnections();
      await new Promise<void>((r) => slow.close(() => r()));
    }
  });

  it('ramps at the asked rate, not faster', async () => {
    const pool = await ClientPool.start(opts({ clients: 100, rampPerSecond: 500, workers: 1 }));
    try {
      const c = await pool.connectAll();
      assert.equal(c.held, 100);
      // 100 dials at 500/s take 198 ms at least (the first is free); handshakes add a little.
      assert.ok(c.durationMs >= 190 && c.durationMs < 1500, `ramp took ${c.durationMs} ms`);
    } finally {
      await pool.close();
    }
  });

  it('no worker survives close()', async () => {
    const pool = await ClientPool.start(opts({ clients: 20, maxPerWorker: 10 }));
    await pool.connectAll();
    const pids = pool.workerPids();
    assert.equal(pids.length, 2);
    await pool.close();
    assert.deepEqual(pids.filter(alive), []);
  });

  it('no worker survives a coordinator killed with SIGKILL', async () => {
    const tcp = await startServer(getServer('tcp-floor'));
    try {
      const fixture = fileURLToPath(new URL('./fixtures/coordinator.ts', import.meta.url));
      const child = spawn(process.execPath, [...fixtureArgs(fixture), String(tcp.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await new Promise<string>((resolve) => {
        let out = '';
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
      });
      const pids = JSON.parse(line) as number[];
      assert.equal(pids.length, 2);
      child.kill('SIGKILL');
      const deadline = Date.now() + 5000;
      while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(pids.filter(alive), [], 'workers exit when their coordinator disappears');
    } finally {
      await tcp.stop();
    }
  });
});
