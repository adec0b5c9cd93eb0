// The IPC messages between a clustered server's primary and its workers (servers/node/cluster.ts).
// Two conversations, each matched by a request id:
// - a worker that got a contract request asks the primary (`ask` → `answer`), because every
//   endpoint answers for the whole server;
// - the primary tells every worker what to do (`do` → `done`) and combines their results.
// Messages go as JSON (cluster's default serialization), so bigints travel as decimal strings.
import { DEFAULTS, ENV, type BroadcastRequest } from '../contract.ts';
import type { ControlOp } from './control-http.ts';

/** A worker asks the primary for a contract request's op (ControlOp, parsed by control-http.ts). */
export interface AskMessage {
  kind: 'ask';
  id: number;
  op: ControlOp;
}

export type AnswerMessage = { kind: 'answer'; id: number; ok: true; body: unknown } | { kind: 'answer'; id: number; ok: false; error: string };

/** What the primary tells every worker. */
export type WorkerCommand =
  | { cmd: 'health'; gc: boolean }
  /** Step 1 of a broadcast: stop the running schedule, report the next seq. */
  | { cmd: 'pause' }
  /** Step 2: run this schedule (startNs: CLOCK_MONOTONIC ns as a decimal string). */
  | { cmd: 'start'; req: BroadcastRequest; startNs: string; firstSeq: number }
  | { cmd: 'drop'; fraction: number }
  | { cmd: 'reset' };

/** One worker's own figures; the primary combines them into the server's HealthBody. */
export interface WorkerHealth {
  connections: number;
  sent: number;
  lastSeq: number;
  heapUsed: number;
}

export interface CommandResult {
  health: WorkerHealth;
  pause: { nextSeq: number };
  start: Record<string, never>;
  drop: { dropped: number };
  reset: Record<string, never>;
}

export interface CommandMessage {
  kind: 'do';
  id: number;
  command: WorkerCommand;
}

export type DoneMessage = { kind: 'done'; id: number; ok: true; result: unknown } | { kind: 'done'; id: number; ok: false; error: string };

/**
 * How long the primary waits for every worker to answer one command. Under 5 s so that a worker's
 * own wait for the primary (ASK_TIMEOUT_MS) ends with the primary's precise error, not a bare timeout.
 */
export const COMMAND_TIMEOUT_MS = 4000;
export const ASK_TIMEOUT_MS = 5000;

/**
 * How far ahead of "now" the primary puts a broadcast's start: the start command reaches every
 * worker before event 0 is due, so IPC fan-out time does not show up as latency from t0.
 */
export const BROADCAST_LEAD_NS = 5_000_000n;

export function isMessage<K extends string>(msg: unknown, kind: K): msg is { kind: K; id: number } {
  return typeof msg === 'object' && msg !== null && (msg as { kind?: unknown }).kind === kind && typeof (msg as { id?: unknown }).id === 'number';
}

/** PUSHBENCH_WORKERS: an integer ≥ 1, default DEFAULTS.clusterWorkers; anything else throws. */
export function clusterWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[ENV.workers];
  if (raw === undefined || raw === '') return DEFAULTS.clusterWorkers;
  const n = Number(raw);
  // A server that silently ran another worker count would measure something else than asked.
  if (!Number.isInteger(n) || n < 1) throw new Error(`${ENV.workers}=${raw} is not an integer >= 1`);
  return n;
}
