// The raw-socket WS client against a hand-made frame server on port 0 (net, no ws): the handshake
// checked both ways, frames cut at every byte, fragmented messages with a ping between the
// fragments, close codes, and RFC 6455 protocol errors. ws's own client reads the same server as
// an independent reference, so the fixture's frames are known to be right.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { sleep, until } from './fixtures/wait.ts';
import type { CloseCause, ReconnectPolicy } from './types.ts';
import { openWsStream } from './ws-client.ts';

const NO_RETRY: ReconnectPolicy = { enabled: false, defaultRetryMs: 60_000, honourServerRetry: true, backoff: false, jitter: false, maxDelayMs: 60_000, maxAttempts: 1 };
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A server frame (never masked): FIN flag, opcode, payload; `rsv`/`mask` only to break the rules. */
function frame(opcode: number, payload: Buffer | string, fin = true, opts: { rsv?: number; mask?: boolean; len127?: boolean } = {}): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const b0 = (fin ? 0x80 : 0) | (opts.rsv ?? 0) | opcode;
  const maskBit = opts.mask ? 0x80 : 0;
  let head: Buffer;
  if (opts.len127) {
    head = Buffer.alloc(10);
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(p.length), 2);
  } else if (p.length < 126) head = Buffer.from([0, maskBit | p.length]);
  else if (p.length < 65536) {
    head = Buffer.alloc(4);
    head[1] = maskBit | 126;
    head.writeUInt16BE(p.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(p.length), 2);
  }
  head[0] = b0;
  return Buffer.concat([head, opts.mask ? Buffer.alloc(4) : Buffer.alloc(0), p]);
}

const closeFrame = (code: number, reason = ''): Buffer => {
  const p = Buffer.alloc(2 + Buffer.byteLength(reason));
  p.writeUInt16BE(code, 0);
  p.write(reason, 2);
  return frame(8, p);
};

const event = (seq: number, pad = 'é€😀'): string => JSON.stringify({ id: seq, event: 'tick', data: { seq, t0: String(seq * 10), t1: String(seq * 10 + 1), pad } });

interface ClientFrame {
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** Client frames in `bytes` (complete ones only), unmasked. */
function clientFrames(bytes: Buffer): ClientFrame[] {
  const out: ClientFrame[] = [];
  let i = 0;
  while (i + 2 <= bytes.length) {
    const masked = (bytes[i + 1]! & 0x80) !== 0;
    const len = bytes[i + 1]! & 0x7f; // client control frames: < 126
    const start = i + 2 + (masked ? 4 : 0);
    if (start + len > bytes.length) break;
    const payload = Buffer.from(bytes.subarray(start, start + len));
    if (masked) for (let k = 0; k < len; k++) payload[k] = payload[k]! ^ bytes[i + 2 + (k & 3)]!;
    out.push({ opcode: bytes[i]! & 0x0f, masked, payload });
    i = start + len;
  }
  return out;
}

interface FrameServer {
  port: number;
  /** Per connection: the request head and what the client sent after it. */
  conns: { request: string; after: Buffer; ended: boolean }[];
  stop(): Promise<void>;
}

/** Answers the upgrade (with the right accept key unless `accept` says otherwise), then runs `play`. */
async function frameServer(play: (s: Socket, index: number) => Promise<void> | void, accept: (key: string) => string = acceptOf): Promise<FrameServer> {
  const conns: FrameServer['conns'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.setNoDelay(true);
    const c = { request: '', after: Buffer.alloc(0), ended: false };
    conns.push(c);
    const index = conns.length - 1;
    let upgraded = false;
    s.on('data', (b: Buffer) => {
      if (upgraded) {
        c.after = Buffer.concat([c.after, b]);
        return;
      }
      c.request += b.toString('latin1');
      const end = c.request.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded = true;
      const key = /\r\nSec-WebSocket-Key: ([^\r]+)\r\n/i.exec(c.request)?.[1] ?? '';
      s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n\r\n`);
      void play(s, index);
    });
    s.on('end', () => (c.ended = true));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    conns,
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function acceptOf(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

interface Log {
  seqs: number[];
  opens: number;
  ends: (CloseCause | `error:${CloseCause}`)[];
}

function dial(port: number) {
  const log: Log = { seqs: [], opens: 0, ends: [] };
  const conn = openWsStream({ protocol: 'ws', host: '127.0.0.1', port, localAddress: null }, NO_RETRY, {
    onOpen: () => log.opens++,
    onEvent: (ev) => log.seqs.push(ev.seq),
    onClose: (cause) => log.ends.push(cause),
    onError: (cause) => log.ends.push(`error:${cause}`),
  }, 0);
  return { conn, log };
}

// Hello; event 1 in a 7-bit frame; event 2 padded into a 16-bit-length frame; event 3 in three
// fragments with a ping between the first two; an unsolicited pong; a binary message (ignored);
// then close 4001 with a reason.
const EVENT3 = Buffer.from(event(3));
const SCRIPT = Buffer.concat([
  frame(1, JSON.stringify({ hello: true, retry: 250 })),
  frame(1, event(1)),
  frame(1, event(2, 'x'.repeat(300))),
  frame(1, EVENT3.subarray(0, 10), false),
  frame(9, 'hb'),
  frame(0, EVENT3.subarray(10, 40), false),
  frame(10, 'unsolicited'),
  frame(0, EVENT3.subarray(40), true),
  frame(2, Buffer.from([1, 2, 3])),
  closeFrame(4001, 'bye'),
]);

describe('raw WS client: frames', () => {
  it('ws\'s own client reads the fixture as intended (the reference)', async () => {
    const server = await frameServer((s) => void s.write(SCRIPT));
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    const texts: string[] = [];
    let code = 0;
    ws.on('message', (m, binary) => {
      if (!binary) texts.push(m.toString());
    });
    ws.on('close', (c) => (code = c));
    try {
      await until(() => code !== 0, 'ws closes');
      assert.deepEqual(texts.slice(1).map((t) => (JSON.parse(t) as { id: number }).id), [1, 2, 3]);
      assert.equal(code, 4001);
    } finally {
      ws.terminate();
      await server.stop();
    }
  });

  it('decodes the same events however the bytes are cut: whole, at every byte, byte by byte', async () => {
    const cuts: (number | 'bytewise')[] = [SCRIPT.length, 'bytewise'];
    for (let c = 1; c < SCRIPT.length; c++) cuts.push(c);
    for (const cut of cuts) {
      const server = await frameServer(async (s) => {
        if (cut === 'bytewise') {
          for (const b of SCRIPT) {
            s.write(Buffer.from([b]));
            await sleep(0);
          }
        } else {
          s.write(SCRIPT.subarray(0, cut));
          await sleep(2);
          s.write(SCRIPT.subarray(cut));
        }
      });
      const { conn, log } = dial(server.port);
      try {
        await until(() => log.ends.length === 1, `cut ${cut}: the stream ends`);
        assert.deepEqual(log.seqs, [1, 2, 3], `cut ${cut}`);
        assert.deepEqual(log.ends, ['server-closed'], `cut ${cut}`);
        assert.equal(conn.lastCloseCode, 4001);
        assert.equal(conn.lastEventId, 3);
        await until(() => clientFrames(server.conns[0]!.after).length === 2, `cut ${cut}: pong and close echo`);
        const [pong, close] = clientFrames(server.conns[0]!.after);
        assert.deepEqual(pong, { opcode: 10, masked: true, payload: Buffer.from('hb') }, 'the ping answered with a masked pong');
        assert.equal(close!.opcode, 8);
        assert.equal(close!.masked, true);
        assert.equal(close!.payload.readUInt16BE(0), 4001, 'the close code echoed, masked');
      } finally {
        conn.close();
        await server.stop();
      }
    }
  });

  it('a close frame without a code reports 1005; a 64-bit length frame is read', async () => {
    const big = event(5, 'y'.repeat(70_000));
    const server = await frameServer((s) => void s.write(Buffer.concat([frame(1, JSON.stringify({ hello: true, retry: 1 })), frame(1, big), frame(8, '')])));
    const { conn, log } = dial(server.port);
    try {
      await until(() => log.ends.length === 1, 'the stream ends');
      assert.deepEqual(log.seqs, [5]);
      assert.equal(conn.lastCloseCode, 1005);
      await until(() => clientFrames(server.conns[0]!.after).length === 1, 'close echo');
      assert.deepEqual(clientFrames(server.conns[0]!.after)[0], { opcode: 8, masked: true, payload: Buffer.alloc(0) });
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('close() sends a masked close 1000 and ends the socket', async () => {
    const server = await frameServer((s) => void s.write(frame(1, JSON.stringify({ hello: true, retry: 1 }))));
    const { conn, log } = dial(server.port);
    try {
      await until(() => log.opens === 1, 'open');
      conn.close();
      await until(() => server.conns[0]!.ended, 'the server sees the socket end');
      const frames = clientFrames(server.conns[0]!.after);
      assert.equal(frames.length, 1);
      assert.equal(frames[0]!.opcode, 8);
      assert.equal(frames[0]!.masked, true);
      assert.equal(frames[0]!.payload.readUInt16BE(0), 1000);
      assert.deepEqual(log.ends, [], 'no callback after close()');
    } finally {
      conn.close();
      await server.stop();
    }
  });
});

describe('raw WS client: handshake', () => {
  it('sends a version-13 upgrade with a fresh 16-byte key, and ?lastEventId= when resuming', async () => {
    const server = await frameServer(() => undefined);
    const conn = openWsStream({ protocol: 'ws', host: '127.0.0.1', port: server.port, localAddress: null }, NO_RETRY, { onOpen: () => undefined, onEvent: () => undefined, onClose: () => undefined, onError: () => undefined }, 17);
    try {
      await until(() => server.conns.length === 1 && server.conns[0]!.request.includes('\r\n\r\n'), 'request');
      const req = server.conns[0]!.request;
      assert.match(req, /^GET \/ws\?lastEventId=17 HTTP\/1\.1\r\n/);
      assert.match(req, /\r\nUpgrade: websocket\r\n/i);
      assert.match(req, /\r\nConnection: Upgrade\r\n/i);
      assert.match(req, /\r\nSec-WebSocket-Version: 13\r\n/);
      const key = /\r\nSec-WebSocket-Key: ([^\r]+)\r\n/.exec(req)![1]!;
      assert.equal(Buffer.from(key, 'base64').length, 16);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it('a wrong Sec-WebSocket-Accept is refused as a protocol error, before any event', async () => {
    const server = await frameServer((s) => void s.write(Buffer.concat([frame(1, JSON.stringify({ hello: true, retry: 1 })), frame(1, event(1))])), (key) => acceptOf(`${key}x`));
    const { log } = dial(server.port);
    try {
      await until(() => log.ends.length === 1, 'refused');
      assert.deepEqual(log.ends, ['error:protocol-error']);
      assert.equal(log.opens, 0);
      assert.deepEqual(log.seqs, []);
    } finally {
      await server.stop();
    }
  });
});

describe('raw WS client: RFC 6455 protocol errors end the stream with close 1002', () => {
  const hello = frame(1, JSON.stringify({ hello: true, retry: 1 }));
  const cases: [string, Buffer][] = [
    ['a masked server frame', frame(1, event(1), true, { mask: true })],
    ['RSV1 without an extension', frame(1, event(1), true, { rsv: 0x40 })],
    ['a reserved data opcode (3)', frame(3, 'x')],
    ['a reserved control opcode (11)', frame(11, 'x')],
    ['a continuation with nothing to continue', frame(0, 'x')],
    ['a new text frame inside a fragmented message', Buffer.concat([frame(1, 'a', false), frame(1, 'b')])],
    ['a fragmented ping', frame(9, 'x', false)],
    ['a ping over 125 bytes', frame(9, 'x'.repeat(126))],
    ['a close frame with a 1-byte payload', frame(8, Buffer.from([3]))],
    ['a close code that may not be sent (1005)', closeFrame(1005)],
    ['a close code out of range (999)', closeFrame(999)],
    ['a 64-bit length with the top bit set', Buffer.from([0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 0x41])],
  ];
  for (const [name, bad] of cases) {
    it(name, async () => {
      const server = await frameServer((s) => void s.write(Buffer.concat([hello, frame(1, event(1)), bad, frame(1, event(2))])));
      const { conn, log } = dial(server.port);
      try {
        await until(() => log.ends.length === 1, 'the stream ends');
        assert.deepEqual(log.ends, ['protocol-error']);
        assert.deepEqual(log.seqs, [1], 'nothing after the bad frame');
        await until(() => clientFrames(server.conns[0]!.after).length === 1, 'the close frame');
        const [close] = clientFrames(server.conns[0]!.after);
        assert.equal(close!.opcode, 8);
        assert.equal(close!.masked, true);
        assert.equal(close!.payload.readUInt16BE(0), 1002);
        assert.equal(conn.lastCloseCode, null, 'the server sent no close');
      } finally {
        conn.close();
        await server.stop();
      }
    });
  }
});
