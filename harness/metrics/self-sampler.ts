// A client worker's view of itself over a measurement window: CPU (% of one core), RSS and the
// worst event-loop delay. Part of every step's validity: a saturated client measures itself.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * The delay monitor's timer period. Node records the whole time between two firings (measured
 * here: 10.0–10.15 ms on an idle loop), so the period is subtracted to leave the lag alone.
 */
const RESOLUTION_MS = 10;

export interface SelfSample {
  cpuPercent: number;
  rssBytes: number;
  eventLoopLagMaxMs: number;
  /** 90th percentile of the event-loop delay: lag "for long", not one burst. */
  eventLoopLagP90Ms: number;
}

export class SelfSampler {
  private cpu = process.cpuUsage();
  private t = process.hrtime.bigint();
  private readonly lag: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });

  constructor() {
    this.lag.enable();
  }

  /**
   * Starts a new window. Node's reset also forgets the monitor's last timestamp, so the first
   * timer period after a reset records nothing: a block in the first ~10 ms of a window is missed.
   */
  reset(): void {
    this.cpu = process.cpuUsage();
    this.t = process.hrtime.bigint();
    this.lag.reset();
  }

  /** The window so far: CPU in % of one core (user + system), RSS now. */
  read(): SelfSample {
    const used = process.cpuUsage(this.cpu);
    const elapsedUs = Number(process.hrtime.bigint() - this.t) / 1000;
    return {
      cpuPercent: elapsedUs > 0 ? ((used.user + used.system) / elapsedUs) * 100 : 0,
      rssBytes: process.memoryUsage.rss(),
      // An empty histogram reports 0 for both: no lag measured yet.
      eventLoopLagMaxMs: Math.max(0, this.lag.max / 1e6 - RESOLUTION_MS),
      eventLoopLagP90Ms: Math.max(0, this.lag.percentile(90) / 1e6 - RESOLUTION_MS),
    };
  }

  stop(): void {
    this.lag.disable();
  }
}
