// The one Result type that flows from the harness to reports/. reports/ reads only these files.
// Every figure here was measured in the run that wrote it; nothing is filled in by default.
import type { MessageTarget, Protocol } from '../servers/contract.ts';
import type { BrowserExtra } from '../scenarios/browser-result.ts';

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
  extras: RunExtras;
}

/**
 * The extras a run may carry. Those the claims read are named and typed (result-schema.ts checks
 * them on read); any other is kept as it came and shown only by its own section renderer.
 */
export interface RunExtras {
  /** The browser scenario's checks (scenarios/browser.ts). */
  browser?: BrowserExtra;
  /** The path scenario's (server, path) pairs that could not run, with why. */
  paths?: PathsExtra;
  [name: string]: unknown;
}

/** `extras.paths`: what the path scenario could not measure here. */
export interface PathsExtra {
  skips: { server: string; path: string; reason: string }[];
}

/** How many streams' last response head had this status (SSE 200, WS 101, a refusal's 4xx). */
export interface StatusCount {
  status: number;
  count: number;
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

export type ScenarioKind = 'idle' | 'push' | 'reconnect' | 'sideload' | 'path' | 'upstream';

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
  | (StepBase & { kind: 'path'; params: PathParams; outcome: StepOutcome<PathMetrics> })
  | (StepBase & { kind: 'upstream'; params: UpstreamParams; outcome: StepOutcome<UpstreamMetrics> });

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
  /**
   * `binary` (the binary addition): each event is `bytes` random bytes, WS binary frames and base64
   * in SSE's data. Absent for text, so text steps keep the group keys of results written before it.
   */
  payload?: 'binary';
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
  /**
   * Client CPU milliseconds (every worker) per 1,000 delivered events over the same window; absent
   * in results written before it was recorded.
   */
  clientCpuMsPer1kEvents?: number;
  /** The binary addition: payload bytes the clients decoded per delivered event (0 for text); absent before it. */
  payloadBytesPerEvent?: number;
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
  /**
   * The streams' handshakes through this path: how many opened, and the status each stream's last
   * response head had (a proxy that refuses a WebSocket upgrade shows as its 4xx here, with 0
   * opened). Absent in results written before it was recorded.
   */
  handshake?: { opened: number; statuses: StatusCount[] };
  server: ProcessSample;
  client: ClientSide;
}

/** Where a message goes in the upstream scenario: back to its sender, or to every client of its room. */
export type UpstreamMode = 'echo' | 'room';

/** How clients send: WS on their stream's socket; SSE by POST, on a keep-alive connection or one per message. */
export type UpstreamTransport = 'socket' | 'keepalive' | 'per-request';

export const UPSTREAM_TARGET: Record<UpstreamMode, MessageTarget> = { echo: 'sender', room: 'room' };

export interface UpstreamParams {
  clients: number;
  /** Messages per second each client sends. */
  rate: number;
  /** About the JSON size of each message. */
  bytes: number;
  mode: UpstreamMode;
  transport: UpstreamTransport;
  /** Clients per room: each message reaches this many (the sender's too); 1 for echo. */
  roomSize: number;
  durationMs: number;
  warmupMs: number;
}

export interface UpstreamMetrics extends WindowDelivery {
  /** Messages the schedule asked for over the whole step (warm-up too), every client. */
  messagesScheduled: number;
  /** Messages written (a WS frame, an HTTP request). */
  messagesSent: number;
  /** Messages not sent, or sent and not answered 2xx (SSE), over the whole step. */
  messagesFailed: number;
  /** Why the first failed one failed; null when none did. */
  firstFailure: string | null;
  /** Messages the server counted in (`/healthz` messagesIn). */
  serverMessagesIn: number;
  deliveredPerSecond: number;
  /** Send-to-receive: from the message's t0 (its sender's intended send time, the same clock) to its arrival. */
  latencyFromT0: HistogramSummary;
  /** Relay-to-receive: from the server's t1 to the arrival. */
  latencyFromT1: HistogramSummary;
  /** HTTP requests per message sent (SSE 1, WS 0). */
  requestsPerMessage: number;
  /** Connections opened per message sent (per-request SSE 1; keep-alive SSE about 0; WS 0). */
  connectionsPerMessage: number;
  /** Bytes the client wrote per message (WS frame; HTTP request head and body). */
  bytesUpPerMessage: number;
  /** Bytes read back on the sending connection per message (the POST's answer; WS 0). */
  bytesAckPerMessage: number;
  /** Bytes read on the stream per message delivered (the relayed event, framing included). */
  bytesDownPerDelivery: number;
  /** Server CPU µs per message sent (its relay to every receiver included), over the whole schedule. */
  serverCpuUsPerMessage: number;
  /** Client CPU µs (every worker) per message sent, its deliveries' receiving included. */
  clientCpuUsPerMessage: number;
  /** The latest a message was handed to its sender after its t0 (the client's own lag), ms. */
  sendLateMaxMs: number;
  /** The streams' handshakes: SSE 200, WS 101. */
  httpStatuses: StatusCount[];
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
  params: IdleParams | PushParams | ReconnectParams | SideloadParams | PathParams | UpstreamParams;
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
