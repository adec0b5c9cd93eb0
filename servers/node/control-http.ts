// /healthz and /control/* for servers on bare node:http (node-sse, node-ws, tcp-floor).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PATHS, isBroadcastRequest } from '../contract.ts';
import type { PushCore } from './core.ts';
import { heapUsedFor } from './heap.ts';

const MAX_BODY = 64 * 1024;

/** Handles a contract endpoint; returns false when the path is not one. */
export function handleControl(core: PushCore, req: IncomingMessage, res: ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://x');
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case `GET ${PATHS.health}`:
      sendJson(res, 200, core.health(heapUsedFor(url.searchParams.get('gc') === '1')));
      return true;
    case `POST ${PATHS.broadcast}`:
      readJson(req, res, (body) => {
        if (!isBroadcastRequest(body)) {
          sendJson(res, 400, { ok: false, error: 'body must be {"rate">0,"count">=0,"bytes">=0,"event":name}' });
          return;
        }
        core.broadcast(body);
        sendJson(res, 202, { ok: true });
      });
      return true;
    case `POST ${PATHS.drop}`:
      readJson(req, res, (body) => {
        const dropped = core.drop(fractionFrom(body));
        sendJson(res, 200, { ok: true, dropped });
      });
      return true;
    case `POST ${PATHS.reset}`:
      readJson(req, res, () => {
        core.reset();
        sendJson(res, 200, { ok: true });
      });
      return true;
    default:
      return false;
  }
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

/** Reads a small JSON body ({} when empty); answers 413/400 itself. Also used by cluster-worker.ts. */
export function readJson(req: IncomingMessage, res: ServerResponse, then: (body: unknown) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY) chunks.push(c);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return sendJson(res, 413, { ok: false, error: 'body too large' });
    const text = Buffer.concat(chunks).toString('utf8').trim();
    if (text === '') return then({});
    try {
      then(JSON.parse(text));
    } catch {
      sendJson(res, 400, { ok: false, error: 'body is not JSON' });
    }
  });
}
