// The harness's own fixed-rate schedule for a broker target: event k is due at start + k/rate
// (servers/node/schedule.ts, the one every Node server uses) and carries that intended time as t0,
// so latency from t0 is publish-to-receive and coordinated-omission safe: a publish that starts late
// (broker slow to accept, publisher behind) shows as latency, never as a thinner schedule.
import { eventDataJson } from '../../servers/node/payload.ts';
import { FixedRateSchedule, type DueEvent } from '../../servers/node/schedule.ts';
import type { OutgoingEvent, Publisher } from './publisher.ts';

export interface PublishRunOptions {
  rate: number;
  count: number;
  bytes: number;
  /** Seq of the first event (seqs run on across a session's windows, like a server's). */
  firstSeq: number;
}

export interface PublishReport {
  published: number;
  failed: number;
  firstError: string | null;
  /** Largest delay from an event's t0 to the start of its publish request, ns. */
  maxStartLagNs: number;
}

export class PublishRun {
  private readonly queue: DueEvent[] = [];
  private busy = false;
  private readonly report: PublishReport = { published: 0, failed: 0, firstError: null, maxStartLagNs: 0 };
  private readonly schedule: FixedRateSchedule;
  private resolveDone!: (r: PublishReport) => void;
  readonly done: Promise<PublishReport>;

  constructor(
    private readonly publisher: Publisher,
    private readonly opts: PublishRunOptions,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
    this.schedule = new FixedRateSchedule(opts.rate, opts.count, (due) => {
      this.queue.push(...due);
      void this.pump();
    });
  }

  start(): this {
    if (this.opts.count === 0) this.resolveDone(this.report);
    else this.schedule.start();
    return this;
  }

  /** Stops scheduling; events already due still go out. */
  stop(): void {
    this.schedule.stop();
    if (!this.busy && this.queue.length === 0) this.resolveDone(this.report);
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.publisher.maxBatch);
      const t1 = process.hrtime.bigint();
      const lag = Number(t1 - batch[0]!.t0);
      if (lag > this.report.maxStartLagNs) this.report.maxStartLagNs = lag;
      const events: OutgoingEvent[] = batch.map((d) => {
        const seq = this.opts.firstSeq + d.index;
        return { seq, data: eventDataJson(seq, d.t0, t1, this.opts.bytes) };
      });
      try {
        await this.publisher.send(events);
        this.report.published += events.length;
      } catch (err) {
        this.report.failed += events.length;
        this.report.firstError ??= (err as Error).message;
      }
    }
    this.busy = false;
    // Every event scheduled (or the run stopped) and sent: resolving twice is harmless.
    if (this.schedule.done && this.queue.length === 0) this.resolveDone(this.report);
  }
}
