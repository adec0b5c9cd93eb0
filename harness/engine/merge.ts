// How the coordinator folds its workers' reports into one: counters summed, histograms merged
// (decoded and added, never sample arrays), per-worker figures kept apart where a maximum matters.
// Pure, so "two workers report what one would" is testable without processes.
import { createHistogram, encodeHistogram, mergeInto } from '../../result/histogram.ts';
import type { SelfSample } from '../metrics/self-sampler.ts';
import type { ConnectReport, ReconnectReport, StatusCount, WindowReport } from './protocol.ts';
import type { SendReport } from './send-run.ts';
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
  /** Streams by the status of their last response head, over every worker (ascending status). */
  httpStatuses: StatusCount[];
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
    httpStatuses: mergeStatuses(reports.map((r) => r.httpStatuses ?? [])),
  };
}

/** Status counts summed by status, ascending. */
export function mergeStatuses(lists: StatusCount[][]): StatusCount[] {
  const by = new Map<number, number>();
  for (const list of lists) for (const s of list) by.set(s.status, (by.get(s.status) ?? 0) + s.count);
  return [...by].sort((a, b) => a[0] - b[0]).map(([status, count]) => ({ status, count }));
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
    payloadBytes: sum(reports.map((r) => r.payloadBytes)),
    payloadErrors: sum(reports.map((r) => r.payloadErrors)),
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

/** Every worker's sending side summed; the latest send is the worst worker's. */
export interface MergedSend {
  scheduled: number;
  issued: number;
  sent: number;
  acknowledged: number;
  failed: number;
  requests: number;
  connections: number;
  bytesUp: number;
  bytesAck: number;
  firstFailure: string | null;
  lateMaxMs: number;
  /** Every worker's CPU over its measured part (after the warm-up), µs, and the messages it sent meanwhile. */
  measuredCpuUs: number;
  measuredMessages: number;
}

export function mergeSends(reports: SendReport[]): MergedSend {
  return {
    scheduled: sum(reports.map((r) => r.scheduled)),
    issued: sum(reports.map((r) => r.issued)),
    sent: sum(reports.map((r) => r.tally.sent)),
    acknowledged: sum(reports.map((r) => r.tally.acknowledged)),
    failed: sum(reports.map((r) => r.tally.failed)),
    requests: sum(reports.map((r) => r.tally.requests)),
    connections: sum(reports.map((r) => r.tally.connections)),
    bytesUp: sum(reports.map((r) => r.tally.bytesUp)),
    bytesAck: sum(reports.map((r) => r.tally.bytesAck)),
    firstFailure: reports.find((r) => r.tally.firstFailure !== null)?.tally.firstFailure ?? null,
    lateMaxMs: Math.max(0, ...reports.map((r) => r.lateMaxMs)),
    measuredCpuUs: sum(reports.map((r) => r.measuredCpuUs)),
    measuredMessages: sum(reports.map((r) => r.measuredMessages)),
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
