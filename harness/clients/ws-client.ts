// WS client on a raw socket, the same shape as the SSE client (one SocketDial, reads from the
// shared read buffer): the upgrade request written by hand, Sec-WebSocket-Accept verified, server
// frames decoded incrementally (text, binary — the binary addition's events —, fragmented messages,
// ping → masked pong, close with its code → masked close echo), RFC 6455 protocol errors answered
// with close 1002 and reported as 'protocol-error'. It sends the messages addition's frames
// (sendFrame: built and masked by message-sender.ts) on the stream's own socket. Same resume rules as SSE: `?lastEventId=` on reconnect, the server's hello frame
// as the retry hint. Written by hand rather than with `ws` (still used by the servers, and by the
// tests as an independent reference) because ws's client rides on node:http: ~9 KB more per idle
// connection and a stream per socket, so the two protocols would be measured by clients of
// different weight. UTF-8 validation is skipped: the harness trusts the server's bytes and spends
// its CPU on measuring, not validating.
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { PATHS } from '../../servers/contract.ts';
import { eventFromBinary, eventFromEnvelope, helloRetry, isHello } from './event-bytes.ts';
import { parseHead } from './http-response.ts';
import { nowNs, ResumingStream, type Dial, type DialOwner } from './resuming-stream.ts';
import { SocketDial } from './socket-dial.ts';
import type { CloseCause, OpenStream, SendResult, StreamTarget } from './types.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_HEAD_BYTES = 16 * 1024;
/** A message larger than this is no pushbench event: close 1009 rather than buffer it. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const KEEP_BUFFER_BYTES = 4096;

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export const CLOSE_NORMAL = 1000;
export const CLOSE_PROTOCOL_ERROR = 1002;
/** Reported when a close frame carried no code (RFC 6455 §7.1.5); never sent. */
export const CLOSE_NO_STATUS = 1005;
export const CLOSE_TOO_BIG = 1009;

/** The accept key a server must answer `key` with (RFC 6455 §4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** Codes a close frame may carry on the wire (RFC 6455 §7.4; 1005, 1006 and 1015 never). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** Masking keys drawn in bulk: one getrandom per 1,024 client frames, not per frame. */
const maskPool = Buffer.allocUnsafe(4096);
let maskAt = maskPool.length;

/** Writes the next masking key into `out` at `at` (4 bytes) and returns where the key starts. */
export function nextMask(out: Buffer, at: number): void {
  if (maskAt + 4 > maskPool.length) {
    randomFillSync(maskPool);
    maskAt = 0;
  }
  maskPool.copy(out, at, maskAt, maskAt + 4);
  maskAt += 4;
}

/** One masked client frame (control frames only: payload ≤ 125 bytes). */
export function clientFrame(opcode: number, payload: Buffer, start = 0, end = payload.length): Buffer {
  const len = end - start;
  if (len > 125) throw new Error('client control frames carry at most 125 bytes');
  const out = Buffer.allocUnsafe(6 + len);
  out[0] = 0x80 | opcode;
  out[1] = 0x80 | len;
  nextMask(out, 2);
  for (let k = 0; k < len; k++) out[6 + k] = payload[start + k]! ^ out[2 + (k & 3)]!;
  return out;
}

function closePayload(code: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(code, 0);
  return b;
}

/** Header bytes of a server frame from its second byte (servers never mask). */
function headerSize(b1: number): number {
  const len = b1 & 0x7f;
  return 2 + (len === 126 ? 2 : len === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}

class WsDial extends SocketDial {
  /** The Sec-WebSocket-Accept the server must answer with; null once the handshake is done. */
  private expectedAccept: string | null = null;
  /** Bytes of the response head until it is complete; null once frames flow. */
  private head: Buffer | null = EMPTY;
  /** A frame header cut by the end of a read (at most 14 bytes). */
  private hdr: Buffer | null = null;
  private hdrLen = 0;
  private inFrame = false;
  private opcode = 0;
  private fin = false;
  /** Payload bytes still due in the current frame. */
  private left = 0;
  /** Opcode of the message being assembled from fragments or reads (0: none). */
  private msgOpcode = 0;
  private msg: Buffer | null = null;
  private msgLen = 0;
  /** A control frame's payload cut by the end of a read. */
  private ctl: Buffer | null = null;
  private ctlLen = 0;
  private closeSent = false;
  closeCode: number | null = null;
  httpStatus: number | null = null;

  constructor(
    private readonly target: StreamTarget,
    private readonly lastEventId: number,
    owner: DialOwner,
    private readonly extraQuery: string,
  ) {
    super(target, owner);
  }

  /** A client frame (masked by the caller) on this socket; see StreamConnection.sendFrame. */
  sendFrame(frame: Buffer): SendResult {
    if (!this.opened || this.finished || this.closeSent) return 'closed';
    this.socket.write(frame);
    // The kernel took it all: nothing holds `frame` any more, and the caller may reuse it.
    return this.socket.writableLength === 0 ? 'sent' : 'held';
  }

  protected onConnect(): void {
    const key = randomBytes(16).toString('base64');
    this.expectedAccept = acceptFor(key);
    const path = this.target.path ?? PATHS.ws;
    const params = [...(this.extraQuery === '' ? [] : [this.extraQuery]), ...(this.lastEventId > 0 ? [`lastEventId=${this.lastEventId}`] : [])];
    const query = params.length === 0 ? '' : `${path.includes('?') ? '&' : '?'}${params.join('&')}`;
    this.socket.write(
      `GET ${path}${query} HTTP/1.1\r\nHost: ${this.target.host}:${this.target.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  }

  override close(): void {
    this.finished = true;
    // A masked close frame first when the stream is up (RFC 6455 §7.1.2); then the socket goes.
    if (this.opened && !this.closeSent && !this.socket.destroyed) this.sendClose(CLOSE_NORMAL);
    else if (!this.closeSent) this.socket.destroy();
  }

  onBytes(buf: Buffer, n: number): void {
    if (this.finished) return;
    const recvNs = nowNs();
    if (this.head === null) return this.frames(buf, 0, n, recvNs);
    // The head is read once per connection: copying it is fine.
    const all = Buffer.concat([this.head, buf.subarray(0, n)]);
    const parsed = parseHead(all);
    if (!parsed) {
      if (all.length > MAX_HEAD_BYTES) return this.fail('protocol-error');
      this.head = all;
      return;
    }
    this.head = null;
    const { head, bodyStart } = parsed;
    this.httpStatus = head.status;
    if (head.status !== 101) return this.fail('http-status');
    const h = head.headers;
    const upgrade = (h.get('upgrade') ?? '').toLowerCase() === 'websocket';
    const connection = (h.get('connection') ?? '').toLowerCase().split(',').some((t) => t.trim() === 'upgrade');
    // We asked for no extension and no subprotocol: a server that picks one broke the handshake.
    if (!upgrade || !connection || h.get('sec-websocket-accept') !== this.expectedAccept || h.has('sec-websocket-extensions') || h.has('sec-websocket-protocol')) {
      return this.fail('protocol-error');
    }
    this.expectedAccept = null;
    this.markOpened();
    if (bodyStart < all.length) this.frames(all, bodyStart, all.length, recvNs);
  }

  /** Decodes frames from bytes [i, n) of `buf`; whatever a frame still needs is copied. */
  private frames(buf: Buffer, i: number, n: number, recvNs: number): void {
    while (!this.finished) {
      if (!this.inFrame) {
        if (i >= n) return;
        if (this.hdrLen > 0 || n - i < 2 || n - i < headerSize(buf[i + 1]!)) {
          // The header is cut by the end of this read: assemble it.
          const hdr = (this.hdr ??= Buffer.allocUnsafe(14));
          while (this.hdrLen < 2 && i < n) hdr[this.hdrLen++] = buf[i++]!;
          if (this.hdrLen < 2) return;
          const need = headerSize(hdr[1]!);
          while (this.hdrLen < need && i < n) hdr[this.hdrLen++] = buf[i++]!;
          if (this.hdrLen < need) return;
          this.hdrLen = 0;
          if (!this.beginFrame(hdr, 0)) return;
        } else {
          const size = headerSize(buf[i + 1]!);
          if (!this.beginFrame(buf, i)) return;
          i += size;
        }
      }
      const take = Math.min(this.left, n - i);
      if (this.opcode >= OP_CLOSE) {
        if (take === this.left && this.ctlLen === 0) {
          this.inFrame = false;
          this.control(buf, i, i + take);
        } else {
          const ctl = (this.ctl ??= Buffer.allocUnsafe(125));
          buf.copy(ctl, this.ctlLen, i, i + take);
          this.ctlLen += take;
          this.left -= take;
          if (this.left === 0) {
            const len = this.ctlLen;
            this.ctlLen = 0;
            this.inFrame = false;
            this.control(ctl, 0, len);
          }
        }
        i += take;
        if (this.inFrame) return;
        continue;
      }
      if (take === this.left && this.fin && this.msgOpcode === 0) {
        // The whole message is in this read: read it in place.
        this.inFrame = false;
        this.message(this.opcode, buf, i, i + take, recvNs);
        i += take;
        continue;
      }
      if (this.opcode !== OP_CONTINUATION) this.msgOpcode = this.opcode;
      this.msg = grow(this.msg, this.msgLen, take);
      buf.copy(this.msg, this.msgLen, i, i + take);
      this.msgLen += take;
      this.left -= take;
      i += take;
      if (this.left > 0) return;
      this.inFrame = false;
      if (this.fin) {
        const op = this.msgOpcode;
        const len = this.msgLen;
        this.msgOpcode = 0;
        this.msgLen = 0;
        this.message(op, this.msg, 0, len, recvNs);
        if (this.msg.length > KEEP_BUFFER_BYTES) this.msg = null;
      }
    }
  }

  /** Reads a frame header at `p` of `h`; false (after failing the stream) on a protocol error. */
  private beginFrame(h: Buffer, p: number): boolean {
    const b0 = h[p]!;
    const b1 = h[p + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const op = b0 & 0x0f;
    // RSV bits without a negotiated extension, a masked server frame: both are protocol errors.
    if ((b0 & 0x70) !== 0 || (b1 & 0x80) !== 0) return this.protocolError(CLOSE_PROTOCOL_ERROR);
    let len = b1 & 0x7f;
    if (len === 126) len = h.readUInt16BE(p + 2);
    else if (len === 127) {
      const hi = h.readUInt32BE(p + 2);
      if (hi >= 0x80000000) return this.protocolError(CLOSE_PROTOCOL_ERROR); // the top bit must be 0
      len = hi * 2 ** 32 + h.readUInt32BE(p + 6);
    }
    if (op >= OP_CLOSE) {
      if ((op !== OP_CLOSE && op !== OP_PING && op !== OP_PONG) || !fin || len > 125) return this.protocolError(CLOSE_PROTOCOL_ERROR);
    } else if (op === OP_CONTINUATION) {
      if (this.msgOpcode === 0) return this.protocolError(CLOSE_PROTOCOL_ERROR); // nothing to continue
    } else if (op === OP_TEXT || op === OP_BINARY) {
      if (this.msgOpcode !== 0) return this.protocolError(CLOSE_PROTOCOL_ERROR); // a fragmented message is unfinished
    } else return this.protocolError(CLOSE_PROTOCOL_ERROR); // reserved opcode
    if (op < OP_CLOSE && this.msgLen + len > MAX_MESSAGE_BYTES) return this.protocolError(CLOSE_TOO_BIG);
    this.opcode = op;
    this.fin = fin;
    this.left = len;
    this.inFrame = true;
    return true;
  }

  private message(op: number, buf: Buffer, s: number, e: number, recvNs: number): void {
    if (op === OP_BINARY) {
      // The binary addition: one event per binary message, its header read in place.
      const ev = eventFromBinary(buf, s, e, recvNs);
      if (ev) this.owner.event(this, ev);
      return;
    }
    if (isHello(buf, s, e)) {
      const retry = helloRetry(buf, s, e);
      if (retry !== null) this.owner.retryHint(this, retry);
      return;
    }
    const ev = eventFromEnvelope(buf, s, e, recvNs);
    if (ev) this.owner.event(this, ev);
  }

  private control(buf: Buffer, s: number, e: number): void {
    if (this.opcode === OP_PING) {
      if (!this.closeSent) this.socket.write(clientFrame(OP_PONG, buf, s, e));
      return;
    }
    if (this.opcode !== OP_CLOSE) return; // an unsolicited pong
    if (e - s === 1) return void this.protocolError(CLOSE_PROTOCOL_ERROR);
    const code = e - s >= 2 ? buf.readUInt16BE(s) : CLOSE_NO_STATUS;
    if (e - s >= 2 && !isValidCloseCode(code)) return void this.protocolError(CLOSE_PROTOCOL_ERROR);
    this.closeCode = code;
    // Echo the code (none when none came), then close our side.
    if (!this.closeSent) this.sendClose(code === CLOSE_NO_STATUS ? null : code);
    this.finish('server-closed');
  }

  /** A protocol error: close 1002 (or `code`) to the server, the stream ends as 'protocol-error'. */
  private protocolError(code: number): false {
    if (!this.closeSent) this.sendClose(code);
    this.finish('protocol-error');
    return false;
  }

  private sendClose(code: number | null): void {
    this.closeSent = true;
    this.socket.write(clientFrame(OP_CLOSE, code === null ? EMPTY : closePayload(code)));
    // Our last bytes go out, then the socket closes without waiting for the server's FIN.
    this.socket.destroySoon();
  }

  private fail(cause: CloseCause): void {
    this.finish(cause);
    this.socket.destroy();
  }
}

const EMPTY = Buffer.alloc(0);

/** `b` with room for `more` bytes after its first `used` (a new, doubled buffer when needed). */
function grow(b: Buffer | null, used: number, more: number): Buffer {
  if (b !== null && used + more <= b.length) return b;
  const next = Buffer.allocUnsafe(Math.max(256, 2 * (used + more)));
  if (b !== null && used > 0) b.copy(next, 0, 0, used);
  return next;
}

const dialWs: Dial = (target, lastEventId, owner, query) => new WsDial(target, lastEventId, owner, query);

export const openWsStream: OpenStream = (target, policy, handlers, initialLastEventId, query = '') => new ResumingStream(dialWs, target, policy, handlers, initialLastEventId, query);
