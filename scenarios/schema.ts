// Scenarios are data. This file is the edge: raw input (CLI flags, config file, suite defaults)
// is validated once into fully resolved plans; executors never see an optional field.
import { z } from 'zod';
import { PROFILERS } from '../result/profilers.ts';
import { UserError } from '../harness/errors.ts';
import { DEFAULT_PATHS, parsePath, type PathSpec } from './path-spec.ts';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const durationMs = z.number().int().min(0).max(3_600_000);
const serverList = z.array(z.string().min(1)).min(1, 'name at least one server');

export const idleSchema = z
  .object({
    kind: z.literal('idle'),
    servers: serverList,
    clients: z.array(positiveInt).min(1),
    rampPerSecond: positiveInt.default(5000),
    settleMs: durationMs.default(1000),
    holdMs: durationMs.default(2000),
    repetitions: positiveInt.max(50).default(1),
  })
  .strict();

export const pushSchema = z
  .object({
    kind: z.literal('push'),
    servers: serverList,
    clients: z.array(positiveInt).min(1),
    rates: z.array(z.number().positive().max(1_000_000)).min(1),
    bytes: z.array(nonNegativeInt.max(1_000_000)).min(1),
    durationMs: durationMs.default(3000),
    warmupMs: durationMs.default(500),
    repetitions: positiveInt.max(50).default(1),
    coalesce: z.boolean().default(false),
    /** `binary` (the binary addition): each event `bytes` random bytes (WS binary frames, SSE base64). */
    payload: z.enum(['text', 'binary']).default('text'),
    rampPerSecond: positiveInt.default(5000),
    findKnee: z
      .object({ thresholdMs: z.number().positive().default(100), maxRate: z.number().positive().default(100_000), factor: z.number().gt(1).default(2) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();

export const reconnectSchema = z
  .object({
    kind: z.literal('reconnect'),
    servers: serverList,
    clients: z.array(positiveInt).min(1),
    modes: z.array(z.enum(['drop', 'restart', 'partial'])).min(1),
    // 20/s: at 10,000 clients that is 200k deliveries/s, already at this machine's ceiling.
    rate: z.number().positive().max(100_000).default(20),
    bytes: nonNegativeInt.max(1_000_000).default(128),
    fraction: z.number().gt(0).max(1).default(0.1),
    downtimeMs: durationMs.default(500),
    retryMs: nonNegativeInt.max(60_000).default(100),
    jitter: z.boolean().default(true),
    backoff: z.boolean().default(false),
    maxAttempts: positiveInt.max(1000).default(50),
    beforeMs: durationMs.default(1000),
    afterMs: durationMs.default(3000),
    recoverTimeoutMs: durationMs.default(30_000),
    rampPerSecond: positiveInt.default(5000),
    repetitions: positiveInt.max(50).default(1),
  })
  .strict();

export const sideloadSchema = z
  .object({
    kind: z.literal('sideload'),
    servers: serverList,
    /** Streams held while the HTTP endpoint is loaded; a baseline with none is always measured first. */
    clients: z.array(positiveInt).min(1),
    pushRate: z.number().nonnegative().max(100_000).default(0),
    durationMs: durationMs.min(500).default(3000),
    /** Unrecorded load before the baseline: a fresh process's first load runs before the JIT warms. */
    warmupMs: durationMs.default(1500),
    connections: positiveInt.max(1000).default(10),
    path: z.string().startsWith('/').default('/healthz'),
    repetitions: positiveInt.max(50).default(1),
  })
  .strict();

/**
 * Clients that send (the messages addition): every client sends `rates` messages/s of `bytes`; the
 * server echoes each to its sender or relays it to every client of the sender's room. WS clients
 * send on their socket; SSE clients POST, on a keep-alive connection and/or one per message.
 */
export const upstreamSchema = z
  .object({
    kind: z.literal('upstream'),
    servers: serverList,
    clients: z.array(positiveInt.max(50_000)).min(1).default([200]),
    /** Messages per second per client. */
    rates: z.array(z.number().positive().max(1000)).min(1).default([5]),
    bytes: z.array(nonNegativeInt.max(60_000)).min(1).default([128]),
    modes: z.array(z.enum(['echo', 'room'])).min(1).default(['echo', 'room']),
    /** How SSE clients POST (WS clients always send on their socket). */
    posts: z.array(z.enum(['keepalive', 'per-request'])).min(1).default(['keepalive', 'per-request']),
    /** Clients per room in room mode: every message reaches this many. */
    roomSize: positiveInt.max(1000).default(10),
    durationMs: durationMs.min(100).default(3000),
    warmupMs: durationMs.default(500),
    /** Time allowed after the schedule's end for the last messages to arrive. */
    drainMs: durationMs.default(5000),
    rampPerSecond: positiveInt.default(5000),
    repetitions: positiveInt.max(50).default(1),
  })
  .strict()
  .refine((s) => !s.modes.includes('room') || s.clients.every((n) => n % s.roomSize === 0), {
    message: 'room mode splits the clients into rooms of roomSize: every client count must be a multiple of it (e.g. --clients 200 with --room-size 10)',
    path: ['roomSize'],
  });

/** A path label, resolved at the edge into a PathSpec (or one issue naming what is wrong). */
const pathLabel = z.string().transform((raw, ctx): PathSpec => {
  try {
    return parsePath(raw);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

export const pathSchema = z
  .object({
    kind: z.literal('path'),
    servers: serverList,
    // Small on purpose: the path is the subject, and nginx holds two sockets per client.
    clients: z.array(positiveInt.max(5000)).min(1).default([50]),
    rate: z.number().positive().max(10_000).default(10),
    bytes: nonNegativeInt.max(1_000_000).default(128),
    durationMs: durationMs.default(5000),
    /** How long after the schedule's end clients may still receive (a buffering proxy's tail). */
    drainMs: durationMs.default(3000),
    paths: z.array(pathLabel).min(1).default(() => DEFAULT_PATHS.map(parsePath)),
    rampPerSecond: positiveInt.default(2000),
    repetitions: positiveInt.max(50).default(1),
  })
  .strict();

/** Real EventSource / WebSocket in headless Chromium against each server (scenarios/browser.ts). */
export const browserSchema = z
  .object({
    kind: z.literal('browser'),
    servers: serverList,
    /** EventSources / WebSockets per server page (they share the page's one origin). */
    clientsPerPage: positiveInt.max(5).default(3),
    /** Events of the named-event, id and latency checks. */
    events: positiveInt.max(10_000).default(20),
    rate: z.number().positive().max(1000).default(50),
    bytes: nonNegativeInt.max(65_536).default(64),
    eventName: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).default('tick'),
    /** PUSHBENCH_RETRY_MS the servers run with: the retry check expects this delay. */
    retryMs: z.number().int().min(100).max(2000).default(700),
    /** Events of the replay check (same rate); the drop comes after `dropAfter` of them. */
    replayEvents: positiveInt.max(10_000).default(60),
    dropAfter: positiveInt.default(10),
    /** EventSources the HTTP/1.1 limit check opens to one origin (Chromium allows 6). */
    perOrigin: z.number().int().min(7).max(20).default(7),
    /** How long the stream over the limit must stay CONNECTING. */
    limitHoldMs: durationMs.min(500).default(2000),
    /** EventSources the HTTP/2 check opens to one origin (all must open). */
    h2Streams: z.number().int().min(7).max(50).default(10),
    /**
     * The latency check's bounds (in-page, from t0). A sanity bound, not a benchmark: p50 catches a
     * stream that is buffered throughout; p99 is loose because one stall of a loaded machine hits
     * every client at once (measured here: 20–65 ms, a few times in 60 events).
     */
    latencyP50Ms: z.number().positive().default(20),
    latencyP99Ms: z.number().positive().default(100),
    /**
     * The reconnect checks: a bare EventSource after a drop, with no `retry:` field and with each
     * of these hints (5000: the write-up's own example), and a bare WebSocket, which must stay
     * closed for `stayClosedMs`. Empty hints: the no-field measurement only.
     */
    retryHintsMs: z.array(z.number().int().min(100).max(10_000)).max(4).default([500, 5000]),
    stayClosedMs: durationMs.min(1000).max(30_000).default(5000),
    /** How long a bare EventSource may take to come back when the server sent no retry field. */
    reconnectTimeoutMs: durationMs.min(1000).max(60_000).default(10_000),
  })
  .strict()
  .refine((s) => s.dropAfter < s.replayEvents, { message: 'dropAfter must be below replayEvents', path: ['dropAfter'] });

export const scenarioSchema = z.discriminatedUnion('kind', [idleSchema, pushSchema, reconnectSchema, sideloadSchema, pathSchema, browserSchema, upstreamSchema]);

export type IdleScenario = z.output<typeof idleSchema>;
export type PushScenario = z.output<typeof pushSchema>;
export type ReconnectScenario = z.output<typeof reconnectSchema>;
export type SideloadScenario = z.output<typeof sideloadSchema>;
export type BrowserScenario = z.output<typeof browserSchema>;
export type PathScenario = z.output<typeof pathSchema>;
export type UpstreamScenario = z.output<typeof upstreamSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** The engine options as fields (a config file may give any subset); engineSchema adds the cross-field rule. */
export const engineFields = z
  .object({
    maxPerWorker: positiveInt.max(19_000).default(15_000),
    /** Client workers; 0 = as many as the plan needs. */
    workers: nonNegativeInt.max(64).default(0),
    connectTimeoutMs: positiveInt.default(30_000),
    /** Calibration: each client worker spends this many µs of CPU per event (a slow reader). */
    clientBurnUsPerEvent: nonNegativeInt.max(100_000).default(0),
    /** Load agents (`pushbench agent`) that run the client workers instead of this host; [] = here. */
    agents: z.array(z.string().regex(/^(\[[^\]]+\]|[^:\s[\]]+):\d{1,5}$/, 'host:port, e.g. 10.0.0.5:7070')).max(64).default([]),
    /**
     * Address the servers under test bind. Loopback unless load agents on other hosts must reach
     * them: a non-loopback address is refused without agents (load stays on this machine).
     */
    serverHost: z.string().min(1).default('127.0.0.1'),
  })
  .strict();

export const engineSchema = engineFields.refine((e) => e.agents.length > 0 || isLoopback(e.serverHost), {
    message: 'a server address outside 127.0.0.0/8 is only for load agents on other hosts: add --agents, or leave --server-host out',
    path: ['serverHost'],
  });

function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === 'localhost' || host === '::1';
}
export type EngineOptions = z.output<typeof engineSchema>;

export const planSchema = z
  .object({
    label: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'letters, digits, . _ - only (max 40)'),
    scenarios: z.array(scenarioSchema).min(1),
    engine: engineSchema.default(engineSchema.parse({})),
    resultsDir: z.string().min(1).default('results'),
    /** `--profile`: Node servers run under this clinic.js profiler (numbers then carry its overhead). */
    profile: z.enum(['none', ...PROFILERS]).default('none'),
  })
  .strict();

export type Plan = z.output<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;

/** Validates raw input into a resolved plan, or throws one UserError listing every problem with its path. */
export function resolvePlan(input: unknown, source: string): Plan {
  const parsed = planSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new UserError(`invalid ${source}:\n${formatIssues(parsed.error.issues)}`);
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`).join('\n');
}
