// The part of an SSE dial that does not depend on how the body arrives: body bytes → the spec
// parser (on bytes) → events, retry hints and the resume point reported to the dial's owner.
// Shared by the HTTP/1.1 client (sse-client.ts, after its own HTTP framing) and the HTTP/2 client
// (h2-sse-client.ts, DATA frame payloads), so both resume by exactly the same rules.
import { eventFromBytes } from './event-bytes.ts';
import type { DialOwner, Dialed } from './resuming-stream.ts';
import { SseParser, type SseSink } from './sse-parser.ts';

export class SseFeed implements SseSink {
  private readonly parser: SseParser;
  /** Receive time of the bytes being fed; the dial sets it once per incoming chunk. */
  recvNs = 0;

  constructor(
    private readonly owner: DialOwner,
    private readonly dial: Dialed,
    lastEventId: number,
  ) {
    this.parser = new SseParser(this);
    // Spec: the last event ID belongs to the EventSource, not to one connection.
    if (lastEventId > 0) this.parser.resumeFrom(lastEventId);
  }

  onEvent(data: Buffer, start: number, end: number): void {
    const e = eventFromBytes(data, start, end, this.recvNs);
    if (e) this.owner.event(this.dial, e);
    // The resume point is the last event ID as this dispatch set it (the `id:` field, not the seq
    // in the data), and it moves only here, at a dispatch: an event the stream cut off before its
    // blank line never becomes the resume point, so its reconnect asks for it again.
    this.lastEventId();
  }

  onLastEventId(): void {
    this.lastEventId();
  }

  onRetry(ms: number): void {
    this.owner.retryHint(this.dial, ms);
  }

  /** Body bytes [start, end) of `bytes`, consumed before this returns (the buffer may be reused). */
  feed(bytes: Buffer, start: number, end: number): void {
    this.parser.feed(bytes, start, end);
  }

  /** A non-numeric id is outside the contract and leaves the resume point alone. */
  private lastEventId(): void {
    const id = this.parser.lastEventIdNumber();
    if (id >= 0) this.owner.lastId(this.dial, id);
  }
}
