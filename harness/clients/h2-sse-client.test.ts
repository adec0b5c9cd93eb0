// openH2SseStream: first against the real node-sse-h2 server (a child process, stopped in
// after()), then against small in-process HTTP/2 servers on port 0 that misbehave on purpose,
// for the session pool and the mapping of failures onto close causes.
import assert from 'node:assert/strict';
import { constants, createServer as createH2Server, type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { getHealth, postBroadcast, postDrop, postReset } from '../control.ts';
import { startServer, type RunningServer } from '../lifecycle/server-process.ts';
import { freePort } from '../lifecycle/ports.ts';
import type { HealthBody } from '../../servers/contract.ts';
import { getServer } from '../servers/registry.ts';
import { sleep, until } from './fixtures/wait.ts';
import { h2SessionCount, openH2SseStream, STREAMS_PER_SESSION } from './h2-sse-client.ts';
import { openStreamFor } from './index.ts';
import { openSseStream } from './sse-client.ts';
import type { CloseCause, ReconnectPolicy, StreamConnection } from './types.ts';

const NO_RETRY: ReconnectPolicy = { enabled: false, defaultRetryMs: 60_000, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 60_000, maxAttempts: 1 };
/** Reconnects in time only if the server's `retry:` is honoured: the default delay outlasts every wait here. */
const HINT_ONLY: ReconnectPolicy = { ...NO_RETRY, enabled: true, maxAttempts: 3 };
const RETRY_MS = 300;

interface Log {
  seqs: number[];
  opens: boolean[];
  /** Index into seqs where each open started. */
  openedAt: number[];
  /** performance.now() of each open and close. */
  openTimes: number[];
  closeTimes: number[];
  closes: [CloseCause, boolean][];
  errors: [CloseCause, boolean][];
}

function h2Stream(port: number, policy: ReconnectPolicy, initialLastEventId = 0, localAddress: string | null = null): { conn: StreamConnection; log: Log } {
  const log: Log = { seqs: [], opens: [], openedAt: [], openTimes: [], closeTimes: [], closes: [], errors: [] };
  const conn = openH2SseStream({ protocol: 'sse-h2', host: '127.0.0.1', port, localAddress }, policy, {
    onOpen: (reconnect) => {
      log.opens.push(reconnect);
      log.openedAt.push(log.seqs.length);
      log.openTimes.push(performance.now());
    },
    onEvent: (ev) => log.seqs.push(ev.seq),
    onClose: (cause, willRetry) => {
      log.closes.push([cause, willRetry]);
      log.closeTimes.push(performance.now());
    },
    onError: (cause, willRetry) => log.errors.push([cause, willRetry]),
  }, initialLastEventId);
  return { conn, log };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Polls /healthz until `want` holds (the server sees closes a moment after the client), then returns it. */
async function healthWhen(baseUrl: string, want: (h: HealthBody) => boolean): Promise<HealthBody> {
  const deadline = Date.now() + 5000;
  let h = await getHealth(baseUrl);
  while (!want(h) && Date.now() < deadline) {
    await sleep(20);
    h = await getHealth(baseUrl);
  }
  return h;
}

describe('openH2SseStream against node-sse-h2', () => {
  const N = 150;
  let server: RunningServer;
  let streams: { conn: StreamConnection; log: Log }[] = [];

  before(async () => {
    server = await startServer(getServer('node-sse-h2'), { env: { PUSHBENCH_RETRY_MS: String(RETRY_MS), PUSHBENCH_HEARTBEAT_MS: '60000' } });
  });
  after(async () => {
    for (const s of streams) s.conn.close();
    await server?.stop();
  });

  it(`is the engine's client for sse-h2, and ${N} streams share exactly 2 sessions`, async () => {
    assert.equal(openStreamFor('sse-h2'), openH2SseStream);
    assert.equal(STREAMS_PER_SESSION, 100);
    streams = Array.from({ length: N }, () => h2Stream(server.port, HINT_ONLY));
    await until(() => streams.every((s) => s.log.opens.length === 1), `${N} streams open`);
    assert.equal(h2SessionCount(), 2);
    const hello = Buffer.byteLength(`retry: ${RETRY_MS}\n: pushbench\n\n`);
    await until(() => streams.every((s) => s.conn.bytesRead() === hello), 'every stream read the hello');
    for (const s of streams) {
      assert.deepEqual(s.log.opens, [false]);
      assert.equal(s.conn.open, true);
      assert.equal(s.conn.bytesRead(), hello, 'DATA payload bytes only: the hello block');
    }
    const h = await healthWhen(server.baseUrl, (x) => x.connections === N);
    assert.equal(h.protocol, 'sse-h2');
    assert.equal(h.connections, N, 'connections counts SSE streams');
    assert.equal(h.tcpConnections, 2, 'tcpConnections counts the TCP connections under them');
  });

  it('a broadcast reaches every stream exactly once, in order', async () => {
    const K = 20;
    await postBroadcast(server.baseUrl, { rate: 500, count: K, bytes: 200, event: 'tick' });
    await until(() => streams.every((s) => s.log.seqs.length >= K), `${K} events on every stream`);
    await sleep(100);
    for (const s of streams) {
      assert.deepEqual(s.log.seqs, range(1, K));
      assert.equal(s.conn.lastEventId, K);
    }
  });

  it('after /control/drop every stream reconnects after the retry hint and gets the missed events replayed', async () => {
    const dropped = await postDrop(server.baseUrl);
    assert.equal(dropped, N);
    await until(() => streams.every((s) => s.log.closes.length === 1), 'every stream saw the drop');
    // Sent while every stream is down: only the replay after Last-Event-ID can deliver these.
    await postBroadcast(server.baseUrl, { rate: 1000, count: 10, bytes: 64, event: 'missed' });
    await until(() => streams.every((s) => s.log.opens.length === 2 && s.log.seqs.length >= 30), 'reconnect and replay', 8000);
    await sleep(100);
    for (const s of streams) {
      assert.deepEqual(s.log.closes, [['server-closed', true]]);
      assert.deepEqual(s.log.errors, []);
      assert.deepEqual(s.log.opens, [false, true]);
      assert.deepEqual(s.log.seqs, range(1, 30), 'no gap, no duplicate');
      assert.deepEqual(s.log.seqs.slice(s.log.openedAt[1]), range(21, 30), 'the missed events came after the reconnect');
      const waited = s.log.openTimes[1]! - s.log.closeTimes[0]!;
      // The policy's own default is 60 s: reconnecting at all within the wait means the hint was used.
      assert.ok(waited >= RETRY_MS - 2 && waited < 3000, `reconnected ${waited.toFixed(0)} ms after the close, want the ${RETRY_MS} ms hint`);
    }
    // The old sessions closed with their last stream; the new streams fill two new ones.
    assert.equal(h2SessionCount(), 2);
    const h = await healthWhen(server.baseUrl, (x) => x.connections === N && x.tcpConnections === 2);
    assert.equal(h.connections, N);
    assert.equal(h.tcpConnections, 2);
  });

  it('closing every stream closes its sessions, and the server sees both go', async () => {
    for (const s of streams) s.conn.close();
    assert.equal(h2SessionCount(), 0);
    const h = await healthWhen(server.baseUrl, (x) => x.connections === 0 && x.tcpConnections === 0);
    assert.equal(h.connections, 0);
    assert.equal(h.tcpConnections, 0);
    for (const s of streams) {
      assert.equal(s.conn.open, false);
      assert.equal(s.log.closes.length, 1, 'close() reports nothing');
    }
    streams = [];
  });

  it('serves HTTP/1.1 SSE on the same port beside HTTP/2, the same events to both', async () => {
    await postReset(server.baseUrl);
    const h2 = h2Stream(server.port, NO_RETRY);
    const h1Seqs: number[] = [];
    let h1Opened = false;
    const h1 = openSseStream({ protocol: 'sse', host: '127.0.0.1', port: server.port, localAddress: null }, NO_RETRY, { onOpen: () => (h1Opened = true), onEvent: (ev) => h1Seqs.push(ev.seq), onClose: () => undefined, onError: () => undefined }, 0);
    streams = [h2];
    try {
      await until(() => h1Opened && h2.log.opens.length === 1, 'both open');
      const h = await healthWhen(server.baseUrl, (x) => x.connections === 2);
      assert.equal(h.connections, 2);
      assert.equal(h.tcpConnections, 2, 'one HTTP/1.1 stream connection and one HTTP/2 session');
      await postBroadcast(server.baseUrl, { rate: 500, count: 3, bytes: 32, event: 'both' });
      await until(() => h1Seqs.length >= 3 && h2.log.seqs.length >= 3, 'three events on each');
      await sleep(50);
      assert.deepEqual(h1Seqs, [1, 2, 3]);
      assert.deepEqual(h2.log.seqs, [1, 2, 3]);
    } finally {
      h1.close();
      h2.conn.close();
    }
  });
});

interface InProcess {
  port: number;
  /** Request headers of every stream, in order. */
  requests: IncomingHttpHeaders[];
  /** Sessions in the order they were accepted, with the streams each carried. */
  sessions: { session: Http2Session; streams: number; remoteAddress: string }[];
  stop(): Promise<void>;
}

async function inProcess(onStream: (stream: ServerHttp2Stream, index: number) => void): Promise<InProcess> {
  const requests: IncomingHttpHeaders[] = [];
  const sessions: InProcess['sessions'] = [];
  const server: Http2Server = createH2Server();
  server.on('session', (session: Http2Session) => {
    sessions.push({ session, streams: 0, remoteAddress: session.socket.remoteAddress ?? '' });
    session.on('error', () => undefined);
  });
  server.on('stream', (stream, headers) => {
    requests.push(headers);
    const entry = sessions.find((s) => s.session === stream.session);
    if (entry) entry.streams++;
    stream.on('error', () => undefined);
    onStream(stream, requests.length - 1);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    sessions,
    stop: () => {
      for (const s of sessions) s.session.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * A hand-written HTTP/2 server for one stream: node:http2's stream.close(code) always sends
 * END_STREAM before its RST_STREAM, which a client rightly sees as an orderly end, so a bare
 * RST_STREAM has to be framed by hand (RFC 9113 §4.1, §6.4; HPACK RFC 7541 for the head).
 * With `respond`, the stream gets a 200 text/event-stream head and one event before the reset.
 */
async function rawH2Server(rstCode: number, respond: boolean): Promise<{ port: number; stop(): Promise<void> }> {
  const frame = (type: number, flags: number, streamId: number, payload: Buffer): Buffer => {
    const head = Buffer.alloc(9);
    head.writeUIntBE(payload.length, 0, 3);
    head[3] = type;
    head[4] = flags;
    head.writeUInt32BE(streamId, 5);
    return Buffer.concat([head, payload]);
  };
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.write(frame(0x4, 0, 0, Buffer.alloc(0))); // our SETTINGS: all defaults
    let buf = Buffer.alloc(0);
    let prefaceSeen = false;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!prefaceSeen) {
        if (buf.length < 24) return;
        buf = buf.subarray(24);
        prefaceSeen = true;
      }
      while (buf.length >= 9) {
        const length = buf.readUIntBE(0, 3);
        if (buf.length < 9 + length) return;
        const type = buf[3]!;
        const flags = buf[4]!;
        const streamId = buf.readUInt32BE(5) & 0x7fffffff;
        buf = buf.subarray(9 + length);
        if (type === 0x4 && (flags & 0x1) === 0) socket.write(frame(0x4, 0x1, 0, Buffer.alloc(0))); // SETTINGS ACK
        if (type !== 0x1) continue; // the request's HEADERS
        if (respond) {
          // :status 200 (static index 8), then content-type (static name 31) as a literal.
          const block = Buffer.concat([Buffer.from([0x88, 0x0f, 0x10, 17]), Buffer.from('text/event-stream')]);
          socket.write(frame(0x1, 0x4, streamId, block)); // HEADERS, END_HEADERS
          socket.write(frame(0x0, 0, streamId, Buffer.from(`id: 1\ndata: ${JSON.stringify({ seq: 1, t0: '1', t1: '2', pad: '' })}\n\n`)));
        }
        const code = Buffer.alloc(4);
        code.writeUInt32BE(rstCode);
        socket.write(frame(0x3, 0, streamId, code)); // RST_STREAM
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const sseHead = (stream: ServerHttp2Stream): void => stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });

describe('openH2SseStream: session pool and failures (in-process server)', () => {
  it(`opens a new session once ${STREAMS_PER_SESSION} streams fill one, and sends Last-Event-ID when resuming`, async () => {
    const server = await inProcess(sseHead);
    const streams = Array.from({ length: 150 }, (_, i) => h2Stream(server.port, NO_RETRY, i === 0 ? 42 : 0));
    try {
      await until(() => streams.every((s) => s.log.opens.length === 1), '150 open');
      assert.deepEqual(
        server.sessions.map((s) => s.streams),
        [100, 50],
      );
      assert.equal(server.requests[0]?.['last-event-id'], '42');
      assert.equal(server.requests[0]?.[':path'], '/events');
      assert.equal(server.requests[0]?.accept, 'text/event-stream');
      assert.equal(server.requests.filter((h) => h['last-event-id'] !== undefined).length, 1);
    } finally {
      for (const s of streams) s.conn.close();
      await server.stop();
    }
    assert.equal(h2SessionCount(), 0);
  });

  it('a GOAWAY ends every stream of the session with server-closed', async () => {
    const server = await inProcess(sseHead);
    const streams = Array.from({ length: 3 }, () => h2Stream(server.port, NO_RETRY));
    try {
      await until(() => streams.every((s) => s.log.opens.length === 1), '3 open');
      assert.equal(server.sessions.length, 1);
      server.sessions[0]!.session.goaway(constants.NGHTTP2_NO_ERROR);
      await until(() => streams.every((s) => s.log.closes.length === 1), 'every stream closed');
      for (const s of streams) assert.deepEqual(s.log.closes, [['server-closed', false]]);
      assert.equal(h2SessionCount(), 0);
    } finally {
      for (const s of streams) s.conn.close();
      await server.stop();
    }
  });

  it('a non-200 answer is http-status, a 200 that is not text/event-stream is protocol-error', async () => {
    const server = await inProcess((stream, index) => {
      if (index === 0) stream.respond({ ':status': 503 }, { endStream: true });
      else {
        stream.respond({ ':status': 200, 'content-type': 'text/plain' });
        stream.end('data: x\n\n');
      }
    });
    try {
      const first = h2Stream(server.port, NO_RETRY);
      await until(() => first.log.errors.length === 1, 'first error');
      const second = h2Stream(server.port, NO_RETRY);
      await until(() => second.log.errors.length === 1, 'second error');
      await sleep(50);
      assert.deepEqual(first.log.errors, [['http-status', false]]);
      assert.deepEqual(second.log.errors, [['protocol-error', false]]);
      assert.deepEqual([...first.log.opens, ...second.log.opens], []);
      assert.deepEqual([...first.log.closes, ...second.log.closes], []);
    } finally {
      await server.stop();
    }
  });

  for (const [name, code, cause, seqs] of [
    ['INTERNAL_ERROR after an event is a reset', constants.NGHTTP2_INTERNAL_ERROR, 'reset', [1]],
    ['REFUSED_STREAM before any response is refused', constants.NGHTTP2_REFUSED_STREAM, 'refused', []],
  ] as const) {
    it(`an RST_STREAM ${name}`, async () => {
      const server = await rawH2Server(code, seqs.length > 0);
      const { conn, log } = h2Stream(server.port, NO_RETRY);
      try {
        await until(() => log.closes.length + log.errors.length === 1, 'the stream ends');
        await sleep(20);
        assert.deepEqual(log.seqs, seqs);
        if (seqs.length > 0) {
          assert.deepEqual(log.closes, [[cause, false]]);
          assert.equal(conn.lastEventId, 1);
        } else {
          assert.deepEqual(log.errors, [[cause, false]]);
          assert.deepEqual(log.opens, []);
        }
      } finally {
        conn.close();
        await server.stop();
      }
    });
  }

  it('nothing listening is refused, and leaves no session behind', async () => {
    const port = await freePort('127.0.0.1');
    const { conn, log } = h2Stream(port, NO_RETRY);
    try {
      await until(() => log.errors.length === 1, 'refused');
      assert.deepEqual(log.errors, [['refused', false]]);
      assert.equal(h2SessionCount(), 0);
    } finally {
      conn.close();
    }
  });

  it('dials from localAddress when one is set, on a session of its own', async () => {
    const server = await inProcess(sseHead);
    const a = h2Stream(server.port, NO_RETRY, 0, '127.0.0.2');
    const b = h2Stream(server.port, NO_RETRY, 0, null);
    try {
      await until(() => a.log.opens.length === 1 && b.log.opens.length === 1, 'both open');
      assert.equal(h2SessionCount(), 2);
      assert.deepEqual(server.sessions.map((s) => s.remoteAddress).sort(), ['127.0.0.1', '127.0.0.2']);
    } finally {
      a.conn.close();
      b.conn.close();
      await server.stop();
    }
  });
});
