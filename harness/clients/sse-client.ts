// SSE client on a raw socket: the GET written by hand, the response head and (chunked or
// identity) body decoded by http-response.ts, then the shared SSE feed (sse-feed.ts: the spec
// parser on bytes, the resume point). Resumes with a Last-Event-ID header. Lean on purpose: a
// class with bound listeners and one feed per connection (node:http costs ~10 KB more per idle
// stream), reads straight from the shared read buffer (socket-dial.ts).
import { SocketDial } from './socket-dial.ts';
import { PATHS } from '../../servers/contract.ts';
import { ChunkedDecoder, parseHead } from './http-response.ts';
import { isEventStream } from './mime.ts';
import { nowNs, ResumingStream, type Dial, type DialOwner } from './resuming-stream.ts';
import { SseFeed } from './sse-feed.ts';
import type { CloseCause, OpenStream, StreamTarget } from './types.ts';

/** A response head longer than this is not an SSE server's. */
const MAX_HEAD_BYTES = 16 * 1024;

class SseDial extends SocketDial {
  private readonly feed: SseFeed;
  /** Bytes of the response head until it is complete; null once the body started. */
  private head: Buffer | null = EMPTY;
  private chunked: ChunkedDecoder | null = null;
  httpStatus: number | null = null;

  constructor(
    private readonly target: StreamTarget,
    private readonly lastEventId: number,
    owner: DialOwner,
    private readonly query: string,
  ) {
    super(target, owner);
    this.feed = new SseFeed(owner, this, lastEventId);
  }

  protected onConnect(): void {
    const resume = this.lastEventId > 0 ? `Last-Event-ID: ${this.lastEventId}\r\n` : '';
    const path = this.target.path ?? PATHS.sse;
    const query = this.query === '' ? '' : `${path.includes('?') ? '&' : '?'}${this.query}`;
    this.socket.write(`GET ${path}${query} HTTP/1.1\r\nHost: ${this.target.host}:${this.target.port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n${resume}\r\n`);
  }

  onBytes(chunk: Buffer, n: number): void {
    if (this.finished) return;
    this.feed.recvNs = nowNs();
    if (this.head === null) return this.body(chunk, 0, n);
    // The head is read once per connection: copying it is fine.
    const buf = Buffer.concat([this.head, chunk.subarray(0, n)]);
    const parsed = parseHead(buf);
    if (!parsed) {
      if (buf.length > MAX_HEAD_BYTES) return this.fail('protocol-error');
      this.head = buf;
      return;
    }
    this.head = null;
    const { head, bodyStart } = parsed;
    this.httpStatus = head.status;
    if (head.status !== 200) return this.fail('http-status');
    if (!isEventStream(head.headers.get('content-type'))) return this.fail('protocol-error');
    if (head.chunked) this.chunked = new ChunkedDecoder();
    this.markOpened();
    if (bodyStart < buf.length) this.body(buf, bodyStart, buf.length);
  }

  private body(bytes: Buffer, start: number, end: number): void {
    if (this.chunked) {
      try {
        this.chunked.decode(bytes, start, end, this.feed);
      } catch {
        return this.fail('protocol-error');
      }
      if (this.chunked.done) this.socket.end();
    } else this.feed.feed(bytes, start, end);
  }

  private fail(cause: CloseCause): void {
    this.finish(cause);
    this.socket.destroy();
  }
}

const EMPTY = Buffer.alloc(0);

const dialSse: Dial = (target, lastEventId, owner, query) => new SseDial(target, lastEventId, owner, query);

export const openSseStream: OpenStream = (target, policy, handlers, initialLastEventId, query = '') => new ResumingStream(dialSse, target, policy, handlers, initialLastEventId, query);
