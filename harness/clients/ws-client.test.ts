// openWsStream against a ws WebSocketServer on port 0 that speaks the contract: hello frame with the
// retry hint, event frames, and a resume after the server closes the connection.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { activeTimers, sleep, until } from './fixtures/wait.ts';
import type { CloseCause, ReconnectPolicy, StreamConnection } from './types.ts';
import { openWsStream } from './ws-client.ts';

const NO_RETRY: ReconnectPolicy = { enabled: false, defaultRetryMs: 60_000, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 60_000, maxAttempts: 1 };
/** Reconnects only if the hello's retry hint is honoured: the default delay outlasts every wait here. */
const HINT_ONLY: ReconnectPolicy = { ...NO_RETRY, enabled: true, maxAttempts: 3 };

interface TestServer {
  port: number;
  /** Request URL of every upgrade, in order. */
  urls: string[];
  bytesWritten(): number;
  stop(): Promise<void>;
}

async function wsServer(onConnection: (ws: WebSocket, index: number, remote: string) => void): Promise<TestServer> {
  const urls: string[] = [];
  const sockets: Socket[] = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws, req) => {
    urls.push(req.url ?? '');
    sockets.push(req.socket);
    onConnection(ws, urls.length - 1, req.socket.remoteAddress ?? '');
  });
  await new Promise<void>((r) => wss.once('listening', r));
  return {
    port: (wss.address() as AddressInfo).port,
    urls,
    bytesWritten: () => sockets.reduce((n, s) => n + s.bytesWritten, 0),
    stop: () => {
      for (const c of wss.clients) c.terminate();
      return new Promise((r) => wss.close(() => r()));
    },
  };
}

const hello = (retry: number): string => JSON.stringify({ hello: true, retry });
const frame = (seq: number): string => JSON.stringify({ id: seq, event: 'tick', data: { seq, t0: String(seq * 10), t1: String(seq * 10 + 1), pad: 'é€😀' } });

interface Log {
  events: { seq: number; t0: number; t1: number }[];
  opens: boolean[];
  closes: [CloseCause, boolean][];
  errors: [CloseCause, boolean][];
}

function connect(port: number, policy: ReconnectPolicy, initialLastEventId = 0, localAddress: string | null = null): { conn: StreamConnection; log: Log } {
  const log: Log = { events: [], opens: [], closes: [], errors: [] };
  const conn = openWsStream({ protocol: 'ws', host: '127.0.0.1', port, localAddress }, policy, {
    onOpen: (reconnect) => log.opens.push(reconnect),
    onEvent: (ev) => log.events.push({ seq: ev.seq, t0: ev.t0, t1: ev.t1 }),
    onClose: (cause, willRetry) => log.closes.push([cause, willRetry]),
    onError: (cause, willRetry) => log.errors.push([cause, willRetry]),
  }, initialLastEventId);
  return { conn, log };
}

describe('openWsStream', () => {
  it('takes the hello as retry hint, delivers events, and resumes with ?lastEventId= after the server closes', async () => {
    const server = await wsServer((ws, index) => {
      ws.send(hello(20));
      if (index === 0) {
        for (const s of [1, 2, 3]) ws.send(frame(s));
        ws.close(1001);
      } else for (const s of [4, 5]) ws.send(frame(s));
    });
    const { conn, log } = connect(server.port, HINT_ONLY);
    try {
      await until(() => log.events.length === 5, 'five events');
      assert.deepEqual(
        log.events,
        [1, 2, 3, 4, 5].map((seq) => ({ seq, t0: seq * 10, t1: seq * 10 + 1 })),
      );
      assert.deepEqual(server.urls, ['/ws', '/ws?lastEventId=3']);
      assert.deepEqual(log.opens, [false, true]);
      assert.deepEqual(log.closes, [['server-closed', true]]);
      assert.deepEqual(log.errors, []);
      assert.equal(conn.lastEventId, 5);
      assert.equal(conn.open, true);
      assert.equal(conn.bytesRead(), server.bytesWritten(), 'the 101 heads, every frame and the close frame, read once');
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('a terminated socket (no close frame) is recovered the same way; initialLastEventId is the first resume point', async () => {
    const server = await wsServer((ws, index) => {
      ws.send(hello(20));
      if (index === 0) {
        ws.send(frame(8));
        setTimeout(() => ws.terminate(), 20);
      } else ws.send(frame(9));
    });
    const { conn, log } = connect(server.port, HINT_ONLY, 7);
    try {
      await until(() => log.events.length === 2, 'two events');
      assert.deepEqual(server.urls, ['/ws?lastEventId=7', '/ws?lastEventId=8']);
      assert.deepEqual(
        log.events.map((e) => e.seq),
        [8, 9],
      );
      assert.deepEqual(log.closes, [['server-closed', true]]);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('the binary addition: binary frames are events (whole, fragmented, cut across reads), their bytes counted; the stream query goes in the URL', async () => {
    const binary = (seq: number, payload: number): Buffer => {
      const b = Buffer.alloc(25 + 4 + payload, 0xab);
      b.writeBigUInt64BE(BigInt(seq), 0);
      b.writeBigUInt64BE(BigInt(seq * 10), 8);
      b.writeBigUInt64BE(BigInt(seq * 10 + 1), 16);
      b[24] = 4;
      b.write('tick', 25, 'latin1');
      return b;
    };
    const server = await wsServer((ws) => {
      ws.send(hello(20));
      ws.send(binary(1, 100), { binary: true });
      // 70,000 bytes: a 64-bit length, arriving over several reads.
      ws.send(binary(2, 70_000), { binary: true });
      const third = binary(3, 300);
      ws.send(third.subarray(0, 10), { binary: true, fin: false });
      ws.send(third.subarray(10), { binary: true, fin: true });
    });
    const bins: number[] = [];
    const conn = openWsStream({ protocol: 'ws', host: '127.0.0.1', port: server.port, localAddress: null }, NO_RETRY, {
      onOpen: () => undefined,
      onEvent: (ev) => bins.push(ev.seq, ev.t0, ev.t1, ev.binBytes),
      onClose: () => undefined,
      onError: () => undefined,
    }, 0, 'client=c1&room=r0');
    try {
      await until(() => bins.length === 12, 'three binary events');
      assert.deepEqual(bins, [1, 10, 11, 100, 2, 20, 21, 70_000, 3, 30, 31, 300], 'seq, t0, t1 and the payload after the name');
      assert.deepEqual(server.urls, ['/ws?client=c1&room=r0']);
      assert.equal(conn.lastHttpStatus, 101);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('dials from localAddress when one is set', async () => {
    let remote = '';
    const server = await wsServer((ws, _index, from) => {
      remote = from;
      ws.send(hello(1000));
    });
    const { conn, log } = connect(server.port, NO_RETRY, 0, '127.0.0.2');
    try {
      await until(() => log.opens.length === 1, 'open');
      assert.equal(remote, '127.0.0.2');
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('answers the server ping with a pong', async () => {
    let pongs = 0;
    const server = await wsServer((ws) => {
      ws.send(hello(1000));
      ws.on('pong', (data) => {
        assert.equal(data.toString(), 'hb');
        pongs++;
      });
      ws.ping('hb');
    });
    const { conn } = connect(server.port, NO_RETRY);
    try {
      await until(() => pongs === 1, 'pong');
      assert.equal(pongs, 1);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('a refused upgrade (403) is an http-status error; close() leaves no timer', async () => {
    const http: Server = createServer((_req, res) => res.end());
    let upgrades = 0;
    http.on('upgrade', (_req, socket: Socket) => {
      upgrades++;
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const timersBefore = activeTimers();
    const { conn, log } = connect((http.address() as AddressInfo).port, { ...NO_RETRY, enabled: true, defaultRetryMs: 10, maxAttempts: 2 });
    try {
      await until(() => log.errors.length === 2, 'two failed attempts');
      await sleep(50);
      assert.deepEqual(log.errors, [
        ['http-status', true],
        ['http-status', false],
      ]);
      assert.equal(upgrades, 2);
      assert.deepEqual(log.opens, []);
      conn.close();
      assert.equal(activeTimers(), timersBefore);
    } finally {
      conn.close();
      await new Promise<void>((r) => http.close(() => r()));
    }
  });

  it('close() while connected: no callback, no reconnect, the server sees the socket go', async () => {
    let serverClosed = false;
    const server = await wsServer((ws) => {
      ws.send(hello(10));
      ws.on('close', () => (serverClosed = true));
    });
    const timersBefore = activeTimers();
    const { conn, log } = connect(server.port, HINT_ONLY);
    try {
      await until(() => log.opens.length === 1, 'open');
      conn.close();
      await until(() => serverClosed, 'server sees close');
      await sleep(50);
      assert.equal(server.urls.length, 1);
      assert.deepEqual(log.closes, []);
      assert.deepEqual(log.errors, []);
      assert.equal(conn.open, false);
      assert.equal(activeTimers(), timersBefore);
    } finally {
      conn.close();
      await server.stop();
    }
  });
});

describe('openWsStream beside ws\'s own client, against node-ws', () => {
  it('both receive the same broadcast, every event once, in order', async () => {
    const { startServer } = await import('../lifecycle/server-process.ts');
    const { getServer } = await import('../servers/registry.ts');
    const { postBroadcast } = await import('../control.ts');
    const WS = (await import('ws')).default;
    const server = await startServer(getServer('node-ws'), {});
    const { conn, log } = connect(server.port, NO_RETRY);
    const ref = new WS(`ws://${server.host}:${server.port}/ws`);
    const refSeqs: number[] = [];
    ref.on('message', (m) => {
      const msg = JSON.parse(m.toString()) as { data?: { seq: number } };
      if (msg.data) refSeqs.push(msg.data.seq);
    });
    try {
      await until(() => log.opens.length === 1 && ref.readyState === WS.OPEN, 'both open');
      await postBroadcast(server.baseUrl, { rate: 500, count: 50, bytes: 128, event: 'tick' });
      await until(() => log.events.length === 50 && refSeqs.length === 50, '50 events each');
      assert.deepEqual(log.events.map((e) => e.seq), refSeqs);
      assert.deepEqual(refSeqs, Array.from({ length: 50 }, (_, i) => i + 1));
    } finally {
      conn.close();
      ref.terminate();
      await server.stop();
    }
  });
});
