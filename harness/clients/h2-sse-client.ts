// SSE client over HTTP/2 (h2c, prior knowledge): many streams share one TCP connection, which is
// the point of HTTP/2. A module-level pool keeps the sessions of this process, keyed by target
// (and source address), each carrying up to STREAMS_PER_SESSION streams; a new session opens when
// every one is full, and a session closes when its last stream ends. Each stream is one
// GET /events whose DATA payloads go through the same SSE feed as the HTTP/1.1 client
// (sse-feed.ts), so both resume by exactly the same rules.
import { connect as http2Connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type IncomingHttpStatusHeader } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { PATHS } from '../../servers/contract.ts';
import { causeOf, DialBase, nowNs, ResumingStream, type Dial, type DialOwner } from './resuming-stream.ts';
import { isEventStream } from './mime.ts';
import { SseFeed } from './sse-feed.ts';
import type { CloseCause, OpenStream, StreamTarget } from './types.ts';

/** Concurrent streams per HTTP/2 session (TCP connection); browsers allow about 100 as well. */
export const STREAMS_PER_SESSION = 100;

/**
 * Flow-control windows as Chromium sets them (6 MiB per stream, 15 MiB per connection): with
 * Node's 64 KiB defaults a busy session would stall on WINDOW_UPDATE round trips that no browser
 * would make, and the figure would measure the client's settings, not the transport.
 */
const STREAM_WINDOW = 6 * 1024 * 1024;
const SESSION_WINDOW = 15 * 1024 * 1024;

/** One HTTP/2 session and the streams on it. */
class PooledSession {
  readonly session: ClientHttp2Session;
  readonly streams = new Set<H2Dial>();
  /** Closing or gone: takes no new stream. */
  dead = false;

  constructor(
    readonly key: string,
    target: StreamTarget,
  ) {
    const { host, port, localAddress } = target;
    this.session = http2Connect(`http://${host}:${port}`, {
      settings: { initialWindowSize: STREAM_WINDOW },
      // Our own socket: Nagle off as for the other clients, and the source address when set.
      createConnection: () => {
        const socket = netConnect(localAddress ? { host, port, localAddress } : { host, port });
        socket.setNoDelay(true);
        return socket;
      },
    });
    this.session.on('connect', () => {
      if (!this.session.destroyed) this.session.setLocalWindowSize(SESSION_WINDOW);
    });
    this.session.on('error', (err: Error) => this.end(h2CauseOf(err)));
    // A GOAWAY asks for no new streams; SSE streams would never finish on their own, so end them
    // now and let each reconnect (on a new session) by the shared policy.
    this.session.on('goaway', (code: number) => {
      this.end(code === constants.NGHTTP2_NO_ERROR ? 'server-closed' : 'protocol-error');
      this.session.destroy();
    });
    this.session.on('close', () => this.end('server-closed'));
  }

  /** The session is over: every stream on it ends with `cause` (a no-op for the ones already done). */
  private end(cause: CloseCause): void {
    this.retire();
    for (const d of [...this.streams]) d.sessionEnded(cause);
    this.streams.clear();
  }

  /** Takes the session out of the pool: no new stream lands on it. */
  retire(): void {
    if (this.dead) return;
    this.dead = true;
    const list = pools.get(this.key);
    if (!list) return;
    const i = list.indexOf(this);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) pools.delete(this.key);
  }

  release(d: H2Dial): void {
    if (!this.streams.delete(d)) return;
    if (this.streams.size === 0) {
      this.retire();
      // Graceful: GOAWAY, then the socket closes (nothing is left in flight).
      if (!this.session.closed && !this.session.destroyed) this.session.close();
    }
  }
}

/** Open sessions by target, in the order they were opened. */
const pools = new Map<string, PooledSession[]>();

function poolKey(target: StreamTarget): string {
  // Sessions from different source addresses are different TCP connections: never shared.
  return `${target.host}:${target.port}|${target.localAddress ?? ''}`;
}

function acquire(target: StreamTarget, d: H2Dial): PooledSession {
  const key = poolKey(target);
  let list = pools.get(key);
  if (!list) {
    list = [];
    pools.set(key, list);
  }
  let pooled = list.find((p) => !p.dead && !p.session.closed && !p.session.destroyed && p.streams.size < STREAMS_PER_SESSION);
  if (!pooled) {
    pooled = new PooledSession(key, target);
    list.push(pooled);
  }
  pooled.streams.add(d);
  return pooled;
}

/** Open HTTP/2 sessions (TCP connections) of this process's SSE streams. */
export function h2SessionCount(): number {
  let n = 0;
  for (const list of pools.values()) n += list.length;
  return n;
}

class H2Dial extends DialBase {
  private readonly feed: SseFeed;
  private readonly pooled: PooledSession;
  private readonly req: ClientHttp2Stream;
  /** Payload bytes of the DATA frames received (HTTP/2 frame headers are not counted). */
  private bytes = 0;
  httpStatus: number | null = null;

  constructor(target: StreamTarget, lastEventId: number, owner: DialOwner) {
    super(owner);
    this.feed = new SseFeed(owner, this, lastEventId);
    this.pooled = acquire(target, this);
    const headers: Record<string, string> = {
      ':method': 'GET',
      ':path': PATHS.sse,
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
    };
    if (lastEventId > 0) headers['last-event-id'] = String(lastEventId);
    this.req = this.pooled.session.request(headers, { endStream: true });
    this.req.on('response', this.onResponse.bind(this));
    this.req.on('data', this.onData.bind(this));
    this.req.on('end', this.onEnd.bind(this));
    this.req.on('error', this.onStreamError.bind(this));
    this.req.on('close', this.onStreamClose.bind(this));
  }

  close(): void {
    this.finished = true;
    this.drop();
  }

  /**
   * DATA payload bytes of this stream: node:http2 exposes no cheap per-stream wire count, and the
   * socket's bytesRead belongs to every stream of the session. So unlike the HTTP/1.1 client this
   * excludes framing (9-byte frame headers, the HPACK response head, the session's own frames).
   */
  bytesRead(): number {
    return this.bytes;
  }

  /** Not counted per stream (see bytesRead): the request is a HEADERS frame on the shared session. */
  bytesWritten(): number {
    return 0;
  }

  /** The session went away under this stream. */
  sessionEnded(cause: CloseCause): void {
    this.finish(cause);
    this.drop();
  }

  private onResponse(headers: IncomingHttpHeaders & IncomingHttpStatusHeader): void {
    this.httpStatus = headers[':status'] ?? null;
    if (headers[':status'] !== 200) return this.fail('http-status');
    if (!isEventStream(headers['content-type'])) return this.fail('protocol-error');
    this.markOpened();
  }

  private onData(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (!this.opened || this.finished) return;
    this.feed.recvNs = nowNs();
    this.feed.feed(chunk, 0, chunk.length);
  }

  /**
   * The readable side ended: END_STREAM from the server (a /control/drop does this), or an
   * RST_STREAM, which node:http2 also ends the readable side with, before any 'error'.
   */
  private onEnd(): void {
    this.finish(this.closeCause());
    this.drop();
  }

  private onStreamError(err: Error): void {
    // An RST_STREAM from the peer says why in its code; any other error (the session died under
    // the stream, its socket failed) says why in the error.
    this.finish((err as NodeJS.ErrnoException).code === 'ERR_HTTP2_STREAM_ERROR' ? this.closeCause() : h2CauseOf(err));
    this.drop();
  }

  /** Closed with neither 'end' nor 'error' first. */
  private onStreamClose(): void {
    this.finish(this.closeCause());
    this.drop();
  }

  /** The cause by the stream's RST_STREAM code; none (or NO_ERROR) is an orderly end. */
  private closeCause(): CloseCause {
    const code = this.req.rstCode;
    if (code === undefined || code === constants.NGHTTP2_NO_ERROR) return 'server-closed';
    if (code === constants.NGHTTP2_REFUSED_STREAM) return 'refused';
    if (code === constants.NGHTTP2_PROTOCOL_ERROR) return 'protocol-error';
    return 'reset';
  }

  private fail(cause: CloseCause): void {
    this.finish(cause);
    this.drop();
  }

  /** Cancels the stream (RST_STREAM CANCEL when still open) and gives its slot back. */
  private drop(): void {
    if (!this.req.closed && !this.req.destroyed) this.req.close(constants.NGHTTP2_CANCEL);
    this.pooled.release(this);
  }
}

/** Maps an http2 stream or session error to a close cause; socket errors as the other clients do. */
function h2CauseOf(err: unknown): CloseCause {
  const e = err as (NodeJS.ErrnoException & { cause?: unknown }) | null;
  switch (e?.code) {
    case 'ERR_HTTP2_STREAM_ERROR': // RST_STREAM with an error code
      return 'reset';
    case 'ERR_HTTP2_SESSION_ERROR': // GOAWAY with an error code
    case 'ERR_HTTP2_ERROR': // nghttp2 rejected what the peer sent
    case 'ERR_HTTP2_INVALID_SESSION':
      return 'protocol-error';
    case 'ERR_HTTP2_GOAWAY_SESSION':
      return 'server-closed';
    case 'ERR_HTTP2_STREAM_CANCEL': // the session was destroyed, its error is the cause
      return e.cause === undefined ? 'reset' : h2CauseOf(e.cause);
    default:
      return causeOf(err);
  }
}

const dialH2Sse: Dial = (target, lastEventId, owner) => new H2Dial(target, lastEventId, owner);

export const openH2SseStream: OpenStream = (target, policy, handlers, initialLastEventId) => new ResumingStream(dialH2Sse, target, policy, handlers, initialLastEventId);
