// The ramp's pace: a token bucket refilled from elapsed time, so the asked connect rate holds even
// when timers fire late (a fixed batch per 10 ms tick falls short by however late each tick is).
// The bucket holds at most 100 ms of tokens: after a longer stall the ramp does not burst to catch up.
export class DialBucket {
  private tokens: number;
  private readonly capacity: number;

  constructor(
    private readonly perSecond: number,
    private lastMs: number,
  ) {
    if (!(perSecond > 0)) throw new Error(`connect rate must be positive, got ${perSecond}`);
    this.capacity = Math.max(1, Math.ceil(perSecond / 10));
    this.tokens = 1;
  }

  /** Whole dials allowed now (taken from the bucket). */
  take(nowMs: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.lastMs) * this.perSecond) / 1000);
    this.lastMs = nowMs;
    const n = Math.floor(this.tokens);
    this.tokens -= n;
    return n;
  }

  /** Milliseconds until the next whole token (0 when one is ready). */
  waitMs(nowMs: number): number {
    const tokens = this.tokens + ((nowMs - this.lastMs) * this.perSecond) / 1000;
    return tokens >= 1 ? 0 : ((1 - tokens) * 1000) / this.perSecond;
  }
}
