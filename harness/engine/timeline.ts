// Connected clients and events received per 100 ms bucket since a disruption mark. Buckets are
// placed by the times the events and opens already carry (CLOCK_MONOTONIC ns, the same clock in
// every process on the host), not by a timer, so every worker's bucket i covers the same instant
// and the coordinator can add them index by index.
export const BUCKET_MS = 100;
/** Two minutes of buckets: bounded whatever the run does. */
export const MAX_BUCKETS = 1200;

const BUCKET_NS = BUCKET_MS * 1e6;

export interface TimelineBucket {
  /** Open connections at the end of the bucket. */
  connected: number;
  /** Events received within the bucket. */
  events: number;
}

export class Timeline {
  private readonly events = new Uint32Array(MAX_BUCKETS);
  /** Opens minus closes within each bucket. */
  private readonly delta = new Int32Array(MAX_BUCKETS);

  constructor(
    readonly markNs: number,
    /** Open connections at the mark. */
    private readonly connectedAtMark: number,
  ) {}

  /** Hot path: one event received at `tNs`. Before the mark or past the last bucket: not counted. */
  event(tNs: number): void {
    const i = Math.floor((tNs - this.markNs) / BUCKET_NS);
    if (i >= 0 && i < MAX_BUCKETS) this.events[i]!++;
  }

  opened(tNs: number): void {
    this.shift(tNs, 1);
  }

  closed(tNs: number): void {
    this.shift(tNs, -1);
  }

  /** The buckets that ended by `untilNs` (at most MAX_BUCKETS). */
  buckets(untilNs: number): TimelineBucket[] {
    const n = Math.min(MAX_BUCKETS, Math.max(0, Math.floor((untilNs - this.markNs) / BUCKET_NS)));
    const out: TimelineBucket[] = [];
    let connected = this.connectedAtMark;
    for (let i = 0; i < n; i++) {
      connected += this.delta[i]!;
      out.push({ connected, events: this.events[i]! });
    }
    return out;
  }

  private shift(tNs: number, by: number): void {
    // A change just before the mark (a message in flight) belongs to the first bucket.
    const i = Math.max(0, Math.floor((tNs - this.markNs) / BUCKET_NS));
    if (i < MAX_BUCKETS) this.delta[i]! += by;
  }
}

/** Adds workers' timelines bucket by bucket (they share the mark and `untilNs`, so the same length). */
export function sumTimelines(timelines: TimelineBucket[][]): { tMs: number; connected: number; eventsPerSecond: number }[] {
  const n = Math.max(0, ...timelines.map((t) => t.length));
  const out: { tMs: number; connected: number; eventsPerSecond: number }[] = [];
  for (let i = 0; i < n; i++) {
    let connected = 0;
    let events = 0;
    for (const t of timelines) {
      // A shorter timeline (a worker that answered with fewer buckets) holds its last state.
      const b = t[i] ?? t[t.length - 1];
      connected += b?.connected ?? 0;
      events += t[i]?.events ?? 0;
    }
    out.push({ tMs: (i + 1) * BUCKET_MS, connected, eventsPerSecond: (events * 1000) / BUCKET_MS });
  }
  return out;
}
