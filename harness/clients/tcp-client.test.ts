// openTcpStream against a net server on port 0 that speaks the tcp-floor contract: `STREAM <id>\n`
// in, hello line, event lines and empty heartbeat lines out, cut at arbitrary points.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { activeTimers, sleep, until } from './fixtures/wait.ts';
import { openTcpStream } from './tcp-client.ts';
import type { CloseCause, ReconnectPolicy, StreamConnection } from './types.ts';

const NO_RETRY: ReconnectPolicy = { enabled: false, defaultRetryMs: 60_000, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 60_000, maxAttempts: 1 };
/** Reconnects only if the hello's retry hint is honoured: the default delay outlasts every wait here. */
const HINT_ONLY: ReconnectPolicy = { ...NO_RETRY, enabled: true, maxAttempts: 3 };

interface TestServer {
  port: number;
  /** The first line of every connection, in order. */
  lines: string[];
  bytesWritten(): number;
  stop(): Promise<void>;
}

async function tcpServer(onStream: (socket: Socket, index: number) => void | Promise<void>): Promise<TestServer> {
  const lines: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.push(socket);
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      socket.off('data', onData);
      lines.push(buf.slice(0, nl));
      void onStream(socket, lines.length - 1);
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    lines,
    bytesWritten: () => sockets.reduce((n, s) => n + s.bytesWritten, 0),
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const hello = (retry: number): string => `${JSON.stringify({ hello: true, retry })}\n`;
const line = (seq: number): string => `${JSON.stringify({ id: seq, event: 'tick', data: { seq, t0: String(seq * 10), t1: String(seq * 10 + 1), pad: 'é€😀' } })}\n`;

/** Writes `text` in pieces of `size` bytes with a pause between, so reads split lines and characters. */
async function playInPieces(socket: Socket, text: string, size: number): Promise<void> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) {
    socket.write(bytes.subarray(i, i + size));
    await sleep(1);
  }
}

interface Log {
  events: { seq: number; t0: number; t1: number }[];
  opens: boolean[];
  closes: [CloseCause, boolean][];
  errors: [CloseCause, boolean][];
}

function connect(port: number, policy: ReconnectPolicy, localAddress: string | null = null): { conn: StreamConnection; log: Log } {
  const log: Log = { events: [], opens: [], closes: [], errors: [] };
  const conn = openTcpStream({ protocol: 'tcp', host: '127.0.0.1', port, localAddress }, policy, {
    onOpen: (reconnect) => log.opens.push(reconnect),
    onEvent: (ev) => log.events.push({ seq: ev.seq, t0: ev.t0, t1: ev.t1 }),
    onClose: (cause, willRetry) => log.closes.push([cause, willRetry]),
    onError: (cause, willRetry) => log.errors.push([cause, willRetry]),
  }, 0);
  return { conn, log };
}

describe('openTcpStream', () => {
  it('hello, events and heartbeats cut at every 5 bytes; resumes with STREAM <last id> after the server ends', async () => {
    const server = await tcpServer(async (socket, index) => {
      if (index === 0) {
        await playInPieces(socket, `${hello(20)}${line(1)}\n${line(2)}\n\n${line(3)}`, 5);
        socket.end();
      } else socket.write(`${hello(20)}${line(4)}${line(5)}`);
    });
    const { conn, log } = connect(server.port, HINT_ONLY);
    try {
      await until(() => log.events.length === 5, 'five events');
      assert.deepEqual(server.lines, ['STREAM 0', 'STREAM 3']);
      assert.deepEqual(
        log.events,
        [1, 2, 3, 4, 5].map((seq) => ({ seq, t0: seq * 10, t1: seq * 10 + 1 })),
      );
      assert.deepEqual(log.opens, [false, true]);
      assert.deepEqual(log.closes, [['server-closed', true]]);
      assert.deepEqual(log.errors, []);
      assert.equal(conn.lastEventId, 5);
      assert.equal(conn.bytesRead(), server.bytesWritten(), 'every byte the server wrote was read once');
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('a connection that ends before the hello is a failed attempt, not an opened stream', async () => {
    const server = await tcpServer((socket) => {
      socket.end();
    });
    const { conn, log } = connect(server.port, { ...NO_RETRY, enabled: true, defaultRetryMs: 10, maxAttempts: 2 });
    try {
      await until(() => log.errors.length === 2, 'two failed attempts');
      await sleep(50);
      assert.deepEqual(log.errors, [
        ['server-closed', true],
        ['server-closed', false],
      ]);
      assert.deepEqual(log.opens, []);
      assert.deepEqual(server.lines, ['STREAM 0', 'STREAM 0']);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('dials from localAddress when one is set', async () => {
    let remote = '';
    const server = await tcpServer((socket) => {
      remote = socket.remoteAddress ?? '';
      socket.write(hello(1000));
    });
    const { conn, log } = connect(server.port, NO_RETRY, '127.0.0.2');
    try {
      await until(() => log.opens.length === 1, 'open');
      assert.equal(remote, '127.0.0.2');
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('close() while connected: no callback, no reconnect, no timer left', async () => {
    let serverClosed = false;
    const server = await tcpServer((socket) => {
      socket.write(hello(10));
      socket.on('close', () => (serverClosed = true));
    });
    const timersBefore = activeTimers();
    const { conn, log } = connect(server.port, HINT_ONLY);
    try {
      await until(() => log.opens.length === 1, 'open');
      conn.close();
      await until(() => serverClosed, 'server sees close');
      await sleep(50);
      assert.equal(server.lines.length, 1);
      assert.deepEqual(log.closes, []);
      assert.equal(activeTimers(), timersBefore);
    } finally {
      conn.close();
      await server.stop();
    }
  });
});
