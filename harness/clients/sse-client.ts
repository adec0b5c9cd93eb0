// SSE client on a raw socket: the GET written by hand, the response head and (chunked or
// identity) body decoded by http-response.ts, then the shared SSE feed (sse-feed.ts: UTF-8
// decoding, the spec parser, the resume point). Resumes with a Last-Event-ID header. Lean on
// purpose: a class with bound listeners and one feed per connection (node:http costs ~10 KB more
// per idle stream).
import { SocketDial } from './socket-dial.ts';
import { PATHS } from '../../servers/contract.ts';
import { ChunkedDecoder, parseHead } from './http-response.ts';
import { nowNs, ResumingStream, type Dial, type DialOwner } from './resuming-stream.ts';
import { SseFeed } from './sse-feed.ts';
import type { CloseCause, OpenStream, StreamTarget } from './types.ts';

class SseDial extends SocketDial {
  private readonly feed: SseFeed;
  /** Bytes of the response head until it is complete; null once the body started. */
  private head: Buffer | null = Buffer.alloc(0);
  private chunked: ChunkedDecoder | null = null;

  constructor(
    private readonly target: StreamTarget,
    private readonly lastEventId: number,
    owner: DialOwner,
  ) {
    super(target, owner, null);
    this.feed = new SseFeed(owner, this, lastEventId);
  }

  protected onConnect(): void {
    const resume = this.lastEventId > 0 ? `Last-Event-ID: ${this.lastEventId}\r\n` : '';
    this.socket.write(`GET ${this.target.path ?? PATHS.sse} HTTP/1.1\r\nHost: ${this.target.host}:${this.target.port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n${resume}\r\n`);
  }

  protected onData(chunk: Buffer): void {
    this.feed.recvNs = nowNs();
    if (this.head !== null) {
      const buf = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      const parsed = parseHead(buf);
      if (!parsed) {
        if (buf.length > 16 * 1024) return this.fail('protocol-error');
        this.head = buf;
        return;
      }
      this.head = null;
      const { head, bodyStart } = parsed;
      if (head.status !== 200) return this.fail('http-status');
      if (!(head.headers.get('content-type') ?? '').startsWith('text/event-stream')) return this.fail('protocol-error');
      if (head.chunked) this.chunked = new ChunkedDecoder();
      this.markOpened();
      if (bodyStart < buf.length) this.body(buf.subarray(bodyStart));
      return;
    }
    this.body(chunk);
  }

  private body(bytes: Buffer): void {
    if (this.chunked) {
      try {
        this.chunked.decode(bytes, this.feed.feed);
      } catch {
        this.fail('protocol-error');
      }
      if (this.chunked.done) this.socket.end();
    } else this.feed.feed(bytes);
  }

  private fail(cause: CloseCause): void {
    this.finish(cause);
    this.socket.destroy();
  }
}

const dialSse: Dial = (target, lastEventId, owner) => new SseDial(target, lastEventId, owner);

export const openSseStream: OpenStream = (target, policy, handlers, initialLastEventId) => new ResumingStream(dialSse, target, policy, handlers, initialLastEventId);
