// How the coordinator folds its workers' reports into one: counters summed, histograms merged
// (decoded and added, never sample arrays), per-worker figures kept apart where a maximum matters.
// Pure, so "two workers report what one would" is testable without processes.
import { createHistogram, encodeHistogram, mergeInto } from '../metrics/histogram.ts';
import type { SelfSample } from '../metrics/self-sampler.ts';
import type { ConnectReport, ReconnectReport, WindowReport } from './protocol.ts';
import { sumTimelines } from './timeline.ts';

export interface MergedConnect {
  held: number;
  failuresByCause: Record<string, number>;
  /** Connect times in µs. */
  connectHistogram: string;
  /** Connections held per second of the slowest worker's ramp. */
  ratePerSecond: number;
  durationMs: number;
  capHit: boolean;
  clientRssBeforeBytes: number;
  clientRssAfterBytes: number;
  /** Busiest worker's CPU during the ramp, % of one core. */
  clientCpuPercentMax: number;
  /** Per worker, in worker order: what each held and its RSS growth (client bytes per connection). */
  perWorker: { held: number; rssBeforeBytes: number; rssAfterBytes: number }[];
}

/** A window summed over workers: the same counters as one worker's, and every worker's self-sample. */
export interface MergedWindow extends Omit<WindowReport, 'self'> {
  workers: SelfSample[];
}

export interface MergedReconnect extends Omit<ReconnectReport, 'timeline'> {
  timeline: { tMs: number; connected: number; eventsPerSecond: number }[];
}

export function mergeConnects(reports: ConnectReport[], durationMs: number): MergedConnect {
  const merged = createHistogram('us');
  for (const r of reports) mergeInto(merged, r.connectHistogram);
  const held = sum(reports.map((r) => r.held));
  return {
    held,
    failuresByCause: sumRecords(reports.map((r) => r.failuresByCause)),
    connectHistogram: encodeHistogram(merged),
    ratePerSecond: (held * 1000) / Math.max(1, ...reports.map((r) => r.durationMs)),
    durationMs,
    capHit: reports.some((r) => r.capHit),
    clientRssBeforeBytes: sum(reports.map((r) => r.rssBeforeBytes)),
    clientRssAfterBytes: sum(reports.map((r) => r.rssAfterBytes)),
    clientCpuPercentMax: Math.max(0, ...reports.map((r) => r.cpuPercent)),
    perWorker: reports.map((r) => ({ held: r.held, rssBeforeBytes: r.rssBeforeBytes, rssAfterBytes: r.rssAfterBytes })),
  };
}

export function mergeWindows(reports: WindowReport[]): MergedWindow {
  const t0 = createHistogram('us');
  const t1 = createHistogram('us');
  const first = createHistogram('us');
  for (const r of reports) {
    mergeInto(first, r.firstEventFromT0);
    mergeInto(t0, r.latencyFromT0);
    mergeInto(t1, r.latencyFromT1);
  }
  return {
    connected: sum(reports.map((r) => r.connected)),
    received: sum(reports.map((r) => r.received)),
    receivedSinceBegin: sum(reports.map((r) => r.receivedSinceBegin)),
    duplicates: sum(reports.map((r) => r.duplicates)),
    outOfOrder: sum(reports.map((r) => r.outOfOrder)),
    gaps: sum(reports.map((r) => r.gaps)),
    lostWithProcess: sum(reports.map((r) => r.lostWithProcess)),
    wireBytes: sum(reports.map((r) => r.wireBytes)),
    latencyFromT0: encodeHistogram(t0),
    firstEventFromT0: encodeHistogram(first),
    latencyFromT1: encodeHistogram(t1),
    workers: reports.map((r) => r.self),
  };
}

export function mergeReconnects(reports: ReconnectReport[]): MergedReconnect {
  const times = createHistogram('us');
  const downtime = createHistogram('us');
  const replay = createHistogram('us');
  for (const r of reports) {
    mergeInto(times, r.reconnectHistogram);
    mergeInto(downtime, r.downtimeHistogram);
    mergeInto(replay, r.replayLatency);
  }
  return {
    disrupted: sum(reports.map((r) => r.disrupted)),
    reconnected: sum(reports.map((r) => r.reconnected)),
    attempts: sum(reports.map((r) => r.attempts)),
    errorsByCause: sumRecords(reports.map((r) => r.errorsByCause)),
    reconnectHistogram: encodeHistogram(times),
    downtimeHistogram: encodeHistogram(downtime),
    replayed: sum(reports.map((r) => r.replayed)),
    replayLatency: encodeHistogram(replay),
    timeline: sumTimelines(reports.map((r) => r.timeline)),
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function sumRecords(records: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}
