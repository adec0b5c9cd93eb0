// The one result type that flows from the harness to reports/, which read only these files.
// Every figure here was measured in the run that wrote it; nothing is filled in by default.
//
// The zod schema is the source of truth and every type is inferred from it, so the checks made
// on read (a result file is untrusted input: reports are published and shared, and anyone can edit
// a results.json) and the types the code writes cannot drift apart. Fields that results written by
// earlier versions lack are optional (said where); everything else is required.
import { z } from 'zod';
import { extrasSchema } from './extras.ts';
import { PROFILERS } from './profilers.ts';
import { count, figure, figures, nullableFigure, protocol, text } from './fields.ts';

export const RESULT_SCHEMA = 'pushbench/result@1';

const environment = z.object({
  cpuModel: text,
  cores: count,
  memoryBytes: figure,
  kernel: text,
  platform: text,
  node: text,
  packages: z.record(z.string(), text),
  gitSha: text.nullable(),
  date: text,
  openFileCap: figure,
  ephemeralPorts: figure,
});
export type Environment = z.infer<typeof environment>;

/** Summary of an HDR histogram. Values are in `unit`; `encoded` is the compressed base64 histogram. */
const histogram = z.object({
  unit: z.enum(['us', 'ms']),
  count: figure,
  min: figure,
  mean: figure,
  p50: figure,
  p90: figure,
  p99: figure,
  p999: figure,
  max: figure,
  encoded: text,
});
export type HistogramSummary = z.infer<typeof histogram>;

const check = z.object({ name: text, ok: z.boolean(), detail: text });
export type ValidityCheck = z.infer<typeof check>;

export type StepOutcome<M> =
  | { state: 'completed'; metrics: M; checks: ValidityCheck[] }
  | { state: 'invalid'; metrics: M; checks: ValidityCheck[]; reasons: string[] }
  | { state: 'failed'; reason: string };

function outcome<M extends z.ZodType>(metrics: M) {
  return z.discriminatedUnion('state', [
    z.object({ state: z.literal('completed'), metrics, checks: z.array(check) }),
    z.object({ state: z.literal('invalid'), metrics, checks: z.array(check), reasons: z.array(text) }),
    z.object({ state: z.literal('failed'), reason: text }),
  ]);
}

const processSample = z.object({
  rssBytes: figure,
  hwmBytes: figure,
  threads: figure,
  /** CPU used over the sampled window, in percent of one core. */
  cpuPercent: figure,
});
export type ProcessSample = z.infer<typeof processSample>;

const clientSide = z.object({
  workers: figure,
  sourceAddresses: figure,
  /** Highest CPU of any one client worker over the measured window, % of one core. */
  cpuPercentMax: figure,
  /** Sum over workers, % of one core. */
  cpuPercentTotal: figure,
  rssBytesTotal: figure,
  eventLoopLagMaxMs: figure,
  /** Worst worker's 90th percentile event-loop delay. */
  eventLoopLagP90Ms: figure,
});
export type ClientSide = z.infer<typeof clientSide>;

/** How many streams' last response head had this status (SSE 200, WS 101, a refusal's 4xx). */
const statusCount = z.object({ status: count, count });
export type StatusCount = z.infer<typeof statusCount>;

const idleParams = z.object({ clients: count, rampPerSecond: figure, settleMs: figure, holdMs: figure });
export type IdleParams = z.infer<typeof idleParams>;
const idleMetrics = z.object({
  clientsHeld: figure,
  connectMs: histogram,
  connectRatePerSecond: figure,
  /**
   * Which side held the ramp back: CPU of each during the ramp, and the verdict drawn from it.
   * `accept-queue`: connect p99 ≥ 1 s with neither side saturated (SYNs dropped: the listen backlog overflowed).
   */
  ramp: z.object({ serverCpuPercent: figure, clientCpuPercentMax: figure, limitedBy: z.enum(['server', 'client', 'neither', 'accept-queue', 'unclear']) }),
  failuresByCause: figures,
  serverBaseline: processSample.extend({ heapUsedBytes: nullableFigure }),
  serverHold: processSample.extend({ heapUsedBytes: nullableFigure }),
  /** (RSS during hold − RSS baseline) / held connections. */
  serverBytesPerConnection: figure,
  serverHeapBytesPerConnection: nullableFigure,
  kernelSocketBytesPerConnection: figure,
  clientBytesPerConnection: figure,
  /**
   * Streams per TCP connection as the server counts them (HTTP/2 multiplexes); null when not
   * reported. Results written before HTTP/2 support lack it (read as not reported).
   */
  streamsPerTcpConnection: nullableFigure.optional() as unknown as z.ZodType<number | null>,
  client: clientSide,
});
export type IdleMetrics = z.infer<typeof idleMetrics>;

const pushParams = z.object({
  clients: count,
  rate: figure,
  bytes: figure,
  durationMs: figure,
  warmupMs: figure,
  coalesce: z.boolean(),
  /**
   * `binary` (the binary addition): each event is `bytes` random bytes, WS binary frames and base64
   * in SSE's data. Absent for text, so text steps keep the group keys of results written before it.
   */
  payload: z.literal('binary').optional(),
});
export type PushParams = z.infer<typeof pushParams>;

/** What a measured window delivered, summed over clients: push, path and upstream steps count it. */
const windowDelivery = {
  clientsConnected: figure,
  /** Events of the window times connected clients. */
  expected: figure,
  received: figure,
  gaps: figure,
  duplicates: figure,
  outOfOrder: figure,
};

const pushMetrics = z.object({
  ...windowDelivery,
  deliveredPerSecond: figure,
  latencyFromT0: histogram,
  latencyFromT1: histogram,
  wireBytesPerEvent: figure,
  server: processSample,
  /** Server CPU milliseconds per 1,000 delivered events (all clients). */
  serverCpuMsPer1kEvents: figure,
  /** Client CPU milliseconds (every worker) per 1,000 delivered events over the same window; absent before it was recorded. */
  clientCpuMsPer1kEvents: figure.optional(),
  /** The binary addition: payload bytes the clients decoded per delivered event (0 for text); absent before it. */
  payloadBytesPerEvent: figure.optional(),
  client: clientSide,
});
export type PushMetrics = z.infer<typeof pushMetrics>;

const reconnectMode = z.enum(['drop', 'restart', 'partial']);
export type ReconnectMode = z.infer<typeof reconnectMode>;
const reconnectParams = z.object({
  clients: count,
  rate: figure,
  bytes: figure,
  mode: reconnectMode,
  /** Fraction of connections dropped in `partial` mode (1 for the others). */
  fraction: figure,
  downtimeMs: figure,
  jitter: z.boolean(),
  backoff: z.boolean(),
});
export type ReconnectParams = z.infer<typeof reconnectParams>;
const reconnectMetrics = z.object({
  clientsConnected: figure,
  disrupted: figure,
  timeToFirstMs: nullableFigure,
  timeTo50Ms: nullableFigure,
  timeTo90Ms: nullableFigure,
  timeTo99Ms: nullableFigure,
  timeTo100Ms: nullableFigure,
  reconnectRatePerSecond: figure,
  attempts: figure,
  errorsByCause: figures,
  replayed: figure,
  gaps: figure,
  duplicates: figure,
  lostWithProcess: figure,
  catchUpMs: nullableFigure,
  replayLatency: histogram,
  timeline: z.array(z.object({ tMs: figure, connected: figure, eventsPerSecond: figure })),
  client: clientSide,
});
export type ReconnectMetrics = z.infer<typeof reconnectMetrics>;

const sideloadParams = z.object({
  /** Streams held open while the plain HTTP endpoint is loaded (0 = the baseline). */
  clients: count,
  /** Events/s pushed to the held streams during the load (0 = idle streams). */
  pushRate: figure,
  durationMs: figure,
  /** autocannon connections. */
  connections: figure,
  path: text,
});
export type SideloadParams = z.infer<typeof sideloadParams>;
const sideloadMetrics = z.object({
  streamsHeld: figure,
  requests: figure,
  requestsPerSecond: figure,
  latencyMs: z.object({ mean: figure, p50: figure, p90: figure, p99: figure, max: figure }),
  errors: figure,
  non2xx: figure,
  /** req/s of the same server process with no stream held, measured just before; null for the baseline itself. */
  baselineRequestsPerSecond: nullableFigure,
  ratioToBaseline: nullableFigure,
  server: processSample,
  client: clientSide.nullable(),
});
export type SideloadMetrics = z.infer<typeof sideloadMetrics>;

const pathParams = z.object({
  clients: count,
  rate: figure,
  bytes: figure,
  durationMs: figure,
  /** How clients reach the server: direct, nginx, nginx-noheader, nginx-nobuffer, net:<conditions>. */
  path: text,
});
export type PathParams = z.infer<typeof pathParams>;
const pathMetrics = z.object({
  ...windowDelivery,
  /** The path in words ("nginx, server omits X-Accel-Buffering", "loss 1 %, +20 ms"). */
  pathDescription: text,
  /** Per client: time from the first event's t0 until it arrived (ms); count = clients that got it. */
  firstEventMs: histogram,
  latencyFromT0: histogram,
  /** How long the step waited for delivery after the schedule's end (ms). */
  drainedMs: figure,
  /** Server-reported TCP connections per stream (HTTP/2 multiplexes); null when not reported. */
  streamsPerTcpConnection: nullableFigure,
  /**
   * The streams' handshakes through this path: how many opened, and the status each stream's last
   * response head had (a proxy that refuses a WebSocket upgrade shows as its 4xx here, with 0
   * opened). Absent in results written before it was recorded.
   */
  handshake: z.object({ opened: count, statuses: z.array(statusCount) }).optional(),
  server: processSample,
  client: clientSide,
});
export type PathMetrics = z.infer<typeof pathMetrics>;

/** Where a message goes in the upstream scenario: back to its sender, or to every client of its room. */
const upstreamMode = z.enum(['echo', 'room']);
export type UpstreamMode = z.infer<typeof upstreamMode>;
/** How clients send: WS on their stream's socket; SSE by POST, on a keep-alive connection or one per message. */
const upstreamTransport = z.enum(['socket', 'keepalive', 'per-request']);
export type UpstreamTransport = z.infer<typeof upstreamTransport>;
const upstreamParams = z.object({
  clients: count,
  /** Messages per second each client sends. */
  rate: figure,
  /** About the JSON size of each message. */
  bytes: figure,
  mode: upstreamMode,
  transport: upstreamTransport,
  /** Clients per room: each message reaches this many (the sender's too); 1 for echo. */
  roomSize: count,
  durationMs: figure,
  warmupMs: figure,
});
export type UpstreamParams = z.infer<typeof upstreamParams>;
const upstreamMetrics = z.object({
  ...windowDelivery,
  /** Messages the schedule asked for over the whole step (warm-up too), every client. */
  messagesScheduled: figure,
  /** Messages written (a WS frame, an HTTP request). */
  messagesSent: figure,
  /** Messages not sent, or sent and not answered 2xx (SSE), over the whole step. */
  messagesFailed: figure,
  /** Why the first failed one failed; null when none did. */
  firstFailure: text.nullable(),
  /** Messages the server counted in (`/healthz` messagesIn). */
  serverMessagesIn: figure,
  deliveredPerSecond: figure,
  /** Send-to-receive: from the message's t0 (its sender's intended send time, the same clock) to its arrival. */
  latencyFromT0: histogram,
  /** Relay-to-receive: from the server's t1 to the arrival. */
  latencyFromT1: histogram,
  /** HTTP requests per message sent (SSE 1, WS 0). */
  requestsPerMessage: figure,
  /** Connections opened per message sent (per-request SSE 1; keep-alive SSE about 0; WS 0). */
  connectionsPerMessage: figure,
  /** Bytes the client wrote per message (WS frame; HTTP request head and body). */
  bytesUpPerMessage: figure,
  /** Bytes read back on the sending connection per message (the POST's answer; WS 0). */
  bytesAckPerMessage: figure,
  /** Bytes read on the stream per message delivered (the relayed event, framing included). */
  bytesDownPerDelivery: figure,
  /** Server CPU µs per message sent (its relay to every receiver included), over the whole schedule. */
  serverCpuUsPerMessage: figure,
  /** Client CPU µs (every worker) per message sent, its deliveries' receiving included. */
  clientCpuUsPerMessage: figure,
  /** The latest a message was handed to its sender after its t0 (the client's own lag), ms. */
  sendLateMaxMs: figure,
  /** The streams' handshakes: SSE 200, WS 101. */
  httpStatuses: z.array(statusCount),
  server: processSample,
  client: clientSide,
});
export type UpstreamMetrics = z.infer<typeof upstreamMetrics>;

const stepBase = {
  /** Stable key of the group this step belongs to (scenario, server, params without repetition). */
  group: text,
  server: text,
  protocol,
  pair: text.nullable(),
  repetition: count,
  startedAt: text,
  durationMs: figure,
};

const step = z.discriminatedUnion('kind', [
  z.object({ ...stepBase, kind: z.literal('idle'), params: idleParams, outcome: outcome(idleMetrics) }),
  z.object({ ...stepBase, kind: z.literal('push'), params: pushParams, outcome: outcome(pushMetrics) }),
  z.object({ ...stepBase, kind: z.literal('reconnect'), params: reconnectParams, outcome: outcome(reconnectMetrics) }),
  z.object({ ...stepBase, kind: z.literal('sideload'), params: sideloadParams, outcome: outcome(sideloadMetrics) }),
  z.object({ ...stepBase, kind: z.literal('path'), params: pathParams, outcome: outcome(pathMetrics) }),
  z.object({ ...stepBase, kind: z.literal('upstream'), params: upstreamParams, outcome: outcome(upstreamMetrics) }),
]);
export type StepResult = z.infer<typeof step>;
export type ScenarioKind = StepResult['kind'];

/** Median and spread (min..max) of one metric over the valid repetitions of a group. */
const stat = z.object({ median: figure, min: figure, max: figure, n: count });
export type Stat = z.infer<typeof stat>;

const groupBase = {
  group: text,
  server: text,
  protocol,
  pair: text.nullable(),
  validRepetitions: count,
  totalRepetitions: count,
  /** Headline metrics by name (e.g. serverBytesPerConnection, p99FromT0Us), valid steps only. */
  metrics: z.record(z.string(), stat),
};

/** Median/spread over repetitions of one (scenario, server, params) group, valid steps only. */
const group = z.discriminatedUnion('kind', [
  z.object({ ...groupBase, kind: z.literal('idle'), params: idleParams }),
  z.object({ ...groupBase, kind: z.literal('push'), params: pushParams }),
  z.object({ ...groupBase, kind: z.literal('reconnect'), params: reconnectParams }),
  z.object({ ...groupBase, kind: z.literal('sideload'), params: sideloadParams }),
  z.object({ ...groupBase, kind: z.literal('path'), params: pathParams }),
  z.object({ ...groupBase, kind: z.literal('upstream'), params: upstreamParams }),
]);
export type GroupSummary = z.infer<typeof group>;

/** A knee search's outcome, when the push scenario ran with --find-knee. */
const knee = z.object({
  server: text,
  protocol,
  clients: count,
  bytes: figure,
  thresholdMs: figure,
  lastGoodRate: nullableFigure,
  firstBadRate: nullableFigure,
  reason: text,
});
export type KneeResult = z.infer<typeof knee>;

/**
 * The resolved plan the run executed, kept as run (its own schema lives with the scenarios, and
 * `pushbench report` never re-plans); what the reports read from it is typed and checked here.
 */
const plan = z.looseObject({
  /** Results written before --profile existed have none: they were not profiled. */
  profile: z.enum(['none', ...PROFILERS]).optional(),
  scenarios: z.array(z.looseObject({ kind: text, servers: z.array(text).optional() })).optional(),
});

export const runResultSchema = z.object({
  schema: z.literal(RESULT_SCHEMA),
  runId: text,
  label: text,
  startedAt: text,
  finishedAt: text,
  /** The command line that produced this run, so every figure can be reproduced. */
  command: text,
  environment,
  plan,
  steps: z.array(step),
  /** Median/spread over repetitions of each (scenario, server, params) group, valid steps only. */
  groups: z.array(group),
  /** Knee search results, when the push scenario ran with --find-knee. */
  knees: z.array(knee),
  /** Servers that were asked for but could not run, with the one-line reason. */
  skipped: z.array(z.object({ server: text, reason: text })),
  /** Sections beside the steps (browser checks, calibration, profiles...), each named and typed. */
  extras: extrasSchema,
});
export type RunResult = z.infer<typeof runResultSchema>;
