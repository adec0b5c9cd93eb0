// The coordinator ⇄ worker messages (JSON over the fork IPC channel). Histograms travel as
// compressed base64; bigints never cross (JSON has none): nanosecond marks travel as strings.
import type { ReconnectPolicy, StreamTarget } from '../clients/types.ts';
import type { SelfSample } from '../metrics/self-sampler.ts';
import type { Shard } from './shards.ts';
import type { SendPlan, SendReport } from './send-run.ts';

/**
 * The messages addition: each stream subscribes named `c<g>` in room `r<floor(g / roomSize)>`, g
 * its index among every client of the step (this worker's first is `firstClient`).
 */
export interface Places {
  firstClient: number;
  roomSize: number;
}

import type { StatusCount } from '../../result/result.ts';
export type { StatusCount } from '../../result/result.ts';
import type { TimelineBucket } from './timeline.ts';

export interface InitRequest {
  type: 'init';
  target: Omit<StreamTarget, 'localAddress'>;
  policy: ReconnectPolicy;
  shard: Shard;
  /** Connections this worker may hold; more asked → only this many, and capHit. */
  cap: number;
  rampPerSecond: number;
  /** Most of this worker's handshakes unanswered at once (the ramp waits beyond it); 0: no limit. */
  maxPendingConnects: number;
  connectTimeoutMs: number;
  burnUsPerEvent: number;
  /**
   * This worker's CLOCK_MONOTONIC minus the coordinator's, ns (0 for a local worker; a load agent's
   * as measured by agent-client.ts). A plain number: an offset is a difference, exact as a double
   * like every other time in the worker.
   */
  clockOffsetNs: number;
  /** The upstream scenario's places (client ids and rooms); null: streams subscribe plain. */
  places: Places | null;
}

export type Request =
  | InitRequest
  | { type: 'connect' }
  /** `gc`: collect garbage first (idle: the client RSS at the window's end is then live memory). */
  | { type: 'begin-window'; fromSeq: number; toSeq: number; gc?: boolean }
  | { type: 'end-window' }
  | { type: 'mark-disruption'; markNs: string }
  /** `untilNs`: the same end for every worker, so their timelines have the same buckets. */
  | { type: 'reconnect-report'; untilNs: string }
  | { type: 'status'; reachedSeq: number }
  | { type: 'lost-below'; belowSeq: number }
  /**
   * The upstream scenario: fresh seq trackers (every client expects seq 1 next), a window over
   * [fromSeq, toSeq], and the send schedule started.
   */
  | { type: 'begin-send'; plan: SendPlan; fromSeq: number; toSeq: number }
  /** Stops the schedule and closes the window. */
  | { type: 'end-send' }
  | { type: 'close' };

export interface ConnectReport {
  held: number;
  failuresByCause: Record<string, number>;
  /** Connect times in µs. */
  connectHistogram: string;
  durationMs: number;
  capHit: boolean;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** This worker's CPU while it opened its connections, % of one core. */
  cpuPercent: number;
  /** The status of each stream's last response head (what a proxy refused a handshake with shows here). */
  httpStatuses: StatusCount[];
}

export interface WindowReport {
  connected: number;
  received: number;
  /** Events of any seq received since begin-window (the warm-up's too): what wireBytes carried. */
  receivedSinceBegin: number;
  duplicates: number;
  outOfOrder: number;
  gaps: number;
  /** Restart mode: window seqs that died with the old server process. */
  lostWithProcess: number;
  wireBytes: number;
  latencyFromT0: string;
  /**
   * Latency from t0 of the window's first seq, one value per connection that received it: time to
   * first event, where a buffering proxy shows (µs).
   */
  firstEventFromT0: string;
  latencyFromT1: string;
  /** The binary addition: payload bytes decoded from the window's events (WS frames, SSE base64). */
  payloadBytes: number;
  /** Window events whose base64 payload did not decode. */
  payloadErrors: number;
  self: SelfSample;
}

/** What a worker reports for one upstream step: the receiving side's window and the sending side's tally. */
export interface SendStepReport {
  window: WindowReport;
  send: SendReport;
}

export interface ReconnectReport {
  disrupted: number;
  reconnected: number;
  attempts: number;
  errorsByCause: Record<string, number>;
  /** Time from the disruption mark to each re-open, µs. */
  reconnectHistogram: string;
  /**
   * Per connection, time from losing its stream to the re-open, µs. Apart from the mark: when a
   * busy server acts on the drop late, time from the mark includes that wait, this does not.
   */
  downtimeHistogram: string;
  replayed: number;
  replayLatency: string;
  /** Per 100 ms bucket since the mark: connected at its end, events received in it. */
  timeline: TimelineBucket[];
}

export interface Status {
  open: number;
  total: number;
  /** Connections not closed for good (given up, timed out, closed by us). */
  live: number;
  /** Connections (not closed for good) whose last seq is below the asked seq. */
  behind: number;
  maxSeq: number;
  disrupted: number;
  reconnected: number;
}

export type Reply =
  | { type: 'ok' }
  | { type: 'connected'; report: ConnectReport }
  | { type: 'window'; report: WindowReport }
  | { type: 'reconnect-report'; report: ReconnectReport }
  | { type: 'status'; status: Status }
  | { type: 'lost'; count: number }
  | { type: 'sent'; report: SendStepReport }
  | { type: 'error'; message: string };

export interface Envelope<T> {
  id: number;
  body: T;
}
