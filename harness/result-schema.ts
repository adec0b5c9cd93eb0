// The zod twin of result.ts: a result file is untrusted input (reports are published and shared,
// and anyone can edit a results.json), so reading one checks every field before anything renders
// or compares it. The `satisfies`-style assertions at the bottom keep this file and result.ts in
// step: a field added to one and not the other fails `tsc`.
//
// Fields that results written by earlier versions lack are optional here (and documented in
// result.ts or where they are read); everything else is required.
import { z } from 'zod';
import { PROTOCOLS } from '../servers/contract.ts';
import { PROFILERS } from './profiling/profilers.ts';
import { RESULT_SCHEMA, type RunResult } from './result.ts';

/**
 * Every figure: a finite number within ±2^53. JSON cannot say NaN or Infinity, but 1e400 parses
 * to Infinity, and 1e300 turns into one as soon as a report sums or scales it.
 */
const figure = z.number().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const nullableFigure = figure.nullable();
const text = z.string();
const figures = z.record(z.string(), figure);

const protocol = z.enum(PROTOCOLS as unknown as [string, ...string[]]) as unknown as z.ZodType<(typeof PROTOCOLS)[number]>;

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

const check = z.object({ name: text, ok: z.boolean(), detail: text });

function outcome<M extends z.ZodType>(metrics: M) {
  return z.discriminatedUnion('state', [
    z.object({ state: z.literal('completed'), metrics, checks: z.array(check) }),
    z.object({ state: z.literal('invalid'), metrics, checks: z.array(check), reasons: z.array(text) }),
    z.object({ state: z.literal('failed'), reason: text }),
  ]);
}

const processSample = z.object({ rssBytes: figure, hwmBytes: figure, threads: figure, cpuPercent: figure });

const clientSide = z.object({
  workers: figure,
  sourceAddresses: figure,
  cpuPercentMax: figure,
  cpuPercentTotal: figure,
  rssBytesTotal: figure,
  eventLoopLagMaxMs: figure,
  eventLoopLagP90Ms: figure,
});

const idleParams = z.object({ clients: count, rampPerSecond: figure, settleMs: figure, holdMs: figure });
const idleMetrics = z.object({
  clientsHeld: figure,
  connectMs: histogram,
  connectRatePerSecond: figure,
  ramp: z.object({ serverCpuPercent: figure, clientCpuPercentMax: figure, limitedBy: z.enum(['server', 'client', 'neither', 'accept-queue', 'unclear']) }),
  failuresByCause: figures,
  serverBaseline: processSample.extend({ heapUsedBytes: nullableFigure }),
  serverHold: processSample.extend({ heapUsedBytes: nullableFigure }),
  serverBytesPerConnection: figure,
  serverHeapBytesPerConnection: nullableFigure,
  kernelSocketBytesPerConnection: figure,
  clientBytesPerConnection: figure,
  // Results written before HTTP/2 support have no such field.
  streamsPerTcpConnection: nullableFigure.optional() as unknown as z.ZodType<number | null>,
  client: clientSide,
});

// Results written before the binary addition have no payload (text).
const pushParams = z.object({ clients: count, rate: figure, bytes: figure, durationMs: figure, warmupMs: figure, coalesce: z.boolean(), payload: z.literal('binary').optional() });
const statusCounts = z.array(z.object({ status: count, count }));
const windowDelivery = {
  clientsConnected: figure,
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
  serverCpuMsPer1kEvents: figure,
  // Results written before these were recorded lack them.
  clientCpuMsPer1kEvents: figure.optional(),
  payloadBytesPerEvent: figure.optional(),
  client: clientSide,
});

const reconnectParams = z.object({
  clients: count,
  rate: figure,
  bytes: figure,
  mode: z.enum(['drop', 'restart', 'partial']),
  fraction: figure,
  downtimeMs: figure,
  jitter: z.boolean(),
  backoff: z.boolean(),
});
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

const sideloadParams = z.object({ clients: count, pushRate: figure, durationMs: figure, connections: figure, path: text });
const sideloadMetrics = z.object({
  streamsHeld: figure,
  requests: figure,
  requestsPerSecond: figure,
  latencyMs: z.object({ mean: figure, p50: figure, p90: figure, p99: figure, max: figure }),
  errors: figure,
  non2xx: figure,
  baselineRequestsPerSecond: nullableFigure,
  ratioToBaseline: nullableFigure,
  server: processSample,
  client: clientSide.nullable(),
});

const pathParams = z.object({ clients: count, rate: figure, bytes: figure, durationMs: figure, path: text });
const pathMetrics = z.object({
  ...windowDelivery,
  pathDescription: text,
  firstEventMs: histogram,
  latencyFromT0: histogram,
  drainedMs: figure,
  streamsPerTcpConnection: nullableFigure,
  // Results written before handshakes were recorded lack it.
  handshake: z.object({ opened: count, statuses: statusCounts }).optional(),
  server: processSample,
  client: clientSide,
});

const upstreamParams = z.object({
  clients: count,
  rate: figure,
  bytes: figure,
  mode: z.enum(['echo', 'room']),
  transport: z.enum(['socket', 'keepalive', 'per-request']),
  roomSize: count,
  durationMs: figure,
  warmupMs: figure,
});
const upstreamMetrics = z.object({
  ...windowDelivery,
  messagesScheduled: figure,
  messagesSent: figure,
  messagesFailed: figure,
  firstFailure: text.nullable(),
  serverMessagesIn: figure,
  deliveredPerSecond: figure,
  latencyFromT0: histogram,
  latencyFromT1: histogram,
  requestsPerMessage: figure,
  connectionsPerMessage: figure,
  bytesUpPerMessage: figure,
  bytesAckPerMessage: figure,
  bytesDownPerDelivery: figure,
  serverCpuUsPerMessage: figure,
  clientCpuUsPerMessage: figure,
  sendLateMaxMs: figure,
  httpStatuses: statusCounts,
  server: processSample,
  client: clientSide,
});

const stepBase = {
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

const stat = z.object({ median: figure, min: figure, max: figure, n: count });

const groupBase = {
  group: text,
  server: text,
  protocol,
  pair: text.nullable(),
  validRepetitions: count,
  totalRepetitions: count,
  metrics: z.record(z.string(), stat),
};

const group = z.discriminatedUnion('kind', [
  z.object({ ...groupBase, kind: z.literal('idle'), params: idleParams }),
  z.object({ ...groupBase, kind: z.literal('push'), params: pushParams }),
  z.object({ ...groupBase, kind: z.literal('reconnect'), params: reconnectParams }),
  z.object({ ...groupBase, kind: z.literal('sideload'), params: sideloadParams }),
  z.object({ ...groupBase, kind: z.literal('path'), params: pathParams }),
  z.object({ ...groupBase, kind: z.literal('upstream'), params: upstreamParams }),
]);

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

/** Extras the reports render, checked like the rest; any other key is kept as it is and not shown. */
const browserCheck = z.object({ name: text, pass: z.boolean(), measured: nullableFigure, unit: text, expected: text, detail: text });
const browserExtra = z.object({
  browser: text.nullable(),
  skipped: text.nullable(),
  error: text.nullable(),
  settings: z.looseObject({ clientsPerPage: figure, events: figure, rate: figure, retryMs: figure }),
  clockStepUs: nullableFigure,
  servers: z.array(z.object({ server: text, protocol, origin: text.nullable(), skipped: text.nullable(), checks: z.array(browserCheck) })),
});
const calibrationExtra = z.array(z.object({ name: text, injected: text, expected: figure, measured: nullableFigure, unit: text, tolerance: text, pass: z.boolean(), detail: text }));
const profiler = z.enum(PROFILERS);
const profilesExtra = z.object({
  profiler,
  folder: text,
  records: z.array(z.object({ server: text, profiler, html: text, startedAt: text, finishedAt: text })),
  unprofiled: z.array(text),
});
const pathsExtra = z.looseObject({ skips: z.array(z.object({ server: text, path: text, reason: text })) });
const agentsExtra = z.array(z.object({ address: text, offsetNs: figure, uncertaintyNs: figure, workers: count, clients: count }));

const extras = z.looseObject({
  browser: browserExtra.optional(),
  calibration: calibrationExtra.optional(),
  profiles: profilesExtra.optional(),
  paths: pathsExtra.optional(),
  agents: agentsExtra.optional(),
});

export const runResultSchema = z.object({
  schema: z.literal(RESULT_SCHEMA),
  runId: text,
  label: text,
  startedAt: text,
  finishedAt: text,
  command: text,
  environment,
  // The plan is kept as run (its own schema lives with the scenarios); what reports read from it is checked.
  plan: z.looseObject({ profile: z.enum(['none', ...PROFILERS]).optional() }),
  steps: z.array(step),
  groups: z.array(group),
  knees: z.array(knee),
  skipped: z.array(z.object({ server: text, reason: text })),
  extras,
});

/**
 * Checks `value` against the result schema: the result, or the first wrong field as one line
 * (`steps[1].outcome.state: expected one of "completed"|"invalid"|"failed"`).
 */
export function checkResult(value: unknown): { ok: true; result: RunResult } | { ok: false; problem: string } {
  const parsed = runResultSchema.safeParse(value);
  if (parsed.success) return { ok: true, result: value as RunResult };
  return { ok: false, problem: describeIssue(parsed.error.issues[0], value) };
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue | undefined, value: unknown): string {
  if (issue === undefined) return 'does not match the result schema';
  // A union whose every branch failed: report the deepest branch issue (the one that matched furthest).
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const deepest = issue.errors
      .map((branch) => branch[0])
      .filter((i): i is Issue => i !== undefined)
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest) return describeIssue({ ...deepest, path: [...issue.path, ...deepest.path] }, value);
  }
  const where = fieldPath(issue.path);
  return `${where === '' ? 'the top level' : where}: ${issueText(issue, valueAt(value, issue.path))}`;
}

function issueText(issue: Issue, found: unknown): string {
  const got = describeValue(found);
  switch (issue.code) {
    case 'invalid_type':
      return found === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${got}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${got}`;
    case 'too_big':
    case 'too_small':
      return `${got} is out of range (a figure must be finite${issue.code === 'too_small' && issue.minimum === 0 ? ' and not negative' : ''}, within ±2^53)`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options)) return `expected ${options.map((v) => JSON.stringify(v)).join(' or ')}, got ${got}`;
      return `expected one of the known shapes, got ${got}`;
    }
    default:
      return `${issue.message}, got ${got}`;
  }
}

/** A short, inert description of a bad value: its type, and for short scalars the value itself. */
function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length <= 40 ? `the string ${JSON.stringify(v)}` : `a string of ${v.length} characters`;
  if (typeof v === 'number' && !Number.isInteger(v) && !Number.isFinite(v)) return String(v);
  return `${typeof v} ${String(v)}`;
}

function fieldPath(path: PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

// Compile-time: what the schema accepts is a RunResult (so validated data can be used as one).
type Parsed = z.output<typeof runResultSchema>;
type Assignable<A, B> = A extends B ? true : false;
const _parsedIsResult: Assignable<Parsed['steps'][number], RunResult['steps'][number]> = true;
const _environmentMatches: Assignable<Parsed['environment'], RunResult['environment']> = true;
const _groupsMatch: Assignable<Parsed['groups'][number], RunResult['groups'][number]> = true;
const _kneesMatch: Assignable<Parsed['knees'][number], RunResult['knees'][number]> = true;
void _parsedIsResult, _environmentMatches, _groupsMatch, _kneesMatch;
