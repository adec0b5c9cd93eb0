// The resume point of both SSE clients (HTTP/1.1 and HTTP/2) over real sockets: a stream that
// carries event 1 and then a prefix of event 2 cut at every byte, then ends. The reconnect must
// ask for event 2 again (Last-Event-ID: 1) unless event 2 was complete with its blank line: an
// unfinished event's `id:` never becomes the resume point (HTML standard: the last event ID moves
// at dispatch). Then the MIME rule: the Content-Type essence is exactly text/event-stream.
import assert from 'node:assert/strict';
import { createServer as createH2Server, type ServerHttp2Stream } from 'node:http2';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { until } from './fixtures/wait.ts';
import { openH2SseStream } from './h2-sse-client.ts';
import { openSseStream } from './sse-client.ts';
import type { CloseCause, OpenStream, ReconnectPolicy } from './types.ts';

/** One reconnect, timed by the server's retry hint (the default delay outlasts every wait). */
const ONE_RECONNECT: ReconnectPolicy = { enabled: true, defaultRetryMs: 60_000, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 60_000, maxAttempts: 1 };
const NO_RETRY: ReconnectPolicy = { ...ONE_RECONNECT, enabled: false };

const data = (seq: number): string => JSON.stringify({ seq, t0: String(seq * 10), t1: String(seq * 10 + 1), pad: 'é€😀' });
const EVENT1 = Buffer.from(`id: 1\nevent: tick\ndata: ${data(1)}\n\n`);
const EVENT2 = Buffer.from(`id: 2\nevent: tick\ndata: ${data(2)}\n\n`);

/** What the first response body carries for cut `cut`: the hint, event 1, event 2's first `cut` bytes. */
const firstBody = (cut: number): Buffer => Buffer.concat([Buffer.from('retry: 1\n\n'), EVENT1, EVENT2.subarray(0, cut)]);

interface Server {
  port: number;
  /** Last-Event-ID of every request, in order ('' when none). */
  lastEventIds: string[];
  stop(): Promise<void>;
}

/** HTTP/1.1 by hand: every request gets `head` and then `body(index)` (null: keep the stream open). */
async function h1Server(head: (index: number) => string, body: (index: number) => Buffer | null): Promise<Server> {
  const lastEventIds: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    let req = '';
    s.on('data', (b: Buffer) => {
      req += b.toString('latin1');
      if (!req.includes('\r\n\r\n')) return;
      const id = /\r\nLast-Event-ID: ([^\r]*)\r\n/i.exec(req);
      const index = lastEventIds.push(id ? id[1]! : '') - 1;
      s.write(head(index));
      const b2 = body(index);
      if (b2 !== null) s.end(b2);
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    lastEventIds,
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

async function h2Server(contentType: (index: number) => string | null, body: (index: number) => Buffer | null): Promise<Server> {
  const lastEventIds: string[] = [];
  const server = createH2Server();
  server.on('stream', (stream: ServerHttp2Stream, headers) => {
    const index = lastEventIds.push(String(headers['last-event-id'] ?? '')) - 1;
    const type = contentType(index);
    stream.respond(type === null ? { ':status': 200 } : { ':status': 200, 'content-type': type });
    const b = body(index);
    if (b !== null) stream.end(b);
    stream.on('error', () => undefined);
  });
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (s) => sessions.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    lastEventIds,
    stop: () => {
      for (const s of sessions) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const SSE_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n';

const CLIENTS: [string, 'sse' | 'sse-h2', OpenStream, (body: (i: number) => Buffer | null, type?: string | null) => Promise<Server>][] = [
  ['HTTP/1.1', 'sse', openSseStream, (body, type = 'text/event-stream') => h1Server(() => SSE_HEAD.replace('Content-Type: text/event-stream\r\n', type === null ? '' : `Content-Type: ${type}\r\n`), body)],
  ['HTTP/2', 'sse-h2', openH2SseStream, (body, type = 'text/event-stream') => h2Server(() => type, body)],
];

interface Log {
  seqs: number[];
  opens: number;
  ends: (CloseCause | `error:${CloseCause}`)[];
}

for (const [name, protocol, open, serve] of CLIENTS) {
  describe(`${name} SSE client: the resume point`, () => {
    it('an event cut at any byte before its blank line is asked for again; a complete one is not', async () => {
      for (let cut = 0; cut <= EVENT2.length; cut++) {
        const server = await serve((index) => (index === 0 ? firstBody(cut) : null));
        const log: Log = { seqs: [], opens: 0, ends: [] };
        const conn = open({ protocol, host: '127.0.0.1', port: server.port, localAddress: null }, ONE_RECONNECT, {
          onOpen: () => log.opens++,
          onEvent: (ev) => log.seqs.push(ev.seq),
          onClose: (cause) => log.ends.push(cause),
          onError: (cause) => log.ends.push(`error:${cause}`),
        }, 0);
        try {
          await until(() => log.opens === 2, `cut ${cut}: the reconnect`);
          const complete = cut === EVENT2.length;
          assert.deepEqual(server.lastEventIds, ['', complete ? '2' : '1'], `cut ${cut} of ${EVENT2.length}`);
          assert.deepEqual(log.seqs, complete ? [1, 2] : [1], `cut ${cut}`);
          assert.deepEqual(log.ends, ['server-closed']);
          assert.equal(conn.lastEventId, complete ? 2 : 1);
        } finally {
          conn.close();
          await server.stop();
        }
      }
    });
  });

  describe(`${name} SSE client: Content-Type`, () => {
    const accepted = ['text/event-stream', 'TEXT/Event-Stream', 'text/event-stream; charset=utf-8', 'text/event-stream;charset=UTF-8', 'text/event-stream;', 'Text/Event-Stream ; foo=bar'];
    const refused = ['text/event-streamx', 'text/event-streams', 'text/event-stream/x', 'text/html', 'text/plain; x=text/event-stream', 'event-stream', null];
    for (const type of [...accepted, ...refused]) {
      const ok = accepted.includes(type as string);
      it(`${JSON.stringify(type)} is ${ok ? 'accepted' : 'refused as a protocol error'}`, async () => {
        const server = await serve(() => firstBody(0), type);
        const log: Log = { seqs: [], opens: 0, ends: [] };
        const conn = open({ protocol, host: '127.0.0.1', port: server.port, localAddress: null }, NO_RETRY, {
          onOpen: () => log.opens++,
          onEvent: (ev) => log.seqs.push(ev.seq),
          onClose: (cause) => log.ends.push(cause),
          onError: (cause) => log.ends.push(`error:${cause}`),
        }, 0);
        try {
          await until(() => log.ends.length === 1, 'the stream ends');
          if (ok) {
            assert.deepEqual(log.seqs, [1]);
            assert.deepEqual(log.ends, ['server-closed']);
          } else {
            assert.deepEqual(log.seqs, []);
            assert.equal(log.opens, 0);
            assert.deepEqual(log.ends, ['error:protocol-error']);
          }
        } finally {
          conn.close();
          await server.stop();
        }
      });
    }
  });
}
