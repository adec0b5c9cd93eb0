// The fixed-rate schedule: event k (0-based) is due at start + k/rate. A tick emits every event
// that is due; a server that falls behind emits late, and that lateness shows in latency from t0
// (coordinated-omission safe). Timers have ~1 ms granularity in Node; that applies to every Node
// server alike.
export interface DueEvent {
  /** 0-based index within this broadcast. */
  index: number;
  /** Intended send time, CLOCK_MONOTONIC ns. */
  t0: bigint;
}

export class FixedRateSchedule {
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly startNs: bigint;
  private stopped = false;

  constructor(
    private readonly rate: number,
    private readonly count: number,
    /** Called once per tick with the events due in it, in order. */
    private readonly onDue: (due: DueEvent[]) => void,
    private readonly now: () => bigint = process.hrtime.bigint,
    /** Calibration fault: emit this much later than due (t0 stays the intended time). */
    private readonly lateByNs: bigint = 0n,
    /**
     * When event 0 is due (default: now). The clustered servers pass the start the primary chose,
     * so every worker emits the same t0 for the same index (servers/node/cluster.ts).
     */
    startNs?: bigint,
  ) {
    this.startNs = startNs ?? this.now();
  }

  start(): void {
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  get done(): boolean {
    return this.stopped || this.next >= this.count;
  }

  /**
   * Emits the next `n` events now (fewer when the schedule has fewer left), each with its own t0,
   * even when stopped: a clustered worker that paused behind its siblings catches up to the seq
   * they reached, so every worker holds the same events. Returns how many were emitted.
   */
  emitNext(n: number): number {
    const due: DueEvent[] = [];
    while (due.length < n && this.next < this.count) {
      due.push({ index: this.next, t0: this.dueAt(this.next) });
      this.next++;
    }
    if (due.length > 0) this.onDue(due);
    return due.length;
  }

  dueAt(index: number): bigint {
    return this.startNs + BigInt(Math.round((index * 1e9) / this.rate));
  }

  private tick = (): void => {
    this.timer = null;
    if (this.stopped) return;
    const now = this.now();
    const due: DueEvent[] = [];
    while (this.next < this.count) {
      const t0 = this.dueAt(this.next);
      if (t0 + this.lateByNs > now) break;
      due.push({ index: this.next, t0 });
      this.next++;
    }
    if (due.length > 0) this.onDue(due);
    if (this.stopped || this.next >= this.count) return;
    const waitNs = this.dueAt(this.next) + this.lateByNs - this.now();
    const waitMs = waitNs > 0n ? Number(waitNs / 1_000_000n) : 0;
    this.timer = setTimeout(this.tick, waitMs);
  };
}
