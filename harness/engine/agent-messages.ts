// What a load agent accepts from a coordinator, as zod schemas: the agent's port is open to
// whoever can reach it, so every line is checked before use (a `null`, a missing field or a worker
// index that does not exist must not reach code that trusts the types). Mirrors ToAgent
// (agent-protocol.ts) and Request (protocol.ts); the assertions at the bottom keep them in step.
import { z } from 'zod';
import { PROTOCOLS } from '../../servers/contract.ts';
import type { ToAgent } from './agent-protocol.ts';

const int = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const finite = z.number().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
/** CLOCK_MONOTONIC nanoseconds as a decimal string (JSON has no bigint). */
const nsString = z.string().regex(/^-?\d{1,20}$/);
/** Spawned workers per connection: the most the agent forks (a host has far fewer cores). */
export const MAX_AGENT_WORKERS = 1024;

const initRequest = z.object({
  type: z.literal('init'),
  target: z.object({ protocol: z.enum(PROTOCOLS as unknown as ['sse', 'ws', 'tcp', 'sse-h2']), host: z.string().min(1).max(255), port: z.number().int().min(1).max(65535) }),
  policy: z.object({
    enabled: z.boolean(),
    defaultRetryMs: int,
    honourServerRetry: z.boolean(),
    backoff: z.boolean(),
    jitter: z.boolean(),
    maxDelayMs: int,
    maxAttempts: int,
  }),
  shard: z.object({ clients: int, addresses: z.array(z.object({ address: z.string().max(255).nullable(), count: int })).max(256) }),
  cap: int,
  rampPerSecond: z.number().positive().max(Number.MAX_SAFE_INTEGER),
  maxPendingConnects: int,
  connectTimeoutMs: int,
  burnUsPerEvent: int,
  clockOffsetNs: finite,
  // The upstream scenario runs its clients on the coordinator's host only (its workers' places
  // come from the local plan): an agent's workers subscribe plain, and begin-send never reaches one.
  places: z.null(),
});

const request = z.discriminatedUnion('type', [
  initRequest,
  z.object({ type: z.literal('connect') }),
  z.object({ type: z.literal('begin-window'), fromSeq: int, toSeq: int, gc: z.boolean().optional() }),
  z.object({ type: z.literal('end-window') }),
  z.object({ type: z.literal('mark-disruption'), markNs: nsString }),
  z.object({ type: z.literal('reconnect-report'), untilNs: nsString }),
  z.object({ type: z.literal('status'), reachedSeq: int }),
  z.object({ type: z.literal('lost-below'), belowSeq: int }),
  z.object({ type: z.literal('close') }),
]);

const toAgent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), version: int }),
  z.object({ type: z.literal('ping'), id: int }),
  z.object({ type: z.literal('spawn'), workers: z.number().int().min(1).max(MAX_AGENT_WORKERS) }),
  z.object({ type: z.literal('to-worker'), worker: int, msg: z.object({ id: int, body: request }) }),
  z.object({ type: z.literal('kill'), worker: int }),
]);

/** The message, or why it is not one, as a short line naming the first wrong field. */
export function parseToAgent(value: unknown): { ok: true; msg: ToAgent } | { ok: false; why: string } {
  const r = toAgent.safeParse(value);
  if (r.success) return { ok: true, msg: r.data };
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'the message';
  return { ok: false, why: `not a valid coordinator message (${where}: ${issue?.message ?? 'invalid'})` };
}

// Compile-time: every accepted message is a ToAgent.
type Assignable<A, B> = A extends B ? true : false;
const _accepted: Assignable<z.output<typeof toAgent>, ToAgent> = true;
void _accepted;
