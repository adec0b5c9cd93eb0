import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { startDelayProxy, type DelayProxy } from './delay-proxy.ts';

/** A server on 127.0.0.1:0 running `onConnection` for each socket. */
async function listen(onConnection: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

const echo = (s: Socket): void => {
  s.on('error', () => undefined);
  s.pipe(s);
};

async function dial(proxy: DelayProxy): Promise<Socket> {
  const s = connect({ host: proxy.host, port: proxy.port });
  s.setNoDelay(true);
  await once(s, 'connect');
  return s;
}

/** Reads until `n` bytes arrived; resolves with them and the time of the first byte. */
function readBytes(s: Socket, n: number): Promise<{ data: Buffer; firstAt: number }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    let firstAt = 0;
    const onData = (c: Buffer): void => {
      if (got === 0) firstAt = performance.now();
      parts.push(c);
      got += c.length;
      if (got >= n) {
        s.off('data', onData);
        resolve({ data: Buffer.concat(parts), firstAt });
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.once('end', () => got < n && reject(new Error(`ended after ${got} of ${n} bytes`)));
  });
}

/** Bytes that are not all alike, so a reordered or duplicated chunk cannot compare equal. */
function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 4) b.writeUInt32LE(i / 4, i);
  return b;
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

describe('delay proxy', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('delays each direction by delayMs: a round trip at 100 ms takes >= 200 ms', async () => {
    const { server, port } = await listen(echo);
    cleanups.push(() => void server.close());
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: port, delayMs: 100 });
    cleanups.push(() => proxy.close());
    assert.equal(proxy.host, '127.0.0.1');
    const s = await dial(proxy);
    cleanups.push(() => void s.destroy());
    for (let i = 0; i < 3; i++) {
      const sent = performance.now();
      s.write(`ping${i}`);
      const { data, firstAt } = await readBytes(s, 5);
      const rtt = firstAt - sent;
      assert.equal(data.toString(), `ping${i}`);
      assert.ok(rtt >= 200, `round trip ${rtt.toFixed(1)} ms >= 200 ms`);
      assert.ok(rtt < 600, `round trip ${rtt.toFixed(1)} ms < 600 ms`);
    }
    assert.equal(proxy.connections(), 1);
  });

  it('carries 1 MB intact and in order through a 100 ms delay', async () => {
    const { server, port } = await listen(echo);
    cleanups.push(() => void server.close());
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: port, delayMs: 100 });
    cleanups.push(() => proxy.close());
    const s = await dial(proxy);
    const payload = pattern(1024 * 1024);
    const started = performance.now();
    const reading = readBytes(s, payload.length);
    // Many small writes, so the proxy queues many chunks whose order matters.
    for (let off = 0; off < payload.length; off += 4096) s.write(payload.subarray(off, off + 4096));
    const { data } = await reading;
    const elapsed = performance.now() - started;
    assert.equal(data.length, payload.length);
    assert.ok(data.equals(payload), 'echoed bytes equal the sent bytes');
    assert.ok(elapsed >= 200, `1 MB echo took ${elapsed.toFixed(0)} ms >= 200 ms`);
    s.destroy();
  });

  it('propagates ends both ways, after the delay, and counts connections', async () => {
    // The server answers, then ends its side when the client has ended its own.
    const { server, port } = await listen((s) => {
      s.on('error', () => undefined);
      s.on('end', () => s.end('bye'));
    });
    cleanups.push(() => void server.close());
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: port, delayMs: 50 });
    cleanups.push(() => proxy.close());
    const s = await dial(proxy);
    assert.ok(await waitFor(() => proxy.connections() === 1, 1000), 'one proxied connection');
    const ended = performance.now();
    const reading = readBytes(s, 3);
    const gotEnd = once(s, 'end');
    s.end();
    const { data } = await reading;
    await gotEnd;
    const t = performance.now() - ended;
    assert.equal(data.toString(), 'bye');
    assert.ok(t >= 100, `the FIN and the answer each waited 50 ms (${t.toFixed(0)} ms)`);
    assert.ok(await waitFor(() => proxy.connections() === 0, 2000), 'the proxied connection is gone after both ends');
  });

  it('a server that resets tears the client connection down', async () => {
    const { server, port } = await listen((s) => s.resetAndDestroy());
    cleanups.push(() => void server.close());
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: port, delayMs: 50 });
    cleanups.push(() => proxy.close());
    const s = await dial(proxy);
    s.on('error', () => undefined);
    await once(s, 'close');
    assert.ok(await waitFor(() => proxy.connections() === 0, 2000));
  });

  it('close() ends open connections and stops listening', async () => {
    const { server, port } = await listen(echo);
    cleanups.push(() => void server.close());
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: port, delayMs: 10 });
    const s = await dial(proxy);
    s.on('error', () => undefined);
    const closed = once(s, 'close');
    await proxy.close();
    await closed;
    assert.equal(proxy.connections(), 0);
    const again = connect({ host: proxy.host, port: proxy.port });
    const [err] = (await once(again, 'error')) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNREFUSED');
  });

  it('delay 0 is a plain pipe: fast and intact', async () => {
    const { server, port } = await listen(echo);
    cleanups.push(() => void server.close());
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: port, delayMs: 0 });
    cleanups.push(() => proxy.close());
    const s = await dial(proxy);
    const sent = performance.now();
    s.write('x');
    const { firstAt } = await readBytes(s, 1);
    assert.ok(firstAt - sent < 50, `round trip ${(firstAt - sent).toFixed(1)} ms < 50 ms`);
    const payload = pattern(1024 * 1024);
    const reading = readBytes(s, payload.length);
    s.write(payload);
    assert.ok((await reading).data.equals(payload));
    s.destroy();
  });

  it('honours backpressure: a server that does not read stops the client, not the proxy memory', async () => {
    let serverSocket: Socket | undefined;
    const { server, port } = await listen((s) => {
      serverSocket = s;
      s.pause();
    });
    cleanups.push(() => void server.close());
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: port, delayMs: 20 });
    cleanups.push(() => proxy.close());
    const s = await dial(proxy);
    // More than every socket buffer on the way (<= ~80 MB with tcp_rmem up to 32 MB) plus the
    // proxy's 8 MiB queue could hold: without backpressure it would all leave the client.
    const payload = pattern(128 * 1024 * 1024);
    s.write(payload);
    await new Promise((r) => setTimeout(r, 1500));
    const stuck = s.writableLength;
    assert.ok(stuck > 32 * 1024 * 1024, `${(stuck / 1048576).toFixed(0)} MiB still waits in the client`);
    // Once the server reads, everything arrives intact.
    assert.ok(serverSocket);
    const reading = readBytes(serverSocket, payload.length);
    serverSocket.resume();
    const { data } = await reading;
    assert.ok(data.equals(payload), '128 MiB arrive intact after the server resumes');
    s.destroy();
  });
});
