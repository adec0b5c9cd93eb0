// The messages addition's client side: how a client that holds a stream also sends. WS clients
// write a masked text frame on their stream's own socket; SSE clients POST each message beside
// their stream, on one keep-alive connection (requests one after another, as one fetch connection
// does) or on a new connection per message (`Connection: close`, at most PER_REQUEST_PARALLEL at
// once, as a browser's pool of 6 per origin less the EventSource's). Both build the message in
// place in a buffer they keep (digits written as bytes, no string, no JSON.stringify per message),
// so the sender stays as lean as the receiver; a buffer is replaced only when a socket could not
// take it at once and still holds it. What each message cost is tallied in a SendTally.
import type { Socket } from 'node:net';
import { PATHS, STREAM_QUERY, type MessageTarget } from '../../servers/contract.ts';
import { readingSocket, type BytesReader } from './socket-dial.ts';
import type { StreamConnection, StreamTarget } from './types.ts';
import { nextMask } from './ws-client.ts';

/** What sending cost and what went wrong, summed over the senders of a worker. */
export interface SendTally {
  /** Messages written to a socket (a WS frame, a POST request). */
  sent: number;
  /** POSTs answered 2xx. */
  acknowledged: number;
  /** Messages that failed: no open stream, a refused or broken connection, a non-2xx answer. */
  failed: number;
  /** HTTP requests made (SSE: one per message; WS: none). */
  requests: number;
  /** Connections opened to send (keep-alive: the first and any the server closed; per-request: one per message). */
  connections: number;
  /** Bytes written to send (WS frames; HTTP requests, head and body). */
  bytesUp: number;
  /** Bytes read back on the sending connections (the POST answers; WS: none). */
  bytesAck: number;
  /** The first failure, in words; null while none. */
  firstFailure: string | null;
}

export function newTally(): SendTally {
  return { sent: 0, acknowledged: 0, failed: 0, requests: 0, connections: 0, bytesUp: 0, bytesAck: 0, firstFailure: null };
}

function fail(t: SendTally, why: string): void {
  t.failed++;
  t.firstFailure ??= why;
}

/** One client's way to send: message `seq` (1, 2, …) intended at `t0` (CLOCK_MONOTONIC ns). */
export interface MessageSender {
  send(seq: number, t0: number): void;
  /** Messages accepted by send() and not yet written or finished (queued behind a busy connection). */
  readonly backlog: number;
  /** Ends every connection this sender opened; what is still queued or in flight counts as failed. */
  close(): void;
}

const QUOTE = 0x22;
const X = 0x78;
const T0_MID = Buffer.from(',"t0":"');
const PAD_MID = Buffer.from('","pad":"');
/** Most digits a seq or a t0 (< 2^53) takes: the message's fixed length leaves room for them. */
const MAX_DIGITS = 16;

/** Writes the decimal digits of integer `n` (0 ≤ n < 2^53) at `at`; returns the end. */
export function writeDecimal(buf: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  let v = n;
  for (let i = at + digits - 1; i >= at; i--) {
    const q = Math.floor(v / 10);
    buf[i] = 0x30 + (v - q * 10);
    v = q;
  }
  return at + digits;
}

/**
 * `{"to":"room","seq":S,"t0":"T","pad":"xx…"}` of one fixed length (the pad takes up what the
 * digits leave), so a buffer sized once fits every message, and its length never changes the
 * request's Content-Length. The JSON is about `bytes` long, like an event's data.
 */
export class MessageBytes {
  readonly length: number;
  private readonly prefix: Buffer;

  constructor(to: MessageTarget, bytes: number) {
    this.prefix = Buffer.from(`{"to":"${to}","seq":`);
    const overhead = this.prefix.length + MAX_DIGITS + T0_MID.length + MAX_DIGITS + PAD_MID.length + 2;
    this.length = Math.max(bytes, overhead);
  }

  write(buf: Buffer, at: number, seq: number, t0: number): void {
    this.prefix.copy(buf, at);
    let i = writeDecimal(buf, at + this.prefix.length, seq);
    T0_MID.copy(buf, i);
    i = writeDecimal(buf, i + T0_MID.length, Math.round(t0));
    PAD_MID.copy(buf, i);
    i += PAD_MID.length;
    const end = at + this.length - 2;
    buf.fill(X, i, end);
    buf[end] = QUOTE;
    buf[end + 1] = 0x7d; // }
  }
}

// ---------------------------------------------------------------------------------------------
// WS: a masked text frame on the stream's socket

/** Header of a masked client text frame carrying `n` bytes (RFC 6455 §5.2), before the mask key. */
function wsHeader(n: number): Buffer {
  if (n < 126) return Buffer.from([0x81, 0x80 | n]);
  if (n < 65536) return Buffer.from([0x81, 0x80 | 126, n >> 8, n & 0xff]);
  throw new Error('a message frame carries less than 64 KiB here');
}

export class WsFrameSender implements MessageSender {
  private frame: Buffer;
  private readonly payloadAt: number;
  readonly backlog = 0;

  constructor(
    private readonly stream: StreamConnection,
    private readonly msg: MessageBytes,
    private readonly tally: SendTally,
  ) {
    const header = wsHeader(msg.length);
    this.payloadAt = header.length + 4;
    this.frame = Buffer.allocUnsafe(this.payloadAt + msg.length);
    header.copy(this.frame, 0);
  }

  send(seq: number, t0: number): void {
    const f = this.frame;
    const p = this.payloadAt;
    nextMask(f, p - 4);
    this.msg.write(f, p, seq, t0);
    const m0 = f[p - 4]!;
    const m1 = f[p - 3]!;
    const m2 = f[p - 2]!;
    const m3 = f[p - 1]!;
    const end = f.length;
    let i = p;
    for (; i + 3 < end; i += 4) {
      f[i] = f[i]! ^ m0;
      f[i + 1] = f[i + 1]! ^ m1;
      f[i + 2] = f[i + 2]! ^ m2;
      f[i + 3] = f[i + 3]! ^ m3;
    }
    for (let k = 0; i < end; i++, k++) f[i] = f[i]! ^ f[p - 4 + k]!;
    const result = this.stream.sendFrame(f);
    if (result === 'closed') return fail(this.tally, 'the WebSocket was not open');
    this.tally.sent++;
    this.tally.bytesUp += f.length;
    // The socket still holds this frame: the next one gets a buffer of its own.
    if (result === 'held') {
      const next = Buffer.allocUnsafe(f.length);
      f.copy(next, 0, 0, p - 4);
      this.frame = next;
    }
  }

  close(): void {
    // The stream is the pool's: the worker closes it with the rest.
  }
}

// ---------------------------------------------------------------------------------------------
// SSE: POST /messages?client=<id>

/** Connections per client at once in per-request mode: a browser's 6 per origin, less the EventSource's. */
export const PER_REQUEST_PARALLEL = 5;

export type PostMode = 'keepalive' | 'per-request';

/** The request head of one client's POSTs; its Content-Length is the message's fixed length. */
function requestHead(target: StreamTarget, client: string, length: number, mode: PostMode): Buffer {
  return Buffer.from(
    `POST ${PATHS.messages}?${STREAM_QUERY.client}=${client} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${mode === 'per-request' ? 'Connection: close\r\n' : ''}\r\n`,
  );
}

const CR = 0x0d;
const LF = 0x0a;
const CONTENT_LENGTH = Buffer.from('content-length:');

/**
 * Reads HTTP/1.1 answers off a POST connection, on bytes and with no allocation: the status, then
 * the head up to its blank line (watching for Content-Length), then that many body bytes. An answer
 * without Content-Length is a protocol error here: every contract server sends one.
 */
export class AnswerReader {
  status = 0;
  /** 0 status line, 1 headers, 2 body. */
  private state = 0;
  private statusDigits = 0;
  private spaces = 0;
  private lineAt = 0;
  /** Bytes of `content-length:` matched at the start of this header line; -1 once the line is another. */
  private match = 0;
  private length = -1;
  private left = 0;
  private lastWasLf = false;

  reset(): void {
    this.done = false;
    this.status = 0;
    this.state = 0;
    this.statusDigits = 0;
    this.spaces = 0;
    this.lineAt = 0;
    this.match = 0;
    this.length = -1;
    this.left = 0;
    this.lastWasLf = false;
  }

  /** Consumes bytes [i, n) of `buf` toward one answer; returns where it stopped, and `done` says whether the answer is complete. */
  done = false;
  read(buf: Buffer, i: number, n: number): number | 'bad' {
    while (i < n && !this.done) {
      if (this.state === 2) {
        const take = Math.min(this.left, n - i);
        this.left -= take;
        i += take;
        if (this.left === 0) this.done = true;
        continue;
      }
      const c = buf[i++]!;
      if (this.state === 0) {
        // "HTTP/1.1 200 OK": the three digits after the first space.
        if (c === 0x20) this.spaces++;
        else if (this.spaces === 1 && this.statusDigits < 3 && c >= 0x30 && c <= 0x39) {
          this.status = this.status * 10 + (c - 0x30);
          this.statusDigits++;
        }
        if (c === LF) {
          if (this.statusDigits !== 3) return 'bad';
          this.state = 1;
          this.lastWasLf = true;
          this.lineAt = 0;
          this.match = 0;
        }
        continue;
      }
      // Headers.
      if (c === LF) {
        if (this.lastWasLf) {
          // The blank line: the body follows.
          if (this.length < 0) return 'bad';
          this.left = this.length;
          this.state = 2;
          if (this.left === 0) this.done = true;
          continue;
        }
        this.lastWasLf = true;
        this.lineAt = 0;
        this.match = 0;
        continue;
      }
      if (c === CR) continue;
      this.lastWasLf = false;
      if (this.match >= 0 && this.match < CONTENT_LENGTH.length) {
        const lower = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
        this.match = lower === CONTENT_LENGTH[this.match] ? this.match + 1 : -1;
        if (this.match === CONTENT_LENGTH.length) this.length = 0;
      } else if (this.match === CONTENT_LENGTH.length && c >= 0x30 && c <= 0x39) {
        this.length = this.length * 10 + (c - 0x30);
      }
      this.lineAt++;
    }
    return i;
  }
}

/** A queue of (seq, t0) in two growable arrays: a message waits here while its connection is busy. */
class Pending {
  private seqs = new Float64Array(16);
  private t0s = new Float64Array(16);
  private head = 0;
  size = 0;

  push(seq: number, t0: number): void {
    if (this.size === this.seqs.length) this.grow();
    const at = (this.head + this.size) % this.seqs.length;
    this.seqs[at] = seq;
    this.t0s[at] = t0;
    this.size++;
  }

  /** The oldest entry's seq and t0 into `out`; false when empty. */
  shift(out: { seq: number; t0: number }): boolean {
    if (this.size === 0) return false;
    out.seq = this.seqs[this.head]!;
    out.t0 = this.t0s[this.head]!;
    this.head = (this.head + 1) % this.seqs.length;
    this.size--;
    return true;
  }

  private grow(): void {
    const seqs = new Float64Array(this.seqs.length * 2);
    const t0s = new Float64Array(this.seqs.length * 2);
    for (let k = 0; k < this.size; k++) {
      seqs[k] = this.seqs[(this.head + k) % this.seqs.length]!;
      t0s[k] = this.t0s[(this.head + k) % this.seqs.length]!;
    }
    this.seqs = seqs;
    this.t0s = t0s;
    this.head = 0;
  }
}

/** One connection POSTing messages: keep-alive (many answers) or one request then closed. */
class PostConnection implements BytesReader {
  readonly socket: Socket;
  private readonly reader = new AnswerReader();
  connected = false;
  /** A request is written and its answer not yet complete. */
  busy = false;
  ended = false;

  constructor(
    target: StreamTarget,
    private readonly owner: PostSender,
  ) {
    this.socket = readingSocket(this);
    this.socket.on('connect', this.onConnect.bind(this));
    this.socket.on('error', this.onError.bind(this));
    this.socket.on('close', this.onClose.bind(this));
    this.socket.connect(target.localAddress ? { host: target.host, port: target.port, localAddress: target.localAddress } : { host: target.host, port: target.port });
  }

  /** Writes one request; returns whether the socket still holds `request`. */
  write(request: Buffer): boolean {
    this.busy = true;
    this.reader.reset();
    this.socket.write(request);
    return this.socket.writableLength > 0;
  }

  onBytes(buf: Buffer, n: number): void {
    this.owner.tally.bytesAck += n;
    let i = 0;
    while (i < n) {
      if (!this.busy) {
        // Bytes with no request waiting for them: not an HTTP server's answer.
        this.owner.broken(this, 'the server sent bytes no request asked for');
        return;
      }
      const at = this.reader.read(buf, i, n);
      if (at === 'bad') {
        this.owner.broken(this, 'an answer to POST /messages without a status line or Content-Length');
        return;
      }
      i = at;
      if (!this.reader.done) return;
      this.busy = false;
      this.owner.answered(this, this.reader.status);
    }
  }

  close(): void {
    this.ended = true;
    this.socket.destroy();
  }

  private onConnect(): void {
    this.connected = true;
    this.owner.connected(this);
  }

  private onError(err: Error): void {
    if (this.ended) return;
    this.owner.broken(this, `POST connection: ${err.message}`);
  }

  private onClose(): void {
    if (this.ended) return;
    this.ended = true;
    // keepalive: a close between requests is the server's idle timeout, and loses nothing.
    this.owner.broken(this, this.connected ? 'the server closed the POST connection before answering' : 'the POST connection closed before it connected');
  }
}

/**
 * An SSE client's POSTs. keepalive: one connection, one request at a time (a message due while one
 * is in flight waits, and its wait shows in its latency from t0); the connection is reopened when
 * the server closes it (an idle keep-alive timeout). per-request: a new connection per message with
 * `Connection: close`, at most PER_REQUEST_PARALLEL at once.
 */
export class PostSender implements MessageSender {
  private readonly pending = new Pending();
  private readonly next = { seq: 0, t0: 0 };
  private readonly head: Buffer;
  /** keepalive: the request buffer, rewritten per message. */
  private request: Buffer;
  private conns: PostConnection[] = [];
  private stopped = false;

  constructor(
    private readonly target: StreamTarget,
    client: string,
    private readonly msg: MessageBytes,
    readonly tally: SendTally,
    private readonly mode: PostMode,
  ) {
    this.head = requestHead(target, client, msg.length, mode);
    this.request = this.newRequest();
  }

  get backlog(): number {
    let n = this.pending.size;
    for (const c of this.conns) if (c.busy) n++;
    return n;
  }

  send(seq: number, t0: number): void {
    if (this.stopped) return;
    this.pending.push(seq, t0);
    this.pump();
  }

  close(): void {
    this.stopped = true;
    for (const c of this.conns) {
      if (c.busy || !c.connected) fail(this.tally, 'the step ended before the POST was answered');
      c.close();
    }
    this.conns = [];
    for (; this.pending.size > 0; this.pending.shift(this.next)) fail(this.tally, 'the step ended before the message was sent');
  }

  connected(c: PostConnection): void {
    this.tally.connections++;
    if (this.mode === 'per-request') this.writeNext(c);
    else this.pump();
  }

  answered(c: PostConnection, status: number): void {
    if (status >= 200 && status < 300) this.tally.acknowledged++;
    else fail(this.tally, `POST ${PATHS.messages} answered ${status}`);
    if (this.mode === 'per-request') this.retire(c);
    this.pump();
  }

  /**
   * A connection broke. Lost with it: its request when one was in flight, else — when it never
   * connected — the message it was opened for (so a server that refuses every connection costs one
   * message per attempt, not an endless retry). An idle keep-alive connection loses nothing.
   */
  broken(c: PostConnection, why: string): void {
    if (c.busy) fail(this.tally, why);
    else if (!c.connected && this.pending.shift(this.next)) fail(this.tally, why);
    this.retire(c);
    this.pump();
  }

  private retire(c: PostConnection): void {
    c.ended = true;
    c.close();
    const at = this.conns.indexOf(c);
    if (at >= 0) this.conns.splice(at, 1);
  }

  private pump(): void {
    if (this.stopped || this.pending.size === 0) return;
    if (this.mode === 'keepalive') {
      const c = this.conns[0];
      if (c === undefined) this.conns.push(new PostConnection(this.target, this));
      else if (c.connected && !c.busy) this.writeNext(c);
      return;
    }
    // per-request: each queued message gets a connection of its own, up to the parallel limit;
    // the connection writes its request once connected.
    let connecting = 0;
    for (const c of this.conns) if (!c.connected) connecting++;
    while (this.conns.length < PER_REQUEST_PARALLEL && this.pending.size > connecting) {
      this.conns.push(new PostConnection(this.target, this));
      connecting++;
    }
  }

  private writeNext(c: PostConnection): void {
    if (!this.pending.shift(this.next)) {
      if (this.mode === 'per-request') this.retire(c);
      return;
    }
    // per-request: a request per connection, its own buffer (the connection is new anyway).
    const request = this.mode === 'per-request' ? this.newRequest() : this.request;
    this.msg.write(request, this.head.length, this.next.seq, this.next.t0);
    this.tally.requests++;
    this.tally.sent++;
    this.tally.bytesUp += request.length;
    const held = c.write(request);
    if (held && this.mode === 'keepalive') this.request = this.newRequest();
  }

  private newRequest(): Buffer {
    const b = Buffer.allocUnsafe(this.head.length + this.msg.length);
    this.head.copy(b, 0);
    return b;
  }
}
