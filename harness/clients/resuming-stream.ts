// The reconnect/resume machinery shared by the SSE, WS and TCP clients: one dial per attempt, the
// last event id carried into the next attempt, the shared policy deciding when to try again.
import { mayRetry, nextDelayMs } from './reconnect.ts';
import type { CloseCause, ReceivedEvent, ReconnectPolicy, SendResult, StreamConnection, StreamHandlers, StreamTarget } from './types.ts';

/**
 * What a protocol's dial reports to its owner; each dial ends with exactly one of ended/failed.
 * Methods take the dial itself, so a late callback from an earlier dial is recognised and ignored
 * without a per-attempt closure (clients hold tens of thousands of these).
 */
export interface DialOwner {
  opened(d: Dialed): void;
  event(d: Dialed, ev: ReceivedEvent): void;
  /** An id seen without an event (SSE `id:` alone): still the resume point. */
  lastId(d: Dialed, id: number): void;
  retryHint(d: Dialed, ms: number): void;
  /** The established stream ended. */
  ended(d: Dialed, cause: CloseCause): void;
  /** The attempt failed before the stream was established. */
  failed(d: Dialed, cause: CloseCause): void;
}

export interface Dialed {
  close(): void;
  bytesRead(): number;
  bytesWritten(): number;
  /** WS: the code of the close frame the server sent, once one came. */
  readonly closeCode?: number | null;
  /** The status of the response head, once one was read (HTTP dials). */
  readonly httpStatus?: number | null;
  /** WS: a whole client frame on this dial's socket (see StreamConnection.sendFrame). */
  sendFrame?(frame: Buffer): SendResult;
}

/** `query`: this stream's own extra query parameters ('' for none; see OpenStream). */
export type Dial = (target: StreamTarget, lastEventId: number, owner: DialOwner, query: string) => Dialed;

/**
 * What every protocol's dial shares: one terminal report (ended once opened, failed before),
 * whatever mix of error/close/end events the transport emits.
 */
export abstract class DialBase implements Dialed {
  protected opened = false;
  protected finished = false;

  constructor(protected readonly owner: DialOwner) {}

  abstract close(): void;
  abstract bytesRead(): number;
  abstract bytesWritten(): number;

  /** The transport is up: the stream counts as established. */
  protected markOpened(): void {
    this.opened = true;
    this.owner.opened(this);
  }

  protected onError(err: Error): void {
    this.finish(causeOf(err));
  }

  protected onClose(): void {
    this.finish('server-closed');
  }

  protected finish(cause: CloseCause): void {
    if (this.finished) return;
    this.finished = true;
    if (this.opened) this.owner.ended(this, cause);
    else this.owner.failed(this, cause);
  }
}

export class ResumingStream implements StreamConnection, DialOwner {
  lastEventId: number;
  lastCloseCode: number | null = null;
  lastHttpStatus: number | null = null;
  open = false;
  private stopped = false;
  /** Consecutive failed dials (for maxAttempts); reset by an open. */
  private failures = 0;
  /** Reconnects scheduled since the last open (for backoff: the first waits the base delay). */
  private retries = 0;
  private everOpened = false;
  private retryHintMs: number | null = null;
  private current: Dialed | null = null;
  private timer: NodeJS.Timeout | null = null;
  private bytesFromEarlierSockets = 0;
  private bytesWrittenByEarlierSockets = 0;

  constructor(
    private readonly dial: Dial,
    private readonly target: StreamTarget,
    private readonly policy: ReconnectPolicy,
    private readonly handlers: StreamHandlers,
    initialLastEventId: number,
    private readonly query = '',
  ) {
    this.lastEventId = initialLastEventId;
    this.attempt();
  }

  bytesRead(): number {
    return this.bytesFromEarlierSockets + (this.current?.bytesRead() ?? 0);
  }

  bytesWritten(): number {
    return this.bytesWrittenByEarlierSockets + (this.current?.bytesWritten() ?? 0);
  }

  sendFrame(frame: Buffer): SendResult {
    const c = this.current;
    return this.open && c !== null && c.sendFrame !== undefined ? c.sendFrame(frame) : 'closed';
  }

  close(): void {
    this.stopped = true;
    this.open = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.retire();
  }

  opened(d: Dialed): void {
    if (d !== this.current) return;
    this.open = true;
    this.lastHttpStatus = d.httpStatus ?? null;
    this.failures = 0;
    this.retries = 0;
    const reconnect = this.everOpened;
    this.everOpened = true;
    this.handlers.onOpen(reconnect);
  }

  event(d: Dialed, ev: ReceivedEvent): void {
    if (d !== this.current) return;
    this.lastEventId = ev.seq;
    this.handlers.onEvent(ev);
  }

  lastId(d: Dialed, id: number): void {
    if (d === this.current) this.lastEventId = id;
  }

  retryHint(d: Dialed, ms: number): void {
    if (d === this.current) this.retryHintMs = ms;
  }

  ended(d: Dialed, cause: CloseCause): void {
    if (d !== this.current) return;
    this.open = false;
    this.lastCloseCode = d.closeCode ?? null;
    this.retire();
    const retry = !this.stopped && mayRetry(this.policy, this.failures);
    this.handlers.onClose(cause, retry);
    // The handler may have called close(): then no timer may be left behind.
    if (retry && !this.stopped) this.schedule();
  }

  failed(d: Dialed, cause: CloseCause): void {
    if (d !== this.current) return;
    this.open = false;
    this.lastCloseCode = d.closeCode ?? null;
    this.lastHttpStatus = d.httpStatus ?? this.lastHttpStatus;
    this.retire();
    this.failures++;
    const retry = !this.stopped && mayRetry(this.policy, this.failures);
    this.handlers.onError(cause, retry);
    if (retry && !this.stopped) this.schedule();
  }

  private retire(): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    this.bytesFromEarlierSockets += c.bytesRead();
    this.bytesWrittenByEarlierSockets += c.bytesWritten();
    c.close();
  }

  /** One dial; called at construction and by the reconnect timer. */
  attempt(): void {
    this.timer = null;
    if (this.stopped) return;
    this.current = this.dial(this.target, this.lastEventId, this, this.query);
  }

  private schedule(): void {
    const delay = nextDelayMs(this.policy, this.retryHintMs, ++this.retries);
    this.timer = setTimeout(attemptLater, delay, this);
  }
}

/** The shared reconnect timer callback: no closure per reconnect. */
function attemptLater(s: ResumingStream): void {
  s.attempt();
}

/** Maps a socket error to a close cause. */
export function causeOf(err: unknown): CloseCause {
  switch ((err as NodeJS.ErrnoException | null)?.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'EMFILE':
    case 'ENFILE':
      return 'emfile';
    case 'EADDRNOTAVAIL':
      return 'eaddrnotavail';
    default:
      return 'other';
  }
}

/** Now, CLOCK_MONOTONIC ns as a double (see ReceivedEvent). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}
