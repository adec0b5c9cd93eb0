// SSE client on a raw socket: the GET written by hand, the response head and (chunked or
// identity) body decoded by http-response.ts, UTF-8 decoded incrementally, and the spec parser.
// Resumes with a Last-Event-ID header. Lean on purpose: a class with bound listeners, a string
// decoder and the parser per connection (node:http costs ~10 KB more per idle stream).
import { SocketDial } from './socket-dial.ts';
import { StringDecoder } from 'node:string_decoder';
import { PATHS } from '../../servers/contract.ts';
import { ChunkedDecoder, parseHead } from './http-response.ts';
import { eventFrom, nowNs, ResumingStream, type Dial, type DialOwner } from './resuming-stream.ts';
import { SseParser, type SseSink } from './sse-parser.ts';
import type { CloseCause, OpenStream, StreamTarget } from './types.ts';

class SseDial extends SocketDial implements SseSink {
  private readonly parser = new SseParser(this);
  private readonly text = new StringDecoder('utf8');
  /** Bytes of the response head until it is complete; null once the body started. */
  private head: Buffer | null = Buffer.alloc(0);
  private chunked: ChunkedDecoder | null = null;
  private recvNs = 0;
  /** An event was dispatched in the current read: its owner took the seq as the resume point. */
  private dispatched = false;

  constructor(
    private readonly target: StreamTarget,
    private readonly lastEventId: number,
    owner: DialOwner,
  ) {
    super(target, owner, null);
    // Spec: the last event ID belongs to the EventSource, not to one connection.
    if (lastEventId > 0) this.parser.lastEventId = String(lastEventId);
  }

  onEvent(_event: string, data: string): void {
    const e = eventFrom(data, this.recvNs);
    if (e) {
      this.dispatched = true;
      this.owner.event(this, e);
    }
  }

  onRetry(ms: number): void {
    this.owner.retryHint(this, ms);
  }

  protected onConnect(): void {
    const resume = this.lastEventId > 0 ? `Last-Event-ID: ${this.lastEventId}\r\n` : '';
    this.socket.write(`GET ${PATHS.sse} HTTP/1.1\r\nHost: ${this.target.host}:${this.target.port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n${resume}\r\n`);
  }

  protected onData(chunk: Buffer): void {
    this.recvNs = nowNs();
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
        this.chunked.decode(bytes, this.feedBytes);
      } catch {
        this.fail('protocol-error');
      }
      if (this.chunked.done) this.socket.end();
    } else this.feedBytes(bytes);
  }

  /** Bound once (an arrow property) because the chunked decoder calls it per chunk. */
  private readonly feedBytes = (bytes: Buffer): void => {
    const before = this.parser.lastEventId;
    this.parser.feed(this.text.write(bytes));
    // The resume point is the parser's last event ID as the read left it (also when an `id:` came
    // without data, or an empty `id:` cleared it after an event): set it after the owner took
    // event seqs. A non-numeric id is outside the contract and leaves the resume point alone.
    if (this.dispatched || this.parser.lastEventId !== before) {
      this.dispatched = false;
      const id = this.parser.lastEventId === '' ? 0 : Number(this.parser.lastEventId);
      if (Number.isSafeInteger(id) && id >= 0) this.owner.lastId(this, id);
    }
  };

  private fail(cause: CloseCause): void {
    this.finish(cause);
    this.socket.destroy();
  }
}

const dialSse: Dial = (target, lastEventId, owner) => new SseDial(target, lastEventId, owner);

export const openSseStream: OpenStream = (target, policy, handlers, initialLastEventId) => new ResumingStream(dialSse, target, policy, handlers, initialLastEventId);
