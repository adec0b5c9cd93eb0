// The reconnect/resume machinery shared by the SSE, WS and TCP clients: one dial per attempt, the
// last event id carried into the next attempt, the shared policy deciding when to try again.
import { mayRetry, nextDelayMs } from './reconnect.ts';
import type { CloseCause, ReceivedEvent, ReconnectPolicy, StreamConnection, StreamHandlers, StreamTarget } from './types.ts';

/** What a protocol's dial reports; each dial ends with exactly one of ended/failed. */
export interface DialEvents {
  opened(): void;
  event(ev: ReceivedEvent): void;
  /** An id seen without an event (SSE `id:` alone): still the resume point. */
  lastId(id: number): void;
  retryHint(ms: number): void;
  /** The established stream ended. */
  ended(cause: CloseCause): void;
  /** The attempt failed before the stream was established. */
  failed(cause: CloseCause): void;
}

export interface Dialed {
  close(): void;
  bytesRead(): number;
}

export type Dial = (target: StreamTarget, lastEventId: number, events: DialEvents) => Dialed;

export class ResumingStream implements StreamConnection {
  lastEventId: number;
  open = false;
  private stopped = false;
  private failures = 0;
  private retryHintMs: number | null = null;
  private current: Dialed | null = null;
  private timer: NodeJS.Timeout | null = null;
  private bytesFromEarlierSockets = 0;
  private everOpened = false;
  private generation = 0;

  constructor(
    private readonly dial: Dial,
    private readonly target: StreamTarget,
    private readonly policy: ReconnectPolicy,
    private readonly handlers: StreamHandlers,
    initialLastEventId: number,
  ) {
    this.lastEventId = initialLastEventId;
    this.attempt();
  }

  bytesRead(): number {
    return this.bytesFromEarlierSockets + (this.current?.bytesRead() ?? 0);
  }

  close(): void {
    this.stopped = true;
    this.open = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.generation++;
    this.retire();
  }

  private retire(): void {
    if (!this.current) return;
    this.bytesFromEarlierSockets += this.current.bytesRead();
    const c = this.current;
    this.current = null;
    c.close();
  }

  private attempt(): void {
    this.timer = null;
    if (this.stopped) return;
    const gen = ++this.generation;
    const live = (): boolean => gen === this.generation && !this.stopped;
    this.current = this.dial(this.target, this.lastEventId, {
      opened: () => {
        if (!live()) return;
        this.open = true;
        this.failures = 0;
        const reconnect = this.everOpened;
        this.everOpened = true;
        this.handlers.onOpen(reconnect);
      },
      event: (ev) => {
        if (!live()) return;
        this.lastEventId = ev.seq;
        this.handlers.onEvent(ev);
      },
      lastId: (id) => {
        if (live()) this.lastEventId = id;
      },
      retryHint: (ms) => {
        if (live()) this.retryHintMs = ms;
      },
      ended: (cause) => {
        if (!live()) return;
        this.open = false;
        this.generation++;
        this.retire();
        const retry = mayRetry(this.policy, this.failures);
        this.handlers.onClose(cause, retry);
        if (retry) this.schedule();
      },
      failed: (cause) => {
        if (!live()) return;
        this.open = false;
        this.generation++;
        this.retire();
        this.failures++;
        const retry = mayRetry(this.policy, this.failures);
        this.handlers.onError(cause, retry);
        if (retry) this.schedule();
      },
    });
  }

  private schedule(): void {
    const delay = nextDelayMs(this.policy, this.retryHintMs, this.failures + 1);
    this.timer = setTimeout(() => this.attempt(), delay);
  }
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

/** Reads seq/t0/t1 of an event's data JSON (the contract's `data`). */
export function eventFrom(dataJson: string, recvNs: bigint): ReceivedEvent | null {
  try {
    const d = JSON.parse(dataJson) as { seq?: unknown; t0?: unknown; t1?: unknown };
    if (typeof d.seq !== 'number' || typeof d.t0 !== 'string' || typeof d.t1 !== 'string') return null;
    return { seq: d.seq, t0: BigInt(d.t0), t1: BigInt(d.t1), recvNs };
  } catch {
    return null;
  }
}
