// The contract's answers as zod schemas, and the check the harness and `pushbench conform` apply to
// what a server answers (servers/contract.ts is the rest of the contract, without zod: every server
// and client worker imports it, and zod took ~120 ms of CPU to load at each of their starts).
import { z } from 'zod';
import { CONTRACT_VERSION, PATHS, PROTOCOLS } from './contract.ts';

/**
 * What the contract asks of each answer field, for the one-line violation message: `want` is the
 * value's shape, `meaning` what the field is for (shown as "contract v1: <meaning>").
 */
export interface FieldDoc {
  want: string;
  meaning: string;
}
const fieldDocs = z.registry<FieldDoc>();
const doc = <T extends z.ZodType>(schema: T, want: string, meaning: string): T => {
  fieldDocs.add(schema, { want, meaning });
  return schema;
};
const count = (meaning: string) => doc(z.number().int().min(0), 'an integer >= 0', meaning);

/** GET /healthz body (200). Extra fields are allowed and ignored. */
export const healthSchema = z
  .object({
    ok: doc(z.literal(true), 'true', 'true while the server serves'),
    protocol: doc(z.enum(PROTOCOLS), `one of ${PROTOCOLS.map((p) => `"${p}"`).join(', ')}`, 'the wire this server speaks'),
    connections: count('open client streams'),
    sent: count('events emitted since start or the last /control/reset'),
    lastSeq: count('the last seq this process emitted'),
    /** V8 heap in use, Node servers only (after a GC when started with --expose-gc). */
    heapUsed: doc(z.number().min(0).optional(), 'bytes, a number >= 0', 'heap in use (optional)'),
    /**
     * HTTP/2 servers (required for protocol "sse-h2"): open TCP connections. `connections` counts SSE
     * streams, and on HTTP/2 many streams share one connection, so the two differ.
     */
    tcpConnections: count('sse-h2 servers: the TCP connections under the streams').optional(),
    /**
     * Clustered servers only (node-sse-cluster, node-ws-cluster): connections held by each worker
     * process, in worker order; `connections` is their sum.
     */
    workers: doc(z.array(z.number().int().min(0)).optional(), 'an array of integers >= 0', 'clustered servers: connections per worker process (optional)'),
    /** The versioned additions this server speaks (ADDITIONS); absent on a v1-only server. */
    additions: doc(
      z.looseObject({ messages: z.number().int().min(1).optional(), binary: z.number().int().min(1).optional() }).optional(),
      'an object of addition name to version, e.g. {"messages":1,"binary":1}',
      'the versioned additions this server speaks (optional)',
    ),
    /** Messages addition: messages accepted since start or the last reset (a WS frame or a POST). */
    messagesIn: count('messages addition: messages accepted since start or the last reset').optional(),
  })
  .superRefine((h, ctx) => {
    if (h.protocol === 'sse-h2' && h.tcpConnections === undefined) ctx.addIssue({ code: 'custom', path: ['tcpConnections'], message: 'required for sse-h2' });
  });
export type HealthBody = z.infer<typeof healthSchema>;

const okField = doc(z.literal(true), 'true', 'every control answer is a JSON object with "ok": true');
/** What each control endpoint answers (any 2xx; broadcast is 202). */
export const answerSchemas = {
  [PATHS.health]: healthSchema,
  [PATHS.broadcast]: z.object({ ok: okField }),
  [PATHS.drop]: z.object({ ok: okField, dropped: count('the connections this drop closed') }),
  [PATHS.reset]: z.object({ ok: okField }),
} as const;
export type ControlEndpoint = keyof typeof answerSchemas;
export type AnswerOf<E extends ControlEndpoint> = z.infer<(typeof answerSchemas)[E]>;

/** The whole answer of each endpoint in one phrase, for a body that is not even a JSON object. */
const ANSWER_SHAPES: Record<ControlEndpoint, string> = {
  [PATHS.health]: '200 {"ok":true,"protocol":..,"connections":N,"sent":N,"lastSeq":N}',
  [PATHS.broadcast]: '202 {"ok":true}',
  [PATHS.drop]: '200 {"ok":true,"dropped":N}',
  [PATHS.reset]: '200 {"ok":true}',
};

/**
 * Checks a control endpoint's answer text against the contract. Problems are phrased for the
 * user who wrote the server: endpoint, field, what the contract wants (without the server's name,
 * which the caller adds).
 */
export function checkAnswer<E extends ControlEndpoint>(endpoint: E, text: string): { ok: true; value: AnswerOf<E> } | { ok: false; problems: string[] } {
  const v = `contract v${CONTRACT_VERSION}`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problems: [`${endpoint} answered ${quoteBody(text)}, not JSON (${v}: ${ANSWER_SHAPES[endpoint]})`] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [`${endpoint} answered ${quoteBody(text)}, not a JSON object (${v}: ${ANSWER_SHAPES[endpoint]})`] };
  }
  const schema = answerSchemas[endpoint] as z.ZodType;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data as AnswerOf<E> };
  const shape = (answerSchemas[endpoint] as z.ZodObject).shape as Record<string, z.ZodType>;
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '');
    if (seen.has(field)) continue;
    seen.add(field);
    const fieldSchema = shape[field];
    const d = fieldSchema ? (fieldDocs.get(fieldSchema) ?? (fieldSchema instanceof z.ZodOptional ? fieldDocs.get(fieldSchema.unwrap() as z.ZodType) : undefined)) : undefined;
    const meaning = d?.meaning ?? issue.message;
    const value = (raw as Record<string, unknown>)[field];
    if (value === undefined) problems.push(`${endpoint} has no "${field}" (${v}: ${meaning})`);
    else problems.push(`${endpoint} "${field}" is ${quoteValue(value)}, want ${d?.want ?? issue.message} (${v}: ${meaning})`);
  }
  return { ok: false, problems };
}

function quoteBody(text: string): string {
  const t = text.trim();
  if (t === '') return 'an empty body';
  return JSON.stringify(t.length > 60 ? `${t.slice(0, 60)}…` : t);
}

function quoteValue(value: unknown): string {
  const t = JSON.stringify(value) ?? String(value);
  return t.length > 60 ? `${t.slice(0, 60)}…` : t;
}

