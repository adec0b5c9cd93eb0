// The one Result type that flows from the harness to reports/. reports/ reads only these files.
// Every figure here was measured in the run that wrote it; nothing is filled in by default.
import type { Protocol } from '../servers/contract.ts';

export const RESULT_SCHEMA = 'pushbench/result@1';

export interface RunResult {
  schema: typeof RESULT_SCHEMA;
  runId: string;
  label: string;
  startedAt: string;
  finishedAt: string;
  /** The command line that produced this run, so every figure can be reproduced. */
  command: string;
  environment: Environment;
  /** The resolved plan this run executed (scenario data, after validation). */
  plan: unknown;
  steps: StepResult[];
  /** Median/spread over repetitions of each (scenario, server, params) group, valid steps only. */
  groups: GroupSummary[];
  /** Knee search results, when the push scenario ran with --find-knee. */
  knees: KneeResult[];
  /** Servers that were asked for but could not run, with the one-line reason. */
  skipped: { server: string; reason: string }[];
  /** Extra sections later issues attach (browser checks, calibration, claims...), keyed by name. */
  extras: Record<string, unknown>;
}

export interface Environment {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  kernel: string;
  platform: string;
  node: string;
  packages: Record<string, string>;
  gitSha: string | null;
  date: string;
  openFileCap: number;
  ephemeralPorts: number;
}

export type ScenarioKind = 'idle' | 'push' | 'reconnect' | 'sideload' | 'path';

/** Summary of an HDR histogram. Values are in `unit`; `encoded` is the compressed base64 histogram. */
export interface HistogramSummary {
  unit: 'us' | 'ms';
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  encoded: string;
}

export interface ValidityCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export type StepOutcome<M> =
  | { state: 'completed'; metrics: M; checks: ValidityCheck[] }
  | { state: 'invalid'; metrics: M; checks: ValidityCheck[]; reasons: string[] }
  | { state: 'failed'; reason: string };

interface StepBase {
  /** Stable key of the group this step belongs to (scenario, server, params without repetition). */
  group: string;
  server: string;
  protocol: Protocol;
  pair: string | null;
  repetition: number;
  startedAt: string;
  durationMs: number;
}

export type StepResult =
  | (StepBase & { kind: 'idle'; params: IdleParams; outcome: StepOutcome<IdleMetrics> })
  | (StepBase & { kind: 'push'; params: PushParams; outcome: StepOutcome<PushMetrics> })
  | (StepBase & { kind: 'reconnect'; params: ReconnectParams; outcome: StepOutcome<ReconnectMetrics> })
  | (StepBase & { kind: 'sideload'; params: SideloadParams; outcome: StepOutcome<SideloadMetrics> })
  | (StepBase & { kind: 'path'; params: PathParams; outcome: StepOutcome<PathMetrics> });

export interface ProcessSample {
  rssBytes: number;
  hwmBytes: number;
  threads: number;
  /** CPU used over the sampled window, in percent of one core. */
  cpuPercent: number;
}

export interface ClientSide {
  workers: number;
  sourceAddresses: number;
  /** Highest CPU of any one client worker over the measured window, % of one core. */
  cpuPercentMax: number;
  /** Sum over workers, % of one core. */
  cpuPercentTotal: number;
  rssBytesTotal: number;
  eventLoopLagMaxMs: number;
  /** Worst worker's 90th percentile event-loop delay. */
  eventLoopLagP90Ms: number;
}

export interface IdleParams {
  clients: number;
  rampPerSecond: number;
  settleMs: number;
  holdMs: number;
}

export interface IdleMetrics {
  clientsHeld: number;
  connectMs: HistogramSummary;
  connectRatePerSecond: number;
  /** Which side held the ramp back: CPU of each during the ramp, and the verdict drawn from it. */
  /** `accept-queue`: connect p99 ≥ 1 s with neither side saturated (SYNs dropped: the listen backlog overflowed). */
  ramp: { serverCpuPercent: number; clientCpuPercentMax: number; limitedBy: 'server' | 'client' | 'neither' | 'accept-queue' | 'unclear' };
  failuresByCause: Record<string, number>;
  serverBaseline: ProcessSample & { heapUsedBytes: number | null };
  serverHold: ProcessSample & { heapUsedBytes: number | null };
  /** (RSS during hold − RSS baseline) / held connections. */
  serverBytesPerConnection: number;
  serverHeapBytesPerConnection: number | null;
  kernelSocketBytesPerConnection: number;
  clientBytesPerConnection: number;
  /** Streams per TCP connection as the server counts them (HTTP/2 multiplexes); null when not reported. */
  streamsPerTcpConnection: number | null;
  client: ClientSide;
}

export interface PushParams {
  clients: number;
  rate: number;
  bytes: number;
  durationMs: number;
  warmupMs: number;
  coalesce: boolean;
}

/** What a measured window delivered, summed over clients: push and path steps both count it. */
export interface WindowDelivery {
  clientsConnected: number;
  /** Events of the window times connected clients. */
  expected: number;
  received: number;
  gaps: number;
  duplicates: number;
  outOfOrder: number;
}

export interface PushMetrics extends WindowDelivery {
  deliveredPerSecond: number;
  latencyFromT0: HistogramSummary;
  latencyFromT1: HistogramSummary;
  wireBytesPerEvent: number;
  server: ProcessSample;
  /** Server CPU milliseconds per 1,000 delivered events (all clients). */
  serverCpuMsPer1kEvents: number;
  client: ClientSide;
}

export type ReconnectMode = 'drop' | 'restart' | 'partial';

export interface ReconnectParams {
  clients: number;
  rate: number;
  bytes: number;
  mode: ReconnectMode;
  /** Fraction of connections dropped in `partial` mode (1 for the others). */
  fraction: number;
  downtimeMs: number;
  jitter: boolean;
  backoff: boolean;
}

export interface ReconnectMetrics {
  clientsConnected: number;
  disrupted: number;
  timeToFirstMs: number | null;
  timeTo50Ms: number | null;
  timeTo90Ms: number | null;
  timeTo99Ms: number | null;
  timeTo100Ms: number | null;
  reconnectRatePerSecond: number;
  attempts: number;
  errorsByCause: Record<string, number>;
  replayed: number;
  gaps: number;
  duplicates: number;
  lostWithProcess: number;
  catchUpMs: number | null;
  replayLatency: HistogramSummary;
  timeline: { tMs: number; connected: number; eventsPerSecond: number }[];
  client: ClientSide;
}

export interface SideloadParams {
  /** Streams held open while the plain HTTP endpoint is loaded (0 = the baseline). */
  clients: number;
  /** Events/s pushed to the held streams during the load (0 = idle streams). */
  pushRate: number;
  durationMs: number;
  /** autocannon connections. */
  connections: number;
  path: string;
}

export interface SideloadMetrics {
  streamsHeld: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  errors: number;
  non2xx: number;
  /** req/s of the same server process with no stream held, measured just before; null for the baseline itself. */
  baselineRequestsPerSecond: number | null;
  ratioToBaseline: number | null;
  server: ProcessSample;
  client: ClientSide | null;
}

export interface PathParams {
  clients: number;
  rate: number;
  bytes: number;
  durationMs: number;
  /** How clients reach the server: direct, nginx, nginx-noheader, nginx-nobuffer, net:<conditions>. */
  path: string;
}

export interface PathMetrics extends WindowDelivery {
  /** The path in words ("nginx, server omits X-Accel-Buffering", "loss 1 %, +20 ms"). */
  pathDescription: string;
  /** Per client: time from the first event's t0 until it arrived (ms); count = clients that got it. */
  firstEventMs: HistogramSummary;
  latencyFromT0: HistogramSummary;
  /** How long the step waited for delivery after the schedule's end (ms). */
  drainedMs: number;
  /** Server-reported TCP connections per stream (HTTP/2 multiplexes); null when not reported. */
  streamsPerTcpConnection: number | null;
  server: ProcessSample;
  client: ClientSide;
}

/** Median and spread (min..max) of one metric over the valid repetitions of a group. */
export interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
}

export interface GroupSummary {
  group: string;
  kind: ScenarioKind;
  server: string;
  protocol: Protocol;
  pair: string | null;
  params: IdleParams | PushParams | ReconnectParams | SideloadParams | PathParams;
  validRepetitions: number;
  totalRepetitions: number;
  /** Headline metrics by name (e.g. serverBytesPerConnection, p99FromT0Us), valid steps only. */
  metrics: Record<string, Stat>;
}

export interface KneeResult {
  server: string;
  protocol: Protocol;
  clients: number;
  bytes: number;
  thresholdMs: number;
  lastGoodRate: number | null;
  firstBadRate: number | null;
  reason: string;
}
