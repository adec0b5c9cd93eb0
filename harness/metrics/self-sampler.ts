// A client worker's view of itself over a measurement window: CPU (% of one core), RSS and the
// worst event-loop delay. Part of every step's validity: a saturated client measures itself.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

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
  private readonly lag: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.lag.enable();
  }

  /** Starts a new window. */
  reset(): void {
    this.cpu = process.cpuUsage();
    this.t = process.hrtime.bigint();
    this.lag.reset();
  }

  /** The window so far. */
  read(): SelfSample {
    const used = process.cpuUsage(this.cpu);
    const elapsedUs = Number(process.hrtime.bigint() - this.t) / 1000;
    return {
      cpuPercent: elapsedUs > 0 ? ((used.user + used.system) / elapsedUs) * 100 : 0,
      rssBytes: process.memoryUsage.rss(),
      // The histogram's max includes the sampling resolution itself.
      eventLoopLagMaxMs: Math.max(0, this.lag.max / 1e6 - 10),
      eventLoopLagP90Ms: Math.max(0, this.lag.percentile(90) / 1e6 - 10),
    };
  }

  stop(): void {
    this.lag.disable();
  }
}
