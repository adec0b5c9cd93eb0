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
  /** The messages addition: SSE clients POST a message here (`?client=<id>`); WS clients send on their socket. */
  messages: '/messages',
} as const;

/**
 * Additions to contract v1, each versioned on its own and advertised in /healthz `additions`
 * (`{"messages":1,"binary":1}`), so a v1 server keeps working unchanged: the harness reads
 * `additions` before it asks for one, and a server that does not advertise it is never asked
 * (its steps say why). See CONTRACT.md "Versioned additions".
 */
export const ADDITIONS = { messages: 1, binary: 1 } as const;
export type AdditionName = keyof typeof ADDITIONS;

/** What each event's payload is: `text` (v1: JSON padding) or `binary` (the binary addition: random bytes). */
export type PayloadKind = 'text' | 'binary';

/** Where a message goes (messages addition): every stream of the sender's room, or back to the sender only. */
export type MessageTarget = 'room' | 'sender';

/** Event names the messages addition delivers with: a room message and an echo. */
export const MESSAGE_EVENTS = { room: 'msg', sender: 'echo' } as const;

/** Query parameters a stream subscribes with under the messages addition. */
export const STREAM_QUERY = { client: 'client', room: 'room' } as const;

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
  /** node-sse-h2 with PUSHBENCH_TLS=1: the openssl that makes its certificate (the harness passes the one it found; else `openssl` on PATH). */
  openssl: 'PUSHBENCH_OPENSSL',
  /** Calibration faults, off by default (servers/node/faults.ts). */
  fault: 'PUSHBENCH_FAULT',
  /** Set by `pushbench run --profile`: the clinic.js tool the server runs under (serve.ts). */
  profiler: 'PUSHBENCH_PROFILER',
  /** node-sse-cluster / node-ws-cluster: node:cluster worker processes (default DEFAULTS.clusterWorkers). */
  workers: 'PUSHBENCH_WORKERS',
  /** `0`: the built-in SSE servers omit `X-Accel-Buffering: no` (the nginx path scenario's "no header" mode). */
  accelHeader: 'PUSHBENCH_ACCEL_HEADER',
  /**
   * `0`: SSE streams start without a `retry:` field and the WS/TCP hello carries no `retry`, so a
   * browser falls back to its own reconnection time (the browser scenario measures it).
   */
  retryField: 'PUSHBENCH_RETRY_FIELD',
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
  /** The binary addition: `binary` makes every event `bytes` fresh random bytes; absent = text (v1). */
  payload?: PayloadKind;
}

/**
 * A message (messages addition): the JSON a WS client sends as a text frame and an SSE client POSTs
 * to /messages?client=<id>. `seq` is the sender's own count, `t0` its send time (CLOCK_MONOTONIC
 * ns as a decimal string, the clock of every event's t0), `pad` filler the relay carries along.
 */
export interface MessageRequest {
  to: MessageTarget;
  seq: number;
  t0: string;
  pad: string;
}

/** A message body parsed and checked, or null when it is not one (the server answers 400 / ignores the frame). */
export function parseMessage(text: string): MessageRequest | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if ((o.to !== 'room' && o.to !== 'sender') || !Number.isSafeInteger(o.seq) || (o.seq as number) < 0) return null;
  if (typeof o.t0 !== 'string' || !/^\d{1,20}$/.test(o.t0) || typeof o.pad !== 'string') return null;
  return { to: o.to, seq: o.seq as number, t0: o.t0, pad: o.pad };
}

/** A client id or room name as the stream query carries it: 1–64 of [A-Za-z0-9_.-], else null. */
export function parseName(raw: string | null | undefined): string | null {
  return raw !== null && raw !== undefined && /^[A-Za-z0-9_.-]{1,64}$/.test(raw) ? raw : null;
}

/** `data` of every event. t0/t1 are CLOCK_MONOTONIC nanoseconds as decimal strings. */
export interface EventData {
  seq: number;
  t0: string;
  t1: string;
  pad: string;
}

/**
 * The binary addition's WS frame (opcode 2): seq, t0 and t1 as unsigned 64-bit big-endian integers
 * at bytes 0, 8 and 16 (t0/t1 CLOCK_MONOTONIC ns), the event name's length at 24, the name (ASCII),
 * then the event's random bytes. SSE and TCP carry the same bytes base64-encoded in the data's
 * `bin` field: `{"seq":..,"t0":"..","t1":"..","bin":"<base64>"}`.
 */
export const BINARY_EVENT = { seqAt: 0, t0At: 8, t1At: 16, nameLengthAt: 24, nameAt: 25 } as const;

/** The WS text frame and the TCP line: the same three fields as SSE's id/event/data. */
export interface EventEnvelope {
  id: number;
  event: string;
  data: EventData;
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
    /^[A-Za-z0-9_.-]{1,64}$/.test(o.event) &&
    (o.payload === undefined || o.payload === 'text' || o.payload === 'binary')
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

/** Every broker's subscribers get this channel; one channel per broker process (harness/broker/, servers/broker/). */
export const BROKER_CHANNEL = 'pushbench';
