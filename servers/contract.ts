// The server contract (v1) as code: the wire every server under test speaks.
// Prose twin: servers/CONTRACT.md (a copy of shared/design/CONTRACT.md plus the additions we made).
// Change both together and bump CONTRACT_VERSION when the wire changes.

export const CONTRACT_VERSION = 1;

/** `sse-h2`: the SSE wire (events, ids, retry, Last-Event-ID) carried on HTTP/2 streams at PATHS.sse. */
export type Protocol = 'sse' | 'ws' | 'tcp' | 'sse-h2';
export const PROTOCOLS: readonly Protocol[] = ['sse', 'ws', 'tcp', 'sse-h2'];

/** Paths every server answers. */
export const PATHS = {
  health: '/healthz',
  sse: '/events',
  ws: '/ws',
  broadcast: '/control/broadcast',
  drop: '/control/drop',
  reset: '/control/reset',
} as const;

/** First line a raw-TCP client sends: `STREAM <lastEventId>\n` (0 = from live). */
export const TCP_STREAM_PREFIX = 'STREAM ';

/** Environment knobs a server reads at start. */
export const ENV = {
  host: 'HOST',
  port: 'PORT',
  ring: 'PUSHBENCH_RING',
  heartbeatMs: 'PUSHBENCH_HEARTBEAT_MS',
  retryMs: 'PUSHBENCH_RETRY_MS',
  coalesce: 'PUSHBENCH_COALESCE',
  seqStart: 'PUSHBENCH_SEQ_START',
  /** node-sse-h2 only: `1` serves HTTP/2 over TLS (self-signed, for browsers) instead of h2c. */
  tls: 'PUSHBENCH_TLS',
  /** Calibration faults, off by default (servers/node/faults.ts). */
  fault: 'PUSHBENCH_FAULT',
  /** Set by `pushbench run --profile`: the clinic.js tool the server runs under (serve.ts). */
  profiler: 'PUSHBENCH_PROFILER',
  /** node-sse-cluster / node-ws-cluster: node:cluster worker processes (default DEFAULTS.clusterWorkers). */
  workers: 'PUSHBENCH_WORKERS',
  /** `0`: the built-in SSE servers omit `X-Accel-Buffering: no` (the nginx path scenario's "no header" mode). */
  accelHeader: 'PUSHBENCH_ACCEL_HEADER',
} as const;

export const DEFAULTS = {
  host: '127.0.0.1',
  ring: 10_000,
  heartbeatMs: 15_000,
  retryMs: 1_000,
  backlog: 4096,
  /** Four workers keep 50k connections under the 20k open files each process may hold here. */
  clusterWorkers: 4,
} as const;

// The answers' schemas (zod) and their check are in contract-check.ts: the harness validates, the
// servers and the client workers only speak the wire, and need not load zod at every start.
export type { AnswerOf, ControlEndpoint, FieldDoc, HealthBody } from './contract-check.ts';

/** POST /control/broadcast body. */
export interface BroadcastRequest {
  rate: number;
  count: number;
  bytes: number;
  event: string;
}

/** `data` of every event. t0/t1 are CLOCK_MONOTONIC nanoseconds as decimal strings. */
export interface EventData {
  seq: number;
  t0: string;
  t1: string;
  pad: string;
}

/** The WS text frame and the TCP line: the same three fields as SSE's id/event/data. */
export interface EventEnvelope {
  id: number;
  event: string;
  data: EventData;
}

/**
 * First WS frame / first TCP line of every stream: the reconnect hint, the twin of SSE's `retry:`.
 * It has no `id`, so a client can tell it from an event.
 */
export interface HelloFrame {
  hello: true;
  retry: number;
}

export function isBroadcastRequest(v: unknown): v is BroadcastRequest {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    isPositiveFinite(o.rate) &&
    Number.isInteger(o.count) &&
    (o.count as number) >= 0 &&
    Number.isInteger(o.bytes) &&
    (o.bytes as number) >= 0 &&
    typeof o.event === 'string' &&
    /^[A-Za-z0-9_.-]{1,64}$/.test(o.event)
  );
}

function isPositiveFinite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

/** Parses a lastEventId from a header or query value: a non-negative integer, else null. */
export function parseLastEventId(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined) return null;
  const trimmed = raw.trim();
  if (!/^\d{1,15}$/.test(trimmed)) return null;
  return Number(trimmed);
}
