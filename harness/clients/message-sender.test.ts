// The messages addition's client side against real servers on port 0: WS frames as `ws` (the
// reference implementation, which refuses unmasked or malformed client frames) reads them, SSE
// POSTs as node:http reads them, on a keep-alive connection and one connection per message; exact
// counts of requests, connections, bytes and failures; buffers reused while the kernel takes them.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { AnswerReader, MessageBytes, newTally, PER_REQUEST_PARALLEL, PostSender, WsFrameSender, writeDecimal } from './message-sender.ts';
import { openWsStream } from './ws-client.ts';
import type { ReconnectPolicy, SendResult, StreamConnection, StreamHandlers, StreamTarget } from './types.ts';
import { until } from './fixtures/wait.ts';

const POLICY: ReconnectPolicy = { enabled: false, defaultRetryMs: 1000, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 1000, maxAttempts: 1 };
const NOOP: StreamHandlers = { onOpen: () => undefined, onEvent: () => undefined, onClose: () => undefined, onError: () => undefined };
const T0 = 2_396_054_387_884;

function listen(server: Server | WebSocketServer): Promise<number> {
  return new Promise((resolve) => {
    if (server instanceof WebSocketServer) server.on('listening', () => resolve((server.address() as AddressInfo).port));
    else server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

const target = (port: number): StreamTarget => ({ protocol: 'sse', host: '127.0.0.1', port, localAddress: null });

describe('message bytes', () => {
  it('writes decimals without strings', () => {
    const b = Buffer.alloc(20);
    for (const n of [0, 7, 9, 10, 99, 100, 123_456_789, T0, 2 ** 53 - 1]) {
      const end = writeDecimal(b, 2, n);
      assert.equal(b.toString('latin1', 2, end), String(n));
    }
  });

  it('is one fixed length whatever the digits, and the JSON a server parses', () => {
    const m = new MessageBytes('room', 128);
    assert.equal(m.length, 128);
    for (const [seq, t0] of [
      [1, T0],
      [12_345_678, T0 + 0.4],
      [1, 5],
    ] as const) {
      const b = Buffer.alloc(m.length + 4, 0x21);
      m.write(b, 2, seq, t0);
      assert.equal(b[0], 0x21, 'nothing written before');
      assert.equal(b[m.length + 2], 0x21, 'nothing written after');
      const json = JSON.parse(b.toString('utf8', 2, 2 + m.length)) as Record<string, unknown>;
      assert.deepEqual(Object.keys(json), ['to', 'seq', 't0', 'pad']);
      assert.equal(json.to, 'room');
      assert.equal(json.seq, seq);
      assert.equal(json.t0, String(Math.round(t0)));
      assert.match(String(json.pad), /^x+$/);
    }
    // Smaller than its fields: the fields' room, never shorter.
    const tiny = new MessageBytes('sender', 0);
    assert.ok(tiny.length >= 70 && tiny.length < 80, `${tiny.length}`);
  });

  it('reads an HTTP answer cut at every byte', () => {
    const answer = Buffer.from('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nCONTENT-length: 11\r\nKeep-Alive: timeout=5\r\n\r\n{"ok":true}');
    for (let cut = 0; cut <= answer.length; cut++) {
      const r = new AnswerReader();
      r.reset();
      let at = r.read(answer, 0, cut);
      assert.notEqual(at, 'bad');
      if (cut < answer.length) assert.equal(r.done, false, `cut at ${cut}: not done yet`);
      at = r.read(answer, cut, answer.length);
      assert.equal(at, answer.length);
      assert.equal(r.done, true);
      assert.equal(r.status, 404);
    }
    const noLength = new AnswerReader();
    noLength.reset();
    const chunked = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
    assert.equal(noLength.read(chunked, 0, chunked.length), 'bad', 'an answer without Content-Length');
  });
});

describe('WS: a masked text frame on the stream', () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  after(() => new Promise<void>((r) => wss.close(() => r())));

  it('`ws` reads every frame as the message JSON, in order, with the bytes counted', async () => {
    const port = await listen(wss);
    const got: string[] = [];
    wss.on('connection', (ws) => {
      ws.send('{"hello":true,"retry":1000}');
      ws.on('message', (data, isBinary) => got.push(isBinary ? 'binary?' : String(data)));
    });
    let opened = false;
    const stream = openWsStream({ protocol: 'ws', host: '127.0.0.1', port, localAddress: null, path: '/' }, POLICY, { ...NOOP, onOpen: () => (opened = true) }, 0);
    try {
      await until(() => opened, 'the WebSocket open');
      const tally = newTally();
      // 200 B: a 16-bit length in the frame header.
      const sender = new WsFrameSender(stream, new MessageBytes('sender', 200), tally);
      for (let k = 1; k <= 50; k++) sender.send(k, T0 + k);
      await until(() => got.length === 50, '50 frames at the ws server');
      assert.deepEqual(
        got.map((g) => (JSON.parse(g) as { seq: number }).seq),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.equal((JSON.parse(got[0]!) as { t0: string }).t0, String(T0 + 1));
      assert.deepEqual([tally.sent, tally.failed, tally.requests, tally.connections, tally.bytesUp, tally.bytesAck], [50, 0, 0, 0, 50 * (4 + 4 + 200), 0]);
    } finally {
      stream.close();
    }
  });

  it('reuses its buffer while the socket takes it, and takes a new one when the socket holds it', () => {
    const seen: Buffer[] = [];
    let answer: SendResult = 'sent';
    const fake = { sendFrame: (f: Buffer) => (seen.push(f), answer) } as unknown as StreamConnection;
    const tally = newTally();
    const sender = new WsFrameSender(fake, new MessageBytes('room', 64), tally);
    sender.send(1, T0);
    sender.send(2, T0);
    assert.equal(seen[0], seen[1], 'the same buffer: nothing allocated per message');
    answer = 'held';
    sender.send(3, T0);
    answer = 'sent';
    sender.send(4, T0);
    assert.equal(seen[2], seen[1]);
    assert.notEqual(seen[3], seen[2], 'the held buffer is left to the socket');
    answer = 'closed';
    sender.send(5, T0);
    assert.deepEqual([tally.sent, tally.failed, tally.firstFailure], [4, 1, 'the WebSocket was not open']);
  });
});

describe('SSE: POST /messages beside the stream', () => {
  interface Seen {
    seqs: number[];
    sockets: Set<Socket>;
    closeHeaders: number;
    maxOpen: number;
    open: number;
  }
  function postServer(status: number): { server: Server; seen: Seen } {
    const seen: Seen = { seqs: [], sockets: new Set(), closeHeaders: 0, maxOpen: 0, open: 0 };
    const server = createServer((req: IncomingMessage, res) => {
      seen.sockets.add(req.socket);
      if (req.headers.connection === 'close') seen.closeHeaders++;
      assert.equal(req.url, '/messages?client=c7');
      let body = '';
      req.on('data', (c: Buffer) => (body += String(c)));
      req.on('end', () => {
        seen.seqs.push((JSON.parse(body) as { seq: number }).seq);
        const text = JSON.stringify(status === 200 ? { ok: true } : { ok: false, error: 'no' });
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      });
    });
    server.on('connection', (s: Socket) => {
      seen.maxOpen = Math.max(seen.maxOpen, ++seen.open);
      s.on('close', () => seen.open--);
    });
    return { server, seen };
  }

  it('keep-alive: one connection, one request per message, every answer read', async () => {
    const { server, seen } = postServer(200);
    const port = await listen(server);
    const tally = newTally();
    const sender = new PostSender(target(port), 'c7', new MessageBytes('room', 128), tally, 'keepalive');
    try {
      for (let k = 1; k <= 40; k++) sender.send(k, T0);
      await until(() => tally.acknowledged === 40, '40 answers');
      assert.deepEqual(seen.seqs, Array.from({ length: 40 }, (_, i) => i + 1), 'in order, one at a time');
      assert.deepEqual([tally.sent, tally.requests, tally.connections, tally.failed, seen.sockets.size, seen.closeHeaders], [40, 40, 1, 0, 1, 0]);
      assert.ok(tally.bytesUp > 40 * 128 && tally.bytesAck > 40 * 11, `${tally.bytesUp} up, ${tally.bytesAck} answers`);
      assert.equal(sender.backlog, 0);
    } finally {
      sender.close();
      server.close();
    }
  });

  it(`per request: a connection per message with Connection: close, at most ${PER_REQUEST_PARALLEL} at once`, async () => {
    const { server, seen } = postServer(200);
    const port = await listen(server);
    const tally = newTally();
    const sender = new PostSender(target(port), 'c7', new MessageBytes('sender', 128), tally, 'per-request');
    try {
      for (let k = 1; k <= 30; k++) sender.send(k, T0);
      await until(() => tally.acknowledged === 30, '30 answers');
      assert.deepEqual([...seen.seqs].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i + 1));
      assert.deepEqual([tally.sent, tally.requests, tally.connections, tally.failed, seen.sockets.size, seen.closeHeaders], [30, 30, 30, 0, 30, 30]);
      assert.ok(seen.maxOpen <= PER_REQUEST_PARALLEL, `${seen.maxOpen} connections at once`);
    } finally {
      sender.close();
      server.close();
    }
  });

  it('counts a refusal per message, and a server that is not there costs one message per attempt', async () => {
    const { server } = postServer(404);
    const port = await listen(server);
    const tally = newTally();
    const sender = new PostSender(target(port), 'c7', new MessageBytes('room', 64), tally, 'keepalive');
    for (let k = 1; k <= 5; k++) sender.send(k, T0);
    await until(() => tally.failed === 5, '5 refusals');
    assert.deepEqual([tally.sent, tally.acknowledged, tally.firstFailure], [5, 0, 'POST /messages answered 404']);
    sender.close();
    await new Promise<void>((r) => server.close(() => r()));
    for (const mode of ['keepalive', 'per-request'] as const) {
      const gone = newTally();
      const s = new PostSender(target(port), 'c7', new MessageBytes('room', 64), gone, mode);
      for (let k = 1; k <= 3; k++) s.send(k, T0);
      await until(() => gone.failed === 3, `${mode}: 3 failures`);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual([gone.failed, gone.sent, s.backlog], [3, 0, 0], `${mode}: exactly the three messages failed`);
      assert.match(gone.firstFailure ?? '', /ECONNREFUSED/);
      s.close();
    }
  });

  it('close() counts what was queued or in flight as failed', async () => {
    // A server that never answers.
    const server = createServer(() => undefined);
    const port = await listen(server);
    const tally = newTally();
    const sender = new PostSender(target(port), 'c7', new MessageBytes('room', 64), tally, 'keepalive');
    for (let k = 1; k <= 4; k++) sender.send(k, T0);
    await until(() => tally.sent === 1, 'the first request written');
    assert.equal(sender.backlog, 4);
    sender.close();
    assert.deepEqual([tally.sent, tally.failed, tally.acknowledged], [1, 4, 0]);
    server.closeAllConnections();
    server.close();
  });
});
