// A worker's accounting, apart from sockets and IPC so it can be tested directly: per-connection
// seq trackers, the measurement window, and what happens after a disruption mark.
import { SeqTracker } from '../clients/seq-tracker.ts';
import type { CloseCause, ReceivedEvent, StreamHandlers } from '../clients/types.ts';
import { nowNs } from '../clients/resuming-stream.ts';
import { createHistogram, encodeHistogram, record, type Histogram } from '../../result/histogram.ts';
import type { SelfSample } from '../metrics/self-sampler.ts';
import type { ReconnectReport, Status, WindowReport } from './protocol.ts';
import { Timeline } from './timeline.ts';

/**
 * One connection's accounting. It is also the stream's handler object, so a connection costs no
 * closures: the methods live on the prototype.
 */
export class ConnState implements StreamHandlers {
  tracker: SeqTracker | null = null;
  open = false;
  /** Closed for good (gave up, or closed by us): no longer expected to receive. */
  finished = false;
  /** Lost its stream after the disruption mark. */
  disrupted = false;
  reconnected = false;
  /** When the current stream opened (hrtime ns); events emitted before it came from the ring. */
  openedNs = 0;
  /** When it lost its stream after the mark (hrtime ns). */
  closedNs = 0;
  dialNs = 0;
  /** Restart mode: seqs in [lostFrom, lostTo] died with the old server process. */
  lostFrom = 0;
  lostTo = -1;
  /** Counted by the connect phase (opened, or failed for good). */
  settled = false;

  constructor(private readonly worker: WorkerState) {}

  onOpen(reconnect: boolean): void {
    this.worker.onOpen(this, reconnect);
  }

  onEvent(ev: ReceivedEvent): void {
    this.worker.onEvent(this, ev);
  }

  onClose(_cause: CloseCause, willRetry: boolean): void {
    this.worker.onClose(this, willRetry);
  }

  onError(cause: CloseCause, willRetry: boolean): void {
    this.worker.onError(this, cause, willRetry);
  }
}

/** The initial ramp's tallies: connect times, failures by cause, and when every dial settled. */
export class ConnectPhase {
  readonly connectUs = createHistogram('us');
  readonly failures: Record<string, number> = {};
  held = 0;
  settled = 0;
  private resolveDone: () => void = () => undefined;
  readonly done: Promise<void>;

  constructor(readonly expected: number) {
    this.done = new Promise((r) => (this.resolveDone = r));
    if (expected === 0) this.resolveDone();
  }

  settle(c: ConnState): void {
    if (c.settled) return;
    c.settled = true;
    if (++this.settled === this.expected) this.resolveDone();
  }
}

interface Window {
  fromSeq: number;
  toSeq: number;
  received: number;
  /** Every event (any seq, duplicates apart) since the window began: the divisor of its wire bytes, which the warm-up's events count in too. */
  receivedSinceBegin: number;
  duplicates: number;
  outOfOrder: number;
  payloadBytes: number;
  payloadErrors: number;
  t0: Histogram;
  t1: Histogram;
  first: Histogram;
}

export class WorkerState {
  /** `clock`: CLOCK_MONOTONIC ns as a double; injectable so the accounting is testable. */
  constructor(private readonly clock: () => number = nowNs) {}

  /**
   * A worker on a load agent: this host's CLOCK_MONOTONIC minus the coordinator's (whose clock the
   * server's t0/t1 stamps and the disruption mark use); 0 for a local worker. Every time this
   * state keeps is moved onto the coordinator's clock by subtracting it.
   */
  private offsetNs = 0;

  setClockOffset(offsetNs: number): void {
    this.offsetNs = offsetNs;
  }

  /** Now on the coordinator's clock: dial, open and close times use it. */
  now(): number {
    return this.clock() - this.offsetNs;
  }

  readonly conns: ConnState[] = [];
  window: Window | null = null;
  private markNs: number | null = null;
  private attempts = 0;
  private errorsByCause: Record<string, number> = {};
  private reconnectUs = createHistogram('us');
  private downtimeUs = createHistogram('us');
  private replayed = 0;
  private replayLatency = createHistogram('us');
  private timeline: Timeline | null = null;

  connecting: ConnectPhase | null = null;
  /** Calibration: µs of CPU burnt per event (a slow reader). */
  burnUs = 0;

  add(): ConnState {
    const c = new ConnState(this);
    this.conns.push(c);
    return c;
  }

  onEvent(c: ConnState, ev: ReceivedEvent): void {
    if (this.burnUs > 0) burn(this.burnUs);
    // On the coordinator's clock (offset 0 for a local worker).
    const recvNs = ev.recvNs - this.offsetNs;
    // The first event a stream ever gets sets its starting point; nothing before it was expected.
    const tracker = c.tracker ?? (c.tracker = new SeqTracker(ev.seq - 1));
    const verdict = tracker.record(ev.seq);
    const w = this.window;
    if (w !== null && verdict !== 'duplicate') w.receivedSinceBegin++;
    if (w !== null && ev.seq >= w.fromSeq && ev.seq <= w.toSeq) {
      if (verdict === 'duplicate') w.duplicates++;
      else {
        w.received++;
        if (verdict === 'out-of-order') w.outOfOrder++;
        if (ev.binBytes !== 0) {
          if (ev.binBytes < 0) w.payloadErrors++;
          else w.payloadBytes += ev.binBytes;
        }
        record(w.t0, (recvNs - ev.t0) / 1000);
        if (ev.seq === w.fromSeq) record(w.first, (recvNs - ev.t0) / 1000);
        record(w.t1, (recvNs - ev.t1) / 1000);
      }
    }
    if (this.timeline !== null) {
      this.timeline.event(recvNs);
      // Replayed: sent (t1) before this stream opened, so it came out of the server's ring.
      if (c.reconnected && ev.t1 < c.openedNs && verdict !== 'duplicate') {
        this.replayed++;
        record(this.replayLatency, (recvNs - ev.t0) / 1000);
      }
    }
  }

  onOpen(c: ConnState, reconnect: boolean): void {
    c.open = true;
    c.openedNs = this.now();
    const phase = this.connecting;
    if (!reconnect && phase && !c.settled) {
      record(phase.connectUs, (c.openedNs - c.dialNs) / 1000);
      phase.held++;
      phase.settle(c);
    }
    if (this.timeline !== null) {
      this.timeline.opened(c.openedNs);
      this.attempts++;
    }
    if (reconnect && c.disrupted && !c.reconnected && this.markNs !== null) {
      c.reconnected = true;
      record(this.reconnectUs, (c.openedNs - this.markNs) / 1000);
      record(this.downtimeUs, (c.openedNs - c.closedNs) / 1000);
    }
  }

  onClose(c: ConnState, willRetry: boolean): void {
    c.open = false;
    if (this.timeline !== null) {
      const now = this.now();
      this.timeline.closed(now);
      // The first loss after the mark is the disruption; only it starts the downtime clock.
      if (!c.disrupted) {
        c.disrupted = true;
        c.closedNs = now;
      }
    }
    if (!willRetry) c.finished = true;
  }

  onError(c: ConnState, cause: CloseCause, willRetry: boolean): void {
    c.open = false;
    const phase = this.connecting;
    if (phase && !c.settled) {
      phase.failures[cause] = (phase.failures[cause] ?? 0) + 1;
      if (!willRetry) phase.settle(c);
    }
    if (this.markNs !== null) {
      this.attempts++;
      this.errorsByCause[cause] = (this.errorsByCause[cause] ?? 0) + 1;
    }
    if (!willRetry) c.finished = true;
  }

  beginWindow(fromSeq: number, toSeq: number): void {
    this.window = { fromSeq, toSeq, received: 0, receivedSinceBegin: 0, duplicates: 0, outOfOrder: 0, payloadBytes: 0, payloadErrors: 0, t0: createHistogram('us'), t1: createHistogram('us'), first: createHistogram('us') };
  }

  /**
   * The upstream scenario, before each step: every connection expects seq 1 next (room seqs start
   * at 1 after a reset, and a client's echoes are its own seqs from 1), so a first message lost is
   * a gap, not a new starting point.
   */
  freshTrackers(): void {
    for (const c of this.conns) c.tracker = new SeqTracker(0);
  }

  /** Closes the window: its counters, gaps and histograms (null when none was begun). */
  endWindow(wireBytes: number, self: SelfSample): WindowReport | null {
    const w = this.window;
    if (!w) return null;
    const report: WindowReport = {
      connected: this.openCount(),
      received: w.received,
      receivedSinceBegin: w.receivedSinceBegin,
      duplicates: w.duplicates,
      outOfOrder: w.outOfOrder,
      gaps: this.windowGaps(),
      lostWithProcess: this.lostWithProcess(),
      wireBytes,
      latencyFromT0: encodeHistogram(w.t0),
      firstEventFromT0: encodeHistogram(w.first),
      latencyFromT1: encodeHistogram(w.t1),
      payloadBytes: w.payloadBytes,
      payloadErrors: w.payloadErrors,
      self,
    };
    this.window = null;
    return report;
  }

  /** Gaps: seqs in the window skipped by a connection and never filled. */
  windowGaps(): number {
    const w = this.window;
    if (!w) return 0;
    let gaps = 0;
    for (const c of this.conns) if (c.tracker) gaps += c.tracker.missingBetween(w.fromSeq, w.toSeq) - this.lostIn(c, w);
    return gaps;
  }

  /** The disruption mark (the coordinator's CLOCK_MONOTONIC ns): from here on, reconnects count. */
  mark(markNs: number): void {
    this.markNs = markNs;
    this.timeline = new Timeline(markNs, this.openCount());
    // A new mark starts a new disruption: nothing from an earlier one carries over.
    this.attempts = 0;
    this.errorsByCause = {};
    this.reconnectUs = createHistogram('us');
    this.downtimeUs = createHistogram('us');
    this.replayed = 0;
    this.replayLatency = createHistogram('us');
    for (const c of this.conns) c.disrupted = c.reconnected = false;
  }

  /** What happened since the mark; the timeline's buckets up to `untilNs`. */
  reconnectReport(untilNs: number): ReconnectReport {
    return {
      disrupted: this.count((c) => c.disrupted),
      reconnected: this.count((c) => c.reconnected),
      attempts: this.attempts,
      errorsByCause: this.errorsByCause,
      reconnectHistogram: encodeHistogram(this.reconnectUs),
      downtimeHistogram: encodeHistogram(this.downtimeUs),
      replayed: this.replayed,
      replayLatency: encodeHistogram(this.replayLatency),
      timeline: this.timeline?.buckets(untilNs) ?? [],
    };
  }

  /** One pass over the connections (the coordinator polls this every 25 ms while it waits). */
  status(reachedSeq: number): Status {
    const s: Status = { open: 0, total: this.conns.length, live: 0, behind: 0, maxSeq: 0, disrupted: 0, reconnected: 0 };
    for (const c of this.conns) {
      const last = c.tracker?.lastSeq ?? 0;
      if (c.open) s.open++;
      if (!c.finished) {
        s.live++;
        if (last < reachedSeq) s.behind++;
      }
      if (last > s.maxSeq) s.maxSeq = last;
      if (c.disrupted) s.disrupted++;
      if (c.reconnected) s.reconnected++;
    }
    return s;
  }

  openCount(): number {
    return this.count((c) => c.open);
  }

  liveCount(): number {
    return this.count((c) => !c.finished);
  }

  behind(seq: number): number {
    return this.status(seq).behind;
  }

  maxSeq(): number {
    return this.status(0).maxSeq;
  }

  private count(pred: (c: ConnState) => boolean): number {
    let n = 0;
    for (const c of this.conns) if (pred(c)) n++;
    return n;
  }

  /**
   * Restart mode, called once the old process is dead: for each connection, the seqs after the
   * last one it got and below `belowSeq` (where the new process starts) died with the old process.
   * They are counted as lostWithProcess, not as gaps. Returns how many that is now (within the
   * window when one is open), for connections still expected to receive.
   */
  setLostBelow(belowSeq: number): number {
    const w = this.window;
    let lost = 0;
    for (const c of this.conns) {
      c.lostFrom = (c.tracker?.lastSeq ?? 0) + 1;
      c.lostTo = belowSeq - 1;
      if (!c.tracker || c.finished) continue;
      const from = w ? Math.max(w.fromSeq, c.lostFrom) : c.lostFrom;
      const to = w ? Math.min(w.toSeq, c.lostTo) : c.lostTo;
      if (to >= from) lost += to - from + 1;
    }
    return lost;
  }

  private lostIn(c: ConnState, w: Window): number {
    if (!c.tracker || c.lostTo < c.lostFrom) return 0;
    return c.tracker.missingBetween(Math.max(w.fromSeq, c.lostFrom), Math.min(w.toSeq, c.lostTo));
  }

  lostWithProcess(): number {
    const w = this.window;
    if (!w) return 0;
    let n = 0;
    for (const c of this.conns) n += this.lostIn(c, w);
    return n;
  }
}

/**
 * Busy-spins until this process has used `us` more microseconds of CPU: the calibration "slow
 * reader". CPU time, not wall time, so the reader is exactly as slow on a busy machine, where a
 * wall-clock spin would be preempted and cost less CPU than it claims.
 */
function burn(us: number): void {
  const start = process.cpuUsage();
  const until = start.user + start.system + us;
  for (let u = start; u.user + u.system < until; u = process.cpuUsage());
}
