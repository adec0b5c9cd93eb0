// /healthz and /control/* for the Node servers: the contract's endpoints parsed once into a
// ControlOp, then carried out on this process's core (handleControl) or, for the clustered
// servers, by the primary across every worker (cluster-worker.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PATHS, isBroadcastRequest, type BroadcastRequest, type HealthBody } from '../contract.ts';
import type { PushCore } from './core.ts';
import { heapUsedFor } from './heap.ts';
import { handleMessagePost } from './messages-http.ts';

const MAX_BODY = 64 * 1024;

/** One contract request, validated. */
export type ControlOp = { op: 'health'; gc: boolean } | { op: 'broadcast'; req: BroadcastRequest } | { op: 'drop'; fraction: number } | { op: 'reset' };

/** What each op answers with. */
export interface OpResult {
  health: HealthBody;
  broadcast: Record<string, never>;
  drop: { dropped: number };
  reset: Record<string, never>;
}

/** The contract's status per op: a broadcast is accepted (it runs on), the others are done. */
const STATUS: Record<ControlOp['op'], number> = { health: 200, broadcast: 202, drop: 200, reset: 200 };

/**
 * Reads a contract endpoint into a ControlOp (answering 400/413 itself for a bad body) and hands
 * it to `then`; returns false when the path is not one.
 */
export function readControlOp(req: IncomingMessage, res: ServerResponse, then: (op: ControlOp) => void): boolean {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (`${req.method} ${url.pathname}`) {
    case `GET ${PATHS.health}`:
      then({ op: 'health', gc: url.searchParams.get('gc') === '1' });
      return true;
    case `POST ${PATHS.broadcast}`:
      readJson(req, res, (body) => {
        if (!isBroadcastRequest(body)) {
          sendJson(res, 400, { ok: false, error: 'body must be {"rate">0,"count">=0,"bytes">=0,"event":name}' });
          return;
        }
        // Only the contract's fields go on (the clustered servers send them over IPC).
        const { rate, count, bytes, event, payload } = body;
        then({ op: 'broadcast', req: payload === 'binary' ? { rate, count, bytes, event, payload } : { rate, count, bytes, event } });
      });
      return true;
    case `POST ${PATHS.drop}`:
      readJson(req, res, (body) => then({ op: 'drop', fraction: fractionFrom(body) }));
      return true;
    case `POST ${PATHS.reset}`:
      readJson(req, res, () => then({ op: 'reset' }));
      return true;
    default:
      return false;
  }
}

/** Carries out an op on one process's core. */
export function runOnCore(core: PushCore, op: ControlOp): OpResult[ControlOp['op']] {
  switch (op.op) {
    case 'health':
      return core.health(heapUsedFor(op.gc));
    case 'broadcast':
      core.broadcast(op.req);
      return {};
    case 'drop':
      return { dropped: core.drop(op.fraction) };
    case 'reset':
      core.reset();
      return {};
  }
}

/** The HTTP answer to an op's result: /healthz is the health body, the others `{ok: true, ...}`. */
export function sendOpResult(res: ServerResponse, op: ControlOp, result: OpResult[ControlOp['op']]): void {
  sendJson(res, STATUS[op.op], op.op === 'health' ? result : { ok: true, ...result });
}

/**
 * Handles a contract endpoint on this process's core (and the messages addition's POST when the
 * core speaks it); returns false when the path is not one.
 */
export function handleControl(core: PushCore, req: IncomingMessage, res: ServerResponse): boolean {
  return readControlOp(req, res, (op) => sendOpResult(res, op, runOnCore(core, op))) || handleMessagePost(core, req, res);
}

/** `{"fraction": f}` with 0 < f <= 1, else 1 (every client). */
export function fractionFrom(body: unknown): number {
  if (typeof body === 'object' && body !== null) {
    const f = (body as Record<string, unknown>).fraction;
    if (typeof f === 'number' && f > 0 && f <= 1) return f;
  }
  return 1;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads a small body as text (one chunk, the usual case, without a copy); answers 413 itself past MAX_BODY. */
export function readBody(req: IncomingMessage, res: ServerResponse, then: (text: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY) chunks.push(c);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return sendJson(res, 413, { ok: false, error: 'body too large' });
    then((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'));
  });
}

/** Reads a small JSON body ({} when empty); answers 413/400 itself. */
export function readJson(req: IncomingMessage, res: ServerResponse, then: (body: unknown) => void): void {
  readBody(req, res, (raw) => {
    const text = raw.trim();
    if (text === '') return then({});
    try {
      then(JSON.parse(text));
    } catch {
      sendJson(res, 400, { ok: false, error: 'body is not JSON' });
    }
  });
}
