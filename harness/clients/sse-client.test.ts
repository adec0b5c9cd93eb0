// openSseStream against a node:http server on port 0 that writes hand-made text/event-stream bytes,
// in one piece or one byte per write, chunked or close-delimited: what the client delivers must not
// depend on how the network cut the stream.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { activeTimers, sleep, until } from './fixtures/wait.ts';
import { openSseStream } from './sse-client.ts';
import type { CloseCause, ReconnectPolicy, StreamConnection } from './types.ts';

const NO_RETRY: ReconnectPolicy = { enabled: false, defaultRetryMs: 60_000, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 60_000, maxAttempts: 1 };
/** Reconnects only if the server's `retry:` is honoured: the default delay outlasts every wait here. */
const HINT_ONLY: ReconnectPolicy = { ...NO_RETRY, enabled: true, maxAttempts: 3 };

type Framing = 'chunked' | 'identity';
type Respond = (req: IncomingMessage, res: ServerResponse, index: number) => void | Promise<void>;

interface TestServer {
  port: number;
  /** Request headers of every GET, in order. */
  requests: IncomingMessage['headers'][];
  /** Bytes the server wrote over every socket (head, framing and body). */
  bytesWritten(): number;
  stop(): Promise<void>;
}

async function sseServer(framing: Framing, respond: Respond): Promise<TestServer> {
  const requests: IncomingMessage['headers'][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    requests.push(req.headers);
    // Without chunked coding and without a length, the body runs until the server closes.
    if (framing === 'identity') res.useChunkedEncodingByDefault = false;
    void respond(req, res, requests.length - 1);
  });
  server.on('connection', (s: Socket) => {
    s.setNoDelay(true);
    sockets.add(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    bytesWritten: () => [...sockets].reduce((n, s) => n + s.bytesWritten, 0),
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function streamHead(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
}

/** Writes `text` as UTF-8, whole or one byte per write with a pause between (separate reads). */
async function play(res: ServerResponse, text: string, bytewise: boolean): Promise<void> {
  const bytes = Buffer.from(text);
  if (!bytewise) {
    res.write(bytes);
    return;
  }
  for (const b of bytes) {
    res.write(Buffer.from([b]));
    await sleep(1);
  }
}

interface Log {
  events: { seq: number; t0: number; t1: number }[];
  opens: boolean[];
  closes: [CloseCause, boolean][];
  errors: [CloseCause, boolean][];
}

function connect(port: number, policy: ReconnectPolicy): { conn: StreamConnection; log: Log } {
  const log: Log = { events: [], opens: [], closes: [], errors: [] };
  const conn = openSseStream({ protocol: 'sse', host: '127.0.0.1', port, localAddress: null }, policy, {
    onOpen: (reconnect) => log.opens.push(reconnect),
    onEvent: (ev) => {
      assert.ok(ev.recvNs > 0 && ev.recvNs <= Number(process.hrtime.bigint()), 'recvNs is a monotonic-clock time already past');
      log.events.push({ seq: ev.seq, t0: ev.t0, t1: ev.t1 });
    },
    onClose: (cause, willRetry) => log.closes.push([cause, willRetry]),
    onError: (cause, willRetry) => log.errors.push([cause, willRetry]),
  }, 0);
  return { conn, log };
}

const data = (seq: number, t0: number, t1: number, pad = ''): string => JSON.stringify({ seq, t0: String(t0), t1: String(t1), pad });

describe('openSseStream: spec parsing over a real socket', () => {
  for (const framing of ['chunked', 'identity'] as const) {
    for (const [eolName, eol] of [['LF', '\n'], ['CR', '\r'], ['CRLF', '\r\n']] as const) {
      it(`${framing}, ${eolName} line ends, byte by byte: retry, comments, multi-line data, UTF-8 split across reads`, async () => {
        // Event 1 pads with 2-, 3- and 4-byte UTF-8 characters, cut across reads when bytewise;
        // event 2's JSON spans two data lines (joined with LF, which JSON takes as whitespace).
        const text =
          `retry: 5000${eol}: a comment${eol}${eol}` +
          `id: 1${eol}event: tick${eol}data: ${data(1, 100, 200, 'é€😀')}${eol}${eol}` +
          `: another comment${eol}id: 2${eol}data: {"seq":2,"t0":"300",${eol}data: "t1":"400","pad":""}${eol}${eol}`;
        const server = await sseServer(framing, async (_req, res) => {
          streamHead(res);
          await play(res, text, true);
          res.end();
        });
        const { conn, log } = connect(server.port, NO_RETRY);
        try {
          await until(() => log.closes.length === 1, 'the stream ends');
          assert.deepEqual(log.events, [
            { seq: 1, t0: 100, t1: 200 },
            { seq: 2, t0: 300, t1: 400 },
          ]);
          assert.deepEqual(log.opens, [false]);
          assert.deepEqual(log.closes, [['server-closed', false]]);
          assert.deepEqual(log.errors, []);
          assert.equal(conn.lastEventId, 2);
          assert.equal(conn.open, false);
          assert.equal(conn.bytesRead(), server.bytesWritten(), 'every byte the server wrote was read once');
          assert.equal(server.requests[0]?.accept, 'text/event-stream');
          assert.equal(server.requests[0]?.['last-event-id'], undefined);
        } finally {
          conn.close();
          await server.stop();
        }
      });
    }
  }

  it('strips a leading BOM even when its three bytes arrive in separate reads', async () => {
    // If the BOM stayed, the first field would be "\uFEFFid", an unknown field, and id 7 would be lost.
    const server = await sseServer('identity', async (_req, res) => {
      streamHead(res);
      await play(res, `\uFEFFid: 7\n\ndata: ${data(8, 1, 2)}\n\n`, true);
      res.end();
    });
    const { conn, log } = connect(server.port, NO_RETRY);
    try {
      await until(() => log.closes.length === 1, 'the stream ends');
      assert.deepEqual(log.events, [{ seq: 8, t0: 1, t1: 2 }]);
      // The event carried no id, so the spec's last event ID is still the 7 from the first line.
      assert.equal(conn.lastEventId, 7);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('the same bytes in one write give the same events', async () => {
    const server = await sseServer('chunked', (_req, res) => {
      streamHead(res);
      void play(res, `retry: 10\r\n\r\nid: 1\r\ndata: ${data(1, 5, 6)}\r\n\r\nid: 2\r\ndata: ${data(2, 7, 8)}\r\n\r\n`, false);
      res.end();
    });
    const { conn, log } = connect(server.port, NO_RETRY);
    try {
      await until(() => log.closes.length === 1, 'the stream ends');
      assert.deepEqual(log.events, [
        { seq: 1, t0: 5, t1: 6 },
        { seq: 2, t0: 7, t1: 8 },
      ]);
    } finally {
      conn.close();
      await server.stop();
    }
  });
});

describe('openSseStream: resume', () => {
  it('an id without data moves the resume point; the retry hint times the reconnect; Last-Event-ID carries it', async () => {
    const server = await sseServer('chunked', async (_req, res, index) => {
      streamHead(res);
      if (index === 0) {
        await play(res, `retry: 20\n\nid: 1\ndata: ${data(1, 1, 1)}\n\nid: 4\n\n`, true);
        res.end();
      } else res.write(`id: 5\ndata: ${data(5, 5, 5)}\n\n`);
    });
    const { conn, log } = connect(server.port, HINT_ONLY);
    try {
      await until(() => log.closes.length === 1, 'first stream ends');
      assert.equal(conn.lastEventId, 4, 'the id-only block set the last event id');
      await until(() => log.events.length === 2, 'event after reconnect');
      assert.deepEqual(
        log.events.map((e) => e.seq),
        [1, 5],
      );
      assert.deepEqual(
        server.requests.map((h) => h['last-event-id']),
        [undefined, '4'],
      );
      assert.deepEqual(log.opens, [false, true]);
      assert.deepEqual(log.closes, [['server-closed', true]]);
      assert.equal(conn.lastEventId, 5);
      assert.equal(conn.open, true);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('an empty id clears the resume point: the next request has no Last-Event-ID', async () => {
    const server = await sseServer('identity', (_req, res, index) => {
      streamHead(res);
      if (index === 0) res.end(`retry: 20\n\nid: 3\ndata: ${data(3, 1, 1)}\n\nid\n\n`);
      else res.write(': hello\n\n');
    });
    const { conn, log } = connect(server.port, HINT_ONLY);
    try {
      await until(() => log.opens.length === 2, 'reconnect');
      assert.deepEqual(
        server.requests.map((h) => h['last-event-id']),
        [undefined, undefined],
      );
      assert.equal(conn.lastEventId, 0);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('dials from localAddress when one is set', async () => {
    let remote = '';
    const server = await sseServer('chunked', (req, res) => {
      remote = req.socket.remoteAddress ?? '';
      streamHead(res);
    });
    let opens = 0;
    const conn = openSseStream({ protocol: 'sse', host: '127.0.0.1', port: server.port, localAddress: '127.0.0.2' }, NO_RETRY, { onOpen: () => opens++, onEvent: () => undefined, onClose: () => undefined, onError: () => undefined }, 0);
    try {
      await until(() => opens === 1, 'open');
      assert.equal(remote, '127.0.0.2');
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('starts from initialLastEventId', async () => {
    const server = await sseServer('chunked', (_req, res) => {
      streamHead(res);
    });
    const log: boolean[] = [];
    const conn = openSseStream({ protocol: 'sse', host: '127.0.0.1', port: server.port, localAddress: null }, NO_RETRY, { onOpen: (r) => log.push(r), onEvent: () => undefined, onClose: () => undefined, onError: () => undefined }, 42);
    try {
      await until(() => log.length === 1, 'open');
      assert.equal(server.requests[0]?.['last-event-id'], '42');
      assert.equal(conn.lastEventId, 42);
    } finally {
      conn.close();
      await server.stop();
    }
  });
});

describe('openSseStream: failures', () => {
  it('a non-200 answer is an http-status error, retried until maxAttempts', async () => {
    const server = await sseServer('chunked', (_req, res) => {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('busy');
    });
    const { conn, log } = connect(server.port, { ...NO_RETRY, enabled: true, defaultRetryMs: 10, maxAttempts: 3 });
    try {
      await until(() => log.errors.length === 3, 'three failed attempts');
      await sleep(100);
      assert.deepEqual(log.errors, [
        ['http-status', true],
        ['http-status', true],
        ['http-status', false],
      ]);
      assert.equal(server.requests.length, 3, 'no attempt after giving up');
      assert.deepEqual(log.opens, []);
      assert.deepEqual(log.closes, []);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('a 200 that is not text/event-stream is a protocol error', async () => {
    const server = await sseServer('chunked', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('data: x\n\n');
    });
    const { conn, log } = connect(server.port, NO_RETRY);
    try {
      await until(() => log.errors.length === 1, 'error');
      assert.deepEqual(log.errors, [['protocol-error', false]]);
      assert.deepEqual(log.opens, []);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('close() ends the stream: no callback, no reconnect, no timer left', async () => {
    let serverSawClose = false;
    const server = await sseServer('chunked', (req, res) => {
      streamHead(res);
      res.write('retry: 10\n\n');
      req.socket.on('close', () => (serverSawClose = true));
    });
    const timersBefore = activeTimers();
    const { conn, log } = connect(server.port, HINT_ONLY);
    try {
      await until(() => log.opens.length === 1, 'open');
      conn.close();
      await until(() => serverSawClose, 'the server sees the socket close');
      await sleep(50);
      assert.equal(server.requests.length, 1);
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
