// The part of an SSE dial that does not depend on how the body arrives: body bytes → incremental
// UTF-8 decoding → the spec parser → events, retry hints and the resume point reported to the
// dial's owner. Shared by the HTTP/1.1 client (sse-client.ts, after its own HTTP framing) and the
// HTTP/2 client (h2-sse-client.ts, DATA frame payloads), so both resume by exactly the same rules.
import { StringDecoder } from 'node:string_decoder';
import { eventFrom, type DialOwner, type Dialed } from './resuming-stream.ts';
import { SseParser, type SseSink } from './sse-parser.ts';

export class SseFeed implements SseSink {
  private readonly parser = new SseParser(this);
  private readonly text = new StringDecoder('utf8');
  /** Receive time of the bytes being fed; the dial sets it once per incoming chunk. */
  recvNs = 0;
  /** An event was dispatched in the current read: its owner took the seq as the resume point. */
  private dispatched = false;

  constructor(
    private readonly owner: DialOwner,
    private readonly dial: Dialed,
    lastEventId: number,
  ) {
    // Spec: the last event ID belongs to the EventSource, not to one connection.
    if (lastEventId > 0) this.parser.lastEventId = String(lastEventId);
  }

  onEvent(_event: string, data: string): void {
    const e = eventFrom(data, this.recvNs);
    if (e) {
      this.dispatched = true;
      this.owner.event(this.dial, e);
    }
  }

  onRetry(ms: number): void {
    this.owner.retryHint(this.dial, ms);
  }

  /** Bound once (an arrow property) because the chunked decoder calls it per chunk. */
  readonly feed = (bytes: Buffer): void => {
    const before = this.parser.lastEventId;
    this.parser.feed(this.text.write(bytes));
    // The resume point is the parser's last event ID as the read left it (also when an `id:` came
    // without data, or an empty `id:` cleared it after an event): set it after the owner took
    // event seqs. A non-numeric id is outside the contract and leaves the resume point alone.
    if (this.dispatched || this.parser.lastEventId !== before) {
      this.dispatched = false;
      const id = this.parser.lastEventId === '' ? 0 : Number(this.parser.lastEventId);
      if (Number.isSafeInteger(id) && id >= 0) this.owner.lastId(this.dial, id);
    }
  };
}
