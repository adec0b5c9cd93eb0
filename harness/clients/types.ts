// The one client interface every protocol's client implements, so the engine drives SSE, WS and
// raw TCP alike and the two protocols recover by the same rules.
import type { Protocol } from '../../servers/contract.ts';

export interface StreamTarget {
  protocol: Protocol;
  host: string;
  port: number;
  /** Path (and query) to subscribe at when it is not the contract's (a broker target's). */
  path?: string;
  /** Explicit source address; only set when one address would run out of ephemeral ports. */
  localAddress: string | null;
}

export interface ReconnectPolicy {
  /** Reconnect at all after the stream ends. */
  enabled: boolean;
  /** Delay before the first reconnect when the server sent no retry hint. */
  defaultRetryMs: number;
  /** Use the server's hint (SSE `retry:`, WS/TCP hello frame) when one was received. */
  honourServerRetry: boolean;
  /** Exponential backoff: delay = min(maxDelayMs, base * 2^(attempt-1)) with base = retry hint. */
  backoff: boolean;
  /** Full jitter: the delay is uniform in [0, delay]. */
  jitter: boolean;
  maxDelayMs: number;
  /** Give up after this many consecutive failed attempts. */
  maxAttempts: number;
}

/**
 * One event as the client saw it. Only what the hot path needs: no copies of the payload.
 * Times are CLOCK_MONOTONIC nanoseconds as doubles: exact below 2^53 ns (104 days of uptime),
 * and much cheaper per event than bigint arithmetic.
 */
export interface ReceivedEvent {
  seq: number;
  /** Intended send time. */
  t0: number;
  /** Actual send start. */
  t1: number;
  /** Receive time (process.hrtime.bigint() as a number), taken once per incoming chunk. */
  recvNs: number;
  /**
   * The binary addition: payload bytes the client decoded (WS: a binary frame's bytes after its
   * header; SSE/TCP: the base64 in `bin`, decoded). 0 for a text event, -1 for base64 that did not decode.
   */
  binBytes: number;
}

export type CloseCause =
  | 'server-closed'
  | 'client-closed'
  | 'refused'
  | 'reset'
  | 'timeout'
  | 'http-status'
  | 'protocol-error'
  | 'emfile'
  | 'eaddrnotavail'
  | 'other';

export interface StreamHandlers {
  /** The stream is established (SSE: 200 + headers; WS: open; TCP: hello received). */
  onOpen(reconnect: boolean): void;
  /** `ev` is one object the process reuses for every event: read it here, copy what you keep. */
  onEvent(ev: ReceivedEvent): void;
  /** The stream ended; `willRetry` says whether the policy schedules another attempt. */
  onClose(cause: CloseCause, willRetry: boolean): void;
  /** A connect attempt failed before the stream was established. */
  onError(cause: CloseCause, willRetry: boolean): void;
}

export interface StreamConnection {
  /** Last event id received (0 when none); sent as Last-Event-ID / ?lastEventId= on reconnect. */
  readonly lastEventId: number;
  /** WS: the code of the last close frame the server sent (null when none came, and for SSE/TCP). */
  readonly lastCloseCode: number | null;
  /** The status of the last response head an attempt read (SSE 200, WS 101, a refusal's 4xx); null before any, and for TCP. */
  readonly lastHttpStatus: number | null;
  readonly open: boolean;
  /** Bytes read from the network over every socket this stream used (framing included). */
  bytesRead(): number;
  /** Bytes written to the network over every socket this stream used (requests, frames it sent). */
  bytesWritten(): number;
  /**
   * WS (the messages addition): writes one whole client frame, already masked, on the open stream's
   * socket. 'held': the socket still holds `frame` (the kernel did not take it all), so the caller
   * must not reuse it; 'closed': no open WS stream (SSE and TCP streams never send on the stream).
   */
  sendFrame(frame: Buffer): SendResult;
  /** Ends the stream for good (no reconnect). */
  close(): void;
}

/** What a write of a client's message did: not sent (no open socket), or sent and whether the socket still holds the buffer. */
export type SendResult = 'closed' | 'sent' | 'held';

export type OpenStream = (
  target: StreamTarget,
  policy: ReconnectPolicy,
  handlers: StreamHandlers,
  initialLastEventId: number,
  /**
   * Extra query parameters of this one stream, URL-encoded, without `?` (the messages addition's
   * `client=<id>&room=<name>`); '' for none. Apart from `target`, which a block of streams shares.
   */
  query?: string,
) => StreamConnection;
